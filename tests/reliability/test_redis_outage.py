"""Nothing lost, nothing twice: pledges keep arriving while Redis (cache and broker) is killed
with SIGKILL and restarted empty. Every pledge that got a success page is stored, and each gets
exactly one confirmation email once Redis is back (a real worker, a real SMTP sink)."""

import asyncio
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from aiosmtpd.controller import Controller
from celery.signals import after_task_publish

from campaign_site.celery import app as celery_app
from mailings.models import OutboundEmail
from mailings.services import enqueue_delivery_batches, queue_email, sweep_outbox
from pledges.models import Pledge
from tests.factories import make_site
from tests.pledges.factories import AreaFactory, PledgePageFactory, PledgeSuggestionFactory
from tests.realparts import (
    Publisher,
    RecordingHandler,
    free_port,
    reset_publisher_caches,
    start_smtp_sink,
    start_worker,
    wait_for,
)

SUBMISSIONS = 48
THREADS = 6


class OwnRedis:
    """A redis-server this test owns, so it can be killed without touching anyone else's."""

    def __init__(self, folder):
        self.port = free_port()
        self.folder = folder
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(self.folder),
            ],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        wait_for(lambda: self._pings(client), timeout=10, what="redis-server to start")

    @staticmethod
    def _pings(client) -> bool:
        try:
            return client.ping()
        except redis.RedisError:
            return False

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no goodbye, nothing saved
        self.process.wait(5)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.kill()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def submit(url: str, data: dict) -> tuple[int, str]:
    opener = urllib.request.build_opener(NoRedirect)
    body = urllib.parse.urlencode(data).encode()
    try:
        response = opener.open(urllib.request.Request(url, data=body), timeout=20)
        return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", "")


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server():
    controller = start_smtp_sink()
    yield controller
    controller.stop()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_pledges_survive_redis_being_killed(
    live_server, own_redis, smtp_server, settings, monkeypatch, tmp_path
):
    # This process (the live server) and the worker both use the test's own Redis.
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": own_redis.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    settings.EMAIL_SWEEP_GRACE_SECONDS = 0
    # As in production: committed emails go to the worker from the relay thread, in batches.
    settings.OUTBOX_RELAY_SECONDS = 0.05
    # Every pledge here comes from one address; the per-IP limit is not what is under test.
    settings.PLEDGE_LIMIT_PER_IP = 10_000
    queue = f"outage-test-{uuid.uuid4().hex[:12]}"
    saved = {
        k: celery_app.conf[k] for k in ("broker_url", "task_default_queue", "task_always_eager")
    }
    publisher = Publisher(monkeypatch, queue)
    publisher.use_broker(own_redis.url)
    after_task_publish.connect(publisher.record, weak=False)

    home = make_site()
    page = PledgePageFactory(parent=home)
    area = AreaFactory(name="Strood")
    suggestion = PledgeSuggestionFactory(text="Say hello to a neighbour")

    worker = start_worker(
        broker_url=own_redis.url,
        queue=queue,
        smtp_port=smtp_server.port,
        folder=tmp_path,
        extra_env={"REDIS_URL": own_redis.url},
    )
    try:
        form_url = live_server.url + page.submit_url
        results: dict[str, tuple[int, str]] = {}
        lock = threading.Lock()

        def pledge(number: int) -> None:
            email = f"outage{number}@example.org"
            outcome = submit(form_url, {
                "suggestion": suggestion.pk, "first_name": f"Resident {number}",
                "email": email, "area": area.pk, "reminders_wanted": "on",
            })  # fmt: skip
            with lock:
                results[email] = outcome
            time.sleep(0.02)

        def outage() -> None:
            wait_for(lambda: len(results) >= SUBMISSIONS // 4, timeout=60, what="early pledges")
            own_redis.kill()
            wait_for(lambda: len(results) >= SUBMISSIONS // 2, timeout=60, what="pledges in outage")
            own_redis.start()  # empty: every queued task and cached page is gone

        chaos = threading.Thread(target=outage)
        chaos.start()
        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(pledge, range(SUBMISSIONS)))
        chaos.join(60)
        assert not chaos.is_alive()

        succeeded = {e for e, (status, where) in results.items()
                     if status == 302 and where.endswith("check-your-email/")}  # fmt: skip
        # The pledge form never fails because Redis did.
        assert succeeded == set(results), {e: r for e, r in results.items() if e not in succeeded}
        stored = set(Pledge.objects.values_list("email", flat=True))
        assert succeeded <= stored

        # Once Redis is back, the beat sweep re-queues whatever the outage swallowed.
        def all_sent() -> bool:
            sweep_outbox()
            waiting = OutboundEmail.objects.exclude(status=OutboundEmail.Status.SENT)
            return not waiting.exists()

        wait_for(all_sent, timeout=90, interval=1.0, what="every confirmation to be sent",
                 explain=worker.explain)  # fmt: skip

        delivered = [m.rcpt_tos[0] for m in smtp_server.handler.messages]
        assert sorted(delivered) == sorted(stored)  # each address exactly once
        message_ids = [m.parsed["Message-ID"] for m in smtp_server.handler.messages]
        assert len(set(message_ids)) == len(message_ids) == len(stored)
    finally:
        worker.stop()
        after_task_publish.disconnect(publisher.record)
        celery_app.conf.update(saved)
        reset_publisher_caches()


class SlowHandler(RecordingHandler):
    """A mail server that takes a while over each message, so a batch is still being sent when
    Redis dies."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.1)
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_carries_on_when_redis_dies_mid_batch(
    own_redis, monkeypatch, settings, tmp_path
):
    settings.EMAIL_SWEEP_GRACE_SECONDS = 0  # the sweep below runs as beat would, without waiting
    sink = Controller(SlowHandler(), hostname="127.0.0.1", port=free_port())
    sink.start()
    queue = f"outage-batch-{uuid.uuid4().hex[:12]}"
    saved = {
        k: celery_app.conf[k] for k in ("broker_url", "task_default_queue", "task_always_eager")
    }
    publisher = Publisher(monkeypatch, queue)
    publisher.use_broker(own_redis.url)
    # Emails claimed by a task that Redis lost go out once the claim runs out: short here.
    worker = start_worker(broker_url=own_redis.url, queue=queue, smtp_port=sink.port,
                          folder=tmp_path, extra_env={"REDIS_URL": own_redis.url,
                                                      "EMAIL_CLAIM_SECONDS": "10"})  # fmt: skip
    try:

        def batch(prefix, count):
            emails = [
                queue_email(to=f"{prefix}{n}@example.org", template="notice",
                            key=f"test:{prefix}:{n}",
                            context={"subject": "Hello", "name": "Sam", "paragraphs": ["Hi"]})
                for n in range(count)
            ]  # fmt: skip
            assert enqueue_delivery_batches([e.pk for e in emails]) == count
            return emails

        first = batch("before", 20)
        wait_for(lambda: len(sink.handler.messages) >= 3, what="the batch to be under way")
        own_redis.kill()  # mid-batch: its task is running and not yet acknowledged
        time.sleep(0.5)
        own_redis.start()
        reset_publisher_caches()
        second = batch("after", 3)

        def all_sent():
            sweep_outbox()  # as beat would: the first batch's task died with Redis
            pks = [e.pk for e in first + second]
            waiting = OutboundEmail.objects.filter(pk__in=pks).exclude(status="sent")
            return not waiting.exists()

        wait_for(all_sent, timeout=60, interval=1.0, what="both batches to be sent",
                 explain=worker.explain)  # fmt: skip
        worker.assert_alive()
        delivered = sorted(m.rcpt_tos[0] for m in sink.handler.messages)
        assert delivered == sorted(e.to for e in first + second)  # each exactly once
    finally:
        worker.stop()
        sink.stop()
        celery_app.conf.update(saved)
        reset_publisher_caches()
