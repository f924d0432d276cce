"""The demo helpers features' demo content builds on: run again, they change nothing."""

from allauth.account.models import EmailAddress

from organisations.demo import demo_organisation, demo_user
from organisations.models import Membership, Organisation, Role
from organisations.services import OrganisationDetails


def test_a_demo_organisation_and_its_owner_are_made_once(db):
    for _ in range(2):
        owner = demo_user("Owner@Riverside.example", first_name="Demo", last_name="Owner")
        organisation = demo_organisation(
            owner=owner, details=OrganisationDetails(name="Riverside Bakery")
        )
    assert Organisation.objects.count() == 1
    assert owner.email == "owner@riverside.example"
    assert not owner.has_usable_password()
    assert list(Membership.objects.values_list("user", "role")) == [(owner.pk, Role.OWNER)]
    assert organisation.name == "Riverside Bakery"


def test_a_demo_user_with_a_password_can_sign_in(client, db):
    demo_user("editor@riverside.example", password="a-long-demo-password")
    demo_user("editor@riverside.example", password="a-long-demo-password")
    assert EmailAddress.objects.get(email="editor@riverside.example").verified
    response = client.post(
        "/accounts/login/",
        {"login": "editor@riverside.example", "password": "a-long-demo-password"},
    )
    assert response.status_code == 302
