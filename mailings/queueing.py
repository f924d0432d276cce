"""Putting emails in the outbox, inside the caller's transaction, once per key. They go to the
worker after the transaction commits (the relay for single emails, a task per batch for many)."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from .handoff import enqueue_delivery_batches
from .models import OutboundEmail
from .relay import relay
from .suppression import suppressed_among

# What queue_emails reports for each key (e.g. EmailStatus.CANCELLED: the address is suppressed).
EmailStatus = OutboundEmail.Status


def queue_email(
    *, to: str, template: str, context: dict, key: str, headers: dict | None = None
) -> OutboundEmail:
    """Store an email in the outbox and send it once the caller's transaction commits. The
    worker writes its words from `template` (a registered email's key) and `context` as it
    sends it (`deliver`), so the caller's transaction stays short and the comms team's latest
    wording is used.

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


@dataclass(frozen=True)
class EmailToQueue:
    to: str
    template: str
    context: dict
    key: str
    headers: dict | None = None


def queue_emails(emails: list[EmailToQueue]) -> dict[str, str]:
    """Queue many emails in one go (a sweep of reminders), with the same guarantees as
    `queue_email`: one email per key, nothing to suppressed addresses, sent after commit.

    Suppression is checked in one query and rows are inserted in one statement, without their
    words: the worker writes each email as it sends it (`deliver`), so a sweep of thousands
    stays short and the wording used is the latest. The worker gets one task per batch of
    emails (which then share an SMTP session). Returns each key's status (EmailStatus).
    """
    if not emails:
        return {}
    keys = [email.key for email in emails]
    statuses = dict(OutboundEmail.objects.filter(key__in=keys).values_list("key", "status"))
    suppressed = suppressed_among({email.to for email in emails})
    rows = []
    for email in emails:
        if email.key in statuses:
            continue
        status = EmailStatus.CANCELLED if email.to in suppressed else EmailStatus.PENDING
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
    new_keys = [row.key for row in rows if row.status == EmailStatus.PENDING]
    if new_keys:
        # By key alone: the unique index finds them whatever the table's statistics say.
        ids = list(OutboundEmail.objects.filter(key__in=new_keys).values_list("pk", flat=True))
        transaction.on_commit(lambda: enqueue_delivery_batches(ids))
    return statuses
