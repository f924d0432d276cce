#!/usr/bin/env bash
# Wall benchmark (`make bench-wall`): what the pledge wall costs when the page cache does not
# have it, at 10,000 and at 1,000,000 pledges.
#
# Every filter and page misses the origin page cache once a minute, and every publish retires
# them all, so the wall rendered from the database is what a busy campaign pays for. One run
# builds a fresh PostgreSQL database with the demo content, starts gunicorn (production
# settings, 2 sync workers) with the page cache off (PAGE_CACHE_SECONDS=0: every request renders
# the page, as a miss does), then for each size grows the wall to that many pledges (inside
# PostgreSQL) and measures with wrk: page one, a page half-way down (keyset), and one area's
# organisations (both filters); with the bare view /healthz as the baseline. It reports req/s,
# p50/p99 and the CPU time per request of the app, PostgreSQL and Redis, against the aim of
# < 10 ms of app CPU per page. Everything it starts, it stops; all traffic stays on 127.0.0.1.
# See bench/README.md.
#
# Settings (environment):
#   BENCH_DURATION=10      seconds measured per wrk target   BENCH_WARMUP=2   warm-up seconds
#   BENCH_THREADS=2        wrk threads                       BENCH_CONNECTIONS=16   wrk connections
#   BENCH_WORKERS=2        gunicorn sync workers             BENCH_DB=bt_bench_wall
#   BENCH_WALL_SIZES="10000 1000000"   pledges on the wall, in increasing order
#   BENCH_REDIS_DB=3       Redis database (the cache; flushed at start and at exit)
#   BENCH_KEEP_DB=0        1 keeps the database for inspection (it is dropped otherwise)
#   BENCH_STRICT=0         1 makes a missed aim fail the run (exit 3)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY="$ROOT/.venv/bin/python"

DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-16}
WORKERS=${BENCH_WORKERS:-2}
SIZES=${BENCH_WALL_SIZES:-10000 1000000}
DB_NAME=${BENCH_DB:-bt_bench_wall}
REDIS_DB=${BENCH_REDIS_DB:-3}
PG_ARGS=(-h 127.0.0.1 -p 5432 -U postgres)
REDIS=(redis-cli -h 127.0.0.1 -p 6379 -n "$REDIS_DB")
OWNER_KEY=bench:wall:owner
STARTED_AT=$(date +%s)

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
# shellcheck source=bench/measure.sh
source "$ROOT/bench/measure.sh"

# --- tools ----------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
  [ "$(id -u)" = 0 ] || die "install wrk first: sudo apt-get install -y wrk"
  say "installing wrk"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >/dev/null
fi
for tool in wrk curl psql createdb dropdb redis-cli pgrep; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done
[ -x "$PY" ] || die "no virtualenv at .venv (run scripts/setup)"
pg_isready "${PG_ARGS[@]}" -q || die "PostgreSQL is not accepting connections on 127.0.0.1:5432"
[ "$("${REDIS[@]}" ping 2>/dev/null)" = PONG ] || die "Redis is not answering on 127.0.0.1:6379"
# Redis databases are shared by everyone on this machine: only flush an empty one or our own.
keys=$("${REDIS[@]}" dbsize)
if [ "$keys" != 0 ] && [ "$("${REDIS[@]}" exists "$OWNER_KEY")" != 1 ]; then
  die "Redis database $REDIS_DB holds $keys keys of something else; choose another with BENCH_REDIS_DB"
fi

# --- clean-up -------------------------------------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bt-bench-wall.XXXXXX")
GUNICORN_PID=""
HELPER_PID=""

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop "$WRK_PID"
  stop "$HELPER_PID"
  stop "$GUNICORN_PID"
  if [ "$status" -ne 0 ] && [ "$status" -ne 3 ] && [ -s "$TMP/gunicorn.log" ]; then
    echo "--- last lines of gunicorn.log" >&2; tail -n 20 "$TMP/gunicorn.log" >&2
  fi
  rm -rf "$TMP"
  "${REDIS[@]}" flushdb >/dev/null 2>&1 || true
  if [ "${BENCH_KEEP_DB:-0}" != 1 ]; then
    dropdb "${PG_ARGS[@]}" --if-exists --force "$DB_NAME" 2>/dev/null || true
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'echo "bench: FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

helper() {  # helper <subcommand> [args...]: bench/pledges_bench.py, stoppable by a signal
  "$PY" "$ROOT/bench/pledges_bench.py" "$@" &
  HELPER_PID=$!
  wait "$HELPER_PID"
  HELPER_PID=""
}

