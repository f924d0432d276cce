"""Sending outbox emails, once: a worker claims the waiting ones, writes each as it sends it,
keeps to the provider's pace and records every outcome on its row."""

import logging
import smtplib
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .composing import render_email
from .models import OutboundEmail, message_id_for_key
from .pacing import LATE_SECONDS, PaceUnavailable, claim_group_size, sending_pace, throttle_wait
from .suppression import suppressed_among

logger = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 6 * 3600


@dataclass(frozen=True)
class BatchResult:
    outcomes: dict[str, int]
    # Emails this run did not get to (the rate, a throttle or the time ran out): none of them
    # was sent or counted as an attempt; they are to be tried again after `retry_in` seconds.
    handed_back: list[int]
    retry_in: float = 0


def deliver_batch(
    email_ids: list[int],
    *,
    connection=None,
    claimant: str = "",
    send_before: float | None = None,
) -> BatchResult:
    """Send a batch of emails over one SMTP session, claimed a group at a time, at the
    provider's pace. No email is started after `send_before` (time.monotonic()) or after its
    claim could run out: what is left is handed back, unclaimed, for the caller to queue again."""
    outcomes: dict[str, int] = {}
    ids = list(dict.fromkeys(email_ids))
    group_size = claim_group_size(most=CLAIM_GROUP_SIZE)
    handed_back: list[int] = []
    retry_in = 0.0
    own_connection = connection is None
    connection = connection or mail.get_connection()
    try:
        for start in range(0, len(ids), group_size):
            group = ids[start : start + group_size]
            claimed = claim_emails(group, claimant=claimant)
            if len(claimed) < len(group):
                outcomes["skipped"] = outcomes.get("skipped", 0) + len(group) - len(claimed)
            delivery = deliver_claimed(
                claimed, connection=connection, claimant=claimant, send_before=send_before
            )
            for outcome in delivery.results:
                outcomes[outcome.outcome] = outcomes.get(outcome.outcome, 0) + 1
            if delivery.handed_back:
                rest = ids[start + len(group) :]
                handed_back = [email.pk for email in delivery.handed_back] + rest
                retry_in = delivery.retry_in
                break
    finally:
        if own_connection:
            connection.close()
    return BatchResult(outcomes, handed_back, retry_in)


# A worker process keeps one connection to the mail server across tasks (see kept_connection).
_kept: dict = {}
KEPT_IDLE_SECONDS = 30


def kept_connection():
    """This process's email connection, kept open across tasks: otherwise every task pays for
    a TCP connect, EHLO and QUIT (or a provider's HTTPS handshake). An SMTP session left idle
    for a while is checked with NOOP before it is used again, since servers drop idle
    sessions; after a failure `deliver_claimed` closes it and the next send opens a new one."""
    wanted = (settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT)
    now = time.monotonic()
    if _kept.get("for") != wanted:
        if _kept.get("connection") is not None:
            _kept["connection"].close()
        _kept.update({"for": wanted, "connection": mail.get_connection(), "used_at": now})
    connection = _kept["connection"]
    session = getattr(connection, "connection", None)  # an open smtplib.SMTP
    if session is not None and now - _kept["used_at"] > KEPT_IDLE_SECONDS:
        try:
            alive = session.noop()[0] == 250
        except (smtplib.SMTPException, OSError):
            alive = False
        if not alive:
            connection.close()
    _kept["used_at"] = now
    return connection


@dataclass(frozen=True)
class DeliveryResult:
    # "sent", "skipped", "cancelled", "retry" or "failed"; "later" when it was handed back
    # unsent (the rate, a throttle or the time ran out), not counted as an attempt.
    outcome: str
    retry_in: float = 0


def retry_delay(attempts: int) -> int:
    return min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS)


# A batch claims this many emails at a time: one query to claim them and one to check their
# addresses against the suppression list, instead of both per email. Small enough that an
# unsubscribe arriving while a group goes out is seen by the next group.
CLAIM_GROUP_SIZE = 20


def claim_emails(email_ids: list[int], *, claimant: str = "") -> list[OutboundEmail]:
    """Take the waiting, due emails among `email_ids` for this worker.

    Rows locked by another worker are skipped; the claim counts as an attempt and pushes the
    next attempt EMAIL_CLAIM_SECONDS ahead, in a short transaction of its own, so no transaction stays
    open while an email is sent (a slow mail server would otherwise hold row locks for as long
    as it takes). A second worker, a second sweep or a repeated task finds nothing to claim.
    The same task run again after its worker died (`claimant`: its task id) takes back what it
    had claimed and not sent, rather than leaving it until the claim runs out.
    """
    now = timezone.now()
    due = Q(next_attempt_at__lte=now)
    if claimant:
        due |= Q(claimed_by=claimant)
    with transaction.atomic():
        emails = list(
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(due, pk__in=email_ids, status=OutboundEmail.Status.PENDING)
            .order_by("pk")
        )
        if emails:
            OutboundEmail.objects.filter(pk__in=[email.pk for email in emails]).update(
                attempts=F("attempts") + 1,
                next_attempt_at=now + timedelta(seconds=settings.EMAIL_CLAIM_SECONDS),
                handed_over_at=None,
                claimed_by=claimant,
            )
    for email in emails:
        email.attempts += 1
    return emails


