"""The provider's sending rate with real parts: two Celery worker subprocesses (two pool
processes each) on Redis share one EMAIL_RATE_PER_SECOND, sending to an SMTP sink on loopback
that notes when each message arrives; the sink then answers with Amazon SES's throttling
reply, and an email API on loopback (SendGrid's, through anymail) answers 429. The rate is
kept within 5 % and never exceeded in any second, and every email arrives exactly once."""

import bisect
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from campaign_site.celery import app as celery_app
from mailings import tasks
from mailings.models import OutboundEmail
from mailings.services import message_id_for_key
from tests.realparts import (
    Publisher,
    SunkMessage,
    delete_queue_keys,
    free_port,
    reset_publisher_caches,
    start_worker,
    wait_for,
)

from .conftest import BROKER_URL

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

RATE = 30
# The workers' soft time limit: a batch then stops starting emails after 2.5 s
# (mailings.tasks.send_before) and hands back the rest.
SOFT_TIME_LIMIT = 10
SES_THROTTLING = "454 Throttling failure: Maximum sending rate exceeded."


@dataclass
class TimedHandler:
    """An SMTP sink noting when each message arrives (time.monotonic()); for the first
    `throttle_for` seconds after the first message it answers with SES's throttling reply."""

    accepted: list[tuple[float, SunkMessage]] = field(default_factory=list)
    throttled: list[float] = field(default_factory=list)
    throttle_for: float = 0
    first_at: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        now = time.monotonic()
        with self._lock:
            self.first_at = self.first_at or now
            if now - self.first_at < self.throttle_for:
                self.throttled.append(now)
                return SES_THROTTLING
            raw = envelope.original_content or envelope.content
            message = SunkMessage(envelope.mail_from, list(envelope.rcpt_tos), raw)
            self.accepted.append((now, message))
        return "250 2.0.0 OK"

    def reset(self, *, throttle_for: float = 0) -> None:
        with self._lock:
            self.accepted.clear()
            self.throttled.clear()
            self.first_at = None
            self.throttle_for = throttle_for

    def arrival_times(self) -> list[float]:
        return sorted(at for at, _ in self.accepted)


def busiest_second(times: list[float]) -> int:
    """The most messages any 1-second window [t, t + 1) holds."""
    return max(bisect.bisect_left(times, at + 1.0) - i for i, at in enumerate(times))


def achieved_rate(times: list[float]) -> float:
    return (len(times) - 1) / (times[-1] - times[0])


@pytest.fixture(scope="module")
def timed_sink():
    handler = TimedHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


def start_workers(count, *, folder_factory, port, extra_env):
    queues = [f"mailings-rate-{uuid.uuid4().hex[:12]}" for _ in range(count)]
    workers = []
    try:
        for queue in queues:
            workers.append(
                start_worker(
                    broker_url=BROKER_URL,
                    queue=queue,
                    smtp_port=port,
                    folder=folder_factory.mktemp("worker"),
                    extra_env=extra_env,
                )
            )
    except BaseException:
        stop_workers(workers, queues)
        raise
    return workers, queues


def stop_workers(workers, queues):
    for worker in workers:
        worker.stop()
    for queue in queues:
        delete_queue_keys(queue, BROKER_URL)


@pytest.fixture(scope="module")
def paced_workers(django_db_setup, timed_sink, tmp_path_factory):
    """Two workers (as on two machines), two pool processes each, keeping one rate together."""
    env = {
        "EMAIL_RATE_PER_SECOND": str(RATE),
        "MAILINGS_TEST_SOFT_TIME_LIMIT": str(SOFT_TIME_LIMIT),
    }
    workers, queues = start_workers(
        2, folder_factory=tmp_path_factory, port=timed_sink.port, extra_env=env
    )
    yield workers
    stop_workers(workers, queues)


@pytest.fixture
def broker(monkeypatch):
    """This process publishes to the workers' broker (not eagerly)."""
    keys = ("broker_url", "task_default_queue", "task_always_eager")
    saved = {key: celery_app.conf[key] for key in keys}
    Publisher(monkeypatch, "unused").use_broker(BROKER_URL)
    yield
    celery_app.conf.update(saved)
    reset_publisher_caches()


