"""Check-ins, renewal reminders and the lapse are data, not delayed tasks: each approved
employer knows when its next event is due (`next_event_at`), and a beat task sweeps for due
ones, queues their emails through the outbox under a key per event and cycle, and marks lapsed
pledges. A cycle starts at each first approval or renewal (`approved_at`)."""

import datetime
import logging
import time
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import audit
from core.content import pages_changed
from employers.emails import (
    CHECK_IN_EMAIL,
    LAPSED_EMAIL,
    RENEWAL_EMAIL,
    recipients_of,
    to_members,
)
from employers.models import CheckInStep, Employer, months_later
from mailings.services import (
    EmailToQueue,
    campaign_settings,
    fill_wording,
    queue_emails,
    sample_context,
)

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 500
# Renewal reminders: (slug, months before the end, days before the end).
RENEWAL_REMINDERS = (("2m", 2, 0), ("2w", 0, 14))


def local_send_time(day: datetime.date) -> datetime.datetime:
    """Emails go out in the morning, local time, whatever the clocks are doing (BST/GMT)."""
    hour = settings.EMPLOYER_EMAIL_HOUR
    naive = datetime.datetime.combine(day, datetime.time(hour=hour))
    return timezone.make_aware(naive, timezone.get_default_timezone())


@dataclass(frozen=True)
class Event:
    slug: str  # "checkin:3m", "renewal:2m", "renewal:2w", "lapse"
    at: datetime.datetime
    step: CheckInStep | None = None

    @property
    def is_lapse(self) -> bool:
        return self.slug == "lapse"


def cycle_events(employer: Employer, steps: list[CheckInStep]) -> list[Event]:
    """Every event of the employer's current cycle, in order of time."""
    if employer.approved_at is None or employer.valid_until is None:
        return []
    start = timezone.localdate(employer.approved_at)
    end = employer.valid_until
    end_day = timezone.localdate(end)
    events = [
        Event(
            f"checkin:{step.slug}",
            local_send_time(_add_months(start, step.months_after_approval)),
            step,
        )
        for step in steps
    ]
    events = [event for event in events if event.at < end]
    for slug, months, days in RENEWAL_REMINDERS:
        day = _add_months(end_day, -months) - datetime.timedelta(days=days)
        events.append(Event(f"renewal:{slug}", local_send_time(day)))
    events.append(Event("lapse", end))
    return sorted(events, key=lambda event: event.at)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    moment = datetime.datetime.combine(day, datetime.time())
    return months_later(moment, months).date()


@dataclass(frozen=True)
class EventPlan:
    """What a sweep does for one employer now: the email to send (if any: only the latest of
    those due, never a burst of stale ones after an outage), whether the pledge lapses, and
    when to look again."""

    email: Event | None
    lapse: bool
    next_event_at: datetime.datetime | None


def plan_events(employer: Employer, steps: list[CheckInStep], now: datetime.datetime) -> EventPlan:
    """Events at or before `done_through` were handled by an earlier sweep."""
    if employer.withdrawn_at is not None or employer.lapsed_at is not None:
        return EventPlan(None, False, None)
    events = cycle_events(employer, steps)
    done = employer.events_done_through
    due = [e for e in events if e.at <= now and (done is None or e.at > done)]
    later = [e for e in events if e.at > now]
    lapse = any(event.is_lapse for event in due)
    emails = [event for event in due if not event.is_lapse]
    # A lapsed pledge gets the lapse notice only; else the latest email due.
    email = None if lapse else (emails[-1] if emails else None)
    return EventPlan(email, lapse, None if lapse else (later[0].at if later else None))


def schedule_events(employer: Employer, *, now: datetime.datetime | None = None) -> None:
    """After an approval or renewal: the cycle starts, nothing of it is done yet."""
    now = now or timezone.now()
    employer.events_done_through = employer.approved_at
    upcoming = [e.at for e in cycle_events(employer, active_steps()) if e.at > now]
    employer.next_event_at = upcoming[0] if upcoming else now


def active_steps() -> list[CheckInStep]:
    return list(CheckInStep.objects.filter(active=True).order_by("months_after_approval"))


