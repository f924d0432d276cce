"""The public list of employers who have pledged (the lead employer first, then by name, with
filters and keyset pages) and the public page of one."""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from employers.models import Employer, PlanItem, ProgressUpdate

PAGE_SIZE = 24


def listed(now: datetime.datetime | None = None) -> QuerySet[Employer]:
    """Employers whose pledge is current (renewal due included): approved, not withdrawn, not
    past its end date, whether or not the sweep has marked it lapsed yet."""
    now = now or timezone.now()
    return Employer.objects.filter(
        approved_at__isnull=False,
        withdrawn_at__isnull=True,
        lapsed_at__isnull=True,
        valid_until__gt=now,
    )


@dataclass(frozen=True)
class Filters:
    sector: int | None = None
    size_band: str = ""
    area: int | None = None

    def apply(self, employers: QuerySet[Employer]) -> QuerySet[Employer]:
        if self.sector:
            employers = employers.filter(sector_id=self.sector)
        if self.size_band:
            employers = employers.filter(size_band=self.size_band)
        if self.area:
            employers = employers.filter(organisation__areas=self.area)
        return employers


@dataclass(frozen=True)
class ListingPage:
    employers: list[Employer]
    next_after: int | None  # the cursor for "More employers", if there are more


def listing_page(filters: Filters, *, after: int | None = None) -> ListingPage | None:
    """One page of the listing after the employer `after` (its pk), or None if that cursor
    names no listed employer (the caller answers 404)."""
    employers = filters.apply(listed()).select_related("organisation", "sector")
    if after is not None:
        last = listed().filter(pk=after).values_list("is_lead", "organisation__name", "pk").first()
        if last is None:
            return None
        is_lead, name, pk = last
        later = Q(organisation__name__gt=name) | Q(organisation__name=name, pk__gt=pk)
        employers = employers.filter(
            (Q(is_lead=is_lead) & later) | (Q(is_lead=False) if is_lead else Q(pk__in=[]))
        )
    rows = list(employers.order_by("-is_lead", "organisation__name", "pk")[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return ListingPage(rows, rows[-1].pk if more else None)


def listed_employer(slug: str) -> Employer | None:
    return listed().select_related("organisation", "sector").filter(slug=slug).first()


@dataclass(frozen=True)
class PublicItem:
    """One commitment as approved, and (if the employer shows it) how its action is going."""

    title: str
    theme: str
    explanation: str
    action: str
    responsible: str
    due_by: datetime.date | None
    status: str = ""
    updates: tuple[ProgressUpdate, ...] = ()


def public_items(employer: Employer) -> list[PublicItem]:
    """The approved plan (not any change under review), with progress if shown."""
    approved = employer.published.get("items", [])
    live: dict[int, PlanItem] = {}
    if employer.show_progress:
        live = {
            item.pk: item
            for item in PlanItem.objects.filter(
                employer=employer, pk__in=[entry["id"] for entry in approved]
            ).prefetch_related("updates")
        }
    items = []
    for entry in approved:
        item = live.get(entry["id"])
        items.append(
            PublicItem(
                title=entry["title"],
                theme=entry.get("theme", ""),
                explanation=entry.get("explanation", ""),
                action=entry.get("action", ""),
                responsible=entry.get("responsible", ""),
                due_by=datetime.date.fromisoformat(entry["due_by"])
                if entry.get("due_by")
                else None,
                status=item.get_status_display() if item else "",
                updates=tuple(item.updates.all()[:5]) if item else (),
            )
        )
    return items
