#!/usr/bin/env bash
# Pledges benchmark (`make bench-pledges`): how many pledges, wall pages, reminders and emails
# the production stack handles, beside the bare Django view and the SMTP sink's own rate.
#
# One run builds a fresh PostgreSQL database with the demo content, starts gunicorn (production
# settings, 2 sync workers, Redis as cache and Celery broker, no worker), then measures:
#   1. the bare view /healthz, and pledge form POSTs (wrk, a new email address per request),
#      then checks that every redirect stored a pledge with its consents and outbox row;
#   2. the pledge wall with 10,000 pledges on it, from the origin page cache and rendered;
#   3. the reminder sweep over 100,000 pledges with a reminder due (no worker: tasks wait in Redis);
#   4. emails through the outbox and a real Celery worker (prefork, 2 processes) to an SMTP
#      sink, beside the sink's own rate with a plain smtplib client.
# and prints a table with the ratios and aims. Everything it starts, it stops; all traffic stays
# on 127.0.0.1. See bench/README.md.
#
# Settings (environment):
#   BENCH_DURATION=10      seconds measured per wrk target   BENCH_WARMUP=2   warm-up seconds
#   BENCH_THREADS=2        wrk threads                       BENCH_CONNECTIONS=16   wrk connections
#   BENCH_WORKERS=2        gunicorn sync workers             BENCH_CELERY_CONCURRENCY=2
#   BENCH_WALL=10000       pledges on the wall               BENCH_REMINDERS=100000  due reminders
#   BENCH_EMAILS=5000      emails per delivery mode          BENCH_DB=bt_bench_pledges
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
CELERY_CONCURRENCY=${BENCH_CELERY_CONCURRENCY:-2}
WALL=${BENCH_WALL:-10000}
REMINDERS=${BENCH_REMINDERS:-100000}
EMAILS=${BENCH_EMAILS:-5000}
DB_NAME=${BENCH_DB:-bt_bench_pledges}
REDIS_DB=${BENCH_REDIS_DB:-2}
PG_ARGS=(-h 127.0.0.1 -p 5432 -U postgres)
REDIS=(redis-cli -h 127.0.0.1 -p 6379 -n "$REDIS_DB")
OWNER_KEY=bench:pledges:owner
STARTED_AT=$(date +%s)

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

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
"$PY" -c 'import aiosmtpd' 2>/dev/null || die "aiosmtpd is not installed in .venv (dev dependencies)"
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
SINK_PID=""
WRK_PID=""
HELPER_PID=""

