"""What the public sees of pledges: the pledge wall (newest first, filtered by area and kind,
paged by keyset rather than OFFSET so pages stay fast and stable while pledges arrive), the latest
pledges for blocks, a pledge's own public page."""

import datetime
from dataclasses import dataclass, field
from html import escape
from typing import cast
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.db.models import Q, QuerySet
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.safestring import mark_safe

from core.content import remembered
from core.models import Area
from pledges.models import Pledge

from . import pages

PAGE_SIZE = 24
MAX_PAGE_SIZE = 100
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
ONE_MICROSECOND = datetime.timedelta(microseconds=1)
# Only what the wall shows is read: never emails or other personal data.
WALL_FIELDS = ("id", "kind", "text", "first_name", "organisation_name", "confirmed_at", "area")


def wall_pledges() -> QuerySet:
    """Confirmed, public, approved pledges (`shown` reads just the fields the wall shows)."""
    return Pledge.objects.on_wall()


def on_wall_pledge(*, pledge_id: int) -> Pledge | None:
    """A pledge the public may see, or None (unconfirmed, hidden, pending, rejected, erased)."""
    return wall_pledges().select_related("area").only(*WALL_FIELDS).filter(pk=pledge_id).first()


@dataclass(slots=True)
class WallPledge:
    """A pledge as the wall shows it. Read as plain values rather than as a Pledge: building
    model instances was a good part of a wall page's time."""

    pk: int
    kind: str
    text: str
    first_name: str
    organisation_name: str
    confirmed_at: datetime.datetime
    area: Area
    confirmed_on: str  # the day, in words: '2 December 2026'

    Kind = Pledge.Kind
    display_name = Pledge.display_name  # the same rule as the pledge's own


def shown(pledges: QuerySet) -> list[WallPledge]:
    """The pledges as the wall shows them, each with its area (from the kept areas rather than
    a join) and the day it was confirmed in words, as the date filter's "j F Y" writes it (the
    filter on every card cost more than the rest of the card)."""
    areas = kept_areas()
    rows = []
    for pk, kind, text, first_name, organisation_name, confirmed_at, area_id in pledges.values_list(
        *WALL_FIELDS
    ):
        day = timezone.localdate(confirmed_at)
        rows.append(
            WallPledge(
                pk,
                kind,
                text,
                first_name,
                organisation_name,
                confirmed_at,
                areas[area_id],
                f"{day.day} {MONTHS[day.month]} {day.year}",
            )
        )
    return rows


def public_url(*, pledge: Pledge) -> str | None:
    """The address to share for a pledge, or None while it is not on the wall."""
    if not Pledge.objects.on_wall().filter(pk=pledge.pk).exists():
        return None
    return f"{settings.SITE_URL}{reverse('pledges:public', args=[pledge.pk])}"


def public_pledge_context(*, pledge: Pledge) -> dict:
    """What a pledge's own page shows: the pledge, its card, and where to pledge or see more."""
    return {
        "pledge": pledge,
        "page_url": f"{settings.SITE_URL}{reverse('pledges:public', args=[pledge.pk])}",
        "card_url": f"{settings.SITE_URL}{reverse('pledges:card', args=[pledge.pk])}",
        "pledge_page": pages.residents_pledge_page(),
        "wall_page": pages.wall_page(),
    }


def latest_pledges(*, limit: int) -> list[WallPledge]:
    return shown(wall_pledges().order_by("-confirmed_at", "-id")[: max(1, min(limit, 50))])


def kept_areas() -> dict[int, Area]:
    """Every area by id, retired ones too (their pledges stay on the wall); kept per process
    until the content changes (core.content)."""
    return remembered("pledges:wall:areas", lambda: {a.pk: a for a in Area.objects.all()})


