"""The pledge counter: totals kept in the cache and refreshed by a cheap aggregate, so no page
recomputes them per request; and the progress towards the target in the pledge settings."""

import datetime
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone

from pledges.models import Pledge, PledgeSettings

from .pledge_settings import pledge_settings

CACHE_KEY = "pledges:counters:v1"
CACHE_SECONDS = 24 * 3600


def compute_counters() -> dict:
    counted = Pledge.objects.counted()
    totals = counted.aggregate(
        total=Count("pk"),
        completed=Count("pk", filter=Q(outcome=Pledge.Outcome.DONE)),
        organisations=Count("pk", filter=Q(kind=Pledge.Kind.ORGANISATION)),
    )
    by_area = list(
        counted.values("area__name").annotate(count=Count("pk")).order_by("-count", "area__name")
    )
    return {
        **totals,
        "by_area": [{"area": row["area__name"], "count": row["count"]} for row in by_area],
    }


def refresh_counters() -> dict:
    counters = compute_counters()
    cache.set(CACHE_KEY, counters, CACHE_SECONDS)
    return counters


def get_counters() -> dict:
    counters = cache.get(CACHE_KEY)
    if counters is None:
        counters = refresh_counters()
    return counters


# The counter and its target ------------------------------------------------------------------


@dataclass(frozen=True)
class TargetProgress:
    """How far the campaign is towards its pledge target, e.g. '1,000 pledges by Loneliness
    Awareness Week'."""

    total: int
    target: int
    label: str = ""
    deadline: datetime.date | None = None

    @property
    def percent(self) -> int:
        return min(100, self.total * 100 // self.target)

    @property
    def reached(self) -> bool:
        return self.total >= self.target

    @property
    def remaining(self) -> int:
        return max(0, self.target - self.total)

    @property
    def shown_value(self) -> int:
        """The progress bar's value: a bar cannot go past full."""
        return min(self.total, self.target)

    @property
    def days_left(self) -> int | None:
        if self.deadline is None:
            return None
        days = (self.deadline - timezone.localdate()).days
        return days if days >= 0 else None


def target_progress(*, total: int, settings: PledgeSettings) -> TargetProgress | None:
    """The progress towards the target the comms team set in the pledge settings, if any."""
    if not settings.pledge_target:
        return None
    return TargetProgress(
        total=total,
        target=settings.pledge_target,
        label=settings.pledge_target_label,
        deadline=settings.pledge_target_deadline,
    )


def counter_summary(request: HttpRequest | None = None) -> dict:
    """The cached counters (never recomputed per request) with the target's progress."""
    counters = get_counters()
    target = target_progress(total=counters["total"], settings=pledge_settings(request))
    return {**counters, "target": target}
