"""Confirming a pledge, and what its maker changes later: whether it is on the wall, and how it went."""

from django.db import transaction
from django.utils import timezone

from core.content import pages_changed
from pledges.models import ConsentRecord, Pledge

from .reminders import OUTCOME_ANSWERS, schedule_first_reminder


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
