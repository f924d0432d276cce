"""What the invitation email carries: its link (signed, absolute) and its words. Registered in
apps.py as "organisation_invite"; templates in templates/organisations/emails/."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from .models import Invite, Role
from .tokens import make_invite_token

INVITE_EMAIL = "organisation_invite"
INVITE_PLACEHOLDERS = ("organisation", "role", "inviter", "expires")
INVITE_SAMPLE = {
    "organisation": "Riverside Community Trust",
    "role": "an editor",
    "role_means": "You will be able to edit what the organisation publishes on the site.",
    "inviter": "Sam Jones",
    "expires": "12 March",
    "action_url": "#",
}

ROLE_WORDS = {
    Role.OWNER: (
        "an owner",
        "You will be able to edit what the organisation publishes, invite and remove members, "
        "and delete the organisation.",
    ),
    Role.EDITOR: ("an editor", "You will be able to edit what the organisation publishes."),
}


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def invite_url(invite: Invite) -> str:
    return absolute_url(reverse("organisations:invite", args=[make_invite_token(invite)]))


def invite_context(invite: Invite) -> dict:
    """The details the invitation email is written from (JSON-ready: the outbox stores them)."""
    role, role_means = ROLE_WORDS[Role(invite.role)]
    return {
        "organisation": invite.organisation.name,
        "role": role,
        "role_means": role_means,
        "inviter": str(invite.invited_by) if invite.invited_by else "",
        "expires": date_format(timezone.localtime(invite.expires_at), "j F"),
        "action_url": invite_url(invite),
    }


def invite_email_key(invite: Invite) -> str:
    """One key per email sent for the invite: a retry of the same send adds nothing."""
    return f"organisation:{invite.organisation_id}:invite:{invite.pk}:{invite.times_sent}"
