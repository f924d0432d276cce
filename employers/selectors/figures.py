"""Figures for the dashboard: computed by a beat task and kept in the cache, never per
request (`refresh_figures`), read with `get_figures`."""

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from employers.models import ActionStatus, Employer, PlanItem, SizeBand

from .listing import listed

CACHE_KEY = "employers:figures:v1"
CACHE_SECONDS = 24 * 3600


def compute_figures() -> dict:
    now = timezone.now()
    current = listed(now)
    ever = Employer.objects.filter(pledged_since__isnull=False, withdrawn_at__isnull=True)
    lapsed = ever.filter(Q(lapsed_at__isnull=False) | Q(valid_until__lte=now)).count()
    by_sector = (
        current.values("sector__name")
        .annotate(count=Count("pk"))
        .order_by("-count", "sector__name")
    )
    by_size = dict(current.values_list("size_band").annotate(count=Count("pk")))
    by_area = (
        current.values("organisation__areas__name")
        .filter(organisation__areas__isnull=False)
        .annotate(count=Count("pk"))
        .order_by("-count", "organisation__areas__name")
    )
    employees = sum(employer.headcount for employer in current.only("employees", "size_band"))
    actions = PlanItem.objects.filter(employer__in=current)
    return {
        "current": current.count(),
        "lapsed": lapsed,
        "by_sector": [
            {"sector": row["sector__name"] or "Not given", "count": row["count"]}
            for row in by_sector
        ],
        "by_size_band": [
            {"size_band": band.label, "count": by_size.get(band.value, 0)} for band in SizeBand
        ],
        "by_area": [
            {"area": row["organisation__areas__name"], "count": row["count"]} for row in by_area
        ],
        "employees_covered": employees,
        "actions": actions.count(),
        "actions_done": actions.filter(status=ActionStatus.DONE).count(),
        "computed_at": now.isoformat(),
    }


def refresh_figures() -> dict:
    figures = compute_figures()
    cache.set(CACHE_KEY, figures, CACHE_SECONDS)
    return figures


def get_figures() -> dict | None:
    """The last figures the beat task computed, or None before it first ran."""
    return cache.get(CACHE_KEY)
