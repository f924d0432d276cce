"""What every pledge submission reads (pages, suggestions, areas, email wording) is kept in each
process (core.content) and dropped as soon as an editor changes it, here or in another process."""

import pytest
from django.core.cache import cache

from core import content
from core.content import GENERATION_KEY, remembered
from mailings.models import EmailCopy
from mailings.services import email_copy
from pledges.forms import active_suggestions

from .factories import PledgeSuggestionFactory

pytestmark = pytest.mark.django_db


def test_kept_until_content_changes():
    loads = []

    def load():
        loads.append(1)
        return len(loads)

    assert remembered("test:thing", load) == 1
    assert remembered("test:thing", load) == 1  # kept: not loaded again
    content.content_changed()
    assert remembered("test:thing", load) == 2


def test_another_process_changing_content_is_seen_within_a_second(monkeypatch):
    loads = []
    assert remembered("test:other", lambda: loads.append(1) or len(loads)) == 1
    # Another process bumps the generation: this one has not forgotten anything itself...
    cache.set(GENERATION_KEY, cache.get(GENERATION_KEY, 0) + 1, timeout=None)
    assert remembered("test:other", lambda: loads.append(1) or len(loads)) == 1
    # ...and sees the change once it looks at the number again (at most once a second).
    monkeypatch.setattr(content, "CHECK_EVERY_SECONDS", 0)
    assert remembered("test:other", lambda: loads.append(1) or len(loads)) == 2


def test_kept_values_expire_even_when_the_change_was_missed(monkeypatch):
    assert remembered("test:old", lambda: "first") == "first"
    monkeypatch.setattr(content, "MAX_AGE_SECONDS", 0)
    assert remembered("test:old", lambda: "second") == "second"


def test_saving_a_suggestion_shows_at_once_on_the_form_and_retires_cached_pages(
    client, pledge_page, suggestion
):
    assert list(active_suggestions().values()) == [suggestion]
    first = client.get(pledge_page.url)
    assert client.get(pledge_page.url)["X-Cache"] == "HIT"
    added = PledgeSuggestionFactory(text="Join the Tuesday walkers")
    assert list(active_suggestions().values()) == [added, suggestion]  # by sort order, text
    page = client.get(pledge_page.url)
    assert page["X-Cache"] == "MISS"
    assert "Join the Tuesday walkers" in page.content.decode()
    assert "Join the Tuesday walkers" not in first.content.decode()
    added.active = False
    added.save()
    assert list(active_suggestions().values()) == [suggestion]


def test_edited_email_wording_is_used_for_the_next_email():
    assert email_copy("pledge_confirm") is None
    EmailCopy.objects.create(key="pledge_confirm", subject="Confirm, {first_name}", body="Hi")
    assert email_copy("pledge_confirm").subject == "Confirm, {first_name}"
