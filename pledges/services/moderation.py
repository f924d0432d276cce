"""Pledges in the admin: moderation (approve or reject what people wrote) and pledges that staff
take by phone, on paper or at events. The admin views call these; the rules live here."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from core import audit
from core.content import pages_changed
from pledges.models import Pledge, PledgeForModeration

from .making import PledgeDetails, make_pledge
from .reminders import resume_reminders

APPROVED_ACTION = "pledges.approve"
REJECTED_ACTION = "pledges.reject"
ASSISTED_ACTION = "pledges.assisted_entry"
ERASED_ACTION = "pledges.erase"


def _audit(pks: Iterable[int], action: str, by, data: dict | None = None) -> None:
    audit.record(PledgeForModeration, pks, action, by=by, noun="Pledge", data=data)


def forget_history(pks: Iterable[int]) -> None:
    """Delete the admin's record of erased pledges (approvals, rejections and their reasons)."""
    audit.forget_history(PledgeForModeration, pks)


def scrub_history(pks: Iterable[int]) -> None:
    """Keep who approved or rejected what, without the reasons (anonymised pledges)."""
    audit.scrub_history(PledgeForModeration, pks)


def record_erasure(pk: int, by) -> None:
    _audit([pk], ERASED_ACTION, by)


def _moderate(*, pledges: Iterable[Pledge], state: str, reason: str, by, action: str) -> int:
    wanted = {pledge.pk for pledge in pledges}
    with transaction.atomic():
        # Locked, so a pledge erased meanwhile is neither updated nor given an audit entry.
        before = dict(
            Pledge.objects.select_for_update()
            .filter(pk__in=wanted)
            .order_by("pk")
            .values_list("pk", "moderation")
        )
        ids = list(before)
        Pledge.objects.filter(pk__in=ids).update(
            moderation=state, moderation_reason=reason, moderated_at=timezone.now()
        )
        _audit(ids, action, by, {"reason": reason} if reason else None)
        # A rejected pledge leaves the wall and its own page at once; an approved one appears.
        pages_changed()
        if state == Pledge.Moderation.APPROVED:
            # Rejected pledges get no reminders; approved after all, they get them again.
            resume_reminders(
                [pk for pk, was in before.items() if was == Pledge.Moderation.REJECTED]
            )
    return len(ids)


def approve_pledges(*, pledges: Iterable[Pledge], by) -> int:
    """Approve pledges: those whose makers chose the wall appear there once confirmed.
    Approving a pledge rejected earlier clears the old reason. Returns how many changed."""
    return _moderate(
        pledges=pledges, state=Pledge.Moderation.APPROVED, reason="", by=by, action=APPROVED_ACTION
    )


def reject_pledges(*, pledges: Iterable[Pledge], reason: str, by) -> int:
    """Reject pledges: they leave the wall and stop counting. The reason is kept for the team
    (it is not sent to the person). Returns how many changed."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValueError("A rejection needs a reason.")
    return _moderate(
        pledges=pledges,
        state=Pledge.Moderation.REJECTED,
        reason=reason[:300],
        by=by,
        action=REJECTED_ACTION,
    )


def add_assisted_pledge(
    *, details: PledgeDetails, privacy_version: str, channel: str, by
) -> tuple[Pledge, bool]:
    """Store a pledge that a member of staff took by phone, on paper or at an event. It is
    confirmed at once and counts like any other (see make_pledge). Returns the pledge and
    whether it is new: the same email and pledge already stored gives the stored one."""
    if channel == Pledge.Channel.ONLINE or channel not in Pledge.Channel.values:
        raise ValueError(f"Not a channel for assisted entry: {channel!r}")
    started = timezone.now()
    with transaction.atomic():
        pledge = make_pledge(details=details, privacy_version=privacy_version, channel=channel)
        created = pledge.created_at >= started
        if created:
            _audit([pledge.pk], ASSISTED_ACTION, by, {"channel": channel})
    return pledge, created
