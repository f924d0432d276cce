"""gunicorn's access log, read from a real gunicorn: no signed link and no email address in it,
and no Server header on its responses."""

import os
import subprocess
import sys
import urllib.request

import pytest
from django.db import connection

from pledges.models import Pledge
from pledges.tokens import make_token
from tests.realparts import BASE_DIR, database_url, free_port, wait_for


def get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


@pytest.fixture
def gunicorn(db, tmp_path):
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "campaign_site.settings.test",
        "DATABASE_URL": database_url(connection.settings_dict),
    }
    command = [
        sys.executable, "-m", "gunicorn", "campaign_site.wsgi:application",
        "--config", "python:campaign_site.gunicorn_conf",
        "--bind", f"127.0.0.1:{port}", "--workers", "1", "--access-logfile", "-",
        "--no-control-socket",
    ]  # fmt: skip
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(base), what="gunicorn to answer", timeout=30)
        yield base, log
    finally:
        process.terminate()
        process.wait(10)


def _answers(base):
    try:
        return get(f"{base}/healthz")[0] == 200
    except OSError:
        return False


def test_access_log_holds_no_tokens_or_addresses_and_no_server_header(gunicorn):
    base, log = gunicorn
    pledge = Pledge(pk=4242, secret="s3cr3t-value-for-this-pledge")
    secrets = {purpose: make_token(pledge, purpose) for purpose in ("manage", "unsubscribe")}
    reset_key = "2b-cz3y4v-0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c"
    paths = [
        f"/pledges/unsubscribe/{secrets['unsubscribe']}/",
        f"/pledges/manage/{secrets['manage']}/my-pledge.json",
        f"/accounts/password/reset/key/{reset_key}/",
        "/search/?q=jo.bloggs%40example.org",
        "/search/?q=jo.bloggs@example.org",
    ]
    for path in paths:
        status, headers = get(
            base + path, {"Referer": f"{base}/pledges/manage/{secrets['manage']}/"}
        )
        assert status < 500, path
        assert "Server" not in headers, path

    def logged():
        return sum(
            1
            for line in log.read_text().splitlines()
            if '"GET /healthz' not in line and '"GET /' in line
        )

    wait_for(lambda: logged() >= len(paths), what="the access log lines")
    text = log.read_text()
    for secret in [*secrets.values(), reset_key, "jo.bloggs"]:
        assert secret not in text
        assert secret.split(":")[0] not in text
    assert text.count("[token]") >= 4
    assert text.count("[email]") >= 2
    # What the log is for stays: method, path shape, status.
    assert '"GET /pledges/unsubscribe/[token]/ HTTP/1.1" 404' in text
