"""The links in pledge emails: each purpose its own lifetime (core.tokens). A token carries the
pledge's id and secret, so erasing a pledge (a new secret) retires all its links."""

import functools
from datetime import timedelta

from django.http import Http404

from core import tokens

from .models import Pledge

PURPOSES = {
    name: tokens.Purpose(f"pledges.{name}", lifetime)
    for name, lifetime in {
        "confirm": timedelta(days=14),
        "outcome": timedelta(days=120),
        "manage": timedelta(days=400),
        "unsubscribe": timedelta(days=730),
    }.items()
}


def make_token(pledge: Pledge, purpose: str) -> str:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    return tokens.make_token(PURPOSES[purpose], [pledge.pk, pledge.secret])


def read_token(token: str, purpose: str) -> Pledge | None:
    value = tokens.read_token(token, PURPOSES[purpose])
    if not isinstance(value, list) or len(value) != 2:
        return None
    pledge_id, secret = value
    if not isinstance(pledge_id, int):
        return None
    pledge = Pledge.objects.select_related("area", "suggestion").filter(pk=pledge_id).first()
    if pledge is None or pledge.secret != secret or pledge.anonymised_at:
        return None
    return pledge


def with_pledge(purpose: str):
    """For a view whose URL carries a signed link: the view gets the pledge it names as well as
    the token. A wrong, expired or retired link is a 404, and nothing more is said."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, token, *args, **kwargs):
            pledge = read_token(token, purpose)
            if pledge is None:
                raise Http404
            return view(request, pledge, token, *args, **kwargs)

        return wrapped

    return decorate
