"""The pace at which emails leave: the provider's sending rate (EMAIL_RATE_PER_SECOND), shared
by every worker process on every machine, and the pauses a provider asks for when it throttles.

Each provider (the SMTP host, or the anymail backend) has one schedule. Before each email a
worker reserves the next free slot and sleeps until it: a GCRA with no burst, slots evenly spaced
so that any rate+1 of them in a row span 1 s + RATE_GUARD_SECONDS. The guard keeps the few
milliseconds between a slot and the provider counting the email from crowding a second. A
throttling reply pauses every worker (`throttled`), longer each time it repeats.

The schedule lives in Redis (the cache's server), changed atomically by one Lua script call per
email, on Redis's own clock, so workers on several machines share it. Without Redis (the
embedded set-up, which runs on one machine) it lives in a file under var/, changed under an
exclusive lock, so that machine's processes share it.

If the schedule cannot be reached (Redis down), a worker with a rate sends nothing: it hands its
emails back to try again shortly (PaceUnavailable), so an outage slows email down and never
lets it burst past the rate.
"""

import fcntl
import hashlib
import json
import logging
import math
import re
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

# Any rate+1 slots in a row span at least 1 s + 25 ms, so jitter of up to 25 ms on the way to
# the provider cannot crowd a second.
RATE_GUARD_SECONDS = 0.025
# A worker that wakes this late for its slot takes a new one rather than crowd the next email
# (well within the guard, which must also cover the send itself).
LATE_SECONDS = 0.01
# A throttling reply that says nothing about when to come back pauses every worker for
# FIRST_PAUSE, doubling while throttles follow each other, up to LONGEST_PAUSE; a pause
# asked for (Retry-After) is honoured up to LONGEST_PAUSE.
FIRST_PAUSE_SECONDS = 1.0
LONGEST_PAUSE_SECONDS = 300.0
# Throttled again within this long of a pause ending counts as the same spell of throttling.
THROTTLE_MEMORY_SECONDS = 60.0

US = 1_000_000  # the schedule counts microseconds


class PaceUnavailable(Exception):
    """The shared schedule could not be reached (Redis is down)."""


@dataclass(frozen=True)
class Slot:
    reserved: bool  # False: the next slot was further away than the caller would wait
    wait: float  # seconds from now until the slot (or, when not reserved, until the next one)
    at: int = 0  # the slot on the schedule's clock (microseconds)


# KEYS[1]: the provider's schedule, a hash of `next` (the next free slot), `pause` (when a pause
# ends) and `strikes` (throttles in this spell), in microseconds on Redis's clock.
# ARGV: the interval between emails, the longest wait the caller accepts (both microseconds).
RESERVE_LUA = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local state = redis.call('HMGET', KEYS[1], 'next', 'pause')
local slot = math.max(now, tonumber(state[1]) or 0, tonumber(state[2]) or 0)
local wait = slot - now
if wait > tonumber(ARGV[2]) then
  return {0, wait, 0}
end
local interval = tonumber(ARGV[1])
if interval > 0 then
  redis.call('HSET', KEYS[1], 'next', string.format('%.0f', slot + interval))
  redis.call('PEXPIRE', KEYS[1], math.floor((slot + interval - now) / 1000) + 3600000)
end
return {1, wait, slot}
"""

# A worker woke for its slot (ARGV: the slot, the interval, the rate in whole emails, how late
# is too late). It may send unless a pause began meanwhile. Woken too late, it may still send
# now if the whole schedule moves on by its lateness, which is safe while fewer than `count`
# slots were given after its own (so no later second gets one too many). Returns 1 if it may.
CONFIRM_LUA = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local state = redis.call('HMGET', KEYS[1], 'next', 'pause')
local next_slot, paused_until = tonumber(state[1]) or 0, tonumber(state[2]) or 0
local slot, interval, count = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if now < paused_until then
  return 0
end
if now - slot <= tonumber(ARGV[4]) then
  return 1
end
local given_after = math.floor((next_slot - slot) / interval + 0.5) - 1
if given_after >= count then
  return 0
end
redis.call('HSET', KEYS[1], 'next', string.format('%.0f', next_slot + (now - slot)))
return 1
"""

# ARGV: the pause the provider asked for (0: it did not say), the first and longest pauses, and
# THROTTLE_MEMORY_SECONDS, all in microseconds. Returns the pause left, in microseconds.
THROTTLE_LUA = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local state = redis.call('HMGET', KEYS[1], 'pause', 'strikes')
local paused_until = tonumber(state[1]) or 0
local strikes = tonumber(state[2]) or 0
local asked, first, longest = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local pause_end
if now < paused_until then
  -- An email that was already on its way when the pause began: not a new strike.
  pause_end = math.max(paused_until, now + math.min(asked, longest))
else
  if now - paused_until > tonumber(ARGV[4]) then
    strikes = 0
  end
  strikes = strikes + 1
  local backoff = math.min(first * 2 ^ (strikes - 1), longest)
  if asked > 0 then
    backoff = math.min(asked, longest)
  end
  pause_end = now + backoff
