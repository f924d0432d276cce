# syntax=docker/dockerfile:1
#
# One image for every process of the site: the web server (the default command), the Celery
# worker and Celery beat. docker-compose.yml picks the process with `command`.
# Production dependencies only (requirements.lock); configuration comes from the environment
# at run time, see campaign_site/settings/.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=campaign_site.settings.production

WORKDIR /app

# An unprivileged user with a fixed uid/gid, so the ownership of named volumes is predictable.
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin app

# Dependencies before the code, so a code change does not reinstall them. Every locked
# package ships a manylinux wheel (psycopg-binary, pillow, cryptography…): no compiler needed.
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock \
 && pip check

# The code stays owned by root: the app user can read it but not change it.
COPY . .

# Static files are collected into the image and served by WhiteNoise. Production settings
# refuse to load without their secrets, so this step gets throwaway values that exist only
# for this RUN; none of them reaches the image's environment.
# var/celery (beat's schedule), var/cache and media are the only places the app writes to.
RUN SECRET_KEY=build DATABASE_URL=sqlite:////tmp/build.db ALLOWED_HOSTS=localhost \
        python manage.py collectstatic --noinput \
 && rm -f /tmp/build.db \
 && mkdir -p var/celery var/cache media \
 && chown -R app:app var media

# Numeric, so orchestrators that insist on a non-root user (runAsNonRoot) can verify it.
USER 10001:10001

EXPOSE 8000

# Sync workers: 3 suits a 1–2 CPU container (about 2×CPUs+1; raise with the CPUs). Requests
# taking over 30 s are killed; SIGTERM gives in-flight requests 30 s to finish. Workers are
# recycled now and then to bound memory growth. /dev/shm keeps the heartbeat off the disk,
# and the control socket is off because the app user has no writable home. The access log
# leaves out tokens and email addresses (campaign_site/gunicorn_conf.py).
CMD ["gunicorn", "campaign_site.wsgi:application", \
     "--config", "python:campaign_site.gunicorn_conf", \
     "--bind", "0.0.0.0:8000", \
     "--workers", "3", \
     "--timeout", "30", \
     "--graceful-timeout", "30", \
     "--keep-alive", "5", \
     "--max-requests", "1000", \
     "--max-requests-jitter", "100", \
     "--worker-tmp-dir", "/dev/shm", \
     "--no-control-socket", \
     "--access-logfile", "-"]
