"""A Redis cache that degrades instead of failing: when Redis is unreachable, reads miss and
writes are dropped, so a page view or a pledge never fails because the cache is down. Pages
are then rendered from the database, and rate limits fail open until Redis is back."""

import logging

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)


class CacheUnavailable(Exception):
    """Raised by `incr` when Redis is down, so callers can tell 'down' from 'missing key'."""


class ReusingRedisCacheClient(RedisCacheClient):
    """Django builds a new Redis client object on every call; one per pool is enough (the
    client is thread-safe) and saves a measurable share of each cached page view."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        # Both private in Django, so not in django-stubs.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._client(connection_pool=pool)  # type: ignore[attr-defined]
            self._clients[id(pool)] = client
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    def _degrade(self, operation: str, default):
        logger.warning("cache unavailable during %s; carrying on without it", operation)
        return default

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNAVAILABLE:
            return self._degrade("get", default)

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNAVAILABLE:
            return self._degrade("get_many", {})

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set(key, value, timeout, version)
        except UNAVAILABLE:
            return self._degrade("set", None)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNAVAILABLE:
            return self._degrade("set_many", list(data))

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNAVAILABLE:
            return self._degrade("add", False)

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNAVAILABLE:
            return self._degrade("delete", False)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNAVAILABLE as exc:
            raise CacheUnavailable from exc

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNAVAILABLE:
            return self._degrade("has_key", False)


def count_hits(counters: list[tuple[str, int, int]]) -> list[int]:
    """Add `weight` to each `(key, weight, window)` counter and return the new counts. A counter
    lives `window` seconds from its first hit. On Redis this is one round trip, atomic (MULTI:
    a key cannot expire between its SET and its INCRBY, so no counter is left without expiry);
    other caches use add + incr. Raises CacheUnavailable when the cache is down."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return [_count_with_add_incr(backend, *counter) for counter in counters]
    try:
        # RedisCache._cache (its client) is private in Django, so not in django-stubs.
        client = backend._cache.get_client(write=True)  # type: ignore[attr-defined]
        pipe = client.pipeline(transaction=True)
        for key, weight, window in counters:
            redis_key = backend.make_and_validate_key(key)
            pipe.set(redis_key, 0, ex=window, nx=True)
            pipe.incrby(redis_key, weight)
        return pipe.execute()[1::2]
    except UNAVAILABLE as exc:
        raise CacheUnavailable from exc


def _count_with_add_incr(backend, key: str, weight: int, window: int) -> int:
    backend.add(key, 0, timeout=window)
    try:
        count = backend.incr(key, weight)
    except ValueError:
        # The counter expired between add and incr: this hit starts a new window.
        backend.add(key, 0, timeout=window)
        count = backend.incr(key, weight)
    if count <= weight:
        # First hit of a window; also repairs a key that expired just before INCR.
        backend.touch(key, window)
    return count
