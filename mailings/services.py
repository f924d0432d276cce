"""Sending email, once. Callers use `queue_email` inside their own transaction; the worker calls
`deliver`. Nothing here knows which feature an email belongs to."""

import hashlib
import logging
import smtplib
import time
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone

from core.content import remembered

from .models import EmailCopy, OutboundEmail, Suppression, address_hash
from .pacing import (
    LATE_SECONDS,
    PaceUnavailable,
    batch_size,
    claim_group_size,
    sending_pace,
    throttle_wait,
)
from .relay import relay

logger = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 6 * 3600


def message_id_for_key(key: str) -> str:
    """A Message-ID that is the same every time a key is sent, so receivers drop the rare
    duplicate left by a crash between handing the message over and recording it as sent."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{key}".encode()).hexdigest()[:40]
    _, at, domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")
    domain = domain if at and domain else "localhost"  # an address without "@" has no domain
    return f"<{digest}@{domain}>"


def campaign_settings():
    """The default site's campaign settings: an email has no request to pick a site from.
    Kept per process until the content changes (core.content)."""
    return remembered("mailings:campaign_settings", _load_campaign_settings)


def _load_campaign_settings():
    from wagtail.models import Site

    from core.models import CampaignSettings

    site = Site.objects.filter(is_default_site=True).first()
    if site is None:  # a fresh install whose site is not set up yet still sends its emails
        return CampaignSettings(campaign_name=settings.WAGTAIL_SITE_NAME)
    return CampaignSettings.for_site(site)


SAMPLE_CONTEXT = {
    "first_name": "Sam",
    "pledge": "Say hello to a neighbour",
    "ideas": "Knock on a door with a cake, or join a local walking group.",
    "action_url": "#",
    "manage_url": "#",
    "unsubscribe_url": "#",
}


def email_copy(template: str) -> EmailCopy | None:
    """The comms team's wording for one kind of email, if they have written it (kept per
    process until the content changes)."""
    return remembered(f"mailings:copy:{template}", EmailCopy.objects.filter(key=template).first)


def email_context(template: str, context: dict) -> dict:
    """The context every email template gets: campaign details, and the comms team's own
    wording for this email (subject and paragraphs) when they have written it."""
    campaign, copy = campaign_settings(), email_copy(template)
    full_context = {"campaign": campaign, "SITE_URL": settings.SITE_URL, **context}
    if copy:
        fill_values = {"campaign": campaign.campaign_name, **context}
        try:
            subject = copy.rendered_subject(fill_values)
            paragraphs = copy.rendered_paragraphs(fill_values)
        except (ValueError, IndexError, KeyError, AttributeError):
            # Wording saved before it was checked: the template's own words go out instead.
            logger.error("email wording %s has a broken placeholder", copy.key)
        else:
            full_context["copy_subject"] = subject
            full_context["copy_paragraphs"] = paragraphs
    return full_context


def preview_context(copy: EmailCopy) -> dict:
    """Sample values for previewing edited wording in the admin (unsaved edits included)."""
    campaign = campaign_settings()
    fill_values = {"campaign": campaign.campaign_name, **SAMPLE_CONTEXT}
    return {
        "campaign": campaign,
        "SITE_URL": settings.SITE_URL,
        **SAMPLE_CONTEXT,
        "copy_subject": copy.rendered_subject(fill_values),
        "copy_paragraphs": copy.rendered_paragraphs(fill_values),
    }


def render_email(template: str, context: dict) -> tuple[str, str, str]:
    """Subject, plain text and HTML for `mailings/emails/<template>.*`."""
    full_context = email_context(template, context)
    base = f"mailings/emails/{template}"
    subject = full_context.get("copy_subject") or render_to_string(
        f"{base}.subject.txt", full_context
    )
    subject = " ".join(subject.split())
    text = render_to_string(f"{base}.txt", full_context)
    try:
        html: str = render_to_string(f"{base}.html", full_context)
    except TemplateDoesNotExist:
        html = ""
    return subject, text, html


def queue_email(
    *, to: str, template: str, context: dict, key: str, headers: dict | None = None
) -> OutboundEmail:
    """Store an email in the outbox and send it once the caller's transaction commits. The
    worker writes its words from `template` and `context` as it sends it (`deliver`), so the
    caller's transaction stays short and the comms team's latest wording is used.

    Calling again with the same key returns the stored email and sends nothing new.
    """
    return _store_email(
        OutboundEmail(key=key, to=to, template=template, context=context, headers=headers or {})
    )


def queue_rendered_email(
    *,
    to: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    key: str,
    template: str = "",
    context: dict | None = None,
    headers: dict | None = None,
) -> OutboundEmail:
    """Store an already-rendered email (e.g. from allauth) in the outbox, once per key.

    Suppression is checked when the email is sent (`deliver`), which also catches an address
    suppressed after this call: an email to a suppressed address is cancelled, never sent.
    """
    return _store_email(
        OutboundEmail(
            key=key,
            to=to,
            template=template,
            context=context or {},
            subject=" ".join(subject.split()),
            body_text=body_text,
            body_html=body_html,
            headers=headers or {},
        )
    )


def _store_email(email: OutboundEmail) -> OutboundEmail:
    try:
        # Most keys are new: insert straight away, and let the unique key catch a repeat.
        with transaction.atomic():
            email.save(force_insert=True)
    except IntegrityError:
        return OutboundEmail.objects.get(key=email.key)
    transaction.on_commit(lambda: relay.hand_over(email.pk))
    return email


BATCH_SIZE = 50


@dataclass(frozen=True)
class EmailToQueue:
    to: str
    template: str
    context: dict
    key: str
    headers: dict | None = None


def queue_emails(emails: list[EmailToQueue]) -> dict[str, str]:
    """Queue many emails in one go (a reminder sweep), with the same guarantees as
    `queue_email`: one email per key, nothing to suppressed addresses, sent after commit.

    Suppression is checked in one query and rows are inserted in one statement, without their
    words: the worker writes each email as it sends it (`deliver`), so a sweep of thousands
    stays short and the wording used is the latest. The worker gets one task per batch of
    emails (which then share an SMTP session). Returns each key's status.
    """
    if not emails:
        return {}
    keys = [email.key for email in emails]
    statuses = dict(OutboundEmail.objects.filter(key__in=keys).values_list("key", "status"))
    hashes = {email.to: address_hash(email.to) for email in emails}
    suppressed = set(
        Suppression.objects.filter(address_hash__in=hashes.values()).values_list(
            "address_hash", flat=True
        )
    )
    rows = []
    for email in emails:
        if email.key in statuses:
            continue
        status = (
            OutboundEmail.Status.CANCELLED
            if hashes[email.to] in suppressed
            else OutboundEmail.Status.PENDING
        )
        statuses[email.key] = status
        rows.append(
            OutboundEmail(
                key=email.key,
                to=email.to,
                template=email.template,
                context=email.context,
                headers=email.headers or {},
                status=status,
            )
        )
    # A concurrent sweep that got there first keeps its row: the key is unique.
    OutboundEmail.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    new_keys = [row.key for row in rows if row.status == OutboundEmail.Status.PENDING]
    if new_keys:
        # By key alone: the unique index finds them whatever the table's statistics say.
        ids = list(OutboundEmail.objects.filter(key__in=new_keys).values_list("pk", flat=True))
        transaction.on_commit(lambda: enqueue_delivery_batches(ids))
    return statuses


def enqueue_delivery_batches(email_ids: list[int]) -> int:
    """One task per batch of emails; returns how many emails were handed over. If the broker
    is down the rest wait for the sweep. With a sending rate, batches are what the rate
    allows in a few seconds (mailings.pacing.batch_size)."""
    from .tasks import send_emails

    size = batch_size(most=BATCH_SIZE)
    handed_over = 0
    for start in range(0, len(email_ids), size):
        chunk = email_ids[start : start + size]
        try:
            send_emails.delay(chunk)
        except Exception as exc:  # noqa: BLE001 - whatever the broker says, the sweep retries
            logger.warning("could not queue %s emails: %s", len(chunk), type(exc).__name__)
            break
        handed_over += len(chunk)
    return handed_over


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
    from django.core.mail import get_connection

    outcomes: dict[str, int] = {}
    ids = list(dict.fromkeys(email_ids))
    group_size = claim_group_size(most=CLAIM_GROUP_SIZE)
    handed_back: list[int] = []
    retry_in = 0.0
    own_connection = connection is None
    connection = connection or get_connection()
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
    from django.core.mail import get_connection

    wanted = (settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT)
    now = time.monotonic()
    if _kept.get("for") != wanted:
        if _kept.get("connection") is not None:
            _kept["connection"].close()
        _kept.update({"for": wanted, "connection": get_connection(), "used_at": now})
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


def enqueue_delivery(email_id: int) -> bool:
    """Hand an email to the worker. If the broker is down the row waits for the sweep."""
    from .tasks import send_email

    try:
        send_email.delay(email_id)
    except Exception as exc:  # noqa: BLE001 - whatever the broker says, the sweep retries
        logger.warning("could not queue email %s: %s", email_id, type(exc).__name__)
        return False
    return True


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
    hashes = {email.to: address_hash(email.to) for email in emails}
    suppressed = set(
        Suppression.objects.filter(address_hash__in=set(hashes.values())).values_list(
            "address_hash", flat=True
        )
    )
    claim_ends = time.monotonic() + settings.EMAIL_CLAIM_SECONDS
    start_before = claim_ends - settings.EMAIL_TIMEOUT - CLAIM_MARGIN_SECONDS
    if send_before is not None:
        start_before = min(start_before, send_before)
    pace = sending_pace()
    results = []
    for index, email in enumerate(emails):
        if hashes[email.to] in suppressed:
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
    from django.core.mail import get_connection

    emails = claim_emails([email_id], claimant=claimant)
    if not emails:
        return DeliveryResult("skipped")
    own_connection = connection is None
    connection = connection or get_connection()
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


# An email the sweep handed over that no worker has claimed after this long is handed over
# again: its task was lost (Redis restarted empty) rather than still waiting in the queue.
SWEEP_REQUEUE_SECONDS = 300
SWEEP_BATCH = 500


def due_email_ids(*, limit: int = SWEEP_BATCH) -> list[int]:
    """Emails waiting to be sent that nobody has queued recently."""
    now = timezone.now()
    # Recently queued emails are left to the task queued on commit.
    cutoff = now - timedelta(seconds=settings.EMAIL_SWEEP_GRACE_SECONDS)
    requeue_cutoff = now - timedelta(seconds=SWEEP_REQUEUE_SECONDS)
    return list(
        OutboundEmail.objects.filter(
            Q(handed_over_at__isnull=True) | Q(handed_over_at__lte=requeue_cutoff),
            status=OutboundEmail.Status.PENDING,
            next_attempt_at__lte=cutoff,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def sweep_outbox(*, max_seconds: float = 45) -> int:
    """Hand every due email to the worker, in batches, until none is left or `max_seconds`
    have passed (beat runs this every minute); returns how many were handed over. Each email
    handed over is marked, so a backlog waiting in the queue is not handed over again and
    again; the mark is cleared when a worker claims the email."""
    started = time.monotonic()
    total = 0
    while True:
        due = due_email_ids()
        handed = enqueue_delivery_batches(due)
        if handed:
            OutboundEmail.objects.filter(pk__in=due[:handed]).update(handed_over_at=timezone.now())
        total += handed
        if handed < SWEEP_BATCH or time.monotonic() - started >= max_seconds:
            return total


def purge_old_email(*, older_than_days: int | None = None) -> int:
    """Delete sent and abandoned emails after the retention period: they hold personal data."""
    days = older_than_days if older_than_days is not None else settings.EMAIL_RETENTION_DAYS
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = OutboundEmail.objects.filter(
        status__in=[
            OutboundEmail.Status.SENT,
            OutboundEmail.Status.FAILED,
            OutboundEmail.Status.CANCELLED,
        ],
        created_at__lt=cutoff,
    ).delete()
    return deleted


def is_suppressed(address: str) -> bool:
    return Suppression.objects.filter(address_hash=address_hash(address)).exists()


def suppress(*, address: str, reason: str) -> Suppression:
    """Stop all email to an address at once, including emails already waiting to be sent."""
    suppression, _ = Suppression.objects.get_or_create(
        address_hash=address_hash(address), defaults={"reason": reason}
    )
    OutboundEmail.objects.filter(
        to__iexact=address.strip(), status=OutboundEmail.Status.PENDING
    ).update(status=OutboundEmail.Status.CANCELLED)
    return suppression
