"""What is read about organisations: whose they are, who is in them, who is invited. Read-only."""

import datetime

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from .models import Invite, Membership, Organisation, Role


def organisations_of(user) -> QuerySet[Organisation]:
    """The organisations the user is a member of, by name."""
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    return Organisation.objects.filter(memberships__user=user).order_by("name", "pk")


def memberships_of(user) -> QuerySet[Membership]:
    """The user's memberships with their organisations, by organisation name."""
    if not getattr(user, "is_authenticated", False):
        return Membership.objects.none()
    return (
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("organisation__name", "organisation__pk")
    )


def membership_of(user, organisation: Organisation) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Membership.objects.select_related("organisation", "user")
        .filter(user=user, organisation=organisation)
        .first()
    )


def membership_by_public_id(user, public_id: str) -> Membership | None:
    """The user's membership of the organisation with this public id, or None (no such
    organisation, or the user is not in it: the caller cannot tell which)."""
    if not getattr(user, "is_authenticated", False) or not public_id:
        return None
    return (
        Membership.objects.select_related("organisation", "user")
        .filter(user=user, organisation__public_id=public_id)
        .first()
    )


def members_of(organisation: Organisation) -> QuerySet[Membership]:
    """Everyone in the organisation: owners first, then by when they joined."""
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .annotate(
            owner_first=Case(
                When(role=Role.OWNER, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("owner_first", "joined_at", "pk")
    )


def owner_count(organisation: Organisation) -> int:
    return Membership.objects.filter(organisation=organisation, role=Role.OWNER).count()


def unanswered_invites(organisation: Organisation) -> QuerySet[Invite]:
    """Invitations neither accepted nor cancelled, expired ones included (inviting the address
    again sends a new link)."""
    return Invite.objects.filter(
        organisation=organisation, accepted_at__isnull=True, cancelled_at__isnull=True
    ).order_by("email", "pk")


def open_invites(
    organisation: Organisation, *, now: datetime.datetime | None = None
) -> QuerySet[Invite]:
    """Invitations that can still be accepted."""
    return unanswered_invites(organisation).filter(expires_at__gt=now or timezone.now())


def why_not_leave_everything(user) -> str:
    """Why the person cannot leave all their organisations at once (deleting their account):
    the organisations they alone own, named; or ""."""
    alone = [
        membership.organisation.name
        for membership in memberships_of(user).filter(role=Role.OWNER)
        if owner_count(membership.organisation) == 1
    ]
    if not alone:
        return ""
    return (
        f"You are the only owner of {', '.join(alone)}. Make a colleague an owner, or delete "
        "the organisation, first."
    )
