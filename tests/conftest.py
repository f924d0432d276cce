import pytest
from django.core.cache import cache

from core import content


@pytest.fixture(autouse=True)
def _clean_cache():
    """Each test starts with an empty cache (page cache, rate limits, counters) and nothing
    kept from an earlier test's data (core.content)."""
    cache.clear()
    content.forget()
    yield
    cache.clear()
    content.forget()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pytest_collection_modifyitems(items):
    """Every transactional test restores the data migrations made (Wagtail's root page, the
    default locale, groups). Mixing tests with and without serialized rollback makes Django
    re-create content types that the next serialized restore then duplicates."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if (
            marker
            and marker.kwargs.get("transaction")
            and not marker.kwargs.get("serialized_rollback")
        ):
            item.add_marker(
                pytest.mark.django_db(
                    *marker.args, **{**marker.kwargs, "serialized_rollback": True}
                ),
                append=False,  # the closest marker wins: put this one before the decorator's
            )