end
redis.call('HSET', KEYS[1], 'pause', string.format('%.0f', pause_end), 'strikes', strikes)
redis.call('PEXPIRE', KEYS[1], math.floor((pause_end - now) / 1000) + 3600000)
return pause_end - now
"""


class Pace:
    """One provider's schedule: slots `interval` seconds apart, so no window of 1 s holds more
    than the rate (for a rate below 1, no window of 1/rate seconds holds more than one). Without
    a rate (0) only the provider's pauses are kept."""

    def __init__(self, *, rate: float):
        self.rate = rate
        # Emails are whole: 14.5 a second allows 14 in any one second.
        self.interval = (1 + RATE_GUARD_SECONDS) / math.floor(rate) if rate >= 1 else 0.0
        if 0 < rate < 1:
            self.interval = 1 / rate + RATE_GUARD_SECONDS

    @property
    def limited(self) -> bool:
        return self.interval > 0

    def reserve(self, *, within: float) -> Slot:
        """Reserve the next slot if it comes within `within` seconds; nothing is reserved
        otherwise. Raises PaceUnavailable when the schedule cannot be reached."""
        reserved, wait_us, at = self._reserve(round(self.interval * US), max(round(within * US), 0))
        return Slot(bool(reserved), max(wait_us, 0) / US, at)

    @property
    def count(self) -> int:
        """The emails any one window (1 s, or 1/rate below 1 a second) may hold."""
        return max(math.floor(self.rate), 1)

    def confirm(self, slot: Slot) -> bool:
        """The worker woke for `slot`: may it send now? Not if a pause began meanwhile; woken
        too late (LATE_SECONDS), only if everyone's later slots can move on by its lateness.
        If not, it takes a new slot. Raises PaceUnavailable."""
        late_us = round(LATE_SECONDS * US)
        return bool(self._confirm(slot.at, round(self.interval * US), self.count, late_us))

    def throttled(self, *, asked: float | None) -> float:
        """The provider refused an email for sending too fast: pause every worker. `asked` is
        how long it asked us to wait, if it said. Returns the pause left, in seconds."""
        asked_us = round(min(asked or 0, LONGEST_PAUSE_SECONDS) * US)
        try:
            return self._throttle(asked_us) / US
        except PaceUnavailable:
            # Nobody else can be told: this worker still pauses, as asked or from the start.
            return asked or FIRST_PAUSE_SECONDS

    def _reserve(self, interval_us: int, within_us: int) -> tuple[int, int, int]:
        raise NotImplementedError

    def _confirm(self, slot_us: int, interval_us: int, count: int, late_us: int) -> int:
        raise NotImplementedError

    def _throttle(self, asked_us: int) -> int:
        raise NotImplementedError


class RedisPace(Pace):
    """The schedule in Redis: one EVALSHA per email, atomic, on Redis's clock."""

    def __init__(self, *, rate: float, client, key: str):
        super().__init__(rate=rate)
        self.keys = [key]
        self._reserve_script = client.register_script(RESERVE_LUA)
        self._throttle_script = client.register_script(THROTTLE_LUA)
        self._confirm_script = client.register_script(CONFIRM_LUA)

    def _run(self, script, args):
        from redis.exceptions import ConnectionError, TimeoutError

        try:
            return script(keys=self.keys, args=args)
        except (ConnectionError, TimeoutError) as exc:
            raise PaceUnavailable(str(exc)) from exc

    def _reserve(self, interval_us, within_us):
        reserved, wait_us, at = self._run(self._reserve_script, [interval_us, within_us])
        return int(reserved), int(wait_us), int(at)

    def _confirm(self, slot_us, interval_us, count, late_us):
        return int(self._run(self._confirm_script, [slot_us, interval_us, count, late_us]))

    def _throttle(self, asked_us):
        memory = round(THROTTLE_MEMORY_SECONDS * US)
        first, longest = round(FIRST_PAUSE_SECONDS * US), round(LONGEST_PAUSE_SECONDS * US)
        return int(self._run(self._throttle_script, [asked_us, first, longest, memory]))


