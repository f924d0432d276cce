"""Thin Celery tasks: they take ids and call services."""

from celery import shared_task

from . import services

# Celery retries short waits; longer ones are left to the beat sweep (no long countdowns on Redis).
MAX_COUNTDOWN = 300


@shared_task(bind=True, max_retries=5, acks_late=True, reject_on_worker_lost=True)
def send_email(self, email_id: int) -> str:
    result = services.deliver(
        email_id, connection=services.kept_connection(), claimant=self.request.id or ""
    )
    if (
        result.outcome == "retry"
        and result.retry_in <= MAX_COUNTDOWN
        and self.request.retries < self.max_retries
    ):
        raise self.retry(countdown=result.retry_in + 1)
    return result.outcome


@shared_task(
    bind=True, acks_late=True, reject_on_worker_lost=True, soft_time_limit=270, time_limit=290
)
def send_emails(self, email_ids: list[int]) -> dict:
    """A batch (a sweep, or a burst from the relay): failures are recorded on each row and
    retried by later sweeps."""
    return services.deliver_batch(
        email_ids, connection=services.kept_connection(), claimant=self.request.id or ""
    )


@shared_task
def sweep_outbox() -> int:
    return services.sweep_outbox()


@shared_task
def purge_old_email() -> int:
    return services.purge_old_email()
