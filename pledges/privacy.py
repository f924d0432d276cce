"""People's data is theirs: export it, erase it, and remove it after the retention period."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.content import pages_changed
from mailings.services import emails_about, erase_emails, erase_emails_by_key, suppress

from .models import ConsentRecord, Pledge
from .moderation import forget_history, record_erasure, scrub_history
from .share_card import forget_share_card


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