@dataclass(frozen=True)
class Delivery:
    results: list[DeliveryResult]
    handed_back: list[OutboundEmail]  # claimed, not sent, and given back (release_emails)
    retry_in: float = 0


# A send may take up to EMAIL_TIMEOUT; this much more is kept in hand before a claim runs out.
CLAIM_MARGIN_SECONDS = 1
# With a rate, a worker that cannot reach the shared schedule tries again this much later.
PACE_UNAVAILABLE_RETRY_SECONDS = 5
# A slot waited for longer than this is confirmed with the schedule on waking (a throttle may
# have begun meanwhile); shorter waits cost one round trip to the schedule per email, not two.
# An email sent into a throttle that began within this time is only refused and sent later.
CONFIRM_AFTER_SECONDS = 0.25


def deliver_claimed(
    emails: list[OutboundEmail],
    *,
    connection,
    claimant: str = "",
    send_before: float | None = None,
) -> Delivery:
    """Send claimed emails over one connection (an SMTP session), each at its slot of the
    provider's pace (mailings.pacing); record each outcome as it happens, so a crash can
    repeat at most the email being sent at that moment (with the same Message-ID, which
    receivers drop). A failure starts a fresh session.

    The worker waits for each slot between emails, with no transaction open. Emails it cannot
    start before `send_before`, or before their claim could run out, and everything after a
    throttling reply, are handed back unsent: released, their attempt not counted."""
    if not emails:
        return Delivery([], [])
    # An unsubscribe or bounce may have arrived after the emails were queued.
    suppressed = suppressed_among({email.to for email in emails})
    claim_ends = time.monotonic() + settings.EMAIL_CLAIM_SECONDS
    start_before = claim_ends - settings.EMAIL_TIMEOUT - CLAIM_MARGIN_SECONDS
    if send_before is not None:
        start_before = min(start_before, send_before)
    pace = sending_pace()
    results = []
    for index, email in enumerate(emails):
        if email.to in suppressed:
            OutboundEmail.objects.filter(pk=email.pk).update(status=OutboundEmail.Status.CANCELLED)
            results.append(DeliveryResult("cancelled"))
            continue
        # Unlimited, only a provider's pause is looked up, once per group.
        check_pace = pace.limited or index == 0
        result = _send_one(
            email,
            connection,
            claimant=claimant,
            take_slot=(lambda: _wait_for_slot(pace, start_before)) if check_pace else None,
        )
        if result.outcome == "no slot":
            unsent = emails[index:]
            release_emails(unsent, claimant=claimant, retry_in=result.retry_in)
            return Delivery(results, unsent, result.retry_in)
        results.append(result)
        if result.outcome == "later":  # throttled: everyone pauses, the rest go back
            unsent = emails[index + 1 :]
            release_emails(unsent, claimant=claimant, retry_in=result.retry_in)
            connection.close()
            return Delivery(results, [email, *unsent], result.retry_in)
        if result.outcome != "sent":
            connection.close()  # the next email starts a fresh session
    return Delivery(results, [])


def _wait_for_slot(pace, start_before: float) -> float | None:
    """Wait for this email's slot in the provider's schedule. None: send it now. Otherwise the
    slot is not to be had in time (or the schedule cannot be reached): seconds after which to
    try again."""
    while True:
        within = start_before - time.monotonic()
        if within <= 0:
            return 0
        try:
            slot = pace.reserve(within=within if pace.limited else 0)
        except PaceUnavailable as exc:
            if not pace.limited:
                return None  # no rate to keep to; a pause cannot be known
            logger.warning("the sending rate's schedule is unavailable: %s", type(exc).__name__)
            return PACE_UNAVAILABLE_RETRY_SECONDS
        if not slot.reserved:
            return slot.wait
        if not pace.limited:
            return None
        if slot.wait <= 0:
            return None
        due = time.monotonic() + slot.wait
        time.sleep(slot.wait)
        # Woken on time after a short wait (the usual case at a steady rate): send, without
        # asking the schedule again. After a long wait another worker may have been throttled
        # meanwhile; woken late (a busy machine), the email goes only if the schedule can move
        # on without crowding a later second. Otherwise take the next free slot.
        if slot.wait <= CONFIRM_AFTER_SECONDS and time.monotonic() - due <= LATE_SECONDS / 2:
            return None
        try:
            if pace.confirm(slot):
                return None
        except PaceUnavailable:
            pass


