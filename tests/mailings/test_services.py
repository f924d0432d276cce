"""Unit tests of the outbox services: in-process (eager Celery, locmem email)."""

import smtplib
import socket
import uuid
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError
from wagtail.models import Site

from campaign_site.celery import app as celery_app
from mailings import delivery, handoff, services, tasks
from mailings.models import OutboundEmail
from mailings.services import (
    RETRY_BASE_SECONDS,
    RETRY_MAX_SECONDS,
    deliver,
    message_id_for_key,
    purge_old_email,
    queue_email,
    queue_rendered_email,
    retry_delay,
    sweep_outbox,
)
from tests.factories import UserFactory, make_site

pytestmark = pytest.mark.django_db

Status = OutboundEmail.Status


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that answers every message with a temporary failure."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPDataError(451, b"4.3.0 Try again later")


@pytest.fixture(autouse=True)
def _eager(monkeypatch):
    """Tasks run in this process, whatever CELERY_TASK_ALWAYS_EAGER says."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


@pytest.fixture(autouse=True)
def _campaign_settings_exist():
    """The first email creates the site's campaign settings, which (as any change of settings)
    retires cached pages after the commit: read them once first, so that the on-commit
    callbacks the tests count are the emails' own."""
    services.campaign_settings()


def notice(key: str, *, to: str = "sam@example.org", subject: str = "Your pledge is in"):
    return queue_email(
        to=to,
        template="notice",
        key=key,
        context={
            "subject": subject,
            "name": "Sam",
            "paragraphs": ["Thank you for pledging."],
            "action_text": "See the wall",
            "action_url": "http://testserver/wall/",
        },
    )


def outbox_row(**fields) -> OutboundEmail:
    values = {
        "key": f"test:{uuid.uuid4()}",
        "to": "sam@example.org",
        "template": "notice",
        "subject": "Hello",
        "body_text": "Hello Sam",
        **fields,
    }
    return OutboundEmail.objects.create(**values)


def ago(**delta) -> datetime:
    return timezone.now() - timedelta(**delta)


# -- queue_email ---------------------------------------------------------------------------------


def test_queue_email_stores_one_row_per_key(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = notice("pledge:1:confirm")
        second = notice("pledge:1:confirm", to="someone-else@example.org", subject="Other")
    assert second.pk == first.pk
    assert OutboundEmail.objects.count() == 1
    stored = OutboundEmail.objects.get()
    assert (stored.to, stored.context["subject"]) == ("sam@example.org", "Your pledge is in")
    assert len(callbacks) == 1, "the second call must not queue another send"


def sent(email: OutboundEmail) -> OutboundEmail:
    """The email as the worker sent it: its words are written as it goes out."""
    assert deliver(email.pk).outcome == "sent"
    email.refresh_from_db()
    return email


def test_queue_email_stores_what_to_send_and_the_worker_writes_it():
    email = notice("pledge:2:confirm")
    assert email.status == Status.PENDING
    assert email.template == "notice"
    assert email.context["name"] == "Sam"
    assert (email.subject, email.body_text, email.body_html) == ("", "", "")
    email = sent(email)
    assert email.subject == "Your pledge is in"
    assert "Hello Sam," in email.body_text
    assert "See the wall: http://testserver/wall/" in email.body_text
    assert 'href="http://testserver/wall/"' in email.body_html


def test_emails_carry_the_default_sites_campaign_name():
    make_site(campaign_name="A Better Medway")
    email = sent(notice("pledge:3:confirm"))
    assert "A Better Medway" in email.body_text
    assert "A Better Medway" in email.body_html


def test_emails_render_before_any_site_is_set_up(settings):
    Site.objects.all().delete()
    email = sent(notice("pledge:4:confirm"))
    assert settings.WAGTAIL_SITE_NAME in email.body_text


def test_nothing_is_sent_before_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email = notice("pledge:5:confirm")
    assert len(callbacks) == 1
    assert mail.outbox == []
    email.refresh_from_db()
    assert email.status == Status.PENDING
    assert email.attempts == 0


def test_the_commit_sends_the_email_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = notice("pledge:6:confirm")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notice("pledge:6:confirm")
    assert callbacks == []
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Your pledge is in"
    assert message.to == ["sam@example.org"]
    assert message.extra_headers["Message-ID"] == message_id_for_key("pledge:6:confirm")
    assert [mimetype for _, mimetype in message.alternatives] == ["text/html"]
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.SENT, 1)
    assert email.sent_at is not None


