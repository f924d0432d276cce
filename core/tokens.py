"""Signed, expiring, single-purpose tokens for links in emails and invitations.

A purpose names what a token is for and how long it lasts; its name is the signing salt, so a
token made for one purpose is refused for any other. A wrong, altered, expired or mistyped
token reads as None: the caller answers 404 and learns nothing more."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core import signing


@dataclass(frozen=True)
class Purpose:
    name: str  # e.g. "pledges.confirm": unique across the platform
    lifetime: timedelta


def make_token(purpose: Purpose, value: Any) -> str:
    """A URL-safe token carrying `value` (JSON-able: ids and secrets, never an email address)."""
    return signing.dumps(value, salt=purpose.name, compress=True)


def read_token(token: str, purpose: Purpose) -> Any | None:
    try:
        return signing.loads(token, salt=purpose.name, max_age=purpose.lifetime)
    except (signing.BadSignature, ValueError, TypeError):
        return None
