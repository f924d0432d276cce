#!/usr/bin/env bash
# Web benchmark (`make bench`): how fast the production stack serves anonymous visitors.
#
# One run builds a fresh PostgreSQL database with the demo content, starts gunicorn (production
# settings, 2 sync workers) and an nginx with proxy_cache in front of it (a stand-in for a CDN),
# checks that anonymous pages really are cacheable, then measures each target with wrk:
#   bare view (/healthz)  ->  pages from the origin  ->  pages through the HTTP cache  ->  a static file
# and prints requests/s, p50 and p99 with the ratios we aim for. Everything it starts, it stops.
# All traffic stays on 127.0.0.1. See bench/README.md.
#
# Settings (environment):
#   BENCH_DURATION=10      seconds measured per target       BENCH_WARMUP=2   warm-up seconds per target
#   BENCH_THREADS=2        wrk threads                       BENCH_CONNECTIONS=16   wrk connections
#   BENCH_WORKERS=2        gunicorn sync workers             BENCH_NGINX_WORKERS=2  nginx workers
#   BENCH_DB=bt_bench      database (dropped and recreated)  BENCH_DROP_DB=0  1 drops it at the end
#   BENCH_REDIS_DB=14      Redis database (flushed at start; the tests use 15)
#   BENCH_RETRIES=0        measure a target again (up to N times) while other work disturbs it
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
NGINX_WORKERS=${BENCH_NGINX_WORKERS:-2}
DB_NAME=${BENCH_DB:-bt_bench}
REDIS_DB=${BENCH_REDIS_DB:-14}
PG_ARGS=(-h 127.0.0.1 -p 5432 -U postgres)

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

# --- tools ----------------------------------------------------------------------------------------
missing=()
for tool in wrk nginx; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "install wrk and nginx-light first: sudo apt-get install -y wrk nginx-light"
  say "installing wrk and nginx-light"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light) >/dev/null
fi
for tool in wrk nginx curl psql createdb dropdb redis-cli; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done
[ -x "$PY" ] || die "no virtualenv at .venv (run scripts/setup)"
pg_isready "${PG_ARGS[@]}" -q || die "PostgreSQL is not accepting connections on 127.0.0.1:5432"
[ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ] || die "Redis is not answering on 127.0.0.1:6379"

# --- clean-up -------------------------------------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bt-bench.XXXXXX")
chmod 755 "$TMP"  # nginx workers run as an unprivileged user and read STATIC_ROOT from here
GUNICORN_PID=""
NGINX_PID=""
WRK_PID=""

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop "$WRK_PID"
  stop "$NGINX_PID"
  stop "$GUNICORN_PID"
  if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then
    for log in "$TMP/gunicorn.log" "$TMP/nginx/error.log"; do
      if [ -s "$log" ]; then echo "--- last lines of $(basename "$log")" >&2; tail -n 20 "$log" >&2; fi
    done
  fi
  rm -rf "$TMP"
  if [ "${BENCH_DROP_DB:-0}" = 1 ]; then dropdb "${PG_ARGS[@]}" --if-exists "$DB_NAME" || true; fi
  exit "$status"
}
trap cleanup EXIT
trap 'echo "bench: FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

# --- environment: production settings, plain http on loopback -------------------------------------
APP_PORT=$(free_port)
NGINX_PORT=$(free_port)
[ "$APP_PORT" != "$NGINX_PORT" ] || NGINX_PORT=$(free_port)
ORIGIN="http://127.0.0.1:$APP_PORT"
EDGE="http://127.0.0.1:$NGINX_PORT"

production_env "$ORIGIN" btbench

# --- database, content, static files --------------------------------------------------------------
fresh_database
chmod -R a+rX "$STATIC_ROOT"

# --- gunicorn (the origin) ------------------------------------------------------------------------
start_gunicorn "$APP_PORT" "$WORKERS"

PAGES=(/ /what-is-loneliness/ /stories/tuesday-walkers/)
CSS_PATH=$(curl -s "$ORIGIN/" | grep -o '/static/css/site[^"]*\.css' | head -n 1)
[ -n "$CSS_PATH" ] || die "no stylesheet link on the home page"
[ -f "$STATIC_ROOT/${CSS_PATH#/static/}" ] || die "$CSS_PATH is not in STATIC_ROOT"