def test_a_savepoint_rolled_back_queues_nothing(django_capture_on_commit_callbacks):
    with (  # noqa: PT012 - the raise rolls the transaction back
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notice("pledge:7:confirm")
        raise RuntimeError
    assert callbacks == []
    assert mail.outbox == []
    assert not OutboundEmail.objects.exists()


def test_queue_rendered_email_is_idempotent_too(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = queue_rendered_email(
            to="sam@example.org", subject="Confirm\n your  address", body_text="Click", key="k1"
        )
        second = queue_rendered_email(
            to="sam@example.org", subject="Something else", body_text="Other", key="k1"
        )
    assert second.pk == first.pk
    assert first.subject == "Confirm your address"  # no header injection through the subject
    assert len(callbacks) == 1


def test_a_broker_that_is_down_leaves_the_email_for_the_sweep(
    monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.send_email, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        email = notice("pledge:8:confirm")  # does not raise into the caller
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.PENDING, 0)
    assert services.enqueue_delivery(email.pk) is False


# -- Message-ID ----------------------------------------------------------------------------------


def test_message_id_is_stable_per_key_and_differs_between_keys():
    first = message_id_for_key("pledge:1:confirm")
    assert first == message_id_for_key("pledge:1:confirm")
    assert first != message_id_for_key("pledge:2:confirm")
    assert first.startswith("<")
    assert first.endswith("@example.org>")
    assert outbox_row(key="pledge:1:confirm").message_id == first


def test_message_id_does_not_reveal_the_key():
    assert "pledge" not in message_id_for_key("pledge:1:confirm")


def test_message_id_without_a_sender_domain(settings):
    settings.DEFAULT_FROM_EMAIL = "webmaster"
    assert message_id_for_key("k").endswith("@localhost>")


# -- deliver -------------------------------------------------------------------------------------


def test_deliver_sends_a_due_pending_email():
    email = outbox_row(body_html="<p>Hello Sam</p>", headers={"List-Unsubscribe": "<https://x>"})
    assert deliver(email.pk) == services.DeliveryResult("sent")
    (message,) = mail.outbox
    assert message.extra_headers["List-Unsubscribe"] == "<https://x>"
    assert message.extra_headers["Message-ID"] == email.message_id
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (Status.SENT, 1, "")


@pytest.mark.parametrize("status", [Status.SENT, Status.CANCELLED, Status.FAILED])
def test_deliver_leaves_finished_emails_alone(status):
    email = outbox_row(status=status, attempts=1)
    assert deliver(email.pk).outcome == "skipped"
    assert mail.outbox == []
    email.refresh_from_db()
    assert (email.status, email.attempts) == (status, 1)


def test_deliver_waits_until_an_email_is_due():
    email = outbox_row(next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert deliver(email.pk).outcome == "skipped"
    assert mail.outbox == []
    email.refresh_from_db()
    assert email.attempts == 0


def test_deliver_skips_an_email_that_does_not_exist():
    assert deliver(987654).outcome == "skipped"
    assert tasks.send_email.delay(987654).get() == "skipped"


def test_a_transient_failure_is_recorded_and_retried_later(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    email = outbox_row()
    before = timezone.now()
    result = deliver(email.pk)
    assert result == services.DeliveryResult("retry", retry_in=RETRY_BASE_SECONDS)
    email.refresh_from_db()
    assert email.status == Status.PENDING
    assert email.attempts == 1
    assert email.last_error.startswith("SMTPDataError: (451")
    assert before + timedelta(seconds=RETRY_BASE_SECONDS) <= email.next_attempt_at
    assert email.next_attempt_at <= timezone.now() + timedelta(seconds=RETRY_BASE_SECONDS)
    # Not due yet: a second delivery right away does nothing.
    assert deliver(email.pk).outcome == "skipped"
    email.refresh_from_db()
    assert email.attempts == 1


def test_the_last_allowed_attempt_gives_up(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    settings.EMAIL_MAX_ATTEMPTS = 3
    email = outbox_row(attempts=2)
    assert deliver(email.pk).outcome == "failed"
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.FAILED, 3)
    assert email.last_error
    assert deliver(email.pk).outcome == "skipped"


def test_an_email_that_cannot_be_built_is_recorded_not_retried_forever(settings):
    settings.EMAIL_MAX_ATTEMPTS = 2
    email = outbox_row(headers={"X-Broken": "one\ntwo"})  # Django refuses header injection
    assert deliver(email.pk).outcome == "retry"
    email.refresh_from_db()
    assert email.attempts == 1
    assert email.last_error.startswith("BadHeaderError")
    OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=ago(seconds=1))
    assert deliver(email.pk).outcome == "failed"
    assert mail.outbox == []


def test_retry_delay_doubles_up_to_a_cap():
    delays = [retry_delay(attempts) for attempts in range(0, 20)]
    assert delays[:5] == [30, 30, 60, 120, 240]
    assert delays == sorted(delays)
    assert max(delays) == RETRY_MAX_SECONDS
    assert retry_delay(100) == RETRY_MAX_SECONDS


# -- sweep and purge -----------------------------------------------------------------------------


def test_sweep_queues_only_due_pending_emails(monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.send_emails, "delay", lambda ids: queued.extend(ids))
    older = outbox_row(next_attempt_at=ago(hours=2))
    due = outbox_row(next_attempt_at=ago(minutes=5))
    outbox_row(next_attempt_at=ago(seconds=5))  # just queued by its own transaction
    outbox_row(next_attempt_at=timezone.now() + timedelta(minutes=5))  # waiting for a retry
    for status in (Status.SENT, Status.FAILED, Status.CANCELLED):
        outbox_row(status=status, next_attempt_at=ago(hours=1))
    assert sweep_outbox() == 2
    assert queued == [older.pk, due.pk]


def test_sweep_stops_when_the_broker_is_down(monkeypatch):
    attempts = []

    def broker_down(ids):
        attempts.append(ids)
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.send_emails, "delay", broker_down)
    monkeypatch.setattr(handoff, "BATCH_SIZE", 2)
    for _ in range(5):
        outbox_row(next_attempt_at=ago(minutes=5))
    assert sweep_outbox() == 0
    assert len(attempts) == 1  # the later batches are not tried: each would wait in vain


def test_sweep_hands_over_a_whole_backlog_once_until_its_tasks_are_lost(monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.send_emails, "delay", lambda ids: queued.extend(ids))
    backlog = [
        OutboundEmail(
            key=f"test:backlog:{n}",
            to=f"r{n}@example.org",
            template="notice",
            next_attempt_at=ago(minutes=10),
        )
        for n in range(1_150)
    ]
    OutboundEmail.objects.bulk_create(backlog)
    # One sweep hands over all of it (500 a round), not 500 a minute.
    assert sweep_outbox() == 1_150
    assert sorted(queued) == sorted(OutboundEmail.objects.values_list("pk", flat=True))
    # The next sweeps leave it alone while it waits in the queue...
    queued.clear()
    assert sweep_outbox() == 0
    # ...a worker claiming an email clears its mark (a failed send is swept again when due)...
    first = OutboundEmail.objects.order_by("pk").first()
    (_claimed,) = services.claim_emails([first.pk])
    assert OutboundEmail.objects.get(pk=first.pk).handed_over_at is None
    # ...and what nobody claimed within SWEEP_REQUEUE_SECONDS is handed over again: its task
    # was lost with the queue.
    OutboundEmail.objects.exclude(pk=first.pk).update(
        handed_over_at=ago(seconds=services.SWEEP_REQUEUE_SECONDS + 1)
    )
    assert sweep_outbox() == 1_149
    assert first.pk not in queued


def test_the_sweep_task_sends_what_is_due():
    email = outbox_row(next_attempt_at=ago(minutes=5))
    assert tasks.sweep_outbox.delay().get() == 1
    email.refresh_from_db()
    assert email.status == Status.SENT
    assert len(mail.outbox) == 1


def test_purge_deletes_only_old_finished_emails(settings):
    settings.EMAIL_RETENTION_DAYS = 90
    old = ago(days=91)
    for status in (Status.SENT, Status.FAILED, Status.CANCELLED):
        outbox_row(status=status, created_at=old)
    old_pending = outbox_row(created_at=old)
    recent_sent = outbox_row(status=Status.SENT, created_at=ago(days=89))
    assert purge_old_email() == 3
    assert set(OutboundEmail.objects.values_list("pk", flat=True)) == {
        old_pending.pk,
        recent_sent.pk,
    }
    assert purge_old_email(older_than_days=1) == 1
    assert list(OutboundEmail.objects.values_list("pk", flat=True)) == [old_pending.pk]


# -- admin ---------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def url(action: str, *args) -> str:
    return reverse(OutboundEmail.snippet_viewset.get_url_name(action), args=args)


def test_the_outbox_admin_lists_and_shows_emails(admin_client):
    email = outbox_row(subject="Your pledge is in")
    listing = admin_client.get(url("list"))
    assert listing.status_code == 200
    assert "Your pledge is in" in listing.text
    assert url("add") not in listing.text
    assert url("edit", email.pk) not in listing.text
    assert admin_client.get(url("inspect", email.pk)).status_code == 200


def test_the_outbox_admin_is_read_only_even_for_superusers(admin_client):
    email = outbox_row(subject="Original")
    for path in (url("add"), url("edit", email.pk), url("delete", email.pk)):
        assert admin_client.get(path).status_code in (302, 403), path
    admin_client.post(url("add"), {"key": "typed", "to": "x@example.org", "subject": "Typed"})
    admin_client.post(url("edit", email.pk), {"subject": "Changed"})
    admin_client.post(url("delete", email.pk))
    assert list(OutboundEmail.objects.values_list("subject", flat=True)) == ["Original"]


def test_a_batch_shares_one_smtp_session(monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    sessions = []

    class CountingBackend(EmailBackend):
        opened = False

        def open(self):
            if self.opened:
                return False
            self.opened = True
            sessions.append(self)
            return True

        def close(self):
            self.opened = False

    monkeypatch.setattr("django.core.mail.get_connection", lambda *a, **k: CountingBackend())
    rows = [outbox_row(next_attempt_at=ago(minutes=1)) for _ in range(3)]
    assert services.deliver_batch([row.pk for row in rows]) == services.BatchResult({"sent": 3}, [])
    assert len(sessions) == 1
    assert len(mail.outbox) == 3


def test_outbox_lists_an_email_waiting_for_its_words_by_template(client):
    queued = notice("pledge:9:confirm")
    done = sent(notice("pledge:10:confirm"))
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    html = client.get("/admin/snippets/mailings/outboundemail/").content.decode()
    assert "notice (written when sent)" in html
    assert done.subject in html
    inspect = client.get(f"/admin/snippets/mailings/outboundemail/inspect/{queued.pk}/")
    assert inspect.status_code == 200


def test_a_kept_smtp_session_is_checked_after_idling_and_replaced_when_dropped(settings):
    from tests.realparts import start_smtp_sink

    sink = start_smtp_sink()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        connection = services.kept_connection()
        assert services.deliver(notice("k:1").pk, connection=connection).outcome == "sent"
        session = connection.connection
        assert session is not None  # still open for the next task
        assert services.kept_connection() is connection
        assert connection.connection is session
        # The server drops the idle session; the next use after a while notices (NOOP).
        session.sock.shutdown(socket.SHUT_RDWR)
        delivery._kept["used_at"] -= delivery.KEPT_IDLE_SECONDS + 1
        assert services.kept_connection() is connection
        assert connection.connection is None
        assert services.deliver(notice("k:2").pk, connection=connection).outcome == "sent"
        assert [m.rcpt_tos for m in sink.handler.messages] == [["sam@example.org"]] * 2
    finally:
        services.kept_connection().close()
        delivery._kept.clear()
        sink.stop()