# --- environment: production settings, plain http on loopback, no page cache ----------------------
APP_PORT=$(free_port)
ORIGIN="http://127.0.0.1:$APP_PORT"
production_env "$ORIGIN" btbenchw
# Nothing else changes: the page is still marked public (s-maxage=0), and everything else the
# app keeps in Redis (rate limits, counters, the content generation) is there as in production.
export PAGE_CACHE_SECONDS=0

# --- database, content, static files --------------------------------------------------------------
fresh_database
"${REDIS[@]}" set "$OWNER_KEY" "bench/run_wall.sh" >/dev/null
eval "$("$PY" bench/pledges_bench.py targets)"  # SUBMIT_PATH, FORM, WALL_PATH

# --- gunicorn (the origin), with the page cache off -----------------------------------------------
start_gunicorn "$APP_PORT" "$WORKERS"

check_page() {  # check_page <url> <text it must show>: 200, public, rendered for every request
  local url=$1 text=$2 body headers
  for _ in 1 2; do
    headers=$(curl -s -D - -o "$TMP/page.html" "$url")
    grep -q '^HTTP/1.1 200' <<<"$headers" || die "$url: $(head -n 1 <<<"$headers")"
    grep -qi '^X-Cache: MISS' <<<"$headers" || die "$url: not rendered afresh (page cache on?)"
    grep -qi '^Cache-Control: public' <<<"$headers" || die "$url: not the anonymous, public page"
  done
  body=$(cat "$TMP/page.html")
  grep -q "$text" <<<"$body" || die "$url: does not show '$text'"
}

RESULTS="$TMP/results.tsv"
: >"$RESULTS"
BUSY_BEFORE=$(cpu_busy)
if [ "$BUSY_BEFORE" -gt 15 ]; then
  say "WARNING: the machine is already ${BUSY_BEFORE}% busy with other work; figures will be low and noisy"
fi

say "measuring: wrk -t$THREADS -c$CONNECTIONS, ${WARMUP}s warm-up + ${DURATION}s per target"
export BENCH_HEADER=""
measure bare "bare view /healthz" "$ORIGIN/healthz"

for size in $SIZES; do
  say "growing the wall to $size pledges (INSERT ... SELECT generate_series)"
  helper seed-wall --total "$size" >"$TMP/seed.out"
  eval "$(cat "$TMP/seed.out")"  # SEEDED_WALL, SEED_SECONDS
  say "  done in ${SEED_SECONDS}s: $SEEDED_WALL on the wall"
  helper wall-targets >"$TMP/targets.out"
  eval "$(cat "$TMP/targets.out")"  # WALL_DEEP_QUERY, WALL_DEEP_PAGE, WALL_FILTER_QUERY
  check_page "$ORIGIN$WALL_PATH" 'rel="next">Older pledges'
  check_page "$ORIGIN$WALL_PATH$WALL_DEEP_QUERY" 'rel="prev">Newer pledges'
  check_page "$ORIGIN$WALL_PATH$WALL_FILTER_QUERY" '(organisation)'
  label=$(sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$SEEDED_WALL")  # 1,000,000
  measure "wall:$SEEDED_WALL:first" "$label: page one" "$ORIGIN$WALL_PATH"
  measure "wall:$SEEDED_WALL:deep" "$label: page $WALL_DEEP_PAGE (keyset)" "$ORIGIN$WALL_PATH$WALL_DEEP_QUERY"
  measure "wall:$SEEDED_WALL:filtered" "$label: one area's organisations" "$ORIGIN$WALL_PATH$WALL_FILTER_QUERY"
done
BUSY_AFTER=$(cpu_busy)

# --- report ---------------------------------------------------------------------------------------
report_status=0
"$PY" "$ROOT/bench/report_wall.py" "$RESULTS" >"$TMP/report.txt" || report_status=$?
mkdir -p "$ROOT/bench/results"
{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg);" \
    "wrk -t$THREADS -c$CONNECTIONS, ${WARMUP}s warm-up + ${DURATION}s per target; gunicorn $WORKERS sync workers," \
    "PAGE_CACHE_SECONDS=0; CPU busy with other work before/after: ${BUSY_BEFORE}%/${BUSY_AFTER}%;" \
    "run took $(( $(date +%s) - STARTED_AT )) s"
  cat "$TMP/report.txt"
} | tee "$ROOT/bench/results/wall-latest.txt"
cp "$RESULTS" "$ROOT/bench/results/wall-latest.tsv"  # the raw figures: report_wall.py reads them
case $report_status in
  0) ;;
  1) if [ "${BENCH_STRICT:-0}" = 1 ]; then exit 3; fi ;;
  2) die "some requests failed (see the errors column)" ;;
  *) die "bench/report_wall.py failed" ;;
esac
