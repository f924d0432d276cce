"""The shared sending schedule (mailings.pacing) on real Redis and on a locked file, and how the
outbox uses it: slots one interval apart across threads, nothing reserved beyond what a caller
will wait, a provider's throttling pausing every worker without counting as an attempt, and
a batch handing back what it cannot send in time."""

import itertools
import os
import smtplib
import threading
import time
import uuid
from datetime import timedelta
from email.utils import format_datetime

import pytest
import redis
import requests
from anymail.exceptions import AnymailRequestsAPIError
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.utils import timezone

from mailings import delivery, pacing, services
from mailings.models import OutboundEmail
from mailings.pacing import FilePace, PaceUnavailable, RedisPace, throttle_wait
from tests.realparts import free_port

Status = OutboundEmail.Status
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
# Scheduling on a shared machine: a sleep or a Redis round trip may take this much longer.
SLACK = 0.06


@pytest.fixture
def redis_client():
    client = redis.Redis.from_url(REDIS_URL)
    keys = []
    yield client, keys
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(params=["redis", "file"])
def make_pace(request, redis_client, tmp_path):
    """A factory of handles on one schedule (as each worker process has its own)."""
    client, keys = redis_client
    key = f"test:pace:{uuid.uuid4().hex}"
    keys.append(key)
    path = tmp_path / "pace.json"

    def make(rate: float):
        if request.param == "redis":
            return RedisPace(rate=rate, client=client, key=key)
        return FilePace(rate=rate, path=path)

    return make


@pytest.fixture
def short_pauses(monkeypatch):
    monkeypatch.setattr(pacing, "FIRST_PAUSE_SECONDS", 0.3)


def test_slots_are_one_interval_apart_for_every_process_together(make_pace):
    rate = 50
    interval = (1 + pacing.RATE_GUARD_SECONDS) / rate
    slots, lock = [], threading.Lock()

    def reserve_some():
        pace = make_pace(rate)  # each thread its own handle, as separate processes have
        for _ in range(25):
            before = time.monotonic()
            slot = pace.reserve(within=10)
            after = time.monotonic()
            assert slot.reserved
            with lock:  # when the slot is, give or take the call's own time
                slots.append(((before + after) / 2 + slot.wait, (after - before) / 2))

    threads = [threading.Thread(target=reserve_some) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    slots.sort()
    assert len(slots) == 100  # 2 s of slots, given in a moment
    # A hundred distinct slots, evenly spaced: no two callers got the same one, so no second
    # holds more than the rate (any 51 in a row span 1 s and the guard).
    for (earlier, error), (later, later_error) in itertools.pairwise(slots):
        assert later - earlier > interval - error - later_error - 0.002
    (first, first_error), (last, last_error) = slots[0], slots[-1]
    assert last - first == pytest.approx(99 * interval, abs=first_error + last_error + 0.002)


def test_a_rate_below_one_a_second_spaces_emails_further(make_pace):
    pace = make_pace(0.5)  # 30 a minute, as some mail servers allow
    assert pace.reserve(within=10).wait == pytest.approx(0, abs=SLACK)
    assert pace.reserve(within=10).wait == pytest.approx(2 + pacing.RATE_GUARD_SECONDS, abs=SLACK)


def test_a_slot_beyond_what_the_caller_will_wait_is_not_taken(make_pace):
    pace = make_pace(1)
    interval = 1 + pacing.RATE_GUARD_SECONDS
    first = pace.reserve(within=5)
    assert first.reserved
    assert first.wait == 0
    refused = pace.reserve(within=0.5)
    assert not refused.reserved
    assert refused.wait == pytest.approx(interval, abs=SLACK)
    # The refusal reserved nothing: the next caller gets that same slot.
    taken = make_pace(1).reserve(within=5)
    assert taken.reserved
    assert taken.wait == pytest.approx(interval, abs=SLACK)


def test_a_worker_woken_late_sends_if_the_schedule_can_move_on_instead(make_pace):
    pace, interval = make_pace(10), (1 + pacing.RATE_GUARD_SECONDS) / 10
    mine = pace.reserve(within=10)
    for _ in range(3):  # three slots given to others after it: fewer than the rate
        pace.reserve(within=10)
    time.sleep(0.03)
    assert pace.confirm(mine)
    # Every later slot moves on by the lateness, so no second gets one too many.
    moved_by = (pace.reserve(within=10).at - mine.at) / pacing.US - 4 * interval
    assert 0.03 <= moved_by < 0.03 + SLACK


def test_a_worker_woken_late_takes_a_new_slot_when_moving_on_could_crowd_a_second(make_pace):
    pace = make_pace(1)
    mine = pace.reserve(within=10)
    pace.reserve(within=10)  # as many given after it as a second may hold
    time.sleep(0.02)
    assert not pace.confirm(mine)
    # On time, a worker may not send either once a pause began meanwhile.
    other = make_pace(5)
    slot = other.reserve(within=10)
    time.sleep(slot.wait)
    assert other.confirm(slot)
    slot = other.reserve(within=10)
    other.throttled(asked=1)
    time.sleep(slot.wait)
    assert not other.confirm(slot)


def test_a_throttle_pauses_everyone_and_repeats_pause_longer(make_pace, short_pauses):
    pace, other_worker = make_pace(0), make_pace(0)
    assert not pace.limited
    assert pace.reserve(within=0).reserved  # no rate: only pauses hold anyone up
    assert pace.throttled(asked=None) == pytest.approx(0.3, abs=SLACK)
    paused = other_worker.reserve(within=0)
    assert not paused.reserved
    assert paused.wait == pytest.approx(0.3, abs=SLACK)
    # Another email that was already on its way is refused too: the same pause, not a new strike.
    assert other_worker.throttled(asked=None) <= 0.3
    time.sleep(0.35)
    assert pace.reserve(within=0).reserved
    # Throttled again soon after: twice as long, then four times.
    assert other_worker.throttled(asked=None) == pytest.approx(0.6, abs=SLACK)
    time.sleep(0.65)
    assert pace.throttled(asked=None) == pytest.approx(1.2, abs=SLACK)


def test_a_pause_the_provider_asks_for_is_honoured_up_to_a_limit(make_pace):
    pace = make_pace(10)
    assert pace.throttled(asked=2.5) == pytest.approx(2.5, abs=SLACK)
    slot = pace.reserve(within=10)
    assert slot.reserved
    assert slot.wait == pytest.approx(2.5, abs=SLACK)
    assert make_pace(10).throttled(asked=10_000) == pytest.approx(
        pacing.LONGEST_PAUSE_SECONDS, abs=SLACK
    )


def test_an_unreachable_redis_raises_rather_than_letting_email_through():
    # As the cache's client is made (from a pool): no retries, so a dead server fails at once.
    dead = redis.Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.2)
    pace = RedisPace(rate=14, client=dead, key="test:pace:dead")
    with pytest.raises(PaceUnavailable):
        pace.reserve(within=1)
    # A throttle still pauses this worker, as asked or from the start.
    assert pace.throttled(asked=3) == 3
    assert pace.throttled(asked=None) == pacing.FIRST_PAUSE_SECONDS


