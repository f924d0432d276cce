#!/usr/bin/env bash
# Pledges benchmark (`make bench-pledges`): how many pledges, wall pages and reminders the
# production stack handles, beside the bare Django view, with the CPU time each costs.
#
# One run builds a fresh PostgreSQL database with the demo content, starts gunicorn (production
# settings, 2 sync workers, Redis as cache and Celery broker, no worker), then measures:
#   1. the bare view /healthz, and pledge form POSTs (wrk, a new email address per request),
#      then checks that every redirect stored a pledge with its consents and outbox row;
#   2. the pledge wall with 10,000 pledges on it, from the origin page cache (the wall rendered
#      without the page cache is bench/run_wall.sh);
#   3. the reminder sweep over 100,000 pledges with a reminder due (no worker: tasks wait in Redis);
# and prints a table with the ratios and aims. Emails have their own benchmark
# (bench/run_emails.sh). Everything it starts, it stops; all traffic stays on 127.0.0.1.
# See bench/README.md.
#
# Settings (environment):
#   BENCH_DURATION=10      seconds measured per wrk target   BENCH_WARMUP=2   warm-up seconds
#   BENCH_THREADS=2        wrk threads                       BENCH_CONNECTIONS=16   wrk connections
#   BENCH_WORKERS=2        gunicorn sync workers             BENCH_DB=bt_bench_pledges
#   BENCH_WALL=10000       pledges on the wall               BENCH_REMINDERS=100000  due reminders
#   BENCH_REDIS_DB=2       Redis database (cache and broker; flushed at start and at exit)
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
WALL=${BENCH_WALL:-10000}
REMINDERS=${BENCH_REMINDERS:-100000}
DB_NAME=${BENCH_DB:-bt_bench_pledges}
REDIS_DB=${BENCH_REDIS_DB:-2}
PG_ARGS=(-h 127.0.0.1 -p 5432 -U postgres)
REDIS=(redis-cli -h 127.0.0.1 -p 6379 -n "$REDIS_DB")
OWNER_KEY=bench:pledges:owner
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
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bt-bench-pledges.XXXXXX")
GUNICORN_PID=""
HELPER_PID=""

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop "$WRK_PID"
  stop "$HELPER_PID"
  stop "$GUNICORN_PID"
  if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then
    for log in "$TMP/gunicorn.log"; do
      if [ -s "$log" ]; then echo "--- last lines of $(basename "$log")" >&2; tail -n 20 "$log" >&2; fi
    done
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

# --- environment: production settings, plain http on loopback -------------------------------------
APP_PORT=$(free_port)
ORIGIN="http://127.0.0.1:$APP_PORT"

production_env "$ORIGIN" btbenchp
# Every request comes from 127.0.0.1: the per-IP limit would stop the run after 10 pledges.
# The limits are still counted in Redis on every request, as in production.
export PLEDGE_LIMIT_PER_IP=1000000000
export PLEDGE_LIMIT_PER_EMAIL=1000000000

# --- database, content, static files --------------------------------------------------------------
fresh_database
"${REDIS[@]}" set "$OWNER_KEY" "bench/run_pledges.sh" >/dev/null
eval "$("$PY" bench/pledges_bench.py targets)"  # SUBMIT_PATH, FORM, WALL_PATH

# --- gunicorn (the origin) ------------------------------------------------------------------------
start_gunicorn "$APP_PORT" "$WORKERS"
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d "$FORM&email=check%40bench.invalid" "$ORIGIN$SUBMIT_PATH")
[ "$status" = 302 ] || die "a pledge POST to $SUBMIT_PATH answered $status, not 302"
psql "${PG_ARGS[@]}" -d "$DB_NAME" -qAtc "DELETE FROM pledges_consentrecord WHERE pledge_id IN
  (SELECT id FROM pledges_pledge WHERE email = 'check@bench.invalid');
  DELETE FROM mailings_outboundemail WHERE \"to\" = 'check@bench.invalid';
  DELETE FROM pledges_pledge WHERE email = 'check@bench.invalid'" >/dev/null
"${REDIS[@]}" del celery >/dev/null

RESULTS="$TMP/results.tsv"
: >"$RESULTS"

BUSY_BEFORE=$(cpu_busy)
if [ "$BUSY_BEFORE" -gt 15 ]; then
  say "WARNING: the machine is already ${BUSY_BEFORE}% busy with other work; figures will be low and noisy"
fi

