"""People's data is theirs: export it, erase it, and remove it after the retention period."""

import contextlib
import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from core.content import pages_changed
from core.personal_data import HeldItem, NotAnAddress, export_person
from mailings.services import (
    count_emails_about,
    emails_about,
    erase_emails,
    erase_emails_by_key,
    suppress,
)
from pledges.models import ConsentRecord, Pledge
from pledges.share_card import forget_share_card

from .moderation import forget_history, record_erasure, scrub_history


def export_data(pledge: Pledge) -> dict:
    """Everything we hold about the person behind a pledge, as plain JSON-ready data."""
    return {
        "pledge": {
            "text": pledge.text,
            "kind": pledge.kind,
            "first_name": pledge.first_name,
            "email": pledge.email,
            "organisation_name": pledge.organisation_name,
            "organisation_type": pledge.organisation_type,
            "area": pledge.area.name,
            "age_band": pledge.age_band,
            "heard_from": pledge.heard_from,
            "show_on_wall": pledge.show_on_wall,
            "reminders_wanted": pledge.reminders_wanted,
            "channel": pledge.channel,
            "made_at": pledge.created_at.isoformat(),
            "confirmed_at": pledge.confirmed_at.isoformat() if pledge.confirmed_at else None,
            "outcome": pledge.outcome,
        },
        "consents": [
            {
                "purpose": consent.purpose,
                "wording_version": consent.wording_version,
                "source": consent.source,
                "given_at": consent.given_at.isoformat(),
                "confirmed_at": consent.confirmed_at.isoformat() if consent.confirmed_at else None,
                "withdrawn_at": consent.withdrawn_at.isoformat() if consent.withdrawn_at else None,
            }
            for consent in pledge.consents.all()
        ],
        "emails": emails_about(to=pledge.email, key_prefix=f"pledge:{pledge.pk}:")
        if pledge.email
        else [],
    }


def export_for_manage_link(pledge: Pledge) -> dict:
    """What a resident downloads from their manage link: this pledge as `export_data` gives it
    (its keys at the top, as before), then everything the site holds for the pledge's address,
    a section per app (core.personal_data): `address`, `exported_at` and `sections`, where
    `sections["pledges"]` lists every pledge made with the address. The link was emailed to that
    address, so whoever holds it may see what the site holds for it."""
    document = export_data(pledge)
    # An address that is not well formed (none is, unless stored by hand): the pledge alone.
    if pledge.email:
        with contextlib.suppress(NotAnAddress):
            document.update(export_person(pledge.email))
    return document


# --- One person's pledges, by email address (registered with core.personal_data) ------------


def pledges_of(address: str):
    """The pledges made with an address, as make_pledge stores it (no spaces, lower case).
    Anonymised pledges have no address left, so they are never found."""
    address = address.strip().lower()
    if not address:
        return Pledge.objects.none()
    return Pledge.objects.filter(email=address).order_by("created_at", "pk")


def find_for_address(address: str) -> list[HeldItem]:
    """What the Data officer's screen lists: each pledge, with a link to its full record."""
    items = []
    for pledge in pledges_of(address).select_related("area"):
        emails = count_emails_about(to=pledge.email, key_prefix=f"pledge:{pledge.pk}:")
        made = date_format(timezone.localtime(pledge.created_at), "j F Y")
        details = [("Name", pledge.first_name or "-")]
        if pledge.kind == Pledge.Kind.ORGANISATION:
            details.append(("Organisation", pledge.organisation_name))
        details += [
            ("Area", pledge.area.name),
            ("Made", f"{made} ({pledge.get_channel_display()})"),
            ("Confirmed", "Yes" if pledge.is_confirmed else "No"),
            ("Moderation", pledge.get_moderation_display()),
            ("Emails about it", str(emails)),
        ]
        items.append(
            HeldItem(
                title=f"Pledge {pledge.pk}: “{pledge.text}”",
                details=tuple(details),
                url=reverse("wagtailsnippets_pledges_pledge:inspect", args=[pledge.pk]),
            )
        )
    return items