# -- what counts as throttling -------------------------------------------------------------------


def http_error(status: int, **headers) -> AnymailRequestsAPIError:
    response = requests.Response()
    response.status_code = status
    response.reason = "TOO MANY REQUESTS"
    response.headers.update(headers)
    response._content = b'{"errors": [{"field": null, "message": "too many requests"}]}'
    return AnymailRequestsAPIError(response=response)


@pytest.mark.parametrize(
    ("exc", "wait"),
    [
        # Amazon SES over SMTP
        (smtplib.SMTPDataError(454, b"Throttling failure: Maximum sending rate exceeded."), 0),
        (
            smtplib.SMTPSenderRefused(
                454, b"Throttling failure: Daily message quota exceeded.", "hello@example.org"
            ),
            0,
        ),
        (
            smtplib.SMTPRecipientsRefused(
                {"a@example.org": (450, b"4.7.1 Too many messages, slow down")}
            ),
            0,
        ),
        (smtplib.SMTPDataError(421, b"4.7.0 Try again later, closing connection (rate limit)"), 0),
        # Other temporary failures are failures, counted as attempts.
        (smtplib.SMTPDataError(451, b"4.3.0 Temporary failure, try again later"), None),
        (smtplib.SMTPDataError(554, b"Message rejected: rate of complaints too high"), None),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), None),
        (OSError("Connection refused"), None),
        # HTTP APIs through anymail: 429, with or without word of when to come back.
        (http_error(429, **{"Retry-After": "7"}), 7),
        (http_error(429), 0),
        (http_error(500, **{"Retry-After": "7"}), None),
    ],
)
def test_throttling_replies_are_told_from_other_failures(exc, wait):
    assert throttle_wait(exc) == wait


def test_retry_after_as_a_date_and_sendgrids_reset_time():
    later = timezone.now() + timedelta(seconds=30)
    assert throttle_wait(http_error(429, **{"Retry-After": format_datetime(later, usegmt=True)})) \
        == pytest.approx(30, abs=1.5)  # fmt: skip
    reset = str(int(time.time()) + 20)
    assert throttle_wait(http_error(429, **{"X-RateLimit-Reset": reset})) == pytest.approx(
        20, abs=1.5
    )
    assert throttle_wait(http_error(429, **{"Retry-After": "soon"})) == 0


# -- the outbox at the provider's pace -----------------------------------------------------------


def outbox_rows(count: int) -> list[OutboundEmail]:
    return [
        OutboundEmail.objects.create(
            key=f"test:{uuid.uuid4()}",
            to=f"r{n}@example.org",
            template="notice",
            subject="Hello",
            body_text="Hello Sam",
            next_attempt_at=timezone.now() - timedelta(minutes=1),
        )
        for n in range(count)
    ]