class FilePace(Pace):
    """The same schedule in a file, for the processes of one machine without Redis: each
    change is made under an exclusive lock (flock) on the wall clock they share."""

    def __init__(self, *, rate: float, path: Path):
        super().__init__(rate=rate)
        self.path = path

    def _change(self, change):
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a+", encoding="utf-8") as file:
                fcntl.flock(file, fcntl.LOCK_EX)  # released when the file closes
                file.seek(0)
                try:
                    state = json.loads(file.read() or "{}")
                except ValueError:  # a file cut short: start a fresh schedule
                    state = {}
                result = change(state, round(time.time() * US))
                file.seek(0)
                file.truncate()
                file.write(json.dumps(state))
                return result
        except OSError as exc:
            raise PaceUnavailable(str(exc)) from exc

    def _reserve(self, interval_us, within_us):
        def change(state, now):
            slot = max(now, state.get("next", 0), state.get("pause", 0))
            if slot - now > within_us:
                return 0, slot - now, 0
            if interval_us > 0:
                state["next"] = slot + interval_us
            return 1, slot - now, slot

        return self._change(change)

    def _confirm(self, slot_us, interval_us, count, late_us):
        def change(state, now):
            next_slot = state.get("next", 0)
            given_after = round((next_slot - slot_us) / interval_us) - 1
            if now < state.get("pause", 0):
                return 0
            if now - slot_us <= late_us:
                return 1
            if given_after >= count:
                return 0
            state["next"] = next_slot + (now - slot_us)
            return 1

        return self._change(change)

    def _throttle(self, asked_us):
        def change(state, now):
            paused_until, strikes = state.get("pause", 0), state.get("strikes", 0)
            longest = round(LONGEST_PAUSE_SECONDS * US)
            if now < paused_until:
                pause_end = max(paused_until, now + min(asked_us, longest))
            else:
                if now - paused_until > THROTTLE_MEMORY_SECONDS * US:
                    strikes = 0
                strikes += 1
                backoff = min(round(FIRST_PAUSE_SECONDS * US) * 2 ** (strikes - 1), longest)
                pause_end = now + (min(asked_us, longest) if asked_us > 0 else backoff)
            state.update(pause=pause_end, strikes=strikes)
            return pause_end - now

        return self._change(change)


def provider() -> str:
    """What the rate belongs to: the SMTP server, or the email service's backend."""
    backend = settings.EMAIL_BACKEND
    if backend == "django.core.mail.backends.smtp.EmailBackend":
        return f"smtp:{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
    return backend


_paces: dict[tuple, Pace] = {}


def sending_pace() -> Pace:
    """This process's handle on the current provider's schedule."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    rate = float(settings.EMAIL_RATE_PER_SECOND)
    name = provider()
    cache = caches["default"]
    wanted = (rate, name, id(cache))
    pace = _paces.get(wanted)
    if pace is None:
        if isinstance(cache, RedisCache):
            # RedisCache._cache (its client) is private in Django, so not in django-stubs.
            client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
            key = cache.make_and_validate_key(f"mailings:pace:{name}")
            pace = RedisPace(rate=rate, client=client, key=key)
        else:
            digest = hashlib.sha256(name.encode()).hexdigest()[:16]
            path = Path(settings.VAR_DIR) / "mailings" / f"pace-{digest}.json"
            pace = FilePace(rate=rate, path=path)
        _paces.clear()
        _paces[wanted] = pace
    return pace


def batch_size(*, most: int) -> int:
    """Emails per task: about ten seconds' worth at the rate, so that a batch finishes well
    within its time limit even when several workers share the rate."""
    rate = float(settings.EMAIL_RATE_PER_SECOND)
    return most if rate <= 0 else max(1, min(most, math.ceil(rate * 10)))


def claim_group_size(*, most: int) -> int:
    """Emails claimed at a time: about a second's worth at the rate, so that a claim is not
    held long ahead of its sending."""
    rate = float(settings.EMAIL_RATE_PER_SECOND)
    return most if rate <= 0 else max(1, min(most, math.ceil(rate)))


# -- throttling replies -----------------------------------------------------------------------

# SMTP replies that mean "too fast", as opposed to any other temporary failure: SES answers
# "454 Throttling failure: Maximum sending rate exceeded."; others speak of rates, too many
# messages or connections, or slowing down.
THROTTLE_SMTP_CODES = frozenset({421, 450, 451, 454})
THROTTLE_WORDS = re.compile(
    r"throttl|\brate\b|rate[ -]?limit|too many (messages|emails|mails|connections|requests)"
    r"|slow(ing)? down",
    re.IGNORECASE,
)


def throttle_wait(exc: Exception) -> float | None:
    """If `exc` is a provider refusing an email for sending too fast, how long it asked us to
    wait (0 when it did not say); None for any other failure."""
    import smtplib

    replies: list[tuple[int, bytes | str]]
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = list(exc.recipients.values())
    elif isinstance(exc, smtplib.SMTPResponseException):
        replies = [(exc.smtp_code, exc.smtp_error)]
    else:
        return _http_throttle_wait(exc)
    for code, text in replies:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        if code in THROTTLE_SMTP_CODES and THROTTLE_WORDS.search(str(text)):
            return 0.0
    return None


def _http_throttle_wait(exc: Exception) -> float | None:
    # anymail's AnymailAPIError carries the HTTP status and the `requests` response.
    if getattr(exc, "status_code", None) != 429 or not type(exc).__module__.startswith("anymail"):
        return None
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    return _retry_after(headers.get("Retry-After")) or _rate_limit_reset(
        headers.get("X-RateLimit-Reset")
    )


def _retry_after(value: str | None) -> float:
    """Retry-After (RFC 9110): a number of seconds, or an HTTP date. 0 when absent or unreadable."""
    if not value:
        return 0.0
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    return max(when.timestamp() - time.time(), 0.0)


def _rate_limit_reset(value: str | None) -> float:
    """SendGrid's X-RateLimit-Reset: when the limit resets, in Unix seconds."""
    try:
        return max(float(value) - time.time(), 0.0) if value else 0.0
    except ValueError:
        return 0.0
