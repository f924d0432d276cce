"""The workplace pledge's demo content: the council as lead employer and five local employers
at different stages (a draft, one under review, one approved with progress, one due for renewal
and one lapsed), each with a drawn logo, made through the services. Running it again changes
nothing."""

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from core.demo import demo_areas
from core.drawing import ACCENT, BRAND, WHITE, font
from organisations.demo import demo_organisation, demo_user
from organisations.services import OrganisationDetails, set_logo

from .models import Commitment, Employer, Sector, SizeBand, months_later
from .services import planning, profiles, progress, review, schedule

# name, sector, size band, districts, stage, colour
EMPLOYERS = [
    (
        "Riverside Council",
        "Public sector",
        SizeBand.LARGE,
        ["Old Town", "Northbank"],
        "lead",
        BRAND,
    ),
    (
        "Riverside Bakery",
        "Retail and hospitality",
        SizeBand.SMALL,
        ["Old Town"],
        "progress",
        ACCENT,
    ),
    (
        "Northbank Dental Practice",
        "Health and social care",
        SizeBand.MICRO,
        ["Northbank"],
        "review",
        (60, 70, 140),
    ),
    (
        "Millbrook Builders",
        "Manufacturing and construction",
        SizeBand.MEDIUM,
        ["Millbrook"],
        "draft",
        (90, 90, 90),
    ),
    (
        "Harbourside Hotel",
        "Retail and hospitality",
        SizeBand.MEDIUM,
        ["Harbourside"],
        "renewal",
        (20, 100, 150),
    ),
    (
        "Eastfield Logistics",
        "Transport and logistics",
        SizeBand.LARGE,
        ["Eastfield"],
        "lapsed",
        (110, 60, 20),
    ),
]

ACTIONS = [
    ("A lunchtime walking group, twice a week", "Wellbeing lead"),
    ("A buddy for every new starter in their first three months", "Line managers"),
    ("A short session for every manager on starting a kind conversation", "HR manager"),
    ("Shared breaks in the new staff room", "Office manager"),
]


def logo(name: str, colour) -> SimpleUploadedFile:
    """A square with the organisation's initials, as a PNG upload."""
    image = Image.new("RGB", (240, 240), colour)
    initials = "".join(word[0] for word in name.split()[:2]).upper()
    draw = ImageDraw.Draw(image)
    draw.text((120, 120), initials, font=font(96, bold=True), fill=WHITE, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile(f"{initials}.png", buffer.getvalue(), content_type="image/png")


def build() -> list[Employer]:
    areas = demo_areas()
    made = []
    for name, sector, band, districts, stage, colour in EMPLOYERS:
        slug = name.lower().replace(" ", "-")
        owner = demo_user(f"owner@{slug}.example", first_name="Demo", last_name="Owner")
        organisation = demo_organisation(
            owner=owner,
            details=OrganisationDetails(
                name=name,
                website=f"https://www.{slug}.example",
                contact_email=f"hello@{slug}.example",
                areas=tuple(areas[d] for d in districts),
            ),
        )
        employer = Employer.objects.filter(organisation=organisation).first()
        if employer is None:
            if not organisation.logo:
                set_logo(organisation=organisation, upload=logo(name, colour))
            employer = profiles.add_employer(
                organisation=organisation,
                profile=profiles.EmployerProfile(
                    sector=Sector.objects.filter(name=sector).first(), size_band=band
                ),
            )
            _stage(employer, owner, stage)
        made.append(employer)
    return made


def _plan(employer: Employer, owner, *, commitments: int = 3) -> None:
    chosen = list(Commitment.objects.filter(active=True).order_by("pk")[: commitments + 1])
    planning.choose_commitments(
        employer=employer, commitment_ids=[c.pk for c in chosen[:commitments]]
    )
    due = timezone.localdate() + datetime.timedelta(days=180)
    for item, (action, who) in zip(employer.items.order_by("pk"), ACTIONS, strict=False):
        planning.set_action(item=item, details=planning.ActionDetails(action, who, due))
    planning.sign(
        employer=employer,
        signatory=planning.Signatory("Sam Patel", "Managing director", timezone.localdate(), True),
    )


def _stage(employer: Employer, owner, stage: str) -> None:
    if stage == "draft":
        planning.choose_commitments(
            employer=employer,
            commitment_ids=list(Commitment.objects.order_by("pk").values_list("pk", flat=True)[:2]),
        )
        return
    _plan(employer, owner, commitments=4 if stage == "lead" else 3)
    submission = planning.submit(employer=employer, by=owner)
    if stage == "review":
        return
    review.approve(submission=submission, by=None)
    employer.refresh_from_db()
    if stage == "lead":
        Employer.objects.filter(pk=employer.pk).update(is_lead=True)
    if stage == "progress":
        progress.set_show_progress(employer=employer, show=True)
        for item, (status, text) in zip(
            employer.items.order_by("pk"),
            [
                ("done", "Walks every Tuesday and Thursday since spring"),
                ("in_progress", "Two buddies matched so far"),
            ],
            strict=False,
        ):
            progress.record_progress(item=item, progress=progress.Progress(status, text), by=owner)
    if stage in ("renewal", "lapsed"):
        _backdate(employer, months=11 if stage == "renewal" else 13)


def _backdate(employer: Employer, *, months: int) -> None:
    """Move an approved pledge's year back, as if approved `months` ago (demo only), and let
    the sweep do what it would have done since: the latest reminder, or the lapse."""
    approved = months_later(timezone.now(), -months)
    Employer.objects.filter(pk=employer.pk).update(
        pledged_since=approved,
        approved_at=approved,
        valid_until=months_later(approved, 12),
    )
    employer.refresh_from_db()
    schedule.schedule_events(employer, now=approved)
    employer.next_event_at = timezone.now()
    employer.save(update_fields=["events_done_through", "next_event_at"])
    schedule.send_due_events()
