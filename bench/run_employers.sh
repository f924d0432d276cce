#!/usr/bin/env bash
# Employers benchmark (`make bench-employers`): the workplace pledge's public pages and its
# check-in/renewal sweep, beside the bare Django view, with the CPU time each costs.
#
# One run builds a fresh PostgreSQL database with the demo content (employers included), seeds
# 500 approved employers, starts gunicorn (production settings, 2 sync workers, Redis as cache
# and Celery broker, no worker), then measures with wrk:
#   1. the bare view /healthz, and four pages from the origin page cache (X-Cache: HIT): the
#      employers listing's page one, a filtered listing (sector and district), a page half-way
#      down (keyset: ?after=<pk>) and one employer's public page;
#   2. the same four pages rendered for every request (a second gunicorn, PAGE_CACHE_SECONDS=0),
#      with the SQL queries one request makes;
#   3. employers.services.schedule.send_due_events over 10,000 approved employers with an event
#      due (check-ins, renewal reminders, lapses; emails queued, no worker), and checks it;
# and prints a table with the ratios and aims. Everything it starts, it stops; all traffic stays
# on 127.0.0.1. See bench/README.md.
#
# Settings (environment):
#   BENCH_DURATION=10      seconds measured per wrk target   BENCH_WARMUP=2   warm-up seconds
#   BENCH_THREADS=2        wrk threads                       BENCH_CONNECTIONS=16   wrk connections
#   BENCH_WORKERS=2        gunicorn sync workers             BENCH_DB=bt_bench_employers
#   BENCH_LISTED=500       seeded employers in the listing   BENCH_DUE=10000  due for the sweep
#   BENCH_REDIS_DB=4       Redis database (cache and broker; flushed at start and at exit)
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
LISTED=${BENCH_LISTED:-500}
DUE=${BENCH_DUE:-10000}
DB_NAME=${BENCH_DB:-bt_bench_employers}
REDIS_DB=${BENCH_REDIS_DB:-4}
PG_ARGS=(-h 127.0.0.1 -p 5432 -U postgres)
REDIS=(redis-cli -h 127.0.0.1 -p 6379 -n "$REDIS_DB")
OWNER_KEY=bench:employers:owner
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
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bt-bench-employers.XXXXXX")
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

helper() {  # helper <subcommand> [args...]: bench/employers_bench.py, stoppable by a signal
  "$PY" "$ROOT/bench/employers_bench.py" "$@" &
  HELPER_PID=$!
  wait "$HELPER_PID"
  HELPER_PID=""
}

# --- environment: production settings, plain http on loopback -------------------------------------
APP_PORT=$(free_port)
ORIGIN="http://127.0.0.1:$APP_PORT"
production_env "$ORIGIN" btbenche  # the production default PAGE_CACHE_SECONDS (60)

# --- database, content, static files, employers ---------------------------------------------------
fresh_database
"${REDIS[@]}" set "$OWNER_KEY" "bench/run_employers.sh" >/dev/null
say "seeding $LISTED approved employers in the listing (bulk insert)"
helper seed-listing --count "$LISTED" >"$TMP/seed.out"
eval "$(cat "$TMP/seed.out")"  # SEEDED_LISTED, SEED_SECONDS
say "  done in ${SEED_SECONDS}s: $SEEDED_LISTED employers listed (with the demo's)"
helper targets >"$TMP/targets.out"
# LISTING_PATH, LISTED, FILTER_QUERY, FILTER_SHOWN, FILTER_MATCHES, KEYSET_QUERY, KEYSET_PAGE,
# PAGES, EMPLOYER_PATH, EMPLOYER_NAME
eval "$(cat "$TMP/targets.out")"
PAGE_NAMES=(first filtered keyset employer)
declare -A PATHS=(
  [first]="$LISTING_PATH"
  [filtered]="$LISTING_PATH$FILTER_QUERY"
  [keyset]="$LISTING_PATH$KEYSET_QUERY"
  [employer]="$EMPLOYER_PATH"
)
declare -A TEXTS=(  # what each page must show
  [first]='rel="next">More employers'
  [filtered]='class="employer-card"'
  [keyset]='rel="next">More employers'
  [employer]="$EMPLOYER_NAME"
)
declare -A LABELS=(
  [first]="listing, page one of $PAGES"
  [filtered]="listing, sector + district, $FILTER_SHOWN"
  [keyset]="listing, page $KEYSET_PAGE, keyset"
  [employer]="employer page"
)

check_page() {  # check_page <url> <text> <X-Cache of the second request>: 200, public, shows text
  local url=$1 text=$2 expected=$3 headers
  for _ in 1 2; do
    headers=$(curl -s -D - -o "$TMP/page.html" "$url")
    grep -q '^HTTP/1.1 200' <<<"$headers" || die "$url: $(head -n 1 <<<"$headers")"
    grep -qi '^Cache-Control: public' <<<"$headers" || die "$url: not the anonymous, public page"
    if grep -qi '^Set-Cookie' <<<"$headers"; then die "$url: sets a cookie"; fi
  done
  grep -qi "^X-Cache: $expected" <<<"$headers" || die "$url: the second request was not an X-Cache: $expected"
  grep -qF "$text" "$TMP/page.html" || die "$url: does not show '$text'"
}