# --- nginx: HTTP cache in front of the origin, and static files -----------------------------------
NGINX_DIR="$TMP/nginx"
mkdir -p "$NGINX_DIR"
user_line=""
if [ "$(id -u)" = 0 ]; then user_line="user nobody nogroup;"; fi
cat >"$NGINX_DIR/nginx.conf" <<EOF
# Written by bench/run_web.sh for one run.
$user_line
worker_processes $NGINX_WORKERS;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log warn;
events { worker_connections 1024; }
http {
    types { text/html html; text/css css; application/javascript js; image/svg+xml svg; }
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    open_file_cache max=1000 inactive=60s;
    open_file_cache_valid 60s;
    client_body_temp_path $NGINX_DIR/client_body;
    proxy_temp_path $NGINX_DIR/proxy_temp;
    fastcgi_temp_path $NGINX_DIR/fastcgi_temp;
    uwsgi_temp_path $NGINX_DIR/uwsgi_temp;
    scgi_temp_path $NGINX_DIR/scgi_temp;

    # Like a CDN: no proxy_cache_valid, so only what the origin marks cacheable
    # (Cache-Control s-maxage / max-age; never private, no-store or Set-Cookie) is stored.
    proxy_cache_path $NGINX_DIR/cache levels=1:2 keys_zone=pages:10m max_size=100m
                     inactive=10m use_temp_path=off;

    upstream origin { server 127.0.0.1:$APP_PORT; }

    server {
        listen 127.0.0.1:$NGINX_PORT;
        server_name _;

        location /static/ {
            alias $STATIC_ROOT/;
        }

        location / {
            proxy_pass http://origin;
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-For \$remote_addr;
            proxy_cache pages;
            proxy_cache_key \$scheme\$http_host\$request_uri;
            # Signed-in visitors (a session cookie) always reach the origin and are never stored.
            proxy_cache_bypass \$cookie_sessionid;
            proxy_no_cache \$cookie_sessionid;
            proxy_cache_lock on;
            proxy_cache_use_stale updating error timeout http_502 http_503 http_504;
            proxy_cache_background_update on;
            add_header X-Proxy-Cache \$upstream_cache_status always;
        }
    }
}
EOF
nginx -t -q -p "$NGINX_DIR" -e "$NGINX_DIR/error.log" -c "$NGINX_DIR/nginx.conf" \
  || die "nginx configuration test failed"
say "nginx: proxy_cache and static files on $EDGE"
nginx -p "$NGINX_DIR" -e "$NGINX_DIR/error.log" -c "$NGINX_DIR/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
for _ in $(seq 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$EDGE$CSS_PATH")" = 200 ] && break
  kill -0 "$NGINX_PID" 2>/dev/null || die "nginx exited"
  sleep 0.1
done

# --- verify: anonymous pages are cacheable, by the origin and by a shared cache -------------------
header() {  # header <file> <name>: the header's values, one per line
  tr -d '\r' <"$1" | awk -v n="$2" 'BEGIN { n = tolower(n) ":" }
    tolower(substr($0, 1, length(n))) == n { sub(/^[^:]*:[ \t]*/, ""); print }'
}
fetch() {  # fetch <url> [curl args...]: headers into $TMP/h, prints the status
  local url=$1; shift
  curl -s -o /dev/null -D "$TMP/h" -w '%{http_code}' "$@" "$url"
}

say "checking that anonymous responses are cacheable"
for page in "${PAGES[@]}"; do
  status=$(fetch "$ORIGIN$page")
  [ "$status" = 200 ] || die "$page: status $status from the origin"
  cc=$(header "$TMP/h" Cache-Control)
  [[ "$cc" == *s-maxage=* ]] || die "$page: Cache-Control has no s-maxage ('$cc')"
  [[ "$cc" != *private* && "$cc" != *no-store* ]] || die "$page: Cache-Control forbids shared caching ('$cc')"
  [ -z "$(header "$TMP/h" Set-Cookie)" ] || die "$page: sets a cookie: $(header "$TMP/h" Set-Cookie | head -n 1)"
  header "$TMP/h" Vary | grep -qi cookie && die "$page: Vary includes Cookie ('$(header "$TMP/h" Vary)')"
  fetch "$ORIGIN$page" >/dev/null
  [ "$(header "$TMP/h" X-Cache)" = HIT ] || die "$page: the origin page cache did not serve it (X-Cache: '$(header "$TMP/h" X-Cache)')"
  fetch "$EDGE$page" >/dev/null
  status=$(fetch "$EDGE$page")
  [ "$status" = 200 ] || die "$page: status $status through nginx"
  [ "$(header "$TMP/h" X-Proxy-Cache)" = HIT ] || die "$page: nginx did not cache it (X-Proxy-Cache: '$(header "$TMP/h" X-Proxy-Cache)')"
  fetch "$EDGE$page" -H 'Cookie: sessionid=bench-not-a-session' >/dev/null
  [ "$(header "$TMP/h" X-Proxy-Cache)" = BYPASS ] || die "$page: a session cookie did not bypass nginx's cache"
  say "  $page  Cache-Control: $cc; no Set-Cookie; no Vary: Cookie; origin HIT; nginx HIT; session BYPASS"
done