class ThrottlingBackend(LocmemBackend):
    """A provider that answers SES's throttling reply to the first `refuse` messages."""

    refuse = 1

    def send_messages(self, messages):
        if ThrottlingBackend.refuse > 0:
            ThrottlingBackend.refuse -= 1
            raise smtplib.SMTPDataError(454, b"Throttling failure: Maximum sending rate exceeded.")
        return super().send_messages(messages)


@pytest.mark.django_db
def test_a_batch_keeps_to_the_rate_and_hands_back_what_it_cannot_send_in_time(settings):
    settings.EMAIL_RATE_PER_SECOND = 20
    rows = outbox_rows(12)
    started = time.monotonic()
    result = services.deliver_batch([row.pk for row in rows], send_before=started + 0.3)
    took = time.monotonic() - started
    sent = result.outcomes["sent"]
    # Slots 51 ms apart from the first: at most 7 start within 0.3 s (fewer when this busy
    # machine wakes the worker late for a slot, which it then leaves).
    assert 1 <= sent <= 7
    assert len(mail.outbox) == sent
    assert took < 0.3 + SLACK
    assert sorted(result.handed_back) == sorted(row.pk for row in rows[sent:])
    assert 0 <= result.retry_in < 0.1
    back = OutboundEmail.objects.filter(pk__in=result.handed_back)
    assert set(back.values_list("status", "attempts", "claimed_by")) == {(Status.PENDING, 0, "")}
    # Handed back again (as the task's retry does) once due, the rest go out, each once.
    time.sleep(result.retry_in)
    again = services.deliver_batch(result.handed_back, send_before=time.monotonic() + 5)
    assert again == services.BatchResult({"sent": 12 - sent}, [])
    assert sorted(m.to[0] for m in mail.outbox) == sorted(row.to for row in rows)
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {(Status.SENT, 1)}


@pytest.mark.django_db
def test_a_claim_is_not_held_past_its_lifetime(settings):
    settings.EMAIL_RATE_PER_SECOND = 5
    settings.EMAIL_CLAIM_SECONDS, settings.EMAIL_TIMEOUT = 2, 0.5
    rows = outbox_rows(5)  # one group (a second's worth at 5/s), claimed together
    started = time.monotonic()
    result = services.deliver_batch([row.pk for row in rows])
    # The claim lasts 2 s, a send may take 0.5 s and 1 s is kept in hand: no email starts
    # after 0.5 s (slots at 0, 0.2 and 0.4 s, fewer if woken late), and the rest go back
    # unclaimed.
    assert time.monotonic() - started < 0.5 + SLACK
    assert 1 <= result.outcomes["sent"] <= 3
    assert len(result.handed_back) == 5 - result.outcomes["sent"]
    back = OutboundEmail.objects.filter(pk__in=result.handed_back)
    assert set(back.values_list("attempts", "claimed_by")) == {(0, "")}


@pytest.mark.django_db
def test_a_throttled_email_pauses_every_worker_and_is_not_counted(settings):
    settings.EMAIL_BACKEND = f"{__name__}.ThrottlingBackend"
    settings.EMAIL_MAX_ATTEMPTS = 3
    ThrottlingBackend.refuse = 1
    first, second = outbox_rows(2)
    OutboundEmail.objects.filter(pk=first.pk).update(attempts=2)  # its last allowed attempt
    result = services.deliver_batch([first.pk, second.pk])
    assert result.handed_back == [first.pk, second.pk]
    assert result.retry_in == pytest.approx(pacing.FIRST_PAUSE_SECONDS, abs=SLACK)
    throttled = OutboundEmail.objects.get(pk=first.pk)
    assert (throttled.status, throttled.attempts) == (Status.PENDING, 2)  # not given up on
    assert throttled.last_error.startswith("Throttled by the provider: SMTPDataError: (454")
    assert throttled.next_attempt_at > timezone.now() + timedelta(seconds=0.5)
    assert OutboundEmail.objects.get(pk=second.pk).attempts == 0
    # Every worker of this provider now waits for the pause to end.
    assert not pacing.sending_pace().reserve(within=0.5).reserved
    assert services.deliver(second.pk).outcome == "skipped"  # not due until then
    assert mail.outbox == []


@pytest.mark.django_db
def test_with_a_rate_and_no_reachable_schedule_nothing_is_sent(settings):
    settings.EMAIL_RATE_PER_SECOND = 14
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    rows = outbox_rows(3)
    result = services.deliver_batch([row.pk for row in rows])
    assert result.outcomes == {}
    assert result.retry_in == delivery.PACE_UNAVAILABLE_RETRY_SECONDS
    assert sorted(result.handed_back) == sorted(row.pk for row in rows)
    assert mail.outbox == []
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {(Status.PENDING, 0)}
    # Without a rate there is nothing to exceed: email still goes (a pause cannot be known).
    settings.EMAIL_RATE_PER_SECOND = 0
    OutboundEmail.objects.update(next_attempt_at=timezone.now())
    assert services.deliver_batch([row.pk for row in rows], send_before=None).outcomes == {
        "sent": 3
    }
