"""A worker killed mid-batch (SIGKILL, no goodbye): with late acknowledgement the batch runs
again, takes back the emails it had claimed and not sent, and every email goes out once."""

import asyncio
import os
import signal
import subprocess
import threading
import uuid

import pytest
from aiosmtpd.controller import Controller

from campaign_site.celery import app as celery_app
from mailings.models import OutboundEmail
from mailings.services import enqueue_delivery_batches, message_id_for_key
from tests.mailings.conftest import BROKER_URL
from tests.realparts import (
    Publisher,
    RecordingHandler,
    delete_queue_keys,
    free_port,
    reset_publisher_caches,
    start_worker,
    wait_for,
)

EMAILS = 12
HOLD_AT = 5  # the sink holds the 5th message until the worker is dead


class HoldingHandler(RecordingHandler):
    """Accepts messages, but keeps the HOLD_AT-th waiting (no reply yet) until released; it is
    then refused, as a server would drop a message whose sender went away mid-transaction."""

    def __init__(self):
        super().__init__()
        self.seen = 0
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.seen += 1
        if self.seen == HOLD_AT:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
            return "451 4.3.0 Sender went away"
        return await super().handle_DATA(server, session, envelope)


def pool_processes(worker) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(worker.process.pid)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return [int(pid) for pid in out.stdout.split()]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_batch_whose_worker_is_killed_is_sent_once_each(monkeypatch, tmp_path):
    handler = HoldingHandler()
    sink = Controller(handler, hostname="127.0.0.1", port=free_port())
    sink.start()
    queue = f"killed-test-{uuid.uuid4().hex[:12]}"
    saved = {
        k: celery_app.conf[k] for k in ("broker_url", "task_default_queue", "task_always_eager")
    }
    publisher = Publisher(monkeypatch, queue)
    publisher.use_broker(BROKER_URL)
    worker = start_worker(broker_url=BROKER_URL, queue=queue, smtp_port=sink.port, folder=tmp_path)
    try:
        # Written straight to the outbox (as queue_emails does): the one batch below is the
        # only task that sends them.
        OutboundEmail.objects.bulk_create(
            OutboundEmail(to=f"k{n}@example.org", template="notice", key=f"test:killed:{n}",
                          context={"subject": "Hello", "name": "Sam", "paragraphs": ["Hi"]})
            for n in range(EMAILS)
        )  # fmt: skip
        emails = list(OutboundEmail.objects.filter(key__startswith="test:killed:").order_by("pk"))
        assert enqueue_delivery_batches([email.pk for email in emails]) == EMAILS
        assert handler.holding.wait(30), worker.explain()
        # Four sent and marked, the fifth on the wire: kill the pool process doing it.
        for pid in pool_processes(worker):
            os.kill(pid, signal.SIGKILL)
        handler.release.set()

        def all_sent():
            rows = OutboundEmail.objects.filter(key__startswith="test:killed:")
            return not rows.exclude(status=OutboundEmail.Status.SENT).exists()

        # No waiting for the claims to run out: the batch ran again and took its emails back.
        wait_for(all_sent, timeout=30, what="every email to be sent", explain=worker.explain)
        delivered = sorted(m.rcpt_tos[0] for m in handler.messages)
        assert delivered == sorted(f"k{n}@example.org" for n in range(EMAILS))  # each once
        assert sorted(m.parsed["Message-ID"] for m in handler.messages) == sorted(
            message_id_for_key(f"test:killed:{n}") for n in range(EMAILS)
        )
        attempts = dict(
            OutboundEmail.objects.filter(key__startswith="test:killed:").values_list(
                "to", "attempts"
            )
        )
        assert set(attempts.values()) <= {1, 2}  # the killed batch's attempt, then the rerun's
        assert attempts[f"k{HOLD_AT - 1}@example.org"] == 2
    finally:
        worker.stop()
        sink.stop()
        celery_app.conf.update(saved)
        reset_publisher_caches()
        delete_queue_keys(queue, BROKER_URL)
