#!/usr/bin/env bash
# Emails benchmark (`make bench-emails`): reminders through the outbox and a real Celery worker
# (production settings, prefork, Redis as broker and cache) to an SMTP sink on loopback:
#   a. at full speed (no sending rate set): emails a second and the worker's CPU per email;
#   b. 100,000 reminders at a provider's rate: how long they take against what the rate allows;
#   c. a short run at a low rate (14/s, a new Amazon SES account): the rate kept, never exceeded.
# Each row gives the CPU per email of the worker, PostgreSQL, Redis and the sink. Everything it
# starts, it stops; all traffic stays on 127.0.0.1. See bench/README.md.
#
# Settings (environment):
#   BENCH_RATE=200            the provider rate of part b, emails a second
#   BENCH_RATE_EMAILS=100000  reminders sent at that rate
#   BENCH_FULL_EMAILS=20000   reminders sent at full speed (part a)
#   BENCH_LOW_RATE=14         the rate of part c     BENCH_LOW_EMAILS=280   emails in part c
#   BENCH_CELERY_CONCURRENCY=4   worker pool processes (as docker-compose.yml runs)
#   BENCH_DB=bt_bench_mail    BENCH_REDIS_DB=13 (shared safely: only this run's keys are removed)
#   BENCH_KEEP_DB=0           1 keeps the database for inspection (it is dropped otherwise)
#   BENCH_STRICT=0            1 makes a missed aim fail the run (exit 3)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY="$ROOT/.venv/bin/python"
DB_NAME=${BENCH_DB:-bt_bench_mail}
REDIS_DB=${BENCH_REDIS_DB:-13}
PG_ARGS=(-h 127.0.0.1 -p 5432 -U postgres)
REDIS=(redis-cli -h 127.0.0.1 -p 6379 -n "$REDIS_DB")
STARTED_AT=$(date +%s)

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

for tool in psql createdb dropdb redis-cli pg_isready ps pgrep; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done
[ -x "$PY" ] || die "no virtualenv at .venv (run scripts/setup)"
"$PY" -c 'import aiosmtpd' 2>/dev/null || die "aiosmtpd is not installed in .venv (dev dependencies)"
pg_isready "${PG_ARGS[@]}" -q || die "PostgreSQL is not accepting connections on 127.0.0.1:5432"
[ "$("${REDIS[@]}" ping 2>/dev/null)" = PONG ] || die "Redis is not answering on 127.0.0.1:6379"
# The Redis database may be shared (test suites' brokers use their own queue names): this run
# uses the default queue and its own cache prefix, and removes only those at the end.
[ "$("${REDIS[@]}" llen celery)" = 0 ] || die "Redis database $REDIS_DB has tasks waiting in the default queue; choose another with BENCH_REDIS_DB"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/bt-bench-emails.XXXXXX")
PREFIX="btbenchmail$$"
SINK_PID=""
HELPER_PID=""

stop_group() {  # stop_group <pid file>: the worker the Python helper started, with its pool
  local pid
  [ -s "$1" ] || return 0
  pid=$(cat "$1")
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM -- "-$pid" 2>/dev/null || true
  for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop "$HELPER_PID"
  stop_group "$TMP/worker.pid"
  stop "$SINK_PID"
  if [ "$status" -ne 0 ] && [ "$status" -ne 3 ] && [ -s "$TMP/worker.log" ]; then
    echo "--- last lines of worker.log" >&2; tail -n 20 "$TMP/worker.log" >&2
  fi
  rm -rf "$TMP"
  "${REDIS[@]}" del celery >/dev/null 2>&1 || true
  "${REDIS[@]}" --scan --pattern "$PREFIX:*" | xargs -r "${REDIS[@]}" del >/dev/null 2>&1 || true
  if [ "${BENCH_KEEP_DB:-0}" != 1 ]; then
    dropdb "${PG_ARGS[@]}" --if-exists --force "$DB_NAME" 2>/dev/null || true
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'echo "bench: FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

helper() {  # helper <subcommand> [args...]: bench/emails_bench.py, stoppable by a signal
  "$PY" "$ROOT/bench/emails_bench.py" "$@" &
  HELPER_PID=$!
  wait "$HELPER_PID"
  HELPER_PID=""
}

production_env "http://127.0.0.1:8000" "$PREFIX"

say "fresh database $DB_NAME; Redis db $REDIS_DB (cache prefix $PREFIX)"
out=$(dropdb "${PG_ARGS[@]}" --if-exists --force "$DB_NAME" 2>&1) || die "could not drop $DB_NAME: $out"
createdb "${PG_ARGS[@]}" "$DB_NAME"
"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py load_demo_content >/dev/null

"$PY" bench/emails_bench.py sink --port-file "$TMP/sink.port" --times-file "$TMP/sink.times" &
SINK_PID=$!
for _ in $(seq 100); do [ -s "$TMP/sink.port" ] && break; sleep 0.1; done
[ -s "$TMP/sink.port" ] || die "the SMTP sink did not start"

RATE=${BENCH_RATE:-200}
say "SMTP sink on 127.0.0.1:$(cat "$TMP/sink.port"); worker prefork x${BENCH_CELERY_CONCURRENCY:-4};" \
  "${BENCH_FULL_EMAILS:-20000} at full speed, ${BENCH_RATE_EMAILS:-100000} at ${RATE}/s," \
  "${BENCH_LOW_EMAILS:-280} at ${BENCH_LOW_RATE:-14}/s"
BUSY_BEFORE=$(awk '/^cpu /{ print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat)
helper run --smtp-port "$(cat "$TMP/sink.port")" --sink-pid "$SINK_PID" \
  --times-file "$TMP/sink.times" --worker-pid-file "$TMP/worker.pid" --worker-log "$TMP/worker.log" \
  --concurrency "${BENCH_CELERY_CONCURRENCY:-4}" --full-emails "${BENCH_FULL_EMAILS:-20000}" \
  --rate "$RATE" --rate-emails "${BENCH_RATE_EMAILS:-100000}" \
  --low-rate "${BENCH_LOW_RATE:-14}" --low-emails "${BENCH_LOW_EMAILS:-280}" >"$TMP/run.out"
sed 's/^BENCH /bench:   /' "$TMP/run.out"
grep '^BENCH ' "$TMP/run.out" >"$TMP/results.txt" || die "the run gave no result"
BUSY=$(awk -v before="$BUSY_BEFORE" '/^cpu /{ split(before, b, " ");
  busy = $2+$3+$4+$7+$8+$9 - b[1]; all = $2+$3+$4+$5+$6+$7+$8+$9 - b[2];
  printf "%.0f", (all > 0 ? 100 * busy / all : 0) }' /proc/stat)

report_status=0
"$PY" bench/emails_bench.py report "$TMP/results.txt" >"$TMP/report.txt" || report_status=$?
mkdir -p "$ROOT/bench/results"
{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg);" \
    "Celery prefork x${BENCH_CELERY_CONCURRENCY:-4}; machine ${BUSY}% busy during the run (all processes);" \
    "run took $(( $(date +%s) - STARTED_AT )) s"
  cat "$TMP/report.txt"
} | tee "$ROOT/bench/results/emails-latest.txt"
cp "$TMP/results.txt" "$ROOT/bench/results/emails-latest.tsv"
case $report_status in
  0) ;;
  1) if [ "${BENCH_STRICT:-0}" = 1 ]; then exit 3; fi ;;
  *) die "the report failed" ;;
esac