# --- 1. the bare view and pledge submissions ------------------------------------------------------
say "measuring: wrk -t$THREADS -c$CONNECTIONS, ${WARMUP}s warm-up + ${DURATION}s per target"
measure bare "bare view /healthz" "$ORIGIN/healthz"
export BENCH_FORM="$FORM"
measure post "pledge POST $SUBMIT_PATH" "$ORIGIN$SUBMIT_PATH" "$ROOT/bench/pledge_post.lua"
warm=$(grep '^BENCH ' "$TMP/warmup.out") || die "wrk gave no result for the warm-up"
post=$(tail -n 1 "$RESULTS" | cut -f 3)
redirects=$(( $(value "$warm" status_302) + $(value "$post" status_302) ))
answered=$(( $(value "$warm" status_302) + $(value "$warm" status_other) + $(value "$post" status_302) + $(value "$post" status_other) ))
in_flight=$(( $(value "$warm" sent) + $(value "$post" sent) - answered ))
sleep 1  # requests wrk left in flight finish on the server
helper check-submissions --redirects "$redirects" --in-flight "$in_flight" >"$TMP/check.out"
eval "$(cat "$TMP/check.out")"  # STORED, NO_OUTBOX, WRONG_CONSENTS, PUBLISHED, TASKS, PROBLEMS
printf 'check\tsubmissions\tBENCH redirects=%s in_flight=%s stored=%s no_outbox=%s wrong_consents=%s published=%s tasks=%s\n' \
  "$redirects" "$in_flight" "$STORED" "$NO_OUTBOX" "$WRONG_CONSENTS" "$PUBLISHED" "$TASKS" >>"$RESULTS"
say "  $redirects redirects (+$in_flight in flight when wrk stopped): $STORED pledges stored," \
  "$NO_OUTBOX without an outbox row, $WRONG_CONSENTS without their consents," \
  "$PUBLISHED emails handed to the worker in $TASKS tasks"
[ -z "$PROBLEMS" ] || die "$PROBLEMS"

# --- 2. the pledge wall ---------------------------------------------------------------------------
say "seeding $WALL pledges on the wall and $REMINDERS pledges with a reminder due (COPY)"
helper seed --wall "$WALL" --reminders "$REMINDERS" >"$TMP/seed.out"
eval "$(cat "$TMP/seed.out")"  # SEEDED_WALL, SEEDED_DUE, SEED_SECONDS
say "  done in ${SEED_SECONDS}s: $SEEDED_WALL on the wall, $SEEDED_DUE due"
wall_headers=$(curl -s -o /dev/null -D - "$ORIGIN$WALL_PATH"; curl -s -o /dev/null -D - "$ORIGIN$WALL_PATH")
grep -qi '^X-Cache: HIT' <<<"$wall_headers" || die "the wall page is not served from the origin page cache"
export BENCH_HEADER=""
measure wall "wall $WALL_PATH (origin page cache)" "$ORIGIN$WALL_PATH"
stop "$GUNICORN_PID"
GUNICORN_PID=""

# --- 3. the reminder sweep ------------------------------------------------------------------------
say "reminder sweep over $SEEDED_DUE due pledges (broker on Redis, no worker)"
helper sweep >"$TMP/sweep.out"
line=$(grep '^BENCH ' "$TMP/sweep.out") || die "the sweep gave no result"
printf 'sweep\treminder sweep\t%s\n' "$line" >>"$RESULTS"
say "  ${line#BENCH }"
[ "$(value "$line" problems)" = "''" ] || die "sweep: $(value "$line" problems)"

BUSY_AFTER=$(cpu_busy)

# --- report ---------------------------------------------------------------------------------------
report_status=0
"$PY" "$ROOT/bench/report_pledges.py" "$RESULTS" >"$TMP/report.txt" || report_status=$?
mkdir -p "$ROOT/bench/results"
{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg);" \
    "wrk -t$THREADS -c$CONNECTIONS, ${WARMUP}s warm-up + ${DURATION}s per target; gunicorn $WORKERS sync workers;" \
    "CPU busy with other work before/after: ${BUSY_BEFORE}%/${BUSY_AFTER}%;" \
    "run took $(( $(date +%s) - STARTED_AT )) s"
  cat "$TMP/report.txt"
} | tee "$ROOT/bench/results/pledges-latest.txt"
cp "$RESULTS" "$ROOT/bench/results/pledges-latest.tsv"  # the raw figures: report_pledges.py reads them
case $report_status in
  0) ;;
  1) if [ "${BENCH_STRICT:-0}" = 1 ]; then exit 3; fi ;;
  2) die "some requests failed (see the errors column)" ;;
  *) die "bench/report_pledges.py failed" ;;
esac
