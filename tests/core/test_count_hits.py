"""Rate-limit counters: several counted in one round trip on Redis, each living for its window
from its first hit; the same answers from any other cache."""

import pytest
from django.core.cache import cache, caches

from core.cache import CacheUnavailable, count_hits

from .test_cache_outage import DEAD_REDIS


def test_counters_count_and_expire_on_redis():
    assert caches["default"].__class__.__name__ == "ResilientRedisCache"
    assert count_hits([("t:a", 1, 60), ("t:b", 3, 600)]) == [1, 3]
    assert count_hits([("t:a", 1, 60), ("t:b", 3, 600)]) == [2, 6]
    client = caches["default"]._cache.get_client(write=True)
    ttl_a = client.ttl(cache.make_and_validate_key("t:a"))
    ttl_b = client.ttl(cache.make_and_validate_key("t:b"))
    assert 0 < ttl_a <= 60
    assert 60 < ttl_b <= 600
    assert cache.get("t:a") == 2  # the same counters the cache API sees


def test_other_caches_give_the_same_answers(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert count_hits([("t:a", 1, 60), ("t:b", 3, 600)]) == [1, 3]
    assert count_hits([("t:a", 1, 60), ("t:b", 3, 600)]) == [2, 6]


def test_a_dead_redis_says_so(settings):
    settings.CACHES = DEAD_REDIS
    with pytest.raises(CacheUnavailable):
        count_hits([("t:a", 1, 60)])
