"""Production settings fail fast without their secrets and pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "SECRET_KEY": "x" * 60 + "-a-long-random-production-secret",
    "ALLOWED_HOSTS": "campaign.example.org",
    "DATABASE_URL": "sqlite:////tmp/never-opened.sqlite3",
    "SITE_URL": "https://campaign.example.org",
}


def run_manage(args, env_overrides, drop=()):
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "campaign_site.settings.production"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without_required_variable(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = run_manage(["check"], env, drop=[missing])
    assert result.returncode != 0
    assert "Production settings need these environment variables" in result.stderr
    assert missing in result.stderr


def test_check_deploy_is_clean():
    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("site_url", [None, "http://localhost:8000", "http://campaign.example.org"])
def test_check_deploy_warns_when_site_url_is_not_public(site_url):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SITE_URL"}
    if site_url:
        env["SITE_URL"] = site_url
    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], env, drop=["SITE_URL"])
    assert result.returncode != 0
    assert "core.W001" in result.stderr + result.stdout


def test_the_local_address_follows_the_port():
    env = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "DJANGO_SETTINGS_MODULE")}
    result = subprocess.run(
        [sys.executable, "-c", "from campaign_site.settings import dev; print(dev.SITE_URL)"],
        cwd=ROOT,
        env={**env, "PORT": "8101"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "http://127.0.0.1:8101", result.stderr


def test_production_has_debug_off_and_https_settings():
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0,"
        " s.SECURE_SSL_REDIRECT)"
    )
    result = run_manage(["shell", "-c", code], PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-5:] == ["False", "True", "True", "True", "True"]


def test_embedded_defaults_need_no_servers():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "EMAIL_URL"}
    }
    env["DJANGO_SETTINGS_MODULE"] = "campaign_site.settings.dev"
    code = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.EMAIL_BACKEND, "
        "s.CACHES['default']['BACKEND'])"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    engine, broker, email, cache = result.stdout.split()[-4:]
    assert engine == "django.db.backends.sqlite3"
    assert broker.startswith("filesystem://")
    assert email == "django.core.mail.backends.filebased.EmailBackend"
    assert cache.endswith("FileBasedCache")


def test_environment_switches_to_postgres_redis_and_smtp():
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="campaign_site.settings.dev",
        DATABASE_URL="postgres://u:p@db.internal:5432/campaign",
        REDIS_URL="redis://cache.internal:6379/0",
        EMAIL_URL="smtp+tls://user:secret@smtp.example.org:587",
    )
    code = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.EMAIL_HOST, "
        "s.EMAIL_PORT, s.EMAIL_USE_TLS, s.CACHES['default']['BACKEND'])"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-6:] == [
        "django.db.backends.postgresql",
        "redis://cache.internal:6379/0",
        "smtp.example.org",
        "587",
        "True",
        "core.cache.ResilientRedisCache",
    ]
