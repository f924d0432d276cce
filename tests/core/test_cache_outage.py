"""With Redis unreachable, pages still render and nothing fails: the cache just misses."""

import time

import pytest
from django.core.cache import caches

from core.cache import CacheUnavailable
from tests.factories import CampaignPageFactory, make_site

DEAD_REDIS = {
    "default": {
        "BACKEND": "core.cache.ResilientRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@pytest.fixture
def dead_cache(settings):
    settings.CACHES = DEAD_REDIS
    return caches["default"]


def test_reads_miss_and_writes_are_dropped(dead_cache):
    started = time.monotonic()
    assert dead_cache.get("anything", "default") == "default"
    assert dead_cache.get_many(["a", "b"]) == {}
    assert dead_cache.set("k", "v") is None
    assert dead_cache.add("k", "v") is False
    assert dead_cache.delete("k") is False
    assert time.monotonic() - started < 3
    with pytest.raises(CacheUnavailable):
        dead_cache.incr("counter")


def test_pages_render_while_redis_is_down(client, db, dead_cache):
    home = make_site()
    page = CampaignPageFactory(parent=home, title="Get support")
    for _ in range(2):
        response = client.get(page.url)
        assert response.status_code == 200
        assert "Get support" in response.content.decode()