# Keyset pagination ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """A position on the wall: the (confirmed_at, id) of a pledge. Written into links as
    '<microseconds since 1970>.<id>' so it survives a round trip exactly."""

    confirmed_at: datetime.datetime
    id: int

    @classmethod
    def of(cls, pledge: WallPledge) -> "Cursor":
        return cls(confirmed_at=pledge.confirmed_at, id=pledge.pk)

    def encode(self) -> str:
        return f"{(self.confirmed_at - EPOCH) // ONE_MICROSECOND}.{self.id}"

    @classmethod
    def decode(cls, raw: str | None) -> "Cursor | None":
        """The cursor in a link, or None for anything malformed (the visitor gets page one)."""
        if not raw or len(raw) > 40:
            return None
        micros, _, pk = raw.partition(".")
        if not (micros.isdigit() and pk.isdigit()):
            return None
        try:
            confirmed_at = EPOCH + datetime.timedelta(microseconds=int(micros))
        except OverflowError:
            return None
        if int(pk) > 2**63 - 1:
            return None
        return cls(confirmed_at=confirmed_at, id=int(pk))

    def older(self) -> Q:
        # The redundant `lte` lets PostgreSQL walk the confirmed_at index for the range.
        return Q(confirmed_at__lte=self.confirmed_at) & (
            Q(confirmed_at__lt=self.confirmed_at) | Q(id__lt=self.id)
        )

    def newer(self) -> Q:
        return Q(confirmed_at__gte=self.confirmed_at) & (
            Q(confirmed_at__gt=self.confirmed_at) | Q(id__gt=self.id)
        )


def wall_areas() -> list[tuple[str, str]]:
    """The areas to filter by, as (id, name) in their order."""
    return [(str(pk), area.name) for pk, area in kept_areas().items()]


class QuickSelect(forms.Select):
    """A select written out in Python, as Django writes it: Django renders each option through
    two template includes, and even format_html per option was a twentieth of the wall's time.
    Every value is escaped with the standard library's html.escape, as Django's escape does.
    (Flat choices only.)"""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = self.format_value(value)
        options = "".join(
            f'<option value="{escape(str(choice))}"{" selected" if str(choice) in chosen else ""}>'
            f"{escape(str(label))}</option>"
            for choice, label in self.choices
        )
        attrs = flatatt(self.build_attrs(self.attrs, attrs))
        return mark_safe(f'<select name="{escape(name)}"{attrs}>{options}</select>')  # noqa: S308


class WallFilterForm(forms.Form):
    """The wall's filters, read from the query string. Unknown values are ignored."""

    area = forms.ChoiceField(label="Area", required=False, widget=QuickSelect)
    kind = forms.ChoiceField(
        label="Pledges by",
        widget=QuickSelect,
        choices=[
            ("", "Everyone"),
            (Pledge.Kind.INDIVIDUAL, "Residents"),
            (Pledge.Kind.ORGANISATION, "Organisations"),
        ],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["area"]).choices = [("", "All areas"), *wall_areas()]

    def filters(self) -> dict:
        """The valid filters as query-string values (an invalid one counts as not chosen)."""
        self.is_valid()  # fields that fail are simply left out of cleaned_data
        chosen = {}
        if self.cleaned_data.get("area"):
            chosen["area"] = self.cleaned_data["area"]
        if self.cleaned_data.get("kind"):
            chosen["kind"] = self.cleaned_data["kind"]
        return chosen


@dataclass
class WallPage:
    """One page of the wall, with the query strings of the pages either side (or '')."""

    pledges: list[WallPledge]
    filters: dict = field(default_factory=dict)
    older_query: str = ""
    newer_query: str = ""

    @property
    def has_older(self) -> bool:
        return bool(self.older_query)

    @property
    def has_newer(self) -> bool:
        return bool(self.newer_query)


def _any(pledges: QuerySet) -> bool:
    """Whether there is such a pledge, found by walking the wall's index in the query's order
    from the cursor. (EXISTS drops the order, and PostgreSQL may then read the table from the
    oldest row up: most of the table for a page far down the wall.)"""
    return bool(pledges.values_list("pk", flat=True)[:1])


def _query(filters: dict, **cursor: str) -> str:
    return "?" + urlencode({**filters, **cursor})


def wall_page(
    *,
    filters: dict,
    before: str | None = None,
    after: str | None = None,
    page_size: int = PAGE_SIZE,
) -> WallPage:
    """A page of the wall: the newest pledges, or those just older than `before`, or just
    newer than `after`. Two queries at most, however deep the page."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    pledges = wall_pledges()
    if filters.get("area"):
        pledges = pledges.filter(area_id=int(filters["area"]))
    if filters.get("kind"):
        pledges = pledges.filter(kind=filters["kind"])
    newest_first = pledges.order_by("-confirmed_at", "-id")

    after_cursor = Cursor.decode(after)
    if after_cursor:
        rows = shown(
            pledges.filter(after_cursor.newer()).order_by("confirmed_at", "id")[: page_size + 1]
        )
        if len(rows) > page_size:
            rows = rows[:page_size][::-1]
            has_older = _any(newest_first.filter(Cursor.of(rows[-1]).older()))
            return WallPage(
                pledges=rows,
                filters=filters,
                newer_query=_query(filters, after=Cursor.of(rows[0]).encode()),
                older_query=_query(filters, before=Cursor.of(rows[-1]).encode())
                if has_older
                else "",
            )
        # Back at the newest pledges: show a full first page rather than a short one.
        before_cursor = None
    else:
        before_cursor = Cursor.decode(before)

    if before_cursor:
        rows = shown(newest_first.filter(before_cursor.older())[: page_size + 1])
        # Even past the end (pledges hidden since the link was made) there is a way back.
        newest_shown = Cursor.of(rows[0]) if rows else before_cursor
        has_newer = _any(pledges.filter(newest_shown.newer()).order_by("confirmed_at", "id"))
    else:
        rows = shown(newest_first[: page_size + 1])
        newest_shown, has_newer = None, False
    has_older = len(rows) > page_size
    rows = rows[:page_size]
    return WallPage(
        pledges=rows,
        filters=filters,
        older_query=_query(filters, before=Cursor.of(rows[-1]).encode()) if has_older else "",
        newer_query=_query(filters, after=newest_shown.encode())
        if has_newer and newest_shown
        else "",
    )
