"""The pledge counter: totals kept in the cache and refreshed by a cheap aggregate, so no page
recomputes them per request."""

from django.core.cache import cache
from django.db.models import Count, Q

from .models import Pledge

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
