"""The comms team's own wording for an email, and addresses that must get nothing more."""

import pytest

from mailings.models import EmailCopy, OutboundEmail
from mailings.services import deliver, queue_email, render_email, suppress
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


def test_pledge_confirmation_uses_edited_paragraphs(site):
    EmailCopy.objects.create(
        key="pledge_confirm",
        subject="Confirm, {first_name}!",
        body="Thanks for pledging to {pledge}.\n\nOne click and it counts.",
    )
    context = {
        "first_name": "Sam",
        "pledge": "host a coffee morning",
        "action_url": "https://x.example/confirm",
        "manage_url": "https://x.example/manage",
        "unsubscribe_url": "https://x.example/unsubscribe",
    }
    subject, text, html = render_email("pledge_confirm", context)
    assert subject == "Confirm, Sam!"
    assert "<p>Thanks for pledging to host a coffee morning.</p>" in html
    assert "<p>One click and it counts.</p>" in html
    assert "One click and it counts." in text
    assert "https://x.example/confirm" in text


def test_edited_wording_is_escaped_in_html(site):
    EmailCopy.objects.create(key="pledge_confirm", subject="S", body="<script>x</script>")
    _, _, html = render_email(
        "pledge_confirm",
        {
            "first_name": "<b>Sam</b>",
            "pledge": "p",
            "action_url": "#",
            "manage_url": "#",
            "unsubscribe_url": "#",
        },
    )
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;b&gt;Sam" in html


def test_wording_preview_in_admin(site, client):
    copy = EmailCopy.objects.create(
        key="pledge_confirm", subject="Confirm, {first_name}!", body="Hello from {campaign}."
    )
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = f"/admin/snippets/mailings/emailcopy/preview/{copy.pk}/"
    form = {"key": "pledge_confirm", "subject": "Confirm!", "body": "Hello from {campaign}."}
    assert client.post(url, form).json()["is_valid"]
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hello from Better Together." in html


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


def test_wording_with_an_unknown_placeholder_is_refused(site):
    from django.core.exceptions import ValidationError

    copy = EmailCopy(key="pledge_confirm", subject="Hi {name}", body="Thanks {first_name")
    with pytest.raises(ValidationError) as refused:
        copy.full_clean()
    assert "Unknown placeholder: {name}" in str(refused.value)
    assert "curly brackets" in str(refused.value)


def test_only_emails_that_use_edited_wording_can_be_worded(site):
    from django.core.exceptions import ValidationError

    # Reminders are worded on the reminder schedule: a 'pledge_reminder' wording would do nothing.
    copy = EmailCopy(key="pledge_reminder", subject="Hi", body="Hello")
    with pytest.raises(ValidationError) as refused:
        copy.full_clean()
    assert "pledge_confirm" in str(refused.value)
    assert "pledge_recorded" in str(refused.value)
    EmailCopy(key="pledge_recorded", subject="Thanks, {first_name}", body="Hi").full_clean()


def test_wording_saved_broken_falls_back_to_the_template(site):
    EmailCopy.objects.create(key="pledge_confirm", subject="Hi {", body="Thanks {first_name")
    subject, text, _ = render_email(
        "pledge_confirm",
        {
            "first_name": "Sam",
            "pledge": "wave",
            "action_url": "#",
            "manage_url": "#",
            "unsubscribe_url": "#",
        },
    )
    assert subject == "Please confirm your pledge"
    assert "Thank you for your pledge: “wave”." in text
