"""The outbox with real parts: rows in PostgreSQL, tasks through Redis to a real Celery worker, mail
over SMTP to a sink on loopback. Nothing lost, nothing twice."""

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from mailings import tasks
from mailings.models import OutboundEmail
from mailings.services import message_id_for_key, queue_email
from tests.realparts import WAIT_SECONDS, free_port, wait_for

from .conftest import BROKER_URL

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SEND = "mailings.tasks.send_email"


def notice(key: str, *, to: str = "sam@example.org", subject: str = "Your pledge is in"):
    return queue_email(
        to=to,
        template="notice",
        key=key,
        context={
            "subject": subject,
            "name": "Sam",
            "paragraphs": ["Thank you for pledging to say hello to a neighbour."],
            "action_text": "See the wall",
            "action_url": "http://testserver/wall/",
        },
    )


def row(email: OutboundEmail) -> OutboundEmail:
    return OutboundEmail.objects.get(pk=email.pk)


def wait_until_sent(email: OutboundEmail, *, timeout: float = WAIT_SECONDS) -> OutboundEmail:
    def explain():
        fresh = row(email)
        return f"row: status={fresh.status} attempts={fresh.attempts} error={fresh.last_error!r}"

    return wait_for(
        lambda: (fresh := row(email)).status == OutboundEmail.Status.SENT and fresh,
        timeout=timeout,
        what=f"email {email.pk} to be sent",
        explain=explain,
    )


@pytest.fixture(autouse=True)
def _no_failed_tasks(celery_worker):
    """No task may fail in the worker (DoesNotExist or anything else) during any of these tests."""
    before = len(celery_worker.task_events())
    yield
    failures = [e for e in celery_worker.task_events()[before:] if e["state"] == "FAILURE"]
    assert not failures, f"tasks failed in the worker: {failures}\n{celery_worker.log_tail()}"


def test_committed_email_is_delivered_once_by_the_worker(publisher, smtp_sink, celery_worker):
    key = "test:a:confirm"
    with transaction.atomic():
        email = notice(key)
        assert publisher.ids() == [], "the task must wait for the commit"
    assert len(publisher.ids()) == 1

    (event,) = celery_worker.wait_for_tasks(publisher.ids()).values()
    assert event["retval"] == "sent"
    sent = wait_until_sent(email)
    assert sent.attempts == 1
    assert sent.sent_at is not None
    assert sent.last_error == ""

    assert len(smtp_sink.messages) == 1
    sunk = smtp_sink.messages[0]
    assert sunk.rcpt_tos == ["sam@example.org"]
    message = sunk.parsed
    assert message["Subject"] == "Your pledge is in"
    assert message["To"] == "sam@example.org"
    assert message["Message-ID"] == message_id_for_key(key)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    assert "Thank you for pledging" in text.get_content()
    assert 'href="http://testserver/wall/"' in html.get_content()
    # The worker sent it: nothing went through this process's (locmem) backend.
    assert mail.outbox == []
    # The worker logs like the site (one line per event), Celery's own events included.
    log = celery_worker.log_path.read_text()
    assert " INFO celery.apps.worker " in log
    assert " ready." in log


def test_the_same_email_is_never_sent_twice(publisher, smtp_sink, celery_worker):
    key = "test:b:confirm"
    with transaction.atomic():
        email = notice(key)
    # Two more runs of the task for the same row, racing the first on two pool processes...
    tasks.send_email.delay(email.pk)
    tasks.send_email.delay(email.pk)
    # ...and the same email queued again, e.g. by a double click.
    with transaction.atomic():
        again = notice(key)
    assert again.pk == email.pk
    assert OutboundEmail.objects.filter(key=key).count() == 1

    task_ids = publisher.ids()
    assert len(task_ids) == 3  # the second queue_email published nothing
    events = celery_worker.wait_for_tasks(task_ids)
    assert sorted(e["retval"] for e in events.values()) == ["sent", "skipped", "skipped"]
    # One more run after it was recorded as sent.
    late = tasks.send_email.delay(email.pk)
    assert celery_worker.wait_for_tasks([late.id])[late.id]["retval"] == "skipped"

    assert len(smtp_sink.messages) == 1
    assert row(email).attempts == 1


