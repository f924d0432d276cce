"""Anonymous pages are cacheable by shared caches and served from the origin cache; nothing
personal is ever cached or shared."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import CampaignPageFactory, UserFactory, make_site


@pytest.fixture
def page(db):
    home = make_site()
    return CampaignPageFactory(parent=home, title="What is loneliness?")


def test_anonymous_page_is_publicly_cacheable(client, page, settings):
    response = client.get(page.url)
    assert response["Cache-Control"] == f"public, max-age=0, s-maxage={settings.PAGE_CACHE_SECONDS}"
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies


def test_second_anonymous_request_is_served_from_cache_without_queries(client, page):
    first = client.get(page.url)
    assert first["X-Cache"] == "MISS"
    with CaptureQueriesContext(connection) as queries:
        second = client.get(page.url)
    assert second["X-Cache"] == "HIT"
    assert len(queries) == 0
    assert second.content == first.content
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_publishing_retires_cached_pages(client, page):
    client.get(page.url)
    page.title = "What loneliness feels like"
    page.save_revision().publish()
    response = client.get(page.url)
    assert response["X-Cache"] == "MISS"
    assert "What loneliness feels like" in response.content.decode()


def test_changing_campaign_settings_retires_cached_pages(client, page):
    from core.models import CampaignSettings

    client.get(page.url)
    campaign = CampaignSettings.objects.get()
    campaign.phone_number = "01632 960 999"
    campaign.save()
    response = client.get(page.url)
    assert "01632 960 999" in response.content.decode()


def test_signed_in_visitors_are_never_served_or_stored_in_cache(client, page):
    client.get(page.url)  # anonymous copy in cache
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(page.url)
    assert response.get("X-Cache") is None
    assert "public" not in response["Cache-Control"]


def test_responses_setting_cookies_are_not_cached(client, page):
    response = client.get("/accounts/login/")
    assert response.get("X-Cache") is None
    assert "public" not in response["Cache-Control"]


def test_query_strings_are_cached_separately(client, page):
    client.get("/search/?q=loneliness")
    response = client.get("/search/?q=neighbour")
    assert response["X-Cache"] == "MISS"
    assert "neighbour" in response.content.decode()


def test_pages_holding_a_csrf_token_are_not_cached_even_with_a_cookie(client, page, monkeypatch):
    from django.middleware.csrf import get_token

    from home.models import CampaignPage

    original = CampaignPage.get_context

    def with_token(self, request, *args, **kwargs):
        get_token(request)
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(CampaignPage, "get_context", with_token)
    client.cookies["csrftoken"] = "a" * 32
    response = client.get(page.url)
    assert response.get("X-Cache") is None
    assert "public" not in response["Cache-Control"]


def test_never_public_paths_skip_the_cache(client, page, monkeypatch):
    from django.core.cache import cache

    def no_cache(*args, **kwargs):
        raise AssertionError("the cache was consulted")

    monkeypatch.setattr(cache, "get_many", no_cache)
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 200


def test_very_long_addresses_are_cached_under_a_short_key(client, page, rf):
    from core.middleware import cache_key

    key, _ = cache_key(rf.get("/search/", {"q": "neighbour" * 2000}))
    assert len(key) < 80
    url = page.url + "?utm_campaign=" + "neighbour" * 2000
    assert client.get(url)["X-Cache"] == "MISS"
    assert client.get(url)["X-Cache"] == "HIT"


# Which query parameters make a page of its own ------------------------------------------------


def cached_pages() -> int:
    from django.core.cache import cache

    client = cache._cache.get_client()
    return sum(1 for _ in client.scan_iter(match="*pagecache:*", count=1000)) - int(
        bool(client.exists(cache.make_key("pagecache:generation")))
    )


def test_unknown_query_parameters_get_the_cached_page_and_store_nothing(client, page):
    first = client.get(page.url)
    assert first["X-Cache"] == "MISS"
    assert cached_pages() == 1
    for n in range(20):
        response = client.get(f"{page.url}?x={n}&utm_source=mail{n}")
        assert response["X-Cache"] == "HIT"
        assert response.content == first.content
    assert cached_pages() == 1


def test_wall_pages_are_kept_per_filter_but_not_per_cursor_or_junk(client, page):
    from tests.pledges.factories import AreaFactory, PledgeFactory
    from tests.pledges.test_wall import PledgeWallPageFactory

    wall = PledgeWallPageFactory(parent=page.get_parent())
    area = AreaFactory(name="Strood")
    PledgeFactory(area=area, show_on_wall=True, confirmed_at="2026-11-02T09:00Z")
    client.get(wall.url)
    client.get(f"{wall.url}?area={area.pk}&kind=individual")
    assert cached_pages() == 2
    assert client.get(f"{wall.url}?kind=individual&area={area.pk}")["X-Cache"] == "HIT"
    # Values the wall does not accept, and cursors, are rendered but not kept.
    for query in ["?area=999999", "?area=abc", "?kind=robots", "?before=1.1", "?after=99.99"]:
        assert client.get(wall.url + query)["X-Cache"] == "MISS", query
        assert client.get(wall.url + query)["X-Cache"] == "MISS", query
    assert cached_pages() == 2


def test_story_pages_are_kept_by_their_real_numbers_and_search_results_not_at_all(client, page):
    from tests.factories import StoryIndexPageFactory, StoryPageFactory

    stories = StoryIndexPageFactory(parent=page.get_parent(), stories_per_page=1)
    StoryPageFactory(parent=stories, title="First")
    StoryPageFactory(parent=stories, title="Second")
    client.get(f"{stories.url}?page=2")
    assert client.get(f"{stories.url}?page=2")["X-Cache"] == "HIT"
    for junk in ["?page=abc", "?page=99", "?page=2&page=3"]:
        client.get(stories.url + junk)
    client.get("/search/?q=loneliness")
    client.get("/search/?q=kindness")
    assert client.get("/search/?q=kindness")["X-Cache"] == "MISS"
    assert cached_pages() == 1