def release_emails(emails: list[OutboundEmail], *, claimant: str, retry_in: float) -> int:
    """Give claimed emails back unsent: the claim's attempt is not counted, and they are due
    again after `retry_in` seconds (for another worker, a retry or the sweep)."""
    if not emails:
        return 0
    return OutboundEmail.objects.filter(
        pk__in=[email.pk for email in emails],
        status=OutboundEmail.Status.PENDING,
        claimed_by=claimant,
    ).update(
        attempts=F("attempts") - 1,
        next_attempt_at=timezone.now() + timedelta(seconds=retry_in),
        claimed_by="",
        handed_over_at=None,
    )


def deliver(
    email_id: int, *, connection=None, claimant: str = "", send_before: float | None = None
) -> DeliveryResult:
    """Send one outbox email if it is still waiting and due; record what happened. An email
    already sent, cancelled, given up on or claimed by another worker is left alone."""
    emails = claim_emails([email_id], claimant=claimant)
    if not emails:
        return DeliveryResult("skipped")
    own_connection = connection is None
    connection = connection or mail.get_connection()
    try:
        delivery = deliver_claimed(
            emails, connection=connection, claimant=claimant, send_before=send_before
        )
    finally:
        if own_connection:
            connection.close()
    if delivery.handed_back:
        return DeliveryResult("later", retry_in=delivery.retry_in)
    return delivery.results[0]


def _send_one(
    email: OutboundEmail, connection, *, claimant: str = "", take_slot=None
) -> DeliveryResult:
    """Write the email, open the session, wait for the email's slot (`take_slot`, which may
    refuse: outcome "no slot", nothing sent or recorded), then hand it over. Only the hand-over
    comes after the slot, so the time it takes to write an email never crowds the next one."""
    rendered = {}
    try:
        if not email.body_text:
            # Queued without its words (queue_email, queue_emails): written now, as it is sent.
            email.subject, email.body_text, email.body_html = render_email(
                email.template, email.context
            )
            email.subject = " ".join(email.subject.split())[:250]
            rendered = {
                "subject": email.subject,
                "body_text": email.body_text,
                "body_html": email.body_html,
            }
        # Opened by us, the session stays open across sends (the backend closes only
        # sessions it opened itself).
        connection.open()
        message = build_message(email, connection=connection)
        if take_slot is not None and (retry_in := take_slot()) is not None:
            return DeliveryResult("no slot", retry_in=retry_in)
        message.send()
    except Exception as exc:  # noqa: BLE001 - every failure is recorded (see below)
        asked = throttle_wait(exc)
        if asked is not None:
            return _record_throttle(email, exc, asked=asked, claimant=claimant)
        # Every other failure is recorded as an attempt, not only SMTP and provider (anymail)
        # errors: a message that can never be built must not be retried every minute, forever,
        # with no trace in the outbox.
        return _record_failure(email, exc)
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmail.Status.SENT, sent_at=timezone.now(), last_error="", **rendered
    )
    logger.info("email sent id=%s template=%s", email.pk, email.template)
    return DeliveryResult("sent")


def _record_throttle(
    email: OutboundEmail, exc: Exception, *, asked: float, claimant: str
) -> DeliveryResult:
    """The provider refused the email for sending too fast. That says nothing about the email,
    so it is not counted towards EMAIL_MAX_ATTEMPTS (a long spell of throttling must not make
    us give up on emails): every worker pauses (the shared schedule) and the email is handed
    back, to go again after the pause."""
    pause = sending_pace().throttled(asked=asked or None)
    release_emails([email], claimant=claimant, retry_in=pause)
    OutboundEmail.objects.filter(pk=email.pk).update(
        last_error=f"Throttled by the provider: {type(exc).__name__}: {exc}"[:500]
    )
    logger.warning("email throttled id=%s pause=%.1fs", email.pk, pause)
    return DeliveryResult("later", retry_in=pause)


def _record_failure(email: OutboundEmail, exc: Exception) -> DeliveryResult:
    email.last_error = f"{type(exc).__name__}: {exc}"[:500]
    if email.attempts >= settings.EMAIL_MAX_ATTEMPTS:
        email.status = OutboundEmail.Status.FAILED
        outcome = DeliveryResult("failed")
    else:
        delay = retry_delay(email.attempts)
        email.next_attempt_at = timezone.now() + timedelta(seconds=delay)
        outcome = DeliveryResult("retry", retry_in=delay)
    OutboundEmail.objects.filter(pk=email.pk).update(
        last_error=email.last_error, status=email.status, next_attempt_at=email.next_attempt_at
    )
    # Transport errors are expected now and then; anything else is a bug worth an error line.
    level = logging.WARNING if _is_transport_error(exc) else logging.ERROR
    logger.log(
        level,
        "email failed id=%s attempt=%s error=%s",
        email.pk,
        email.attempts,
        type(exc).__name__,
    )
    return outcome


def _is_transport_error(exc: Exception) -> bool:
    # SMTP and network errors, or an email provider's API error (anymail).
    is_provider_error = type(exc).__module__.startswith("anymail")
    return isinstance(exc, smtplib.SMTPException | OSError) or is_provider_error


def build_message(email: OutboundEmail, *, connection=None) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        connection=connection,
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={"Message-ID": message_id_for_key(email.key), **email.headers},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message
