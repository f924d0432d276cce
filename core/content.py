"""Editor-managed data (pages, campaign settings, pledge suggestions, areas, email wording) kept in
each process until an editor changes something.

Every such change bumps one generation number in the shared cache, the same number that retires
cached pages (core.middleware). A process looks at the number at most once a second, so every
process drops what it kept within about a second of a change; the process that made the change
drops it at once. Entries also expire after a few minutes, in case a change was made while the
cache was down. This keeps a pledge submission from reading the same few rows on every request.
"""

import time

from django.core.cache import cache
from django.db import transaction

from .cache import CacheUnavailable

GENERATION_KEY = "pagecache:generation"
CHECK_EVERY_SECONDS = 1.0
MAX_AGE_SECONDS = 300

_kept: dict[str, tuple[int, float, object]] = {}  # name -> (generation, loaded at, value)
_checked: tuple[float, int] = (-CHECK_EVERY_SECONDS, 0)  # (when, generation seen)


def current_generation() -> int:
    """The content generation, read from the cache at most once a second per process."""
    global _checked
    now = time.monotonic()
    checked_at, generation = _checked
    if now - checked_at >= CHECK_EVERY_SECONDS:
        generation = cache.get(GENERATION_KEY, 0)  # 0 also when the cache is down
        _checked = (now, generation)
    return generation


def remembered(name: str, load):
    """`load()`'s value, kept in this process until the content changes. `load` must return
    something safe to share between requests (read, never changed in place)."""
    generation = current_generation()
    now = time.monotonic()
    entry = _kept.get(name)
    if entry is not None and entry[0] == generation and now - entry[1] < MAX_AGE_SECONDS:
        return entry[2]
    value = load()
    _kept[name] = (generation, now, value)
    return value


def forget() -> None:
    """Drop everything this process kept (the next read loads afresh)."""
    global _checked
    _kept.clear()
    _checked = (-CHECK_EVERY_SECONDS, 0)


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, timeout=None)
    except CacheUnavailable:
        # Nothing is served from a cache that is down; kept entries expire on their own.
        pass


def content_changed() -> None:
    """Editors changed something people see: retire every cached page, and what every process
    kept. Bumped now, so this process sees the change at once, and again after the commit, so
    no other process keeps what it read from the database in between."""
    _forget_and_bump()
    transaction.on_commit(_forget_and_bump)


def pages_changed() -> None:
    """Something cached pages may show has gone (a pledge erased, rejected or hidden): every
    cached page is retired once the change is committed, so no page renders it again first."""
    transaction.on_commit(_bump)


def _forget_and_bump() -> None:
    forget()
    _bump()
