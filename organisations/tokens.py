"""The link in an invitation email (core.tokens): it carries the invite's id and secret, never
the address. The invite itself says whether it is still open (accepted, cancelled, expired):
the signed link outlives it by a while, so that an expired invitation gets a page saying so
rather than a bare "not found"."""

from datetime import timedelta

from django.conf import settings
from django.utils.crypto import constant_time_compare

from core import tokens

from .models import Invite

PURPOSE_NAME = "organisations.invite"
# How long after an invitation expires its link still reads (to say it has expired).
EXPIRED_LINK_GRACE = timedelta(days=60)


def invite_lifetime() -> timedelta:
    """How long an invitation is open: ORGANISATION_INVITE_DAYS (7 unless set)."""
    return timedelta(days=getattr(settings, "ORGANISATION_INVITE_DAYS", 7))


def _purpose() -> tokens.Purpose:
    return tokens.Purpose(PURPOSE_NAME, invite_lifetime() + EXPIRED_LINK_GRACE)


def make_invite_token(invite: Invite) -> str:
    return tokens.make_token(_purpose(), [invite.pk, invite.secret])


def read_invite_token(token: str) -> Invite | None:
    """The invite a link names, whatever state it is in; None for a wrong, altered or very old
    link, or one whose invite is gone."""
    value = tokens.read_token(token, _purpose())
    if not isinstance(value, list) or len(value) != 2:
        return None
    invite_id, secret = value
    if not isinstance(invite_id, int) or isinstance(invite_id, bool) or not isinstance(secret, str):
        return None
    invite = (
        Invite.objects.select_related("organisation", "invited_by").filter(pk=invite_id).first()
    )
    if invite is None or not constant_time_compare(invite.secret, secret):
        return None
    return invite
