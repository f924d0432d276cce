"""Signed, expiring, single-purpose links for emails. A wrong, expired or reused-for-another-
purpose token finds nothing (the view answers 404); erasing a pledge retires all its links."""

from datetime import timedelta

from django.core import signing

from .models import Pledge

LIFETIMES = {
    "confirm": timedelta(days=14),
    "outcome": timedelta(days=120),
    "manage": timedelta(days=400),
    "unsubscribe": timedelta(days=730),
}


def make_token(pledge: Pledge, purpose: str) -> str:
    if purpose not in LIFETIMES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    return signing.dumps([pledge.pk, pledge.secret], salt=f"pledges.{purpose}", compress=True)


def read_token(token: str, purpose: str) -> Pledge | None:
    try:
        pledge_id, secret = signing.loads(
            token, salt=f"pledges.{purpose}", max_age=LIFETIMES[purpose]
        )
    except (signing.BadSignature, ValueError, TypeError, KeyError):
        return None
    pledge = Pledge.objects.select_related("area", "suggestion").filter(pk=pledge_id).first()
    if pledge is None or pledge.secret != secret or pledge.anonymised_at:
        return None
    return pledge
