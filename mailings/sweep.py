"""The beat's outbox rounds: handing over emails that are due and nobody has queued (the
broker was down, a retry is due, a task was lost), and deleting old emails."""

import time
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .handoff import enqueue_delivery_batches
from .models import OutboundEmail

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
