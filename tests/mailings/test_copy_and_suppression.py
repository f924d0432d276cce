"""The comms team's own wording for an email, and addresses that must get nothing more."""

from pathlib import Path

import pytest

from mailings import registry
from mailings.models import EmailCopy, OutboundEmail
from mailings.services import deliver, queue_email, register_email, render_email, suppress
from tests.factories import UserFactory, make_site

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


# -- an email registered by an app mailings knows nothing about ---------------------------------

EXAMPLE_TEMPLATES = Path(__file__).parent / "templates"


@pytest.fixture
def example_note(settings):
    """An email only these tests know, registered as any app registers its own (ready())."""
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], EXAMPLE_TEMPLATES]}]
    yield register_email(
        key="example_note",
        template="tests/emails/example_note",
        description="invites a neighbour to a get-together",
        placeholders=("guest", "event"),
        sample_context={"guest": "Robin", "event": "the street party"},
    )
    registry.EMAILS.pop("example_note")


def test_a_registered_email_is_written_from_its_own_templates(site, example_note):
    subject, text, html = render_email("example_note", {"guest": "Kim", "event": "the picnic"})
    assert subject == "See you at the picnic"
    assert text.startswith("Hello Kim,\n\nCome along to the picnic.")
    assert "<p>Come along to the picnic.</p>" in html
    EmailCopy.objects.create(
        key="example_note", subject="{guest}, join us", body="Bring a friend to {event}."
    )
    subject, text, _ = render_email("example_note", {"guest": "Kim", "event": "the picnic"})
    assert subject == "Kim, join us"
    assert "Bring a friend to the picnic." in text


def test_a_registered_emails_wording_is_checked_against_its_own_placeholders(site, example_note):
    from django.core.exceptions import ValidationError

    EmailCopy(key="example_note", subject="Hi {guest}", body="{event}, {campaign}").full_clean()
    copy = EmailCopy(key="example_note", subject="Hi {guest}", body="Hello {first_name}")
    with pytest.raises(ValidationError) as refused:
        copy.full_clean()
    assert "Unknown placeholder: {first_name}" in str(refused.value)
    assert "You can use {guest}, {event}, {campaign}." in str(refused.value)
    # Only emails registered as editable can be worded.
    with pytest.raises(ValidationError) as refused:
        EmailCopy(key="notice", subject="Hi", body="Hello").full_clean()
    assert "example_note (invites a neighbour to a get-together)" in str(refused.value)


def test_a_registered_email_is_previewed_with_its_sample_details(site, example_note, client):
    copy = EmailCopy.objects.create(
        key="example_note", subject="Join us, {guest}", body="See you at {event}."
    )
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    form = client.get(f"/admin/snippets/mailings/emailcopy/edit/{copy.pk}/").content.decode()
    assert "&#x27;example_note&#x27; (invites a neighbour to a get-together)" in form
    assert "{guest}, {event}, {campaign} in example_note" in form
    url = f"/admin/snippets/mailings/emailcopy/preview/{copy.pk}/"
    edited = {"key": "example_note", "subject": "Join us!", "body": "{guest}: see you at {event}."}
    assert client.post(url, edited).json()["is_valid"]
    html = client.get(url).content.decode()
    assert "<p>Hello Robin,</p>" in html
    assert "<p>Robin: see you at the street party.</p>" in html
