"""The comms team's own wording for an email, and addresses that must get nothing more."""

import pytest

from mailings.models import EmailCopy, OutboundEmail
from mailings.services import deliver, queue_email, render_email, suppress
from tests.factories import make_site

CONTEXT = {"subject": "Default subject", "paragraphs": ["Default words."], "name": "Sam"}


@pytest.fixture
def site(db):
    return make_site()


def test_edited_wording_replaces_the_default_and_fills_placeholders(site):
    EmailCopy.objects.create(
        key="notice",
        subject="Hello {name} from {campaign}",
        body="First paragraph for {name}.\n\nSecond with {unknown} left alone.",
    )
    subject, _, _ = render_email("notice", CONTEXT)
    assert subject == "Hello Sam from Better Together"
    assert copy_paragraphs() == ["First paragraph for Sam.", "Second with {unknown} left alone."]


def copy_paragraphs():
    from mailings.services import email_context

    return email_context("notice", CONTEXT)["copy_paragraphs"]


def test_suppression_cancels_waiting_email_and_stops_delivery(
    site, django_capture_on_commit_callbacks
):
    email = queue_email(to="jo@example.org", template="notice", key="t:1", context=CONTEXT)
    suppress(address="Jo@Example.org", reason="unsubscribed")
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.CANCELLED
    # A row queued before the suppression but claimed after it is cancelled, not sent.
    OutboundEmail.objects.filter(pk=email.pk).update(status=OutboundEmail.Status.PENDING)
    assert deliver(email.pk).outcome == "cancelled"
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.CANCELLED