stop_group() {  # stop_group <pid file>: a process group the Python helper started (the worker)
  local pid
  [ -s "$1" ] || return 0
  pid=$(cat "$1")
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM -- "-$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop "$WRK_PID"
  stop "$HELPER_PID"
  stop_group "$TMP/worker.pid"
  stop "$SINK_PID"
  stop "$GUNICORN_PID"
  if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then
    for log in "$TMP/gunicorn.log" "$TMP/worker.log"; do
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

# --- CPU accounting -------------------------------------------------------------------------------
# CPU ticks so far: the whole machine (busy, all); the web app (gunicorn and its workers);
# PostgreSQL (the backends serving the bench database); Redis; and wrk (this shell's reaped
# children). Whatever else kept the CPUs busy was other work competing with the run.
HZ=$(getconf CLK_TCK)
machine_ticks() { awk '/^cpu /{ print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat; }
pids_ticks() {  # pids_ticks <pid>...: their utime + stime
  local pid total=0 f
  for pid in "$@"; do
    read -r -a f < <(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
    total=$((total + f[11] + f[12]))
  done
  echo "$total"
}
db_pids() {
  psql "${PG_ARGS[@]}" -d postgres -qAtc \
    "SELECT pid FROM pg_stat_activity WHERE datname = '$DB_NAME'" 2>/dev/null || true
}
# ticks of: app redis, then pid:ticks of each PostgreSQL backend (they come and go: a connection
# older than CONN_MAX_AGE is replaced, so backends are compared one by one)
group_ticks() {
  local app redis pid backends=""
  app=$(pids_ticks "$GUNICORN_PID" $(ps -o pid= --ppid "$GUNICORN_PID"))
  redis=$(pids_ticks $(pgrep -x redis-server || true))
  for pid in $(db_pids); do backends="$backends $pid:$(pids_ticks "$pid")"; done
  echo "$app $redis$backends"
}
backend_delta() {  # backend_delta "<pid:ticks...>" "<pid:ticks...>": ticks used in between
  awk -v a="$1" -v b="$2" 'BEGIN {
    n = split(a, before, " "); for (i = 1; i <= n; i++) { split(before[i], f, ":"); t[f[1]] = f[2] }
    n = split(b, after, " "); total = 0
    for (i = 1; i <= n; i++) { split(after[i], f, ":"); total += f[2] - ((f[1] in t) ? t[f[1]] : 0) }
    print (total > 0 ? total : 0) }'
}
child_ticks() { local f; read -r -a f < <(sed 's/^.*) //' /proc/$$/stat); echo $((f[13] + f[14])); }
cpu_busy() {  # cpu_busy: percentage of all CPUs busy over 2 s
  local a b
  a=$(machine_ticks); sleep 2; b=$(machine_ticks)
  echo "$a $b" | awk '{ d = $4 - $2; printf "%.0f", (d > 0 ? 100 * ($3 - $1) / d : 0) }'
}

RESULTS="$TMP/results.tsv"
: >"$RESULTS"
run_wrk() {  # run_wrk <seconds> <url> <lua script>: in the background, so a signal stops it at once
  wrk -t "$THREADS" -c "$CONNECTIONS" -d "${1}s" --timeout 5s -s "$3" "$2" &
  WRK_PID=$!
  wait "$WRK_PID"
  WRK_PID=""
}
measure() {  # measure <group> <label> <url> [lua script]: a warm-up, then the measured run
  local group=$1 label=$2 url=$3 script=${4:-$ROOT/bench/report.lua} line m0 m1 g0 g1 c0 c1 other requests
  BENCH_RUN=warmup run_wrk "$WARMUP" "$url" "$script" >"$TMP/warmup.out"
  read -r -a m0 < <(machine_ticks); read -r -a g0 < <(group_ticks); c0=$(child_ticks)
  BENCH_RUN=measure run_wrk "$DURATION" "$url" "$script" >"$TMP/wrk.out"
  read -r -a m1 < <(machine_ticks); read -r -a g1 < <(group_ticks); c1=$(child_ticks)
  line=$(grep '^BENCH ' "$TMP/wrk.out") || die "wrk gave no result for $url"
  # a backend that closed meanwhile (connection age) takes its last ticks with it: a small loss
  local app=$((g1[0] - g0[0])) redis=$((g1[1] - g0[1]))
  local db
  db=$(backend_delta "${g0[*]:2}" "${g1[*]:2}")
  other=$(( (m1[0] - m0[0] - app - db - redis - (c1 - c0)) * 100 / (m1[1] - m0[1] > 0 ? m1[1] - m0[1] : 1) ))
  [ "$other" -ge 0 ] || other=0
  requests=$(sed 's/.* requests=\([0-9]*\).*/\1/' <<<"$line")
  [ "$requests" -gt 0 ] || requests=1
  # CPU time per request, in microseconds, for each part of the stack
  line="$line other_cpu_pct=$other app_us=$((app * 1000000 / HZ / requests))"
  line="$line db_us=$((db * 1000000 / HZ / requests)) redis_us=$((redis * 1000000 / HZ / requests))"
  printf '%s\t%s\t%s\n' "$group" "$label" "$line" >>"$RESULTS"
  printf 'bench:   %-44s %s\n' "$label" "${line#BENCH }"
}
value() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"; }  # value <BENCH line> <key>

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
eval "$(cat "$TMP/seed.out")"  # SEEDED_WALL, SEEDED_DUE, SEED_SECONDS, WALL_DEEP_QUERY
say "  done in ${SEED_SECONDS}s: $SEEDED_WALL on the wall, $SEEDED_DUE due"
wall_headers=$(curl -s -o /dev/null -D - "$ORIGIN$WALL_PATH"; curl -s -o /dev/null -D - "$ORIGIN$WALL_PATH")
grep -qi '^X-Cache: HIT' <<<"$wall_headers" || die "the wall page is not served from the origin page cache"
export BENCH_HEADER=""
measure wall "wall $WALL_PATH (origin page cache)" "$ORIGIN$WALL_PATH"
# A session cookie makes the page cache step aside: the page is rendered from the database.
export BENCH_HEADER="Cookie: sessionid=bench-not-a-session"
measure wall_render "wall $WALL_PATH rendered (no page cache)" "$ORIGIN$WALL_PATH"
measure wall_render_deep "wall, page $((WALL / 2 / 24)) rendered (keyset)" "$ORIGIN$WALL_PATH$WALL_DEEP_QUERY"
export BENCH_HEADER=""
stop "$GUNICORN_PID"
GUNICORN_PID=""

# --- 3. the reminder sweep ------------------------------------------------------------------------
say "reminder sweep over $SEEDED_DUE due pledges (broker on Redis, no worker)"
helper sweep >"$TMP/sweep.out"
line=$(grep '^BENCH ' "$TMP/sweep.out") || die "the sweep gave no result"
printf 'sweep\treminder sweep\t%s\n' "$line" >>"$RESULTS"
say "  ${line#BENCH }"
[ "$(value "$line" problems)" = "''" ] || die "sweep: $(value "$line" problems)"

# --- 4. emails: the sink's own rate, then outbox + worker -----------------------------------------
"$PY" bench/smtp_sink.py "$TMP/sink.port" "$TMP/sink.count" &
SINK_PID=$!
for _ in $(seq 100); do [ -s "$TMP/sink.port" ] && break; sleep 0.1; done
[ -s "$TMP/sink.port" ] || die "the SMTP sink did not start"
say "emails: SMTP sink on 127.0.0.1:$(cat "$TMP/sink.port"); $EMAILS per mode; worker prefork x$CELERY_CONCURRENCY"
helper email --count "$EMAILS" --concurrency "$CELERY_CONCURRENCY" --smtp-port "$(cat "$TMP/sink.port")" \
  --sink-pid "$SINK_PID" --sink-counter "$TMP/sink.count" --worker-pid-file "$TMP/worker.pid" \
  --worker-log "$TMP/worker.log" >"$TMP/email.out"
grep '^BENCH ' "$TMP/email.out" | while read -r line; do
  group="$(value "$line" kind)_$(value "$line" mode)"
  printf '%s\t%s\t%s\n' "$group" "$group" "$line" >>"$RESULTS"
  say "  ${line#BENCH }"
done
BUSY_AFTER=$(cpu_busy)

# --- report ---------------------------------------------------------------------------------------
report_status=0
"$PY" "$ROOT/bench/report_pledges.py" "$RESULTS" >"$TMP/report.txt" || report_status=$?
mkdir -p "$ROOT/bench/results"
{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg);" \
    "wrk -t$THREADS -c$CONNECTIONS, ${WARMUP}s warm-up + ${DURATION}s per target; gunicorn $WORKERS sync workers;" \
    "Celery prefork x$CELERY_CONCURRENCY; CPU busy with other work before/after: ${BUSY_BEFORE}%/${BUSY_AFTER}%;" \
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
