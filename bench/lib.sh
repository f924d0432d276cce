# Shared by bench/run_web.sh and bench/run_pledges.sh (sourced, not run): messages, stopping
# processes, free ports, the production environment on loopback, a fresh database with the
# demo content, and gunicorn. Expects ROOT, PY, TMP, DB_NAME, REDIS_DB and PG_ARGS to be set.

die() { echo "bench: FAIL: $*" >&2; exit 1; }
say() { echo "bench: $*"; }

stop() {  # stop <pid>: TERM, wait up to 10 s, then KILL
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

production_env() {  # production_env <site url> <cache key prefix>: plain http on loopback
  export DJANGO_SETTINGS_MODULE=campaign_site.settings.production
  export DEBUG=false
  SECRET_KEY="bench-only-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  export SECRET_KEY
  export ALLOWED_HOSTS=127.0.0.1,localhost
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB_NAME"
  export REDIS_URL="redis://127.0.0.1:6379/$REDIS_DB"
  export CELERY_BROKER_URL="$REDIS_URL"
  export CACHE_KEY_PREFIX="$2"
  export SECURE_SSL_REDIRECT=false
  export SITE_URL="$1"
  export STATIC_ROOT="$TMP/static"
  export MEDIA_ROOT="$TMP/media"
  export EMAIL_URL="consolemail://"  # the web processes send nothing
  export LOG_LEVEL=WARNING
  export PYTHONUNBUFFERED=1
  unset PAGE_CACHE_SECONDS  # the production default
}

fresh_database() {  # a new database with the demo content and collected static files
  say "fresh database $DB_NAME, Redis db $REDIS_DB"
  local out
  out=$(dropdb "${PG_ARGS[@]}" --if-exists --force "$DB_NAME" 2>&1) || die "could not drop $DB_NAME: $out"
  createdb "${PG_ARGS[@]}" "$DB_NAME"
  redis-cli -h 127.0.0.1 -p 6379 -n "$REDIS_DB" flushdb >/dev/null
  mkdir -p "$MEDIA_ROOT"
  say "migrate, demo content, collectstatic"
  "$PY" manage.py migrate --noinput -v 0
  "$PY" manage.py load_demo_content >/dev/null
  "$PY" manage.py collectstatic --noinput -v 0
}

start_gunicorn() {  # start_gunicorn <port> <workers>: sets GUNICORN_PID, returns once it answers
  say "gunicorn: $2 sync workers on http://127.0.0.1:$1"
  "$ROOT/.venv/bin/gunicorn" campaign_site.wsgi:application \
    --chdir "$ROOT" --bind "127.0.0.1:$1" --workers "$2" --worker-class sync \
    --worker-tmp-dir /dev/shm --graceful-timeout 5 --log-level warning --no-control-socket \
    >"$TMP/gunicorn.log" 2>&1 &
  GUNICORN_PID=$!
  for _ in $(seq 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/healthz")" = 200 ] && return 0
    kill -0 "$GUNICORN_PID" 2>/dev/null || die "gunicorn exited"
    sleep 0.1
  done
  die "gunicorn did not answer within 30 s"
}
