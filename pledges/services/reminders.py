"""Reminders are data, not delayed tasks: each pledge knows when its next reminder is due, and
a beat task sweeps for due ones and queues them through the outbox under a key per step."""

import datetime
import logging
import time
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from mailings.services import (
    EmailStatus,
    EmailToQueue,
    campaign_settings,
    fill_wording,
    queue_emails,
    sample_context,
    suppressed_among,
)
from pledges.emails import absolute_url, pledge_links, pledge_words, unsubscribe_headers
from pledges.models import Pledge, ReminderStep
from pledges.selectors.pledge_settings import pledge_settings
from pledges.tokens import make_token

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 500
OUTCOME_ANSWERS = (Pledge.Outcome.DONE, Pledge.Outcome.GOING, Pledge.Outcome.NOT_YET)


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


def resume_reminders(pledge_ids) -> int:
    """Schedule the next reminder of pledges that may be reminded again (a rejected pledge
    approved after all: the sweep cleared its schedule). The sweep then sends the latest step
    that is due, as after an outage. Returns how many were scheduled."""
    steps = active_steps()
    pledges = list(
        Pledge.objects.filter(remindable(), pk__in=pledge_ids, next_reminder_at__isnull=True)
    )
    resumed = [pledge for pledge in pledges if pledge.reminders_sent < len(steps)]
    for pledge in resumed:
        pledge.next_reminder_at = due_time(pledge, steps[pledge.reminders_sent])
    save_schedules(resumed)
    return len(resumed)


def remindable() -> Q:
    """Pledges that may still get reminders. Rejected pledges get none: we would be repeating
    words we refused to show."""
    return (
        Q(confirmed_at__isnull=False, reminders_wanted=True, outcome="", anonymised_at__isnull=True)
        & ~Q(email="")
        & ~Q(moderation=Pledge.Moderation.REJECTED)
    )


@dataclass(frozen=True)
class ReminderPlan:
    """What a sweep does for one pledge: the step to send now (if any) and the pledge's
    schedule afterwards."""

    step: ReminderStep | None
    reminders_sent: int
    next_reminder_at: datetime.datetime | None


def plan_reminder(
    pledge: Pledge, steps: list[ReminderStep], now: datetime.datetime
) -> ReminderPlan:
    """`reminders_sent` counts through the active steps in order. Of the steps now due, only
    the latest is sent: after an outage (or a late change to the schedule) a person gets one
    timely reminder, never a burst of stale ones. The next reminder is always in the future."""
    start = pledge.reminders_sent
    if start >= len(steps):
        return ReminderPlan(None, start, None)
    latest_due = None
    for index in range(start, len(steps)):
        if due_time(pledge, steps[index]) > now:
            break
        latest_due = index
    if latest_due is None:  # the schedule moved later since this pledge was scheduled
        return ReminderPlan(None, start, due_time(pledge, steps[start]))
    following = latest_due + 1
    next_at = due_time(pledge, steps[following]) if following < len(steps) else None
    return ReminderPlan(steps[latest_due], following, next_at)


class _StepWording:
    """A step's subject and body, filled in for each person the way the outbox fills the comms
    team's email wording. Wording with a broken placeholder falls back to the template's own
    words (and is logged once) rather than stopping every reminder."""

    def __init__(self, step: ReminderStep, campaign_name: str, activities_url: str = ""):
        self.slug = step.slug
        self.activities_url = activities_url if step.include_ideas else ""
        self.subject, self.body = step.subject, step.body
        self.campaign_name = campaign_name
        self.ideas_in_body = "{ideas}" in step.body
        self.broken = False

    def context(self, *, name: str, pledge_text: str, ideas: str) -> dict:
        values = {
            "first_name": name,
            "pledge": pledge_text,
            "ideas": ideas,
            "campaign": self.campaign_name,
        }
        wording = fill_wording(subject=self.subject, body=self.body, values=values)
        if wording is None:
            if not self.broken:
                logger.error(
                    "reminder step %s: broken placeholder; default wording used", self.slug
                )
                self.broken = True
            return {}
        return wording


def reminder_email(pledge: Pledge, step: ReminderStep, wording: _StepWording) -> tuple[dict, dict]:
    """The context and headers of one reminder email."""
    # Imported here: services imports this module to schedule the first reminder.
    ideas = ""
    if step.include_ideas and pledge.suggestion is not None:
        ideas = pledge.suggestion.ideas.strip()
    links = pledge_links(pledge)
    context = {
        **pledge_words(pledge),
        "step": step.slug,
        # Shown in their own section unless the wording already placed them.
        "ideas": "" if wording.ideas_in_body else ideas,
        "activities_url": wording.activities_url,
        **wording.context(name=pledge.greeting_name, pledge_text=pledge.text, ideas=ideas),
        **links,
    }
    if step.asks_outcome:
        token = make_token(pledge, "outcome")
        context["outcome_links"] = [
            {
                "answer": answer.value,
                "label": answer.label,
                "url": absolute_url(reverse("pledges:outcome", args=[token, answer.value])),
            }
            for answer in OUTCOME_ANSWERS
        ]
    return context, unsubscribe_headers(links)


