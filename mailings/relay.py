"""Handing committed emails to the worker without making the request wait for the broker.

When a transaction that queued an email commits, its id goes to this process's relay. A
background thread wakes, waits a moment (OUTBOX_RELAY_SECONDS) so that emails committed close
together travel as one task, and publishes them: one `send_email` task for a lone email, one
`send_emails` task per batch otherwise. A web request therefore never waits on Redis, and a
burst of emails becomes a few tasks that each share one SMTP session.

Nothing is lost if the process dies before the thread publishes: the rows are committed, and
the beat sweep hands over anything still waiting (mailings.sweep.sweep_outbox). On a normal
exit the last ids are published at once. With OUTBOX_RELAY_SECONDS = 0, or when Celery runs
tasks eagerly, ids are published at commit in the caller's thread instead.
"""

import atexit
import logging
import os
import threading
import time

from celery import current_app
from django.conf import settings

from .handoff import enqueue_delivery, enqueue_delivery_batches

logger = logging.getLogger(__name__)


class Relay:
    def __init__(self):
        self._lock = threading.Lock()
        self._waiting: list[int] = []
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None

    def hand_over(self, email_id: int) -> None:
        if settings.OUTBOX_RELAY_SECONDS <= 0 or current_app.conf.task_always_eager:
            publish([email_id])
            return
        with self._lock:
            self._waiting.append(email_id)
            self._start_thread()
        self._wake.set()

    def flush(self) -> None:
        """Publish whatever is waiting, now."""
        with self._lock:
            email_ids, self._waiting = self._waiting, []
        if email_ids:
            publish(email_ids)

    def _start_thread(self) -> None:
        # A forked child (a web or worker process) has no thread of its own yet.
        if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
            return
        self._pid = os.getpid()
        self._thread = threading.Thread(target=self._run, name="outbox-relay", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            time.sleep(settings.OUTBOX_RELAY_SECONDS)
            # Cleared before the swap: an id handed over after this wakes the next round.
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # the rows wait for the sweep; the thread carries on
                logger.exception("outbox relay could not hand emails over")


def publish(email_ids: list[int]) -> None:
    if len(email_ids) == 1:
        enqueue_delivery(email_ids[0])
    else:
        enqueue_delivery_batches(email_ids)


relay = Relay()
atexit.register(relay.flush)
