"""What organisations hold about one person, by email address (core.personal_data): the
memberships of the account with that address, and the invitations sent to it. Erasing is a
service (services.erase_for_address). The invitation emails themselves are listed and erased
by mailings' own section, with the other emails to the address."""

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format

from core.personal_data import HeldItem

from .models import Invite, Membership


def _day(moment) -> str:
    return date_format(timezone.localtime(moment), "j F Y") if moment else "-"


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def memberships_for(address: str) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user__email__iexact=address)
        .select_related("organisation")
        .order_by("organisation__name", "pk")
    )


def invites_to(address: str) -> QuerySet[Invite]:
    return (
        Invite.objects.filter(email__iexact=address)
        .select_related("organisation")
        .order_by("created_at", "pk")
    )


def invite_state(invite: Invite) -> str:
    if invite.accepted_at:
        return f"Accepted on {_day(invite.accepted_at)}"
    if invite.cancelled_at:
        return f"Cancelled on {_day(invite.cancelled_at)}"
    if invite.expires_at <= timezone.now():
        return f"Expired on {_day(invite.expires_at)}"
    return f"Open until {_day(invite.expires_at)}"


def _admin_url(organisation_id: int) -> str:
    try:
        return reverse("organisations_admin:inspect", args=[organisation_id])
    except NoReverseMatch:
        return ""


def find_for_address(address: str) -> list[HeldItem]:
    items = [
        HeldItem(
            title=f"Member of “{membership.organisation.name}”",
            details=(
                ("Role", membership.get_role_display()),
                ("Joined", _day(membership.joined_at)),
            ),
            url=_admin_url(membership.organisation_id),
        )
        for membership in memberships_for(address)
    ]
    items += [
        HeldItem(
            title=f"Invitation to join “{invite.organisation.name}”",
            details=(
                ("Role", invite.get_role_display()),
                ("Sent", _day(invite.last_sent_at or invite.created_at)),
                ("State", invite_state(invite)),
            ),
            url=_admin_url(invite.organisation_id),
        )
        for invite in invites_to(address)
    ]
    return items


def export_for_address(address: str) -> dict:
    return {
        "memberships": [
            {
                "organisation": membership.organisation.name,
                "role": membership.role,
                "joined_at": _iso(membership.joined_at),
            }
            for membership in memberships_for(address)
        ],
        "invitations": [
            {
                "organisation": invite.organisation.name,
                "role": invite.role,
                "sent_at": _iso(invite.last_sent_at or invite.created_at),
                "expires_at": _iso(invite.expires_at),
                "accepted_at": _iso(invite.accepted_at),
                "cancelled_at": _iso(invite.cancelled_at),
            }
            for invite in invites_to(address)
        ],
    }