RESULTS="$TMP/results.tsv"
: >"$RESULTS"
BUSY_BEFORE=$(cpu_busy)
if [ "$BUSY_BEFORE" -gt 15 ]; then
  say "WARNING: the machine is already ${BUSY_BEFORE}% busy with other work; figures will be low and noisy"
fi
export BENCH_HEADER=""

# --- 1. the bare view, and the pages from the origin page cache -----------------------------------
start_gunicorn "$APP_PORT" "$WORKERS"
for name in "${PAGE_NAMES[@]}"; do check_page "$ORIGIN${PATHS[$name]}" "${TEXTS[$name]}" HIT; done
say "measuring: wrk -t$THREADS -c$CONNECTIONS, ${WARMUP}s warm-up + ${DURATION}s per target"
measure bare "bare view /healthz" "$ORIGIN/healthz"
for name in "${PAGE_NAMES[@]}"; do
  measure "cached:$name" "${LABELS[$name]} (page cache)" "$ORIGIN${PATHS[$name]}"
done
stop "$GUNICORN_PID"
GUNICORN_PID=""

# --- 2. the same pages rendered for every request ---------------------------------------------------
# Nothing else changes: the pages are still marked public (s-maxage=0), and everything else the
# app keeps in Redis (the content generation, rate limits) is there as in production.
export PAGE_CACHE_SECONDS=0
targets=()
for name in "${PAGE_NAMES[@]}"; do targets+=("$name=${PATHS[$name]}"); done
helper queries --host "127.0.0.1:$APP_PORT" "${targets[@]}" >"$TMP/queries.out"
eval "$(cat "$TMP/queries.out")"  # Q_first, Q_filtered, Q_keyset, Q_employer
start_gunicorn "$APP_PORT" "$WORKERS"
for name in "${PAGE_NAMES[@]}"; do check_page "$ORIGIN${PATHS[$name]}" "${TEXTS[$name]}" MISS; done
for name in "${PAGE_NAMES[@]}"; do
  measure "uncached:$name" "${LABELS[$name]} (rendered)" "$ORIGIN${PATHS[$name]}"
  queries_var="Q_$name"
  sed -i '$ s/$/ queries='"${!queries_var}"'/' "$RESULTS"  # the row just measured
done
stop "$GUNICORN_PID"
GUNICORN_PID=""

# --- 3. the check-in/renewal sweep ----------------------------------------------------------------
say "seeding $DUE approved employers with a check-in, renewal reminder or lapse due (bulk insert)"
helper seed-due --count "$DUE" --expect "$TMP/expected.json" >"$TMP/seed.out"
eval "$(cat "$TMP/seed.out")"  # SEEDED_DUE, EVENTS, SEED_SECONDS
say "  done in ${SEED_SECONDS}s: $SEEDED_DUE due ($EVENTS)"
say "sweep over $SEEDED_DUE due employers (broker on Redis, no worker)"
helper sweep --expect "$TMP/expected.json" >"$TMP/sweep.out"
line=$(grep '^BENCH ' "$TMP/sweep.out") || die "the sweep gave no result"
printf 'sweep\tcheck-in/renewal sweep\t%s\n' "$line" >>"$RESULTS"
say "  ${line#BENCH }"
[ "$(value "$line" problems)" = "''" ] || die "sweep: $(sed "s/.* problems='\(.*\)'.*/\1/" <<<"$line")"

BUSY_AFTER=$(cpu_busy)

# --- report ---------------------------------------------------------------------------------------
report_status=0
"$PY" "$ROOT/bench/report_employers.py" "$RESULTS" >"$TMP/report.txt" || report_status=$?
mkdir -p "$ROOT/bench/results"
{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg);" \
    "wrk -t$THREADS -c$CONNECTIONS, ${WARMUP}s warm-up + ${DURATION}s per target; gunicorn $WORKERS sync workers;" \
    "$SEEDED_LISTED employers listed, $SEEDED_DUE due for the sweep;" \
    "CPU busy with other work before/after: ${BUSY_BEFORE}%/${BUSY_AFTER}%; run took $(( $(date +%s) - STARTED_AT )) s"
  cat "$TMP/report.txt"
} | tee "$ROOT/bench/results/employers-latest.txt"
cp "$RESULTS" "$ROOT/bench/results/employers-latest.tsv"  # the raw figures: report_employers.py reads them
case $report_status in
  0) ;;
  1) if [ "${BENCH_STRICT:-0}" = 1 ]; then exit 3; fi ;;
  2) die "something failed (see the errors column and the sweep line)" ;;
  *) die "bench/report_employers.py failed" ;;
esac