def export_for_address(address: str) -> list[dict]:
    """Every pledge made with the address, each as `export_data` gives it."""
    return [
        export_data(pledge)
        for pledge in pledges_of(address).select_related("area").prefetch_related("consents")
    ]


def erase_for_address(address: str, *, by=None) -> int:
    """Erase every pledge made with the address, each as `erase_pledge` does (its emails, its
    history, an audit entry naming who erased it). Returns how many pledges went."""
    pledges = list(pledges_of(address))
    for pledge in pledges:
        erase_pledge(pledge=pledge, by=by)
    return len(pledges)


@transaction.atomic
def stop_emails(*, pledge: Pledge) -> None:
    """Unsubscribe: the address gets nothing more from us, at once."""
    if pledge.email:
        suppress(address=pledge.email, reason="unsubscribed")
    Pledge.objects.filter(pk=pledge.pk).update(reminders_wanted=False, next_reminder_at=None)
    pledge.consents.filter(
        purpose=ConsentRecord.Purpose.REMINDERS, withdrawn_at__isnull=True
    ).update(withdrawn_at=timezone.now())
    pledge.reminders_wanted = False
    pledge.next_reminder_at = None


@transaction.atomic
def erase_pledge(*, pledge: Pledge, by=None) -> None:
    """Delete the pledge and every email about it, from the manage link or by a Data officer
    for someone who asked by phone or letter (`by`). A suppression entry, if the person
    unsubscribed, stays: it holds only a hash of the address. The admin's history of the
    pledge goes too (a rejection's reason may quote it); one entry records that pledge N was
    erased, and by whom."""
    pledge_id = pledge.pk
    erase_emails(key_prefix=f"pledge:{pledge_id}:")
    pledge.delete()
    forget_history([pledge_id])
    record_erasure(pledge_id, by)
    # The cached share card shows the person's name; the wall and the pledge's page, the pledge.
    transaction.on_commit(lambda: forget_share_card(pledge_id=pledge_id))
    pages_changed()


def anonymise(queryset) -> int:
    ids = list(queryset.values_list("pk", flat=True))
    # A rejection's reason, on the pledge and in its history, may quote what was written; and
    # a rejected pledge's words (often why it was rejected) are neither shown nor counted.
    scrub_history(ids)
    Pledge.objects.filter(pk__in=ids, moderation=Pledge.Moderation.REJECTED).update(text="")
    if ids:
        pages_changed()  # they leave the wall
    return Pledge.objects.filter(pk__in=ids).update(
        first_name="",
        email="",
        age_band="",
        heard_from="",
        show_on_wall=False,
        reminders_wanted=False,
        next_reminder_at=None,
        secret="",
        moderation_reason="",
        anonymised_at=timezone.now(),
    )


def apply_retention(*, now: datetime.datetime | None = None) -> dict:
    """Remove unconfirmed pledges after a few days, and personal data from confirmed ones
    after the campaign's retention period. Totals are kept."""
    now = now or timezone.now()
    unconfirmed_cutoff = now - datetime.timedelta(days=settings.PLEDGE_UNCONFIRMED_DAYS)
    stale = Pledge.objects.filter(confirmed_at__isnull=True, created_at__lt=unconfirmed_cutoff)
    stale_keys = [f"pledge:{pk}:confirm" for pk in stale.values_list("pk", flat=True)]
    erase_emails_by_key(stale_keys)
    removed = stale.delete()[1].get(Pledge._meta.label, 0)
    retention_cutoff = now - datetime.timedelta(days=settings.PLEDGE_RETENTION_DAYS)
    anonymised = anonymise(
        Pledge.objects.filter(anonymised_at__isnull=True, created_at__lt=retention_cutoff)
    )
    return {"removed_unconfirmed": removed, "anonymised": anonymised}
