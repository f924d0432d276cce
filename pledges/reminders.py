"""Reminders are data, not delayed tasks: each pledge knows when its next reminder is due, and
a beat task sweeps for due ones and queues them through the outbox under a key per step."""

import datetime
import logging

from django.conf import settings
from django.utils import timezone

from .models import Pledge, ReminderStep

logger = logging.getLogger(__name__)


def local_send_time(day: datetime.date) -> datetime.datetime:
    """Reminders go out in the morning, local time, whatever the clocks are doing (BST/GMT)."""
    hour = settings.PLEDGE_REMINDER_HOUR
    naive = datetime.datetime.combine(day, datetime.time(hour=hour))
    return timezone.make_aware(naive, timezone.get_default_timezone())


def due_time(pledge: Pledge, step: ReminderStep) -> datetime.datetime:
    confirmed_day = timezone.localdate(pledge.confirmed_at)
    return local_send_time(confirmed_day + datetime.timedelta(days=step.days_after_confirmation))


def active_steps() -> list[ReminderStep]:
    return list(ReminderStep.objects.filter(active=True).order_by("days_after_confirmation"))


def schedule_first_reminder(pledge: Pledge) -> None:
    if not (pledge.reminders_wanted and pledge.email and pledge.confirmed_at):
        return
    steps = active_steps()
    if steps:
        pledge.next_reminder_at = due_time(pledge, steps[0])
        pledge.save(update_fields=["next_reminder_at"])
