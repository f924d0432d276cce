"""One person's data in organisations (core.personal_data): the memberships of the account with
the address and the invitations sent to it are found, exported and erased with everything else
held for the address. An organisation's last owner is erased all the same: the organisation
is left without an owner."""

import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from core import audit
from core.personal_data import erase_person, export_person, find_person, personal_data_sections
from organisations import services
from organisations.models import Invite, Membership, Organisation, Role
from organisations.services import OrganisationDetails, create_organisation
from tests.factories import UserFactory

from .conftest import add_member
from .factories import InviteFactory

SAM = "sam@example.org"


@pytest.fixture
def sam(db):
    user = UserFactory.build(email="Sam@Example.org")  # stored as given, in any case
    user.save()
    return user


@pytest.fixture
def sams_data(sam, organisation, owner):
    """Sam owns one organisation alone, edits another, and has two invitations."""
    own = create_organisation(owner=sam, details=OrganisationDetails(name="Sam's Walking Group"))
    add_member(own, "walker@example.org")
    add_member(organisation, "placeholder@example.org")
    Membership.objects.create(organisation=organisation, user=sam, role=Role.EDITOR)
    third = create_organisation(owner=UserFactory(), details=OrganisationDetails(name="Third"))
    InviteFactory(organisation=third, email=SAM, role=Role.OWNER)
    services.invite_member(
        organisation=organisation, email="other@example.org", role="editor", by=owner
    )
    return own


def section(found, key="organisations"):
    (match,) = [f for f in found if f.section.key == key]
    return match


def test_the_section_is_registered_and_says_what_erasing_does():
    (registered,) = [s for s in personal_data_sections() if s.key == "organisations"]
    assert registered.label == "Organisations"
    assert "only owner" in registered.description
    assert "without an owner" in registered.description


def test_a_data_officer_finds_memberships_and_invitations(sams_data):
    items = section(find_person(" SAM@example.org ")).items
    assert [item.title for item in items] == [
        "Member of “Riverside Trust”",
        "Member of “Sam's Walking Group”",
        "Invitation to join “Third”",
    ]
    assert dict(items[0].details)["Role"] == "Editor"
    assert dict(items[1].details)["Role"] == "Owner"
    assert dict(items[2].details)["State"].startswith("Open until")
    assert items[0].url.startswith("/admin/organisations/inspect/")


def test_the_export_holds_them_and_is_json(sams_data):
    document = export_person(SAM)
    data = document["sections"]["organisations"]["data"]
    assert [(m["organisation"], m["role"]) for m in data["memberships"]] == [
        ("Riverside Trust", "editor"),
        ("Sam's Walking Group", "owner"),
    ]
    assert [(i["organisation"], i["role"]) for i in data["invitations"]] == [("Third", "owner")]
    json.dumps(document, cls=DjangoJSONEncoder)
    assert "other@example.org" not in json.dumps(data)


def test_erasing_takes_the_last_owner_out_and_leaves_the_organisation_ownerless(
    sams_data, sam, organisation, staff_user
):
    erased = erase_person(SAM, by=staff_user)
    assert erased["organisations"] == 3
    assert not Membership.objects.filter(user=sam).exists()
    assert not Invite.objects.filter(email=SAM).exists()
    # Sam's own group stays, with its other member and no owner.
    own = Organisation.objects.get(pk=sams_data.pk)
    assert list(own.memberships.values_list("user__email", "role")) == [
        ("walker@example.org", Role.EDITOR)
    ]
    # Nothing else is touched.
    assert organisation.memberships.count() == 2
    assert Invite.objects.filter(email="other@example.org").exists()
    entries = audit.history(Organisation, [own.pk]).filter(action=services.ERASED)
    assert [e.user for e in entries] == [staff_user]
    assert section(find_person(SAM)).items == []


def test_an_owner_who_is_the_only_member_leaves_an_empty_organisation(sam):
    alone = create_organisation(owner=sam, details=OrganisationDetails(name="Just Sam"))
    erase_person(SAM)
    assert Organisation.objects.filter(pk=alone.pk).exists()
    assert not alone.memberships.exists()


@pytest.fixture
def staff_user(db):
    return UserFactory(email="data.officer@example.org")
