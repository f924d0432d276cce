"""Sending email, once. Callers use `queue_email` inside their own transaction; the worker calls
`deliver`. Nothing here knows which feature an email belongs to."""

import hashlib
import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone

from .models import EmailCopy, OutboundEmail, Suppression, address_hash

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
    """The default site's campaign settings: an email has no request to pick a site from."""
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


@dataclass(frozen=True)
class SharedContext:
    """What every email of one template shares: read once per email, or once per batch."""

    campaign: object
    copy: EmailCopy | None

    @classmethod
    def load(cls, template: str) -> "SharedContext":
        return cls(campaign_settings(), EmailCopy.objects.filter(key=template).first())


def email_context(template: str, context: dict, shared: SharedContext | None = None) -> dict:
    """The context every email template gets: campaign details, and the comms team's own
    wording for this email (subject and paragraphs) when they have written it."""
    shared = shared or SharedContext.load(template)
    campaign, copy = shared.campaign, shared.copy
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


def render_email(
    template: str, context: dict, shared: SharedContext | None = None
) -> tuple[str, str, str]:
    """Subject, plain text and HTML for `mailings/emails/<template>.*`."""
    full_context = email_context(template, context, shared)
    base = f"mailings/emails/{template}"
    subject = full_context.get("copy_subject") or render_to_string(
        f"{base}.subject.txt", full_context
    )
    subject = " ".join(subject.split())
    text = render_to_string(f"{base}.txt", full_context)
    try:
        html = render_to_string(f"{base}.html", full_context)
    except TemplateDoesNotExist:
        html = ""
    return subject, text, html


