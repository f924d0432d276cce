# Shared by bench/run_pledges.sh and bench/run_wall.sh (sourced, not run): wrk runs with the CPU
# time each part of the stack spent on them, read from /proc. Expects ROOT, TMP, DB_NAME,
# PG_ARGS, THREADS, CONNECTIONS, WARMUP, DURATION, RESULTS and GUNICORN_PID to be set, and
# bench/lib.sh to be sourced first.
#
# measure <group> <label> <url> [lua script] appends to $RESULTS one tab-separated line:
#   group, label, and wrk's `BENCH rps=… p50_ms=… p99_ms=… requests=…` line (bench/report.lua)
#   followed by the CPU time per request of the app (gunicorn and its workers), PostgreSQL (the
#   backends serving the bench database) and Redis, in microseconds (app_us, db_us, redis_us),
#   and the share of the CPUs other work used meanwhile (other_cpu_pct).
# Extra request headers come from BENCH_HEADER ("Name: value"), as bench/report.lua reads it.

HZ=$(getconf CLK_TCK)
WRK_PID=""

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
  # shellcheck disable=SC2046  # one pid per word
  app=$(pids_ticks "$GUNICORN_PID" $(ps -o pid= --ppid "$GUNICORN_PID"))
  # shellcheck disable=SC2046
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
