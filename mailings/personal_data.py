"""A person's emails in the outbox, for an export of their data or its erasure. The app that
sent them finds them by their keys, which it chose (e.g. every key it starts with one prefix
per person or per thing of theirs)."""

from collections.abc import Mapping
from typing import Any

from .models import OutboundEmail


def emails_about(*, to: str, key_prefix: str) -> list[Mapping[str, Any]]:
    """What an export lists of the emails to `to` whose keys start with `key_prefix`."""
    return list(
        OutboundEmail.objects.filter(to=to)
        .filter(key__startswith=key_prefix)
        .values("template", "subject", "status", "created_at", "sent_at")
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