def test_email_queued_while_the_broker_is_down_is_swept_and_sent_once(
    publisher, smtp_sink, celery_worker
):
    publisher.use_broker(f"redis://127.0.0.1:{free_port()}/13")  # nothing listens there
    started = time.monotonic()
    with transaction.atomic():
        email = notice("test:c:confirm")
    # The caller's request got here without an exception, and quickly.
    assert time.monotonic() - started < 10
    assert publisher.published == []
    stored = row(email)
    assert stored.status == OutboundEmail.Status.PENDING
    assert stored.attempts == 0

    # The broker is back; the beat's sweep runs once the row is past the sweep's grace period.
    publisher.use_broker(BROKER_URL)
    OutboundEmail.objects.filter(pk=email.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=1)
    )
    sweep = tasks.sweep_outbox.delay()
    assert celery_worker.wait_for_tasks([sweep.id])[sweep.id]["retval"] == 1
    sent = wait_until_sent(email)
    assert sent.attempts == 1
    # The batch the sweep published (from the worker) is the only one holding this row.
    runs = wait_for(
        lambda: [
            e
            for e in celery_worker.task_events("mailings.tasks.send_emails")
            if e["args"] == [[email.pk]]
        ],
        what="the swept batch",
    )
    assert [e["retval"] for e in runs] == [{"sent": 1}]
    assert len(smtp_sink.messages) == 1
    assert smtp_sink.messages[0].parsed["Message-ID"] == message_id_for_key("test:c:confirm")

    # A second sweep finds nothing left to send.
    again = tasks.sweep_outbox.delay()
    assert celery_worker.wait_for_tasks([again.id])[again.id]["retval"] == 0
    assert len(smtp_sink.messages) == 1


def test_a_rolled_back_transaction_queues_nothing(publisher, smtp_sink, celery_worker):
    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():  # noqa: PT012 - the raise rolls it back
        notice("test:e:rolled-back", to="nobody@example.org")
        raise Abandon
    assert publisher.published == []
    assert not OutboundEmail.objects.filter(key="test:e:rolled-back").exists()

    # A barrier: an email queued afterwards is delivered, so the worker has had every chance
    # to send anything published before it.
    with transaction.atomic():
        marker = notice("test:e:marker", to="marker@example.org")
    celery_worker.wait_for_tasks(publisher.ids())
    wait_until_sent(marker)
    assert [m.rcpt_tos for m in smtp_sink.messages] == [["marker@example.org"]]


def test_smtp_failure_is_recorded_and_retried_until_sent_once(publisher, smtp_sink, celery_worker):
    smtp_sink.refuse_next = 1
    with transaction.atomic():
        email = notice("test:d:confirm")
    (first,) = publisher.ids()
    assert celery_worker.wait_for_tasks([first])[first]["state"] == "RETRY"

    failed = row(email)
    assert failed.status == OutboundEmail.Status.PENDING
    assert failed.attempts == 1
    assert "451" in failed.last_error
    assert failed.next_attempt_at > timezone.now()
    assert smtp_sink.refused == 1
    assert smtp_sink.messages == []

    # Time passes (rather than waiting 30 s): the row is due and the sweep picks it up. The
    # task's own retry, still waiting for its countdown, will find the row sent and skip it.
    OutboundEmail.objects.filter(pk=email.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=1)
    )
    sweep = tasks.sweep_outbox.delay()
    assert celery_worker.wait_for_tasks([sweep.id])[sweep.id]["retval"] == 1
    sent = wait_until_sent(email)
    assert sent.attempts == 2
    assert sent.last_error == ""
    assert len(smtp_sink.messages) == 1
    assert smtp_sink.messages[0].parsed["Message-ID"] == message_id_for_key("test:d:confirm")

    # Running the waiting retry now (as its countdown would) sends nothing more.
    retry_now = tasks.send_email.delay(email.pk)
    assert celery_worker.wait_for_tasks([retry_now.id])[retry_now.id]["retval"] == "skipped"
    assert len(smtp_sink.messages) == 1


def test_a_burst_goes_through_the_relay_in_batches_each_sent_once(
    publisher, smtp_sink, celery_worker, settings
):
    settings.OUTBOX_RELAY_SECONDS = 0.05  # as in production: the relay thread hands over
    emails = []
    for n in range(30):
        with transaction.atomic():
            emails.append(notice(f"test:burst:{n}", to=f"burst{n}@example.org"))
    for email in emails:
        wait_until_sent(email)
    assert sorted(m.rcpt_tos[0] for m in smtp_sink.messages) == sorted(
        f"burst{n}@example.org" for n in range(30)
    )
    batches = publisher.ids("mailings.tasks.send_emails")
    singles = publisher.ids()
    assert batches, "a burst is handed over in batches"
    assert len(batches) + len(singles) < 30
