"""A person's emails in the outbox, for an export of their data or its erasure.

An app that sends emails about a thing of a person's (a pledge) keys them by it, lists them with
that thing and erases them with it (`emails_about`, `erase_emails`), and claims the start of
those keys (`claim_key_prefix`). mailings registers a section of its own with
core.personal_data for the rest: the emails to an address that no app claims, and whether the
address is on the do-not-email list. Its erasure runs after every app's and removes every email
to the address that is left, claimed or not, so that an erasure leaves none behind."""

from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format

from core.personal_data import HeldItem

from .models import OutboundEmail, Suppression, address_hash
from .registry import EMAILS

# Key starts whose emails an app lists and erases with the thing they are about.
_claimed_prefixes: set[str] = set()

EXPORTED_FIELDS = ("template", "subject", "status", "created_at", "sent_at")


def claim_key_prefix(prefix: str) -> None:
    """Called from an app's ready(): emails whose keys start with `prefix` are listed and erased
    by that app, so mailings' own section leaves them out."""
    if not prefix:
        raise ValueError("An empty prefix would claim every email.")
    _claimed_prefixes.add(prefix)


def emails_about(*, to: str, key_prefix: str) -> list[Mapping[str, Any]]:
    """What an export lists of the emails to `to` whose keys start with `key_prefix`."""
    return list(
        OutboundEmail.objects.filter(to=to)
        .filter(key__startswith=key_prefix)
        .values(*EXPORTED_FIELDS)
    )


def count_emails_about(*, to: str, key_prefix: str) -> int:
    """How many emails to `to` have keys starting with `key_prefix`."""
    return OutboundEmail.objects.filter(to=to, key__startswith=key_prefix).count()


def erase_emails(*, key_prefix: str) -> int:
    """Delete every email whose key starts with `key_prefix`; returns how many."""
    if not key_prefix:
        raise ValueError("An empty prefix would erase every email.")
    deleted, _ = OutboundEmail.objects.filter(key__startswith=key_prefix).delete()
    return deleted


def erase_emails_by_key(keys) -> int:
    """Delete the emails with these keys; returns how many."""
    deleted, _ = OutboundEmail.objects.filter(key__in=list(keys)).delete()
    return deleted


# --- mailings' own section of a person's data (registered in apps.py) ---------------------------


def _unclaimed_emails_to(address: str):
    # Addresses are stored as the sender gave them: match any case.
    emails = OutboundEmail.objects.filter(to__iexact=address)
    for prefix in sorted(_claimed_prefixes):
        emails = emails.exclude(key__startswith=prefix)
    return emails.order_by("created_at", "pk")


def _suppression_of(address: str) -> Suppression | None:
    return Suppression.objects.filter(address_hash=address_hash(address)).first()


def _day(moment) -> str:
    return date_format(timezone.localtime(moment), "j F Y") if moment else "-"


def find_for_address(address: str) -> list[HeldItem]:
    """What the Data officer's screen lists: each email no app claims, then the do-not-email
    entry if there is one."""
    items = []
    for email in _unclaimed_emails_to(address):
        registered = EMAILS.get(email.template)
        about = registered.description if registered else email.template
        # An email waiting to be sent has no subject yet: the worker writes it as it sends.
        subject = email.subject or str(email.context.get("subject", ""))
        details = [
            ("What it is", about),
            ("Status", email.get_status_display()),
            ("Queued", _day(email.created_at)),
            ("Sent", _day(email.sent_at)),
        ]
        title = f"Email: “{subject}”" if subject else f"Email: {about}"
        items.append(HeldItem(title=title, details=tuple(details)))
    suppression = _suppression_of(address)
    if suppression is not None:
        items.append(
            HeldItem(
                title="On the do-not-email list",
                details=(
                    ("Why", suppression.get_reason_display()),
                    ("Since", _day(suppression.created_at)),
                    ("What is kept", "A one-way fingerprint of the address, not the address"),
                ),
            )
        )
    return items


def export_for_address(address: str) -> dict:
    """The emails no app claims, and the do-not-email entry (its reason and date) or None."""
    suppression = _suppression_of(address)
    return {
        "emails": [
            {
                "template": email.template,
                "subject": email.subject or str(email.context.get("subject", "")),
                "status": email.status,
                "created_at": email.created_at,
                "sent_at": email.sent_at,
            }
            for email in _unclaimed_emails_to(address)
        ],
        "do_not_email": (
            {"reason": suppression.reason, "since": suppression.created_at.isoformat()}
            if suppression is not None
            else None
        ),
    }


def erase_for_address(address: str, *, by=None) -> int:
    """Delete every email to the address still in the outbox, claimed or not (apps erased
    theirs first). The do-not-email entry stays: it holds no address, and without it the
    address could be emailed again. Returns how many emails went."""
    deleted, _ = OutboundEmail.objects.filter(to__iexact=address).delete()
    return deleted