def send_due_events(
    *,
    now: datetime.datetime | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_seconds: float | None = None,
) -> int:
    """Queue every check-in and renewal reminder that is due and mark lapsed pledges; returns
    how many employers had something done. Employers are claimed in batches with SKIP
    LOCKED: a second sweep running by mistake works on others, and the outbox key per event
    and cycle means no email goes twice."""
    now = now or timezone.now()
    started = time.monotonic()
    due = Employer.objects.filter(
        Q(next_event_at__lte=now), withdrawn_at__isnull=True, lapsed_at__isnull=True
    )
    # Stale schedules (withdrawn or lapsed since) leave the due list.
    Employer.objects.filter(next_event_at__lte=now).exclude(
        withdrawn_at__isnull=True, lapsed_at__isnull=True
    ).update(next_event_at=None)
    if not due.exists():
        return 0
    steps = active_steps()
    campaign = campaign_settings().campaign_name
    handled = 0
    while True:
        with transaction.atomic():
            batch = list(
                due.select_related("organisation")
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("next_event_at", "pk")[:batch_size]
            )
            if not batch:
                break
            handled += _handle_batch(batch, steps=steps, campaign=campaign, now=now)
        if max_seconds is not None and time.monotonic() - started >= max_seconds:
            break
    if handled:
        logger.info("employer events handled: %s", handled)
    return handled


def _handle_batch(
    batch: list[Employer], *, steps: list[CheckInStep], campaign: str, now: datetime.datetime
) -> int:
    emails: list[EmailToQueue] = []
    lapsed: list[int] = []
    handled = 0
    members = recipients_of(batch)
    for employer in batch:
        plan = plan_events(employer, steps, now)
        cycle = timezone.localdate(employer.approved_at).strftime("%Y%m%d")
        key = f"employer:{employer.pk}:cycle:{cycle}"
        if plan.lapse:
            lapsed.append(employer.pk)
            employer.lapsed_at = employer.valid_until
            emails += to_members(
                employer,
                template=LAPSED_EMAIL,
                key=f"{key}:lapsed",
                context={},
                owners_only=True,
                recipients=members,
            )
        elif plan.email is not None:
            if plan.email.step is not None:
                emails += to_members(
                    employer,
                    template=CHECK_IN_EMAIL,
                    key=f"{key}:{plan.email.slug}",
                    context=_check_in_words(plan.email.step, employer, campaign),
                    recipients=members,
                )
            else:
                emails += to_members(
                    employer,
                    template=RENEWAL_EMAIL,
                    key=f"{key}:{plan.email.slug}",
                    context={},
                    recipients=members,
                )
        if plan.lapse or plan.email is not None:
            handled += 1
        employer.events_done_through = now
        employer.next_event_at = plan.next_event_at
    _save_schedules(batch, now)
    queue_emails(emails)
    if lapsed:
        audit.record(Employer, lapsed, "employers.lapse", by=None, noun="Employer")
        pages_changed()  # they leave the listing and their public pages
    return handled


def _save_schedules(batch: list[Employer], now: datetime.datetime) -> None:
    """One UPDATE per distinct new schedule rather than a save per employer (and no signals: a
    schedule is not content; the lapses retire cached pages once, above)."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for employer in batch:
        groups[employer.next_event_at, employer.lapsed_at].append(employer.pk)
    for (next_event_at, lapsed_at), pks in groups.items():
        Employer.objects.filter(pk__in=pks).update(
            events_done_through=now, next_event_at=next_event_at, lapsed_at=lapsed_at
        )


def _check_in_words(step: CheckInStep, employer: Employer, campaign: str) -> dict:
    values = {"organisation": employer.organisation.name, "campaign": campaign}
    wording = fill_wording(subject=step.subject, body=step.body, values=values)
    if wording is None:
        logger.error("check-in step %s: broken placeholder; default wording used", step.slug)
        return {"step": step.slug}
    return {"step": step.slug, **wording}


def preview_context(step: CheckInStep) -> dict:
    """Sample details for previewing a check-in's wording in the admin (unsaved edits too)."""
    campaign = campaign_settings()
    values = {"organisation": "Medway Bakery Ltd", "campaign": campaign.campaign_name}
    wording = fill_wording(subject=step.subject, body=step.body, values=values) or {}
    return {
        **sample_context(CHECK_IN_EMAIL),
        "campaign": campaign,
        "SITE_URL": settings.SITE_URL,
        "step": step.slug,
        **wording,
    }
