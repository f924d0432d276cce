"""The emails the platform can write, registered by the apps that send them.

Each app registers its own emails from its `AppConfig.ready()`, so mailings writes, checks and
previews any of them without knowing the app: the key (what callers pass as `template` and what
the comms team's wording is stored under), the templates (`<template>.subject.txt`, `.txt` and,
optionally, `.html`), the placeholders its wording may use, and sample details for previews.
"""

from dataclasses import dataclass, field
from types import MappingProxyType

from django.core.exceptions import ImproperlyConfigured

# Filled in for every email from the campaign settings, so its wording may always use it.
CAMPAIGN_PLACEHOLDER = "campaign"


@dataclass(frozen=True)
class RegisteredEmail:
    key: str
    template: str  # e.g. "<app>/emails/<name>", without the extension
    description: str  # what it is for, in a few words, for the comms team
    placeholders: tuple[str, ...]  # what its wording may use, {campaign} included
    sample_context: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    editable: bool = True  # the comms team may word it (EmailCopy)


# By key; filled in by each app's ready().
EMAILS: dict[str, RegisteredEmail] = {}


def register_email(
    *,
    key: str,
    template: str,
    description: str,
    placeholders=(),
    sample_context: dict | None = None,
    editable: bool = True,
) -> RegisteredEmail:
    """Make an email known to mailings. `editable`: whether the comms team words it in the
    admin (an email worded elsewhere, or with no words of its own, is not)."""
    names = tuple(placeholders)
    if CAMPAIGN_PLACEHOLDER not in names:
        names += (CAMPAIGN_PLACEHOLDER,)
    email = RegisteredEmail(
        key=key,
        template=template,
        description=description,
        placeholders=names,
        sample_context=MappingProxyType(dict(sample_context or {})),
        editable=editable,
    )
    known = EMAILS.get(key)
    if known is not None and known != email:
        raise ImproperlyConfigured(f"Two different emails are registered as {key!r}.")
    EMAILS[key] = email
    return email


def registered_email(key: str) -> RegisteredEmail:
    try:
        return EMAILS[key]
    except KeyError:
        raise LookupError(f"No email is registered as {key!r}.") from None


def editable_emails() -> list[RegisteredEmail]:
    """The emails the comms team may word, by key."""
    return sorted((email for email in EMAILS.values() if email.editable), key=lambda e: e.key)
