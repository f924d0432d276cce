"""Making and confirming pledges. Views, tasks and the admin call these; the rules live here."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core.content import pages_changed
from core.models import Area
from mailings.services import queue_email

from . import abuse
from .models import ConsentRecord, Pledge, PledgeSuggestion
from .reminders import OUTCOME_ANSWERS, schedule_first_reminder
from .tokens import make_token

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PledgeDetails:
    """What a person tells us when they pledge (already validated by the form)."""

    area: Area
    first_name: str = ""
    email: str = ""
    suggestion: PledgeSuggestion | None = None
    own_text: str = ""
    kind: str = Pledge.Kind.INDIVIDUAL
    organisation_name: str = ""
    organisation_type: str = ""
    age_band: str = ""
    heard_from: str = ""
    show_on_wall: bool = False
    reminders_wanted: bool = False


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def pledge_links(pledge: Pledge) -> dict:
    """The links every pledge email carries."""
    return {
        "manage_url": absolute_url(reverse("pledges:manage", args=[make_token(pledge, "manage")])),
        "unsubscribe_url": absolute_url(
            reverse("pledges:unsubscribe", args=[make_token(pledge, "unsubscribe")])
        ),
    }


def pledge_words(pledge: Pledge) -> dict:
    """What every pledge email says of the pledge: whom to greet, the pledge itself (quoted by
    the templates: it may be a suggestion or the person's own words) and, for an organisation's
    pledge, whose it is."""
    return {
        "first_name": pledge.greeting_name,
        "pledge": pledge.text,
        "organisation": pledge.organisation_name if pledge.kind == Pledge.Kind.ORGANISATION else "",
    }


def unsubscribe_headers(links: dict) -> dict:
    # RFC 8058 one-click unsubscribe: mail clients POST to this address without a cookie.
    return {
        "List-Unsubscribe": f"<{links['unsubscribe_url']}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def make_pledge(
    *,
    details: PledgeDetails,
    privacy_version: str,
    channel: str = Pledge.Channel.ONLINE,
) -> Pledge:
    """Store a pledge with its consent records and, for online pledges, queue the email that
    asks the person to confirm it. A repeat of the same pledge from the same address returns
    the pledge already stored (and sends nothing new), so the response never reveals which.
    The pledge, its consents and its email are written in one transaction: all or none."""
    text = " ".join((details.suggestion.text if details.suggestion else details.own_text).split())
    email = details.email.strip().lower()
    try:
        # Most pledges are new: they are written straight away, and the unique constraint on
        # email and text catches a repeat (also one arriving at the same moment).
        return _store_pledge(
            details, text=text, email=email, privacy_version=privacy_version, channel=channel
        )
    except IntegrityError:
        existing = Pledge.objects.filter(email=email, text=text).first() if email else None
        if existing is None:
            raise
        return existing


@transaction.atomic
def _store_pledge(
    details: PledgeDetails, *, text: str, email: str, privacy_version: str, channel: str
) -> Pledge:
    assisted = channel != Pledge.Channel.ONLINE
    now = timezone.now()

    pledge = Pledge(
        kind=details.kind,
        suggestion=details.suggestion,
        text=text,
        first_name=details.first_name.strip(),
        email=email,
        organisation_name=details.organisation_name.strip(),
        organisation_type=details.organisation_type,
        area=details.area,
        age_band=details.age_band,
        heard_from=details.heard_from.strip(),
        show_on_wall=details.show_on_wall,
        reminders_wanted=details.reminders_wanted and bool(email),
        channel=channel,
        # Suggested pledges are the comms team's own words; anything else is read first.
        moderation=(
            Pledge.Moderation.APPROVED if details.suggestion else Pledge.Moderation.PENDING
        ),
        # Pledges taken by staff by phone, on paper or at events count straight away.
        confirmed_at=now if assisted else None,
    )
    pledge.save(force_insert=True)
    purposes = [ConsentRecord.Purpose.PRIVACY]
    if pledge.reminders_wanted:
        purposes.append(ConsentRecord.Purpose.REMINDERS)
    if pledge.show_on_wall:
        purposes.append(ConsentRecord.Purpose.WALL)
    ConsentRecord.objects.bulk_create(
        ConsentRecord(
            pledge=pledge,
            purpose=purpose,
            wording_version=privacy_version,
            source=channel,
            given_at=now,
            confirmed_at=now if assisted else None,
        )
        for purpose in purposes
    )
    if not assisted:
        # Past an address's daily cap the pledge is kept, but its inbox is not flooded.
        if abuse.may_send_confirmation(email=pledge.email):
            queue_confirmation(pledge)
    else:
        after_confirmation(pledge)
        if pledge.email:
            queue_recorded(pledge)
    return pledge


def queue_confirmation(pledge: Pledge) -> None:
    links = pledge_links(pledge)
    confirm_url = absolute_url(reverse("pledges:confirm", args=[make_token(pledge, "confirm")]))
    queue_email(
        to=pledge.email,
        template="pledge_confirm",
        key=f"pledge:{pledge.pk}:confirm",
        context={**pledge_words(pledge), "action_url": confirm_url, **links},
        headers=unsubscribe_headers(links),
    )


def queue_recorded(pledge: Pledge) -> None:
    """A pledge staff took by phone, on paper or at an event, with an email address: the person
    gets the link to manage it (visibility, outcome, download, delete) like everyone else."""
    links = pledge_links(pledge)
    queue_email(
        to=pledge.email,
        template="pledge_recorded",
        key=f"pledge:{pledge.pk}:recorded",
        context={**pledge_words(pledge), **links},
        headers=unsubscribe_headers(links),
    )


@transaction.atomic
def confirm_pledge(*, pledge: Pledge) -> bool:
    """Confirm a pledge (the person clicked the button in our email). Returns False if it was
    already confirmed; confirming twice changes nothing."""
    locked = Pledge.objects.select_for_update().get(pk=pledge.pk)
    if locked.confirmed_at:
        return False
    now = timezone.now()
    locked.confirmed_at = now
    locked.save(update_fields=["confirmed_at"])
    locked.consents.filter(confirmed_at__isnull=True).update(confirmed_at=now)
    after_confirmation(locked)
    pledge.confirmed_at = now
    return True


def after_confirmation(pledge: Pledge) -> None:
    """Once a pledge counts, its reminders are scheduled. (The counters catch up within a
    minute: beat refreshes them, so a burst of pledges never recomputes them per request.)"""
    schedule_first_reminder(pledge)


@transaction.atomic
def set_visibility(*, pledge: Pledge, show_on_wall: bool) -> None:
    """Show or hide a pledge on the wall; the consent record follows the choice."""
    now = timezone.now()
    Pledge.objects.filter(pk=pledge.pk).update(show_on_wall=show_on_wall)
    wall = pledge.consents.filter(purpose=ConsentRecord.Purpose.WALL, withdrawn_at__isnull=True)
    if show_on_wall and not wall.exists():
        ConsentRecord.objects.create(
            pledge=pledge,
            purpose=ConsentRecord.Purpose.WALL,
            wording_version="manage",
            source="manage link",
            given_at=now,
            confirmed_at=now,
        )
    elif not show_on_wall:
        wall.update(withdrawn_at=now)
    pledge.show_on_wall = show_on_wall
    pages_changed()


def record_outcome(*, pledge: Pledge, outcome: str) -> None:
    """Record how a pledge went ("I did it", "Still going", "Not yet"); answering again
    replaces the answer. Any answer stops the reminders: we asked, and we were told."""
    if outcome not in OUTCOME_ANSWERS:
        raise ValueError(f"unknown outcome {outcome!r}")
    now = timezone.now()
    # One UPDATE: it waits for a reminder sweep holding this pledge, then clears what it set.
    Pledge.objects.filter(pk=pledge.pk).update(
        outcome=outcome, outcome_at=now, next_reminder_at=None
    )
    pledge.outcome, pledge.outcome_at, pledge.next_reminder_at = outcome, now, None
