"""What pledge emails carry: their links (signed, absolute), their one-click unsubscribe
headers and the words every pledge email says of the pledge. The services and the reminders
build their emails from these; mailings sends them."""

from django.conf import settings
from django.urls import reverse

from .models import Pledge
from .tokens import make_token


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def pledge_links(pledge: Pledge) -> dict:
    """The links every pledge email carries."""
    return {
        "manage_url": absolute_url(reverse("pledges:manage", args=[make_token(pledge, "manage")])),
        "unsubscribe_url": absolute_url(
            reverse("pledges:unsubscribe", args=[make_token(pledge, "unsubscribe")])
        ),
    }


def pledge_words(pledge: Pledge) -> dict:
    """What every pledge email says of the pledge: whom to greet, the pledge itself (quoted by
    the templates: it may be a suggestion or the person's own words) and, for an organisation's
    pledge, whose it is."""
    return {
        "first_name": pledge.greeting_name,
        "pledge": pledge.text,
        "organisation": pledge.organisation_name if pledge.kind == Pledge.Kind.ORGANISATION else "",
    }


def unsubscribe_headers(links: dict) -> dict:
    # RFC 8058 one-click unsubscribe: mail clients POST to this address without a cookie.
    return {
        "List-Unsubscribe": f"<{links['unsubscribe_url']}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
