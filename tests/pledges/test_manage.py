"""After pledging: unsubscribe, manage, export, erase and retention."""

import datetime
import json

import pytest
from django.core import mail
from django.utils import timezone
from wagtail.models import ModelLogEntry

from mailings.models import OutboundEmail, Suppression, address_hash
from mailings.services import deliver, queue_email
from pledges.models import ConsentRecord, Pledge
from pledges.services import confirm_pledge, privacy
from pledges.services.moderation import reject_pledges
from pledges.tokens import make_token


@pytest.fixture
def pledge(client, pledge_page, form_data):
    client.post(pledge_page.submit_url, form_data)
    pledge = Pledge.objects.get()
    confirm_pledge(pledge=pledge)
    return pledge


def test_unsubscribe_get_changes_nothing_and_cookieless_post_suppresses(client, pledge):
    url = f"/pledges/unsubscribe/{make_token(pledge, 'unsubscribe')}/"
    assert client.get(url).status_code == 200
    assert not Suppression.objects.exists()
    client.cookies.clear()
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert Suppression.objects.filter(address_hash=address_hash("sam@example.org")).exists()
    pledge.refresh_from_db()
    assert not pledge.reminders_wanted
    assert pledge.next_reminder_at is None
    assert pledge.consents.get(purpose=ConsentRecord.Purpose.REMINDERS).withdrawn_at
    # Nothing more is sent to a suppressed address.
    email = queue_email(
        to="SAM@example.org",
        template="notice",
        key="test:after-unsubscribe",
        context={"subject": "Hello", "paragraphs": ["Hi"]},
    )
    assert deliver(email.pk).outcome == "cancelled"
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.CANCELLED
    assert [m for m in mail.outbox if m.subject == "Hello"] == []


def test_manage_page_changes_visibility(client, pledge):
    url = f"/pledges/manage/{make_token(pledge, 'manage')}/"
    response = client.get(url)
    assert "Hide it from the wall" in response.content.decode()
    client.post(url, {"action": "visibility", "show": "no"})
    pledge.refresh_from_db()
    assert not pledge.show_on_wall
    assert pledge.consents.get(purpose="wall").withdrawn_at is not None
    client.post(url, {"action": "visibility", "show": "yes"})
    pledge.refresh_from_db()
    assert pledge.show_on_wall
    assert client.post(url, {"action": "nonsense"}).status_code == 400


def test_download_my_data(client, pledge):
    response = client.get(f"/pledges/manage/{make_token(pledge, 'manage')}/my-pledge.json")
    assert response["Content-Disposition"] == 'attachment; filename="my-pledge.json"'
    data = json.loads(response.content)
    assert data["pledge"]["email"] == "sam@example.org"
    assert data["pledge"]["area"] == "Chatham"
    assert {c["purpose"] for c in data["consents"]} == {"privacy", "reminders", "wall"}
    assert data["emails"][0]["template"] == "pledge_confirm"
    assert data["emails"][0]["status"] == OutboundEmail.Status.PENDING


def test_delete_removes_pledge_emails_and_links(client, pledge):
    reject_pledges(pledges=[pledge], reason="Gives Sam's address", by=None)
    manage_url = f"/pledges/manage/{make_token(pledge, 'manage')}/"
    unsubscribe_url = f"/pledges/unsubscribe/{make_token(pledge, 'unsubscribe')}/"
    client.post(unsubscribe_url)
    response = client.post(manage_url, {"action": "delete"})
    assert "Your pledge has been deleted" in response.content.decode()
    assert not Pledge.objects.exists()
    assert not OutboundEmail.objects.filter(to="sam@example.org").exists()
    assert not ConsentRecord.objects.exists()
    # Only the hashed suppression entry is left, and a note that pledge N was erased.
    assert Suppression.objects.count() == 1
    (entry,) = ModelLogEntry.objects.filter(object_id=str(pledge.pk))
    assert (entry.action, entry.user_id, entry.data) == ("pledges.erase", None, {})
    assert client.get(manage_url).status_code == 404


def test_retention_removes_unconfirmed_and_anonymises_old(db, area):
    now = timezone.now()
    old_unconfirmed = Pledge.objects.create(
        text="Old", email="a@example.org", area=area, created_at=now - datetime.timedelta(days=8)
    )
    fresh_unconfirmed = Pledge.objects.create(text="Fresh", email="b@example.org", area=area)
    ancient = Pledge.objects.create(
        text="Ancient",
        first_name="Jo",
        email="c@example.org",
        area=area,
        show_on_wall=True,
        created_at=now - datetime.timedelta(days=800),
        confirmed_at=now - datetime.timedelta(days=800),
    )
    ancient_rejected = Pledge.objects.create(
        text="Visit Jo at 4 Mill Lane",
        email="d@example.org",
        area=area,
        created_at=now - datetime.timedelta(days=800),
        confirmed_at=now - datetime.timedelta(days=800),
    )
    reject_pledges(pledges=[ancient_rejected], reason="Names Jo's street", by=None)
    result = privacy.apply_retention(now=now)
    assert result == {"removed_unconfirmed": 1, "anonymised": 2}
    assert not Pledge.objects.filter(pk=old_unconfirmed.pk).exists()
    assert Pledge.objects.filter(pk=fresh_unconfirmed.pk).exists()
    ancient.refresh_from_db()
    assert (ancient.first_name, ancient.email, ancient.show_on_wall) == ("", "", False)
    assert ancient.text == "Ancient"
    assert ancient.confirmed_at is not None
    assert ancient.anonymised_at is not None
    assert Pledge.objects.counted().count() == 1
    # The rejection is still on record, without the reason that quoted the person.
    ancient_rejected.refresh_from_db()
    assert (ancient_rejected.email, ancient_rejected.moderation_reason) == ("", "")
    assert ancient_rejected.text == ""  # "Visit Jo at 4 Mill Lane" is gone
    (entry,) = ModelLogEntry.objects.filter(object_id=str(ancient_rejected.pk))
    assert (entry.action, entry.data) == ("pledges.reject", {})


def test_erasing_forgets_the_cached_share_card(pledge, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    from pledges.share_card import card_cache_key

    cache.set(card_cache_key(pledge.pk), b"png with a name", 3600)
    with django_capture_on_commit_callbacks(execute=True):
        privacy.erase_pledge(pledge=pledge)
    assert cache.get(card_cache_key(pledge.pk)) is None
