"""The comms team's own wording for the pledge emails they may edit (pledges registers them)."""

import pytest

from mailings.models import EmailCopy
from mailings.services import render_email
from tests.factories import UserFactory, make_site


@pytest.fixture
def site(db):
    return make_site()


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
