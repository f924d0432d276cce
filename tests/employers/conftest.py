import pytest

from organisations.models import Role
from tests.factories import make_site

from .factories import EmployerFactory, member


@pytest.fixture
def site(db):
    return make_site()


@pytest.fixture
def employer(db):
    return EmployerFactory(organisation__name="Riverside Bakery")


@pytest.fixture
def owner(employer):
    return member(employer, Role.OWNER, email="olive@riverside.example")


@pytest.fixture
def editor(employer):
    return member(employer, Role.EDITOR, email="eddie@riverside.example")
