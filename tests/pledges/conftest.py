import pytest

from tests.factories import make_site

from .factories import AreaFactory, PledgePageFactory, PledgeSuggestionFactory


@pytest.fixture
def pledge_page(db):
    home = make_site()
    return PledgePageFactory(parent=home)


@pytest.fixture
def area(db):
    return AreaFactory(name="Chatham")


@pytest.fixture
def suggestion(db):
    return PledgeSuggestionFactory(text="Say hello to a neighbour")


@pytest.fixture
def form_data(area, suggestion):
    return {
        "suggestion": str(suggestion.pk),
        "own_text": "",
        "first_name": "Sam",
        "email": "Sam@Example.org",
        "area": str(area.pk),
        "age_band": "",
        "heard_from": "friend",
        "show_on_wall": "on",
        "reminders_wanted": "on",
        "website": "",
    }
