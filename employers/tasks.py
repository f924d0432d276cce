"""Thin Celery tasks for the workplace pledge: each calls one service."""

from celery import shared_task

from .selectors import figures
from .services import schedule

# The sweep stops between batches after EVENT_SWEEP_SECONDS and leaves the rest to the next
# run, well inside its own time limits.
EVENT_SWEEP_SECONDS = 240


@shared_task(soft_time_limit=EVENT_SWEEP_SECONDS + 30, time_limit=EVENT_SWEEP_SECONDS + 50)
def send_due_events() -> int:
    return schedule.send_due_events(max_seconds=EVENT_SWEEP_SECONDS)


@shared_task
def refresh_figures() -> int:
    return figures.refresh_figures()["current"]
