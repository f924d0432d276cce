"""The words of an email: the comms team's wording with its placeholders filled in for each
person, the checks on those placeholders, and previews with sample details. Below the models
(EmailCopy uses it), so it reads no email model itself."""

import string

from django.conf import settings

# The default site's (an email has no request), kept per process until the content changes.
from core.campaign import campaign_settings

from .registry import registered_email

# What the comms team's wording may fail with when filled in: saved before it was checked,
# or with a format the checks let through.
FILL_ERRORS = (ValueError, IndexError, KeyError, AttributeError)


def fill(text: str, values: dict) -> str:
    """`text` with its {placeholders} filled from `values`; unknown ones are left as they are."""
    values = {k: str(v) for k, v in values.items() if isinstance(v, str | int)}
    return text.format_map(_KeepUnknown(values))


def filled_wording(*, subject: str, body: str, values: dict) -> dict:
    """Wording filled in, as email templates read it: `copy_subject` and `copy_paragraphs`
    (paragraphs are separated by a blank line). Raises one of FILL_ERRORS if it cannot be."""
    subject, body = fill(subject, values), fill(body, values)
    paragraphs = [p.strip() for p in body.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return {"copy_subject": subject, "copy_paragraphs": paragraphs}


def fill_wording(*, subject: str, body: str, values: dict) -> dict | None:
    """Like `filled_wording`, but None for wording with a broken placeholder: the caller sends
    the template's own words instead rather than no email."""
    try:
        return filled_wording(subject=subject, body=body, values=values)
    except FILL_ERRORS:
        return None


def placeholder_errors(text: str, allowed) -> str:
    """A message if `text` has a placeholder we cannot fill, else an empty string."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError:
        return "Check the curly brackets: each placeholder looks like {first_name}."
    unknown = sorted({name for name in names if name not in allowed})
    if unknown:
        return (
            "Unknown placeholder: "
            + ", ".join("{" + n + "}" for n in unknown)
            + (". You can use " + ", ".join("{" + a + "}" for a in allowed) + ".")
        )
    return ""


def sample_context(key: str) -> dict:
    """The sample details a registered email is previewed with."""
    return dict(registered_email(key).sample_context)


def preview_context(key: str, *, subject: str, body: str) -> dict:
    """What a registered email's template gets in an admin preview of wording (unsaved edits
    included): its sample details and links that go nowhere."""
    campaign = campaign_settings()
    sample = sample_context(key)
    values = {"campaign": campaign.campaign_name, **sample}
    return {
        "campaign": campaign,
        "SITE_URL": settings.SITE_URL,
        **sample,
        **filled_wording(subject=subject, body=body, values=values),
    }


class _KeepUnknown(dict):
    def __missing__(self, key):
        return "{" + key + "}"
