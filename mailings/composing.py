"""Writing an email from its registered templates, the details it was queued with, the
campaign's settings and the comms team's wording."""

import logging

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

from core.content import remembered

from .models import EmailCopy
from .registry import registered_email
from .wording import campaign_settings, fill_wording

logger = logging.getLogger(__name__)


def email_copy(template: str) -> EmailCopy | None:
    """The comms team's wording for one kind of email, if they have written it (kept per
    process until the content changes)."""
    return remembered(f"mailings:copy:{template}", EmailCopy.objects.filter(key=template).first)


def email_context(template: str, context: dict) -> dict:
    """The context every email template gets: campaign details, and the comms team's own
    wording for this email (subject and paragraphs) when they have written it."""
    campaign, copy = campaign_settings(), email_copy(template)
    full_context = {"campaign": campaign, "SITE_URL": settings.SITE_URL, **context}
    if copy:
        values = {"campaign": campaign.campaign_name, **context}
        wording = fill_wording(subject=copy.subject, body=copy.body, values=values)
        if wording is None:
            # Wording saved before it was checked: the template's own words go out instead.
            logger.error("email wording %s has a broken placeholder", copy.key)
        else:
            full_context.update(wording)
    return full_context


def render_email(template: str, context: dict) -> tuple[str, str, str]:
    """Subject, plain text and HTML of the email registered as `template`."""
    base = registered_email(template).template
    full_context = email_context(template, context)
    subject = full_context.get("copy_subject") or render_to_string(
        f"{base}.subject.txt", full_context
    )
    subject = " ".join(subject.split())
    text = render_to_string(f"{base}.txt", full_context)
    try:
        html: str = render_to_string(f"{base}.html", full_context)
    except TemplateDoesNotExist:
        html = ""
    return subject, text, html
