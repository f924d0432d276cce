"""Organisations in the admin: who may see what (role x URL), Moderators never see members'
email addresses (nor the history, which names them), nobody changes an organisation there,
and the listing's filters."""

import importlib
import textwrap

import pytest
from django.apps import apps as django_apps

from organisations.models import Role
from organisations.services import OrganisationDetails, create_organisation, invite_member
from tests.admin_roles import (
    DENIED,
    LOGIN,
    NOT_FOUND,
    OK,
    login,
    member_of,
    outcome,
    put_roles_back,
)
from tests.factories import UserFactory

from .conftest import add_member
from .factories import AreaFactory

BASE = "/admin/organisations/"
ROLES = ["editor", "page moderator", "pledge moderator", "data officer", "pledge taker", "super"]
GROUP_OF = {
    "editor": "Editors",
    "page moderator": "Moderators",
    "pledge moderator": "Pledge moderators",
    "data officer": "Data officers",
    "pledge taker": "Pledge takers",
}
CELLS = {"ok": OK, "-": DENIED, "404": NOT_FOUND}

#               editor page-mod pledge-mod officer taker super
EXPECTED_TABLE = """
    list        -    ok   -    ok   -    ok
    results     -    ok   -    ok   -    ok
    inspect     -    ok   -    ok   -    ok
    history     -    -    -    ok   -    ok
    add         -    -    -    -    -    -
    edit        -    -    -    -    -    -
    delete      -    -    -    -    -    -
    usage       -    -    -    -    -    -
    copy        404  404  404  404  404  404
"""
EXPECTED = {
    line.split()[0]: dict(zip(ROLES, (CELLS[c] for c in line.split()[1:]), strict=True))
    for line in textwrap.dedent(EXPECTED_TABLE).strip().splitlines()
}
# Text only those who may see members see.
MEMBERS_ONLY = ["quokka-owner@hidden.example", "okapi-member@hidden.example", "ibis-invited"]


@pytest.fixture
def groups(db):
    groups = put_roles_back()
    importlib.import_module("organisations.migrations.0002_admin_roles").grant(django_apps)
    return groups


@pytest.fixture
def users(groups):
    users = {role: member_of(groups, name) for role, name in GROUP_OF.items()}
    users["super"] = UserFactory(is_superuser=True)
    return users


@pytest.fixture
def organisation(db):
    owner = UserFactory(email="quokka-owner@hidden.example")
    organisation = create_organisation(
        owner=owner, details=OrganisationDetails(name="Pelican Partnership")
    )
    add_member(organisation, "okapi-member@hidden.example")
    invite_member(
        organisation=organisation, email="ibis-invited@hidden.example", role="editor", by=owner
    )
    return organisation


def pages(pk: int) -> dict[str, str]:
    return {
        "list": BASE,
        "results": f"{BASE}results/",
        "inspect": f"{BASE}inspect/{pk}/",
        "history": f"{BASE}history/{pk}/",
        "add": f"{BASE}new/",
        "edit": f"{BASE}edit/{pk}/",
        "delete": f"{BASE}delete/{pk}/",
        "usage": f"{BASE}usage/{pk}/",
        "copy": f"{BASE}copy/{pk}/",
    }


def test_each_role_gets_what_the_table_says_and_members_stay_hidden(client, users, organisation):
    client.raise_request_exception = False
    seen, leaks = {}, []
    for role in ROLES:
        login(client, users[role])
        for name, url in pages(organisation.pk).items():
            response = client.get(url)
            seen.setdefault(name, {})[role] = outcome(response)
            if role not in ("data officer", "super"):
                text = response.content.decode(errors="replace")
                leaks += [(role, name, m) for m in MEMBERS_ONLY if m in text]
    assert seen == EXPECTED
    assert leaks == []


@pytest.mark.parametrize("who", ["anonymous", "plain user", "member"])
def test_people_who_cannot_use_the_admin_are_sent_to_sign_in(client, organisation, who):
    if who == "plain user":
        login(client, UserFactory())
    elif who == "member":
        login(client, organisation.memberships.get(role=Role.OWNER).user)
    for url in pages(organisation.pk).values():
        assert outcome(client.get(url)) == LOGIN, url


def test_a_data_officer_sees_members_and_invitations(client, users, organisation):
    login(client, users["data officer"])
    html = client.get(f"{BASE}inspect/{organisation.pk}/").content.decode()
    for marker in MEMBERS_ONLY:
        assert marker in html
    history = client.get(f"{BASE}history/{organisation.pk}/").content.decode()
    assert "Member invited" in history


def test_a_moderator_sees_the_profile_and_a_count(client, users, organisation):
    login(client, users["page moderator"])
    html = client.get(f"{BASE}inspect/{organisation.pk}/").content.decode()
    assert "Pelican Partnership" in html
    assert "2 members. Only Data officers see who they are." in html


def test_nobody_changes_an_organisation_in_the_admin(client, users, organisation):
    login(client, users["super"])
    client.post(f"{BASE}edit/{organisation.pk}/", {"name": "Changed"})
    client.post(f"{BASE}delete/{organisation.pk}/")
    client.post(f"{BASE}new/", {"name": "Added"})
    organisation.refresh_from_db()
    assert organisation.name == "Pelican Partnership"
    assert type(organisation).objects.count() == 1


def test_the_listing_filters_by_district_and_by_having_an_owner(client, users, organisation):
    area = AreaFactory(name="Harbourside")
    organisation.areas.add(area)
    orphan = create_organisation(owner=UserFactory(), details=OrganisationDetails(name="Orphan"))
    orphan.memberships.all().delete()
    login(client, users["data officer"])

    def names(query: str) -> list[str]:
        html = client.get(f"{BASE}results/?{query}").content.decode()
        return [n for n in ("Pelican Partnership", "Orphan") if n in html]

    assert names("") == ["Pelican Partnership", "Orphan"]
    assert names(f"areas={area.pk}") == ["Pelican Partnership"]
    assert names("has_owner=false") == ["Orphan"]
    assert names("has_owner=true") == ["Pelican Partnership"]
    assert names("q=orph") == ["Orphan"]
    for ordering in ("members", "-members", "owners", "-owners", "name", "-created_at"):
        assert client.get(f"{BASE}?ordering={ordering}").status_code == 200, ordering