def outbox(prefix: str, count: int) -> list[OutboundEmail]:
    """Emails waiting in the outbox, as queue_emails stores them (written when sent)."""
    OutboundEmail.objects.bulk_create(
        OutboundEmail(
            key=f"test:{prefix}:{n}",
            to=f"{prefix}{n}@example.org",
            template="notice",
            context={"subject": "Hello", "name": "Sam", "paragraphs": ["Thank you."]},
            next_attempt_at=timezone.now() - timedelta(seconds=1),
        )
        for n in range(count)
    )
    return list(OutboundEmail.objects.filter(key__startswith=f"test:{prefix}:").order_by("pk"))


def publish(emails, workers, *, per_task: int) -> list[str]:
    """One send_emails task per `per_task` emails, dealt out to the workers' queues in turn."""
    ids = [email.pk for email in emails]
    results = [
        tasks.send_emails.apply_async(
            args=[ids[start : start + per_task]],
            queue=workers[(start // per_task) % len(workers)].queue,
        )
        for start in range(0, len(ids), per_task)
    ]
    return [result.id for result in results]


def wait_until_all_sent(emails, workers, *, timeout: float):
    pks = [email.pk for email in emails]

    def all_sent():
        for worker in workers:
            worker.assert_alive()
        return not OutboundEmail.objects.filter(pk__in=pks).exclude(status="sent").exists()

    def explain():
        rows = OutboundEmail.objects.filter(pk__in=pks).exclude(status="sent")
        waiting = list(rows.values_list("pk", "status", "attempts", "last_error")[:5])
        return f"not sent: {waiting}\n" + "\n".join(worker.explain() for worker in workers)

    wait_for(all_sent, timeout=timeout, interval=0.25, what="every email", explain=explain)


def assert_each_sent_once(emails, sink: TimedHandler):
    arrived = sorted(message.parsed["Message-ID"] for _, message in sink.accepted)
    assert arrived == sorted(message_id_for_key(email.key) for email in emails)
    rows = OutboundEmail.objects.filter(pk__in=[email.pk for email in emails])
    # Throttles and hand-backs are not attempts: each email took exactly one.
    assert set(rows.values_list("status", "attempts")) == {("sent", 1)}


def sent_by(worker) -> int:
    runs = worker.task_events("mailings.tasks.send_emails")
    return sum(run["retval"].get("sent", 0) for run in runs if isinstance(run["retval"], dict))


@pytest.fixture
def sink(timed_sink) -> TimedHandler:
    timed_sink.handler.reset()
    yield timed_sink.handler
    timed_sink.handler.reset()


def test_workers_on_two_machines_keep_to_one_rate_together(paced_workers, broker, sink):
    emails = outbox("together", 160)
    publish(emails, paced_workers, per_task=20)
    wait_until_all_sent(emails, paced_workers, timeout=30)
    assert_each_sent_once(emails, sink)

    times = sink.arrival_times()
    # Within 5 % of the rate, never over it, in any second.
    assert RATE * 0.95 <= achieved_rate(times) <= RATE
    assert busiest_second(times) <= RATE
    # Both workers took part: without one shared schedule they would have sent at twice the rate.
    assert all(sent_by(worker) > 0 for worker in paced_workers)


def test_a_batch_longer_than_its_time_hands_the_rest_back_and_sends_each_once(
    paced_workers, broker, sink
):
    emails = outbox("long", 100)  # 3.4 s at the rate, in one task with 2.5 s to send
    (task_id,) = publish(emails, paced_workers[:1], per_task=100)
    wait_until_all_sent(emails, paced_workers, timeout=30)
    assert_each_sent_once(emails, sink)

    runs = [e for e in paced_workers[0].task_events() if e["id"] == task_id]
    assert [run["state"] for run in runs] == ["RETRY", "SUCCESS"]
    assert runs[1]["args"][0] == [email.pk for email in emails][-len(runs[1]["args"][0]) :]
    assert runs[1]["retval"] == {"sent": len(runs[1]["args"][0])}
    times = sink.arrival_times()
    assert busiest_second(times) <= RATE
    assert achieved_rate(times) >= RATE * 0.9  # the hand-back costs no more than a moment


def test_ses_throttling_pauses_every_worker_and_each_email_still_arrives_once(
    paced_workers, broker, sink
):
    sink.reset(throttle_for=1.5)
    emails = outbox("throttled", 60)
    publish(emails, paced_workers, per_task=15)
    wait_until_all_sent(emails, paced_workers, timeout=30)
    assert_each_sent_once(emails, sink)

    # Told once, every worker paused (1 s, then 2 s when throttled again on coming back): a
    # handful of refusals, not one per email. At most each of the 4 pool processes (2 workers x
    # 2) has an email on its way when each of those two pauses begins.
    assert 1 <= len(sink.throttled) <= 2 * 4
    first = sink.throttled[0]
    attempts = sorted(sink.throttled + sink.arrival_times())
    # Emails already on their way (within a few slots) aside, nobody tried again for a second.
    after = [at for at in attempts if at > first + 0.15]
    assert after[0] >= first + 0.95
    assert busiest_second(sink.arrival_times()) <= RATE


# -- an email API answering 429 ------------------------------------------------------------------


class SendGridStandIn(BaseHTTPRequestHandler):
    """SendGrid's v3 mail send on loopback: 202 with no body when it takes an email; for the
    first `refuse_for` seconds, 429 with the rate-limit headers and body SendGrid documents,
    and a Retry-After."""

    requests: list[tuple[float, int, dict]] = []
    refuse_for = 1.0
    retry_after = 2
    first_at = None
    lock = threading.Lock()

    def do_POST(self):  # http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        now = time.monotonic()
        cls = type(self)
        with cls.lock:
            cls.first_at = cls.first_at or now
            refuse = now - cls.first_at < cls.refuse_for
            status = 429 if refuse else 202
            cls.requests.append((now, status, body))
        if refuse:
            payload = json.dumps({"errors": [{"field": None, "message": "too many requests"}]})
            self.send_response(429, "TOO MANY REQUESTS")
            self.send_header("Content-Type", "application/json")
            self.send_header("X-RateLimit-Limit", "600")
            self.send_header("X-RateLimit-Remaining", "0")
            self.send_header("X-RateLimit-Reset", str(int(time.time()) + cls.retry_after))
            self.send_header("Retry-After", str(cls.retry_after))
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload.encode())
            return
        self.send_response(202, "Accepted")
        self.send_header("X-Message-Id", uuid.uuid4().hex)
        self.send_header("Date", formatdate(usegmt=True))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):  # keep the test output to failures
        pass


