"""Real parts for tests of background work: an SMTP sink on loopback, a Celery worker
subprocess on Redis reading the test database, and helpers to point this process's Celery app
at a broker. Used by the outbox tests and the reliability (fault) tests."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

import kombu.pools
import redis
from aiosmtpd.controller import Controller

from campaign_site.celery import app as celery_app

BASE_DIR = Path(__file__).resolve().parents[1]
# Upper bounds only: each wait returns as soon as its condition holds (well under a second on
# an idle machine); the headroom is for a CI machine busy with browsers.
WAIT_SECONDS = 15.0
WORKER_START_SECONDS = 30
WORKER_STOP_SECONDS = 10


def wait_for(
    predicate,
    *,
    timeout: float = WAIT_SECONDS,
    interval: float = 0.05,
    what: str = "condition",
    explain=None,
):
    """Poll until `predicate()` is truthy and return its value; fail after `timeout` seconds,
    with `explain()` in the message when given."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            details = f"\n{explain()}" if explain else ""
            raise AssertionError(f"timed out after {timeout}s waiting for {what}{details}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SunkMessage:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def parsed(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)


@dataclass
class RecordingHandler:
    """Keeps each accepted message's raw bytes; refuses the next `refuse_next` with a 451."""

    messages: list[SunkMessage] = field(default_factory=list)
    refuse_next: int = 0
    refused: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            if self.refuse_next > 0:
                self.refuse_next -= 1
                self.refused += 1
                return "451 4.3.0 Temporary failure, try again later"
            raw = envelope.original_content or envelope.content
            self.messages.append(SunkMessage(envelope.mail_from, list(envelope.rcpt_tos), raw))
        return "250 2.0.0 OK"

    def reset(self) -> None:
        with self._lock:
            self.messages.clear()
            self.refuse_next = 0
            self.refused = 0


def start_smtp_sink() -> Controller:
    """An SMTP server on a free loopback port that records every message it accepts."""
    handler = RecordingHandler()
    for _ in range(5):  # another process may take the free port before we bind it
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        try:
            controller.start()
            return controller
        except OSError:
            continue
    raise RuntimeError("could not start the SMTP sink on loopback")


def start_worker(
    *, broker_url: str, queue: str, smtp_port: int, folder: Path, extra_env: dict | None = None
) -> "Worker":
    """A real worker (prefork, two processes) reading pytest-django's test database and
    sending through the SMTP sink; returns once it is ready."""
    from django.db import connection

    events_path, log_path = folder / "events.jsonl", folder / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.mailings.worker_settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "MAILINGS_TEST_QUEUE": queue,
        "MAILINGS_TEST_SMTP_PORT": str(smtp_port),
        "MAILINGS_TEST_EVENTS": str(events_path),
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "campaign_site", "worker",
        "--pool=prefork", "--concurrency=2", f"--hostname={queue}@%h",
        f"--loglevel={os.environ.get('TEST_WORKER_LOGLEVEL', 'INFO')}",
        # No --without-heartbeat/--without-gossip: with all of them off, a prefork worker did
        # not notice Redis being killed and never consumed again (tests/reliability).
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    worker = Worker(queue=queue, events_path=events_path, log_path=log_path, process=process)
    try:
        wait_for(
            lambda: worker.assert_alive() or any(e["event"] == "ready" for e in worker.events()),
            timeout=WORKER_START_SECONDS,
            what="the worker to be ready",
        )
    except BaseException:
        worker.stop()
        raise
    return worker


def database_url(db: dict) -> str:
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{quote(db['NAME'], safe='')}"


class Worker:
    """A `celery worker` subprocess and the events its probe writes (tests/mailings/worker_probe)."""

    def __init__(self, *, queue: str, events_path: Path, log_path: Path, process):
        self.queue = queue
        self.events_path = events_path
        self.log_path = log_path
        self.process = process

    def events(self) -> list[dict]:
        if not self.events_path.exists():
            return []
        lines = self.events_path.read_text(encoding="utf-8").splitlines()
        # The last line may still be being written.
        return [json.loads(line) for line in lines if line.endswith("}")]

    def task_events(self, task: str | None = None) -> list[dict]:
        return [e for e in self.events() if e["event"] == "task" and task in (None, e["task"])]

    def wait_for_tasks(self, task_ids, *, timeout: float = WAIT_SECONDS) -> dict[str, dict]:
        """The final event of each task id (RETRY counts as final for that run)."""
        wanted = set(task_ids)

        def finished():
            seen = {e["id"]: e for e in self.task_events() if e["id"] in wanted}
            self.assert_alive()
            return seen if set(seen) == wanted else None

        return wait_for(
            finished,
            timeout=timeout,
            what=f"tasks {sorted(wanted)} in the worker",
            explain=self.explain,
        )

    def explain(self) -> str:
        recent = "\n".join(json.dumps(e) for e in self.events()[-10:])
        state = "running" if self.process.poll() is None else f"exited ({self.process.returncode})"
        return f"worker {state}; last events:\n{recent}\nworker log:\n{self.log_tail()}"

    def assert_alive(self) -> None:
        if self.process.poll() is not None:
            raise AssertionError(
                f"the worker exited ({self.process.returncode}):\n{self.log_tail()}"
            )

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # warm shutdown: unacked messages go back to the queue
            try:
                self.process.wait(WORKER_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                # Our own process group (start_new_session): the worker and its pool only.
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(WORKER_STOP_SECONDS)


def delete_queue_keys(queue: str, broker_url: str) -> None:
    """Remove what this run's queue left in Redis (e.g. a retry still waiting for its ETA)."""
    client = redis.Redis.from_url(broker_url)
    try:
        # The queue, its priority lists and its exchange's binding tables all carry its name.
        keys = list(client.scan_iter(match=f"*{queue}*"))
        if keys:
            client.delete(*keys)
        for binding_key in client.scan_iter(match="_kombu.binding*", _type="SET"):
            members = [m for m in client.smembers(binding_key) if m.endswith(queue.encode())]
            if members:
                client.srem(binding_key, *members)
    finally:
        client.close()


class Publisher:
    """Points this process's Celery app at a broker and records every task it publishes."""

    def __init__(self, monkeypatch, queue: str):
        self.monkeypatch = monkeypatch
        self.queue = queue
        self.published: list[dict] = []

    def use_broker(self, url: str) -> None:
        # Celery lets CELERY_BROKER_URL in the environment win over its configuration.
        self.monkeypatch.setenv("CELERY_BROKER_URL", url)
        celery_app.conf.update(
            broker_url=url, task_default_queue=self.queue, task_always_eager=False
        )
        reset_publisher_caches()

    def record(self, sender=None, headers=None, routing_key=None, **kwargs):
        self.published.append({"id": headers["id"], "task": sender, "queue": routing_key})

    def ids(self, task: str = "mailings.tasks.send_email") -> list[str]:
        return [p["id"] for p in self.published if p["task"] == task]


def reset_publisher_caches() -> None:
    """Celery caches its broker connection pool and queue map; drop them so new conf applies."""
    kombu.pools.reset()  # closes and forgets every pooled connection and producer
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)