def queue_email(
    *, to: str, template: str, context: dict, key: str, headers: dict | None = None
) -> OutboundEmail:
    """Store an email in the outbox and send it once the caller's transaction commits.

    Calling again with the same key returns the stored email and sends nothing new.
    """
    existing = OutboundEmail.objects.filter(key=key).first()
    if existing:
        return existing
    subject, text, html = render_email(template, context)
    return queue_rendered_email(
        to=to,
        subject=subject,
        body_text=text,
        body_html=html,
        key=key,
        template=template,
        context=context,
        headers=headers,
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

    An email to a suppressed address is recorded as cancelled and never sent.
    """
    suppressed = is_suppressed(to)
    email, created = OutboundEmail.objects.get_or_create(
        key=key,
        defaults={
            "to": to,
            "template": template,
            "context": context or {},
            "subject": " ".join(subject.split()),
            "body_text": body_text,
            "body_html": body_html,
            "headers": headers or {},
            "status": (
                OutboundEmail.Status.CANCELLED if suppressed else OutboundEmail.Status.PENDING
            ),
        },
    )
    if created and not suppressed:
        transaction.on_commit(lambda: enqueue_delivery(email.pk))
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

    Campaign settings and wording are read once per template, suppression is checked in one
    query, rows are inserted in one statement, and the worker gets one task per batch of
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
    shared: dict[str, SharedContext] = {}
    rows = []
    for email in emails:
        if email.key in statuses:
            continue
        if email.template not in shared:
            shared[email.template] = SharedContext.load(email.template)
        subject, text, html = render_email(email.template, email.context, shared[email.template])
        is_suppressed_now = hashes[email.to] in suppressed
        status = (
            OutboundEmail.Status.CANCELLED if is_suppressed_now else OutboundEmail.Status.PENDING
        )
        statuses[email.key] = status
        rows.append(
            OutboundEmail(
                key=email.key,
                to=email.to,
                template=email.template,
                context=email.context,
                subject=subject,
                body_text=text,
                body_html=html,
                headers=email.headers or {},
                status=status,
            )
        )
    # A concurrent sweep that got there first keeps its row: the key is unique.
    OutboundEmail.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    new_keys = [row.key for row in rows if row.status == OutboundEmail.Status.PENDING]
    if new_keys:
        ids = list(
            OutboundEmail.objects.filter(
                key__in=new_keys, status=OutboundEmail.Status.PENDING
            ).values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: enqueue_delivery_batches(ids))
    return statuses


def enqueue_delivery_batches(email_ids: list[int]) -> int:
    """One task per batch of emails; returns how many emails were handed over. If the broker
    is down the rest wait for the sweep."""
    from .tasks import send_emails

    handed_over = 0
    for start in range(0, len(email_ids), BATCH_SIZE):
        chunk = email_ids[start : start + BATCH_SIZE]
        try:
            send_emails.delay(chunk)
        except Exception as exc:  # broker unreachable: the sweep will queue them later
            logger.warning("could not queue %s emails: %s", len(chunk), type(exc).__name__)
            break
        handed_over += len(chunk)
    return handed_over


def deliver_batch(email_ids: list[int]) -> dict[str, int]:
    """Send a batch of emails over one SMTP session; a broken session is opened afresh."""
    from django.core.mail import get_connection

    outcomes: dict[str, int] = {}
    connection = get_connection()
    try:
        for email_id in email_ids:
            # Opened by us, the session stays open across sends (the backend closes only
            # sessions it opened itself); after a failure it is opened afresh.
            connection.open()
            result = deliver(email_id, connection=connection)
            outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
            if result.outcome in ("retry", "failed"):
                connection.close()  # the next email starts a fresh session
    finally:
        connection.close()
    return outcomes


def enqueue_delivery(email_id: int) -> bool:
    """Hand an email to the worker. If the broker is down the row waits for the sweep."""
    from .tasks import send_email

    try:
        send_email.delay(email_id)
    except Exception as exc:  # broker unreachable: the sweep will queue it later
        logger.warning("could not queue email %s: %s", email_id, type(exc).__name__)
        return False
    return True


@dataclass(frozen=True)
class DeliveryResult:
    outcome: str  # "sent", "skipped", "cancelled", "retry" or "failed"
    retry_in: int = 0


def retry_delay(attempts: int) -> int:
    return min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS)


def deliver(email_id: int, *, connection=None) -> DeliveryResult:
    """Send one outbox email if it is still waiting and due; record what happened.

    The row stays locked while it is sent, so a second worker skips it rather than sending
    it again; a row already sent, cancelled or given up on is left alone. A batch passes one
    open `connection` so every email in it shares a single SMTP session.
    """
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(
                pk=email_id,
                status=OutboundEmail.Status.PENDING,
                next_attempt_at__lte=timezone.now(),
            )
            .first()
        )
        if email is None:
            return DeliveryResult("skipped")
        # An unsubscribe or bounce may have arrived after the email was queued.
        if is_suppressed(email.to):
            email.status = OutboundEmail.Status.CANCELLED
            email.save(update_fields=["status"])
            return DeliveryResult("cancelled")
        email.attempts += 1
        try:
            build_message(email, connection=connection).send()
        except Exception as exc:
            # Every failure is recorded as an attempt, not only SMTP and provider (anymail) errors:
            # an exception escaping here rolls the attempt back, and the sweep would then retry a
            # message that can never be built every minute, forever, with no trace in the outbox.
            return _record_failure(email, exc)
        email.status = OutboundEmail.Status.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
        email.save(update_fields=["status", "sent_at", "attempts", "last_error"])
        logger.info("email sent id=%s template=%s", email.pk, email.template)
        return DeliveryResult("sent")


def _record_failure(email: OutboundEmail, exc: Exception) -> DeliveryResult:
    email.last_error = f"{type(exc).__name__}: {exc}"[:500]
    if email.attempts >= settings.EMAIL_MAX_ATTEMPTS:
        email.status = OutboundEmail.Status.FAILED
        outcome = DeliveryResult("failed")
    else:
        delay = retry_delay(email.attempts)
        email.next_attempt_at = timezone.now() + timedelta(seconds=delay)
        outcome = DeliveryResult("retry", retry_in=delay)
    email.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
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


def due_email_ids(*, limit: int = 500) -> list[int]:
    """Emails waiting to be sent that nobody has queued recently."""
    # Recently queued emails are left to the task queued on commit.
    cutoff = timezone.now() - timedelta(seconds=settings.EMAIL_SWEEP_GRACE_SECONDS)
    return list(
        OutboundEmail.objects.filter(
            status=OutboundEmail.Status.PENDING, next_attempt_at__lte=cutoff
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def sweep_outbox() -> int:
    """Queue every due email, in batches; returns how many were handed to the worker."""
    return enqueue_delivery_batches(due_email_ids())


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
