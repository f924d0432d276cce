"""`make run`'s runner: the sign-in box comes last, once the site answers and the worker is ready,
and one Ctrl-C at the terminal stops everything warm within seconds, ending with status 0."""

import contextlib
import os
import pty
import select
import sys
import time

from tests.realparts import BASE_DIR, free_port

WEB = """
import http.server, os
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()
    def log_message(self, *args):
        print("web got a request", flush=True)
http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Health).serve_forever()
"""


def read_until(fd, wanted: str, timeout: float, seen: list[str]) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536).decode(errors="replace")
            except OSError:  # the terminal closed: the runner has exited
                return wanted in "".join(seen)
            seen.append(chunk)
        if wanted in "".join(seen):
            return True
    return False


def test_one_ctrl_c_stops_everything_warm_and_exits_0(tmp_path):
    (tmp_path / "web.py").write_text(WEB)
    procfile = tmp_path / "Procfile"
    procfile.write_text(
        f"web: {sys.executable} {tmp_path / 'web.py'}\n"
        f"worker: {sys.executable} -m celery -A campaign_site worker --loglevel=INFO "
        "--concurrency=2 --pool=prefork\n"
    )
    banner = tmp_path / "banner.txt"
    banner.write_text("SIGN-IN BOX\n")
    env = {
        **os.environ,
        "PORT": str(free_port()),
        "DJANGO_SETTINGS_MODULE": "campaign_site.settings.dev",
        "CELERY_BROKER_URL": "memory://",
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "scripts/run_site.py", "--procfile", str(procfile),
               "--banner", str(banner)]  # fmt: skip
    pid, terminal = pty.fork()  # the runner gets a terminal of its own, as in a shell
    if pid == 0:
        os.chdir(BASE_DIR)
        os.execve(command[0], command, env)  # noqa: S606
    seen: list[str] = []
    try:
        assert read_until(terminal, "SIGN-IN BOX", 60, seen), "".join(seen)
        output = "".join(seen)
        assert output.index("SIGN-IN BOX") > output.index(" ready.")  # after the worker's start
        started = time.monotonic()
        os.write(terminal, b"\x03")  # Ctrl-C, as typed
        assert read_until(terminal, "Stopped.", 20, seen), "".join(seen)
        _, status = os.waitpid(pid, 0)
        took = time.monotonic() - started
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)
    output = "".join(seen)
    assert os.waitstatus_to_exitcode(status) == 0, output
    assert took < 10, took
    assert "Warm shutdown" in output
    assert "killed" not in output
    assert "Cold shutdown" not in output
    assert "Stopped, with problems" not in output
