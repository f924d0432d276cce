"""Making a pledge: stored with its consents and the email that asks to confirm it, in one
transaction."""

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core.models import Area
from mailings.services import queue_email
from pledges import abuse
from pledges.emails import absolute_url, pledge_links, pledge_words, unsubscribe_headers
from pledges.models import ConsentRecord, Pledge, PledgeSuggestion
from pledges.tokens import make_token

from .confirming import after_confirmation

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
