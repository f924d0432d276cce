"""Thin Celery tasks: they take ids and call the delivery and the sweep. Publishers find them by
name (mailings.handoff), so nothing below imports this module."""

import time

from celery import shared_task
from django.conf import settings

from . import delivery, sweep

# Celery retries short waits; longer ones are left to the beat sweep (no long countdowns on Redis).
MAX_COUNTDOWN = 300
# Emails handed back (the sending rate, a throttle, the time limit) go round again this many
# times through Celery; after that the beat sweep sends them (they are waiting and due).
MAX_HAND_BACKS = 100


def send_before(task) -> float:
    """When the task must start its last email (time.monotonic()): early enough that one more
    send (up to EMAIL_TIMEOUT) ends before the soft time limit, which would interrupt a send
    between handing the email over and recording it."""
    soft_limit = task.soft_time_limit or task.app.conf.task_soft_time_limit
    if not soft_limit:
        return time.monotonic() + settings.EMAIL_CLAIM_SECONDS
    budget = max(soft_limit - settings.EMAIL_TIMEOUT - 5, soft_limit / 4)
    return time.monotonic() + budget


def hand_back(task, countdown: float, **options):
    """Queue the task again for what it handed back, if it may go round once more."""
    if task.request.retries < MAX_HAND_BACKS and countdown <= MAX_COUNTDOWN:
        raise task.retry(countdown=countdown, max_retries=MAX_HAND_BACKS, **options)


@shared_task(bind=True, max_retries=5, acks_late=True, reject_on_worker_lost=True)
def send_email(self, email_id: int) -> str:
    result = delivery.deliver(
        email_id,
        connection=delivery.kept_connection(),
        claimant=self.request.id or "",
        send_before=send_before(self),
    )
    if result.outcome == "later":
        hand_back(self, result.retry_in)
    elif (
        result.outcome == "retry"
        and result.retry_in <= MAX_COUNTDOWN
        and self.request.retries < self.max_retries
    ):
        raise self.retry(countdown=result.retry_in + 1)
    return result.outcome


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def send_emails(self, email_ids: list[int]) -> dict:
    """A batch (a sweep, or a burst from the relay): failures are recorded on each row and
    retried by later sweeps. What the batch could not send within its time (the sending rate,
    a throttle) is handed back and queued again as the same task, for the rest only."""
    result = delivery.deliver_batch(
        email_ids,
        connection=delivery.kept_connection(),
        claimant=self.request.id or "",
        send_before=send_before(self),
    )
    if result.handed_back:
        hand_back(self, result.retry_in, args=[result.handed_back])
    return result.outcomes


@shared_task
def sweep_outbox() -> int:
    return sweep.sweep_outbox()


@shared_task
def purge_old_email() -> int:
    return sweep.purge_old_email()