@pytest.fixture(scope="module")
def email_api():
    server = ThreadingHTTPServer(("127.0.0.1", 0), SendGridStandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def api_worker(django_db_setup, email_api, tmp_path_factory):
    """A worker sending through anymail's SendGrid backend to the stand-in, with no rate set:
    a 429 still pauses every process."""
    env = {
        "MAILINGS_TEST_EMAIL_BACKEND": "anymail.backends.sendgrid.EmailBackend",
        "ANYMAIL_SENDGRID_API_KEY": "test-key",
        "ANYMAIL_SENDGRID_API_URL": f"http://127.0.0.1:{email_api.server_port}/v3/",
    }
    workers, queues = start_workers(
        1, folder_factory=tmp_path_factory, port=free_port(), extra_env=env
    )
    yield workers[0]
    stop_workers(workers, queues)


def test_an_email_api_answering_429_pauses_the_workers_as_long_as_it_asks(api_worker, broker):
    SendGridStandIn.requests.clear()
    SendGridStandIn.first_at = None
    emails = outbox("api", 30)
    publish(emails, [api_worker], per_task=10)
    wait_until_all_sent(emails, [api_worker], timeout=30)

    accepted = [body for _, status, body in SendGridStandIn.requests if status == 202]
    recipients = sorted(body["personalizations"][0]["to"][0]["email"] for body in accepted)
    assert recipients == sorted(email.to for email in emails)  # each exactly once
    message_ids = sorted(body["headers"]["Message-ID"] for body in accepted)
    assert message_ids == sorted(message_id_for_key(email.key) for email in emails)
    rows = OutboundEmail.objects.filter(pk__in=[email.pk for email in emails])
    assert set(rows.values_list("attempts", flat=True)) == {1}

    times = [at for at, _, _ in SendGridStandIn.requests]
    refused = [at for at, status, _ in SendGridStandIn.requests if status == 429]
    assert 1 <= len(refused) <= 4  # the two pool processes, each told once
    # Retry-After: 2 is honoured by both processes (not the 1 s we would wait unasked).
    after = [at for at in times if at > refused[0] + 0.2]
    assert after[0] >= refused[0] + 1.9
