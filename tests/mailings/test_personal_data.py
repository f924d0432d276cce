"""mailings' own section of a person's data: the emails to an address that no app lists with
its records (here plain notices), and the do-not-email entry, found, exported and erased with
every other app's part; emails an app claims (the pledges') are left to that app."""

import json

import pytest

from core.personal_data import erase_person, export_person, find_person
from mailings.models import OutboundEmail, Suppression, address_hash
from mailings.services import queue_email, suppress
from tests.admin_roles import login, member_of, put_roles_back
from tests.pledges.factories import PledgeFactory

pytestmark = pytest.mark.django_db

SAM = "sam@example.org"


def notice(key, *, to=SAM, subject="A note from us"):
    return queue_email(
        to=to,
        template="notice",
        key=key,
        context={"subject": subject, "name": "Sam", "paragraphs": ["Thank you."]},
    )


@pytest.fixture
def sams_emails(db):
    pledge = PledgeFactory(email=SAM, text="Say hello to a neighbour")
    claimed = OutboundEmail.objects.create(
        key=f"pledge:{pledge.pk}:confirm",
        to=SAM,
        template="pledge_confirm",
        subject="Confirm your pledge",
        body_text="Hello",
    )
    ours = notice("campaign:news:1:sam", to="Sam@Example.org", subject="<b>News</b> from us")
    others = notice("campaign:news:1:else", to="someone.else@example.org", subject="Not Sam's")
    return pledge, claimed, ours, others


def section(found, key):
    return next(part for part in found if part.section.key == key)


def test_the_emails_no_app_claims_are_found_and_exported_under_their_own_section(sams_emails):
    found = find_person(SAM)
    assert [part.section.key for part in found][-1] == "emails"
    emails = section(found, "emails")
    assert [item.title for item in emails.items] == ["Email: “<b>News</b> from us”"]
    details = dict(emails.items[0].details)
    assert details["What it is"].startswith("a plain message")
    assert details["Status"] == "Waiting to send"
    # The pledge's email is listed with the pledge, not twice.
    assert ("Emails about it", "1") in section(found, "pledges").items[0].details

    data = export_person(SAM)["sections"]["emails"]["data"]
    assert [email["subject"] for email in data["emails"]] == ["<b>News</b> from us"]
    assert data["do_not_email"] is None
    assert "Not Sam's" not in json.dumps(data, default=str)


def test_the_do_not_email_entry_is_listed_and_kept_through_an_erasure(sams_emails):
    suppress(address=SAM, reason="unsubscribed")
    found = section(find_person(SAM), "emails")
    assert found.items[-1].title == "On the do-not-email list"
    assert dict(found.items[-1].details)["Why"] == "Unsubscribed"
    exported = export_person(SAM)["sections"]["emails"]["data"]["do_not_email"]
    assert exported["reason"] == "unsubscribed"

    erase_person(SAM)
    assert Suppression.objects.filter(address_hash=address_hash(SAM)).exists()
    assert [item.title for item in section(find_person(SAM), "emails").items] == [
        "On the do-not-email list"
    ]


def test_an_erasure_leaves_no_email_to_the_address_whoever_sent_it(sams_emails):
    _pledge, claimed, ours, others = sams_emails
    # An email keyed to a pledge that is no longer there (none should be) goes too.
    orphan = OutboundEmail.objects.create(
        key="pledge:999999:confirm", to=SAM, template="pledge_confirm", subject="Old", body_text="-"
    )
    erased = erase_person(" SAM@example.org ")
    assert erased["pledges"] == 1
    assert erased["emails"] == 2  # ours (stored in another case) and the orphan
    assert not OutboundEmail.objects.filter(pk__in=[claimed.pk, ours.pk, orphan.pk]).exists()
    assert OutboundEmail.objects.filter(pk=others.pk).exists()


def test_the_data_officer_sees_the_emails_section_escaped(client, sams_emails):
    officer = member_of(put_roles_back(), "Data officers")
    login(client, officer)
    html = client.post("/admin/personal-data/", {"email": SAM}).content.decode()
    assert "Other emails" in html
    assert "&lt;b&gt;News&lt;/b&gt; from us" in html
    assert "<b>News</b>" not in html
    assert "Not Sam&#x27;s" not in html
