"""Thin Celery tasks for pledges: each calls one service."""

from celery import shared_task

from .selectors import counters
from .services import privacy, reminders


@shared_task
def refresh_counters() -> int:
    return counters.refresh_counters()["total"]


@shared_task
def apply_retention() -> dict:
    return privacy.apply_retention()


# The sweep stops between batches after REMINDER_SWEEP_SECONDS and leaves the rest to the next
# run, well inside its own time limits (the default 60 s would cut a big sweep short).
REMINDER_SWEEP_SECONDS = 240


@shared_task(soft_time_limit=REMINDER_SWEEP_SECONDS + 30, time_limit=REMINDER_SWEEP_SECONDS + 50)
def send_due_reminders() -> int:
    return reminders.send_due_reminders(max_seconds=REMINDER_SWEEP_SECONDS)