# --- measure --------------------------------------------------------------------------------------
cpu_busy() {  # cpu_busy: percentage of all CPUs busy over 2 s (our servers are idle meanwhile)
  local a b
  a=$(awk '/^cpu /{ print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat)
  sleep 2
  b=$(awk '/^cpu /{ print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat)
  echo "$a $b" | awk '{ d = $4 - $2; printf "%.0f", (d > 0 ? 100 * ($3 - $1) / d : 0) }'
}
BUSY_BEFORE=$(cpu_busy)
if [ "$BUSY_BEFORE" -gt 15 ]; then
  say "WARNING: the machine is already ${BUSY_BEFORE}% busy with other work; figures will be low and noisy"
fi

# CPU ticks so far: the whole machine (busy, all); the servers under test (gunicorn and nginx
# with their workers, and Redis); and wrk (this shell's reaped children). Whatever else kept the
# CPUs busy was other work competing with the run.
HZ=$(getconf CLK_TCK)
machine_ticks() { awk '/^cpu /{ print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat; }
server_ticks() {
  local pid total=0 f
  for pid in "$GUNICORN_PID" $(ps -o pid= --ppid "$GUNICORN_PID") "$NGINX_PID" \
    $(ps -o pid= --ppid "$NGINX_PID") $(pgrep -x redis-server || true); do
    # after the command name, utime and stime are the 12th and 13th fields
    read -r -a f < <(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
    total=$((total + f[11] + f[12]))
  done
  echo "$total"
}
child_ticks() { local f; read -r -a f < <(sed 's/^.*) //' /proc/$$/stat); echo $((f[13] + f[14])); }

RESULTS="$TMP/results.tsv"
: >"$RESULTS"
RETRIES=${BENCH_RETRIES:-0}
run_wrk() {  # run_wrk <seconds> <url>: in the background, so a signal stops the run at once
  wrk -t "$THREADS" -c "$CONNECTIONS" -d "${1}s" --timeout 5s -s "$ROOT/bench/report.lua" "$2" &
  WRK_PID=$!
  wait "$WRK_PID"
  WRK_PID=""
}
measure() {  # measure <group> <label> <url> [request header]
  local group=$1 label=$2 url=$3 line best="" best_other=101 attempt m0 m1 s0 s1 c0 c1 other requests
  export BENCH_HEADER=${4:-}
  for attempt in $(seq 0 "$RETRIES"); do
    run_wrk "$WARMUP" "$url" >/dev/null
    read -r -a m0 < <(machine_ticks); s0=$(server_ticks); c0=$(child_ticks)
    run_wrk "$DURATION" "$url" >"$TMP/wrk.out"
    read -r -a m1 < <(machine_ticks); s1=$(server_ticks); c1=$(child_ticks)
    line=$(grep '^BENCH ' "$TMP/wrk.out") || die "wrk gave no result for $url"
    # other work's share of all CPUs meanwhile; over ~10% the figures are disturbed
    other=$(( (m1[0] - m0[0] - (s1 - s0) - (c1 - c0)) * 100 / (m1[1] - m0[1] > 0 ? m1[1] - m0[1] : 1) ))
    [ "$other" -ge 0 ] || other=0
    requests=$(sed 's/.* requests=\([0-9]*\).*/\1/' <<<"$line")
    # the servers' CPU time per request, in nanoseconds: barely moved by other work
    line="$line other_cpu_pct=$other server_cpu_ns=$(( (s1 - s0) * 1000000000 / HZ / (requests > 0 ? requests : 1) ))"
    if [ "$other" -lt "$best_other" ]; then best=$line; best_other=$other; fi
    [ "$other" -gt 10 ] && [ "$attempt" -lt "$RETRIES" ] || break
    say "  $label: other work used ${other}% of the CPUs; measuring again"
  done
  printf '%s\t%s\t%s\t%s\n' "$group" "$label" "$url" "$best" >>"$RESULTS"
  printf 'bench:   %-40s %s\n' "$label" "${best#BENCH }"
}

say "measuring: wrk -t$THREADS -c$CONNECTIONS, ${WARMUP}s warm-up + ${DURATION}s per target"
measure bare "bare view /healthz (origin)" "$ORIGIN/healthz"
# The same view when the page cache middleware skips its Redis look-ups (a session cookie is
# present): what the framework does without the page cache in the way. For information only.
measure nolookup "/healthz, no cache look-up (origin)" "$ORIGIN/healthz" "Cookie: sessionid=bench-not-a-session"
for page in "${PAGES[@]}"; do measure origin "$page (origin)" "$ORIGIN$page"; done
for page in "${PAGES[@]}"; do measure cached "$page (nginx cache)" "$EDGE$page"; done
measure static "static $(basename "$CSS_PATH") (nginx)" "$EDGE$CSS_PATH"
BUSY_AFTER=$(cpu_busy)

report_status=0
"$PY" "$ROOT/bench/report.py" "$RESULTS" >"$TMP/report.txt" || report_status=$?
mkdir -p "$ROOT/bench/results"
{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores; wrk -t$THREADS -c$CONNECTIONS," \
    "${WARMUP}s warm-up + ${DURATION}s per target; gunicorn $WORKERS sync workers; nginx $NGINX_WORKERS workers;" \
    "CPU busy with other work before/after: ${BUSY_BEFORE}%/${BUSY_AFTER}%"
  cat "$TMP/report.txt"
} | tee "$ROOT/bench/results/latest.txt"
case $report_status in
  0) ;;
  1) if [ "${BENCH_STRICT:-0}" = 1 ]; then exit 3; fi ;;
  2) die "some requests failed (see the errors column)" ;;
  *) die "bench/report.py failed" ;;
esac
