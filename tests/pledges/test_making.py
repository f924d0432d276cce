"""Making a pledge: the form, double opt-in, and what is stored."""

import pytest

from mailings.models import OutboundEmail
from pledges.models import ConsentRecord, Pledge
from pledges.tokens import make_token


@pytest.fixture
def client():
    """Browsers send no CSRF token with this form (its page is cached for everyone): the test
    client must enforce CSRF like a real request does."""
    from django.test import Client

    return Client(enforce_csrf_checks=True)


def submit(client, page, data, **headers):
    return client.post(page.submit_url, data, **headers)


def test_form_page_is_cacheable_and_has_no_csrf_token(client, pledge_page, suggestion):
    response = client.get(pledge_page.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Say hello to a neighbour" in html
    assert "csrfmiddlewaretoken" not in html
    assert "public" in response["Cache-Control"]
    assert "We use your email only for this pledge." in html


def test_a_pledge_is_stored_unconfirmed_with_consent_and_a_confirmation_email(
    client, pledge_page, form_data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, pledge_page, form_data)
    assert response.status_code == 302
    assert response["Location"] == pledge_page.url + "check-your-email/"
    pledge = Pledge.objects.get()
    assert pledge.email == "sam@example.org"
    assert pledge.text == "Say hello to a neighbour"
    assert pledge.confirmed_at is None
    assert pledge.moderation == Pledge.Moderation.APPROVED
    assert set(pledge.consents.values_list("purpose", "wording_version", "source")) == {
        ("privacy", "2026-11", "online"),
        ("reminders", "2026-11", "online"),
        ("wall", "2026-11", "online"),
    }
    email = OutboundEmail.objects.get(key=f"pledge:{pledge.pk}:confirm")
    assert email.to == "sam@example.org"
    assert "/pledges/confirm/" in email.body_text
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert email.headers["List-Unsubscribe"].startswith("<http://testserver/pledges/unsubscribe/")
    assert email.status == OutboundEmail.Status.SENT  # eager worker in unit tests


def test_own_pledge_goes_to_moderation(client, pledge_page, form_data):
    form_data.update(suggestion="own", own_text="Teach my neighbour to video call")
    submit(client, pledge_page, form_data)
    pledge = Pledge.objects.get()
    assert pledge.text == "Teach my neighbour to video call"
    assert pledge.moderation == Pledge.Moderation.PENDING


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "Enter an email address in the correct format"),
        ({"first_name": ""}, "first_name", "Enter your first name."),
        ({"area": ""}, "area", "Choose your area."),
        ({"suggestion": ""}, "suggestion", "Choose a pledge"),
        ({"suggestion": "own", "own_text": ""}, "own_text", "Write your pledge"),
        (
            {"suggestion": "own", "own_text": "Visit www.spam.example now"},
            "own_text",
            "Remove links",
        ),
        ({"suggestion": "own", "own_text": "x" * 141}, "own_text", "140 characters or fewer"),
    ],
)
def test_bad_input_gets_a_clear_error_and_stores_nothing(
    client, pledge_page, form_data, changes, field, message
):
    form_data.update(changes)
    response = submit(client, pledge_page, form_data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert message in html
    assert Pledge.objects.count() == 0
    assert OutboundEmail.objects.count() == 0
    # What the person typed is kept.
    if field != "first_name":
        assert 'value="Sam"' in html


def test_same_pledge_twice_makes_one_pledge_and_one_email(client, pledge_page, form_data):
    first = submit(client, pledge_page, form_data)
    second = submit(client, pledge_page, dict(form_data, email="sam@example.org"))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Pledge.objects.count() == 1
    assert OutboundEmail.objects.count() == 1


def test_honeypot_stops_bots(client, pledge_page, form_data):
    response = submit(client, pledge_page, dict(form_data, website="http://spam.example"))
    assert response.status_code == 400
    assert Pledge.objects.count() == 0


def test_cross_site_post_is_refused(client, pledge_page, form_data):
    response = submit(client, pledge_page, form_data, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert Pledge.objects.count() == 0


def test_organisation_pledge_needs_organisation_name(client, pledge_page, form_data):
    pledge_page.kind = Pledge.Kind.ORGANISATION
    pledge_page.save_revision().publish()
    response = submit(client, pledge_page, form_data)
    assert response.status_code == 400
    assert "Enter your organisation" in response.content.decode()
    form_data.update(organisation_name="Chatham parkrun", organisation_type="community_group")
    assert submit(client, pledge_page, form_data).status_code == 302
    pledge = Pledge.objects.get()
    assert pledge.kind == Pledge.Kind.ORGANISATION
    assert pledge.display_name == "Chatham parkrun"


def test_confirm_link_shows_a_button_and_only_post_confirms(client, pledge_page, form_data):
    submit(client, pledge_page, form_data)
    pledge = Pledge.objects.get()
    url = f"/pledges/confirm/{make_token(pledge, 'confirm')}/"
    response = client.get(url)
    assert response.status_code == 200
    assert "Confirm my pledge" in response.content.decode()
    pledge.refresh_from_db()
    assert pledge.confirmed_at is None
    response = client.post(url)
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.confirmed_at is not None
    assert not pledge.consents.filter(confirmed_at__isnull=True).exists()
    assert pledge.next_reminder_at is not None
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert "Thank you, Sam" in thanks.content.decode()
    # Confirming again changes nothing.
    first_confirmed = pledge.confirmed_at
    client.post(url)
    pledge.refresh_from_db()
    assert pledge.confirmed_at == first_confirmed


@pytest.mark.parametrize("purpose", ["manage", "unsubscribe", "outcome"])
def test_a_token_for_another_purpose_is_404(client, pledge_page, form_data, purpose):
    submit(client, pledge_page, form_data)
    pledge = Pledge.objects.get()
    assert client.post(f"/pledges/confirm/{make_token(pledge, purpose)}/").status_code == 404
    assert client.get("/pledges/confirm/not-a-token/").status_code == 404


def test_expired_confirm_token_is_404(client, pledge_page, form_data):
    from freezegun import freeze_time

    with freeze_time("2026-01-01"):
        submit(client, pledge_page, form_data)
        pledge = Pledge.objects.get()
        token = make_token(pledge, "confirm")
    with freeze_time("2026-01-20"):
        assert client.post(f"/pledges/confirm/{token}/").status_code == 404
    pledge.refresh_from_db()
    assert pledge.confirmed_at is None


def test_user_text_is_escaped(client, pledge_page, form_data):
    from pledges.services import confirm_pledge

    form_data.update(suggestion="own", own_text='<script>alert("x")</script>', first_name="<b>Sam")
    response = submit(client, pledge_page, form_data)
    assert response.status_code == 400  # angle brackets are refused in pledges and names
    form_data.update(own_text='"Quotes" & ampersands', first_name="Sam")
    submit(client, pledge_page, form_data)
    pledge = Pledge.objects.get()
    # Whatever is already stored (from before the names rule, say) is escaped all the same.
    Pledge.objects.filter(pk=pledge.pk).update(first_name="<b>Sam")
    pledge.refresh_from_db()
    confirm_pledge(pledge=pledge)
    html = client.get(f"/pledges/thanks/{make_token(pledge, 'manage')}/").content.decode()
    assert "&lt;b&gt;Sam" in html
    assert "&quot;Quotes&quot; &amp; ampersands" in html


def test_consent_record_purposes_follow_the_choices(client, pledge_page, form_data):
    form_data.pop("show_on_wall")
    form_data.pop("reminders_wanted")
    submit(client, pledge_page, form_data)
    assert list(ConsentRecord.objects.values_list("purpose", flat=True)) == ["privacy"]


def test_thank_you_page_points_to_local_activities(client, pledge_page, form_data):
    from wagtail.models import Site

    from pledges.models import PledgeSettings
    from pledges.services import confirm_pledge
    from tests.factories import CampaignPageFactory

    activities = CampaignPageFactory(parent=pledge_page.get_parent(), title="Things to do nearby")
    chosen = PledgeSettings.for_site(Site.objects.get(is_default_site=True))
    chosen.local_activities_page = activities
    chosen.save()
    submit(client, pledge_page, form_data)
    pledge = Pledge.objects.get()
    confirm_pledge(pledge=pledge)
    html = client.get(f"/pledges/thanks/{make_token(pledge, 'manage')}/").content.decode()
    assert f'href="{activities.url}"' in html
    assert "Local groups and activities" in html


def test_pledge_consents_and_email_are_stored_together_or_not_at_all(
    pledge_page, form_data, monkeypatch
):
    from pledges import services
    from pledges.forms import PledgeForm
    from pledges.services import making

    def email_fails(pledge):
        raise RuntimeError("template missing")

    monkeypatch.setattr(making, "queue_confirmation", email_fails)
    form = PledgeForm(form_data)
    assert form.is_valid()
    with pytest.raises(RuntimeError):
        services.make_pledge(details=form.details(), privacy_version="1")
    assert Pledge.objects.count() == 0
    assert ConsentRecord.objects.count() == 0
