"""What the rest of the platform uses of mailings, in one place: other apps import from here,
never from mailings' models or its other modules. Nothing here knows which app an email
belongs to: each app registers its emails (register_email, from its AppConfig.ready).

Apps register their emails, queue them, ask which addresses are suppressed, find or erase a
person's emails and fill wording; the worker's side (delivery, the sweep) is here too.

The work is done one way down, with no module importing one above it:
tasks -> delivery, sweep; queueing -> relay -> handoff (Celery tasks by name);
delivery -> composing -> models -> wording -> registry.
"""

from .composing import email_context, email_copy, render_email
from .delivery import (
    RETRY_BASE_SECONDS,
    RETRY_MAX_SECONDS,
    BatchResult,
    DeliveryResult,
    claim_emails,
    deliver,
    deliver_batch,
    kept_connection,
    retry_delay,
)
from .handoff import enqueue_delivery, enqueue_delivery_batches
from .models import message_id_for_key
from .personal_data import (
    claim_key_prefix,
    count_emails_about,
    emails_about,
    erase_emails,
    erase_emails_by_key,
)
from .queueing import EmailStatus, EmailToQueue, queue_email, queue_emails, queue_rendered_email
from .registry import register_email
from .suppression import is_suppressed, suppress, suppressed_among
from .sweep import SWEEP_REQUEUE_SECONDS, due_email_ids, purge_old_email, sweep_outbox
from .wording import campaign_settings, fill_wording, placeholder_errors, sample_context

__all__ = [
    "RETRY_BASE_SECONDS",
    "RETRY_MAX_SECONDS",
    "SWEEP_REQUEUE_SECONDS",
    "BatchResult",
    "DeliveryResult",
    "EmailStatus",
    "EmailToQueue",
    "campaign_settings",
    "claim_emails",
    "claim_key_prefix",
    "count_emails_about",
    "deliver",
    "deliver_batch",
    "due_email_ids",
    "email_context",
    "email_copy",
    "emails_about",
    "enqueue_delivery",
    "enqueue_delivery_batches",
    "erase_emails",
    "erase_emails_by_key",
    "fill_wording",
    "is_suppressed",
    "kept_connection",
    "message_id_for_key",
    "placeholder_errors",
    "purge_old_email",
    "queue_email",
    "queue_emails",
    "queue_rendered_email",
    "register_email",
    "render_email",
    "retry_delay",
    "sample_context",
    "suppress",
    "suppressed_among",
    "sweep_outbox",
]