def send_due_reminders(
    *,
    now: datetime.datetime | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_seconds: float | None = None,
) -> int:
    """Queue every reminder that is due; returns how many were queued.

    Pledges are claimed in batches with SKIP LOCKED, and each batch's emails and schedule
    changes commit together: a second sweep running by mistake works on other pledges, and
    the outbox key per step means no reminder is ever queued twice. With `max_seconds` the
    sweep stops between batches and leaves the rest to the next run.
    """
    now = now or timezone.now()
    started = time.monotonic()
    forget_stale_schedules(now)
    due = Pledge.objects.filter(remindable(), next_reminder_at__lte=now)
    if not due.exists():  # most sweeps: nothing more to read
        return 0
    # Read before any pledge is locked: creating missing campaign settings must not happen
    # inside a batch, where a second sweep would wait on it.
    schedule = _Schedule.load()
    queued = 0
    while True:
        with transaction.atomic():
            batch = list(
                due.select_related("suggestion")
                # Lock the pledges only: two pledges sharing a suggestion must not block.
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("next_reminder_at", "pk")[:batch_size]
            )
            if not batch:
                break
            queued += _remind_batch(batch, schedule=schedule, now=now)
        if max_seconds is not None and time.monotonic() - started >= max_seconds:
            break
    if queued:
        logger.info("pledge reminders queued: %s", queued)
    return queued


@dataclass(frozen=True)
class _Schedule:
    steps: list[ReminderStep]
    wordings: dict[int, _StepWording]

    @classmethod
    def load(cls) -> "_Schedule":
        steps = active_steps()
        campaign = campaign_settings()
        url = activities_url()
        return cls(
            steps,
            {step.pk: _StepWording(step, campaign.campaign_name, url) for step in steps},
        )


def _remind_batch(batch: list[Pledge], *, schedule: _Schedule, now: datetime.datetime) -> int:
    suppressed = suppressed_among({pledge.email for pledge in batch})
    emails: dict[str, tuple[Pledge, EmailToQueue]] = {}
    for pledge in batch:
        if pledge.email in suppressed:
            pledge.next_reminder_at = None  # they asked for nothing more; stop looking
            continue
        plan = plan_reminder(pledge, schedule.steps, now)
        pledge.reminders_sent = plan.reminders_sent
        pledge.next_reminder_at = plan.next_reminder_at
        if plan.step is None:
            continue
        wording = schedule.wordings[plan.step.pk]
        context, headers = reminder_email(pledge, plan.step, wording)
        key = f"pledge:{pledge.pk}:reminder:{plan.step.slug}"
        emails[key] = (
            pledge,
            EmailToQueue(
                to=pledge.email,
                template="pledge_reminder",
                context=context,
                key=key,
                headers=headers,
            ),
        )
    # One bulk write for the whole batch; the key per step still means none goes twice.
    statuses = queue_emails([email for _, email in emails.values()])
    queued = 0
    for key, (pledge, _) in emails.items():
        if statuses[key] == EmailStatus.CANCELLED:
            pledge.next_reminder_at = None  # suppressed since the batch was read
        else:
            queued += 1
    save_schedules(batch)
    return queued


def save_schedules(pledges: list[Pledge]) -> None:
    """One UPDATE per distinct new schedule rather than per pledge: pledges confirmed on the
    same day move on together, so a batch is usually a handful of statements."""
    groups = defaultdict(list)
    for pledge in pledges:
        groups[pledge.reminders_sent, pledge.next_reminder_at].append(pledge.pk)
    for (reminders_sent, next_reminder_at), pks in groups.items():
        Pledge.objects.filter(pk__in=pks).update(
            reminders_sent=reminders_sent, next_reminder_at=next_reminder_at
        )


def forget_stale_schedules(now: datetime.datetime) -> int:
    """Clear the schedule of due pledges that may no longer be reminded (answered, erased,
    rejected, changed in the admin), so each sweep's due list holds only real work."""
    return (
        Pledge.objects.filter(next_reminder_at__lte=now)
        .exclude(remindable())
        .update(next_reminder_at=None)
    )


def activities_url() -> str:
    chosen = pledge_settings()
    page = chosen.local_activities_page if chosen.pk else None
    return page.full_url if page and page.live else ""


def preview_context(step: ReminderStep) -> dict:
    """Sample details for previewing a reminder's wording in the admin (unsaved edits too)."""
    campaign = campaign_settings()
    ideas = "Bake something to share, or ask if they would like to join you for a walk."
    wording = _StepWording(step, campaign.campaign_name, activities_url())
    context = {
        "activities_url": wording.activities_url,
        **sample_context("pledge_reminder"),
        "campaign": campaign,
        "SITE_URL": settings.SITE_URL,
        "step": step.slug,
        "ideas": "" if wording.ideas_in_body or not step.include_ideas else ideas,
        **wording.context(name="Sam", pledge_text="say hello to a neighbour", ideas=ideas),
    }
    if step.asks_outcome:
        context["outcome_links"] = [
            {"answer": answer.value, "label": answer.label, "url": "#"}
            for answer in OUTCOME_ANSWERS
        ]
    return context
