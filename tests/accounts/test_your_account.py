"""A person's own account: download everything held for their address, and delete the account,
unless they are the only owner of an organisation or a member of staff. The account is also
one section of a Data officer's look-up and erasure."""

import json

import pytest

from accounts.models import User
from core.personal_data import erase_person, export_person, find_person
from organisations.models import Membership, Organisation, Role
from organisations.services import OrganisationDetails, create_organisation
from tests.factories import UserFactory, make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(db):
    make_site()
    return UserFactory(email="pat@bakery.example", first_name="Pat")


def test_signed_out_visitors_are_asked_to_sign_in(client, person):
    for path in ("/accounts/yours/", "/accounts/yours/data.json", "/accounts/yours/delete/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_the_download_holds_every_section_for_the_address(client, person):
    create_organisation(owner=person, details=OrganisationDetails(name="<b>Bakery</b>"))
    client.force_login(person)
    response = client.get("/accounts/yours/data.json")
    assert response["Content-Disposition"] == 'attachment; filename="your-data.json"'
    document = json.loads(response.content)
    assert document["address"] == "pat@bakery.example"
    assert document["sections"]["account"]["data"]["first_name"] == "Pat"
    organisations = json.dumps(document["sections"]["organisations"]["data"])
    assert "<b>Bakery</b>" in organisations
    assert "password" not in json.dumps(document["sections"]["account"])


def test_the_only_owner_of_an_organisation_cannot_delete_the_account(client, person):
    organisation = create_organisation(owner=person, details=OrganisationDetails(name="Bakery"))
    client.force_login(person)
    html = client.get("/accounts/yours/delete/").content.decode()
    assert "You are the only owner of Bakery" in html
    assert "Delete my account" not in html
    response = client.post("/accounts/yours/delete/", {"confirm": "yes"}, follow=True)
    assert "You are the only owner of Bakery" in response.content.decode()
    assert User.objects.filter(pk=person.pk).exists()

    colleague = UserFactory()
    Membership.objects.create(organisation=organisation, user=colleague, role=Role.OWNER)
    response = client.post("/accounts/yours/delete/", {"confirm": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=person.pk).exists()
    assert Organisation.objects.filter(pk=organisation.pk).exists()
    assert list(organisation.memberships.values_list("user", flat=True)) == [colleague.pk]
    assert "_auth_user_id" not in client.session


def test_a_staff_account_is_not_deleted_here(client, person):
    staff = UserFactory(email="editor@council.example", is_staff=True)
    client.force_login(staff)
    client.post("/accounts/yours/delete/", {"confirm": "yes"})
    assert User.objects.filter(pk=staff.pk).exists()
    # Nor by a Data officer's erasure: the account is the council's record.
    assert erase_person("editor@council.example")["account"] == 0
    assert User.objects.filter(pk=staff.pk).exists()


def test_a_data_officer_finds_exports_and_erases_the_account(person):
    (account,) = [
        part for part in find_person("PAT@bakery.example") if part.section.key == "account"
    ]
    assert account.items[0].title == f"Account {person.pk}"
    assert export_person("pat@bakery.example")["sections"]["account"]["data"]["email"] == (
        "pat@bakery.example"
    )
    assert erase_person("pat@bakery.example")["account"] == 1
    assert not User.objects.filter(pk=person.pk).exists()
