"""Nobody can make the platform carry their spam: names and pledges that our emails repeat refuse
links, addresses and markup, and every field refuses control characters (email included), with
a clear message beside the field and nothing stored."""

import html as html_text

import pytest
from django.test import Client

from mailings.models import OutboundEmail
from pledges.models import Pledge
from tests.factories import UserFactory

from .factories import PledgePageFactory
from .test_admin import ASSISTED, roles  # noqa: F401 (the roles fixture)

SPAM_NAMES = [
    "Hello WIN £500 at http://evil.example/claim,",
    "Claim at www.evil.example",
    "Visit prizes.xyz today",
    "Write to claims@evil.example",
    "<b>Prize</b>",
    "Winner&#33;",
    "[url=evil.example]win[/url]",
]
CONTROL_CHARACTERS = ["\x0b", "\x0c", "\x00", "\x1b", "\x7f", "\x85", "\u202e", "\u200b"]


@pytest.fixture
def client():
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def organisation_page(pledge_page):
    return PledgePageFactory(
        parent=pledge_page.get_parent(), slug="organisations", kind=Pledge.Kind.ORGANISATION
    )


def assert_refused(response, field, message):
    assert response.status_code == 400
    html = html_text.unescape(response.content.decode())
    assert "There is a problem" in html
    assert f'href="#id_{field}' in html
    assert message in html
    assert not Pledge.objects.exists()
    assert not OutboundEmail.objects.exists()


@pytest.mark.parametrize("name", SPAM_NAMES)
def test_first_names_that_carry_spam_are_refused(client, pledge_page, form_data, name):
    form_data["first_name"] = name
    response = client.post(pledge_page.submit_url, form_data)
    assert_refused(response, "first_name", "Your first name cannot include")


@pytest.mark.parametrize("name", SPAM_NAMES)
def test_organisation_names_that_carry_spam_are_refused(client, organisation_page, form_data, name):
    form_data.update(organisation_name=name, organisation_type="business")
    response = client.post(organisation_page.submit_url, form_data)
    assert_refused(response, "organisation_name", "The organisation's name cannot include")


@pytest.mark.parametrize("words", SPAM_NAMES)
def test_own_pledges_that_carry_spam_are_refused(client, pledge_page, form_data, words):
    form_data.update(suggestion="own", own_text=words)
    response = client.post(pledge_page.submit_url, form_data)
    assert_refused(response, "own_text", "Remove links")


@pytest.mark.parametrize("name", ["Siân", "Mary-Jane O'Neill", "Dr. Ngozi", "1st Chatham Scouts"])
def test_real_names_are_welcome(client, organisation_page, form_data, name):
    form_data.update(first_name=name, organisation_name=name, organisation_type="community_group")
    assert client.post(organisation_page.submit_url, form_data).status_code == 302
    assert Pledge.objects.get().organisation_name == name


@pytest.mark.parametrize("character", CONTROL_CHARACTERS)
@pytest.mark.parametrize("field", ["first_name", "email", "own_text", "heard_from"])
def test_control_characters_are_refused_in_every_field(
    client, pledge_page, form_data, field, character
):
    form_data.update(suggestion="own", own_text="Call my neighbour")
    form_data[field] = {
        "email": f'"a{character}b"@example.org',
        "heard_from": "friend",
    }.get(field, f"Sam{character}Smith")
    if field == "heard_from":
        form_data[field] = f"friend{character}"  # a choice: refused as not one of ours
    response = client.post(pledge_page.submit_url, form_data)
    assert response.status_code == 400
    assert not Pledge.objects.exists()
    if field != "heard_from":
        assert "Remove the unusual characters" in response.content.decode()


@pytest.mark.parametrize("field", ["first_name", "organisation_name"])
def test_staff_entered_names_are_held_to_the_same_rules(roles, area, field):  # noqa: F811
    client = Client()
    officer = UserFactory()
    officer.groups.add(roles["Data officers"])
    client.force_login(officer)
    data = {
        "channel": "phone",
        "kind": "organisation",
        "suggestion": "own",
        "own_text": "Phone my brother every Sunday",
        "first_name": "Lee",
        "organisation_name": "Strood Scouts",
        "organisation_type": "community_group",
        "email": "lee@example.org",
        "area": str(area.pk),
        "privacy_told": "on",
        "privacy_version": "paper-3",
        field: "Hello WIN £500 at http://evil.example/claim,",
    }
    response = client.post(ASSISTED, data)
    assert response.status_code == 400
    assert "cannot include a web address" in response.content.decode()
    data[field], data["email"] = "Lee", '"le\x0be"@example.org'
    response = client.post(ASSISTED, data)
    assert response.status_code == 400
    assert "Remove the unusual characters" in response.content.decode()
    assert not Pledge.objects.exists()
