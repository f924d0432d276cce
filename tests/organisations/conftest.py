import pytest

from organisations.models import Role
from organisations.services import OrganisationDetails, create_organisation
from tests.factories import UserFactory, make_site

from .factories import MembershipFactory


@pytest.fixture
def site(db):
    """The site the pages render in (campaign name, navigation)."""
    return make_site()


@pytest.fixture
def owner(db):
    return UserFactory(email="olive.owner@example.org", first_name="Olive", last_name="Owner")


@pytest.fixture
def organisation(owner):
    return create_organisation(owner=owner, details=OrganisationDetails(name="Riverside Trust"))


@pytest.fixture
def owner_membership(organisation, owner):
    return organisation.memberships.get(user=owner)


@pytest.fixture
def editor(organisation):
    return MembershipFactory(
        organisation=organisation, user=UserFactory(email="eddie.editor@example.org")
    ).user


@pytest.fixture
def editor_membership(organisation, editor):
    return organisation.memberships.get(user=editor)


@pytest.fixture
def outsider(db):
    return UserFactory(email="someone.else@example.org")


def add_member(organisation, email: str, role=Role.EDITOR):
    return MembershipFactory(organisation=organisation, user=UserFactory(email=email), role=role)
