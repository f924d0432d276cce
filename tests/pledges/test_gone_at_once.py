"""A pledge that is erased, rejected or hidden is gone from every page at once: nothing cached at
the origin keeps showing it."""

import pytest

from pledges.services.moderation import reject_pledges
from pledges.tokens import make_token

from .factories import AreaFactory, PledgeFactory
from .test_wall import PledgeWallPageFactory


@pytest.fixture
def wall_page(pledge_page):
    return PledgeWallPageFactory(parent=pledge_page.get_parent())


@pytest.fixture
def pledge(db):
    return PledgeFactory(
        text="Knock on my neighbour's door",
        area=AreaFactory(name="Rainham"),
        show_on_wall=True,
        confirmed_at="2026-11-02T09:00Z",
    )


def cached_everywhere(client, wall_page, pledge):
    """The wall and the pledge's own page, both served from the page cache."""
    for url in (wall_page.url, f"/pledges/{pledge.pk}/"):
        client.get(url)
        response = client.get(url)
        assert response["X-Cache"] == "HIT", url
        assert "Knock on my neighbour" in response.content.decode()


def assert_gone(client, wall_page, pledge):
    assert "Knock on my neighbour" not in client.get(wall_page.url).content.decode()
    assert client.get(f"/pledges/{pledge.pk}/").status_code == 404
    assert client.get(f"/pledges/{pledge.pk}/card.png").status_code == 404


def test_deleting_from_the_manage_link(
    client, wall_page, pledge, django_capture_on_commit_callbacks
):
    cached_everywhere(client, wall_page, pledge)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/pledges/manage/{make_token(pledge, 'manage')}/", {"action": "delete"})
    assert_gone(client, wall_page, pledge)


def test_hiding_it_from_the_manage_link(
    client, wall_page, pledge, django_capture_on_commit_callbacks
):
    cached_everywhere(client, wall_page, pledge)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/pledges/manage/{make_token(pledge, 'manage')}/",
            {"action": "visibility", "show": "no"},
        )
    assert_gone(client, wall_page, pledge)


def test_a_moderator_rejecting_it(client, wall_page, pledge, django_capture_on_commit_callbacks):
    cached_everywhere(client, wall_page, pledge)
    with django_capture_on_commit_callbacks(execute=True):
        reject_pledges(pledges=[pledge], reason="Names a neighbour", by=None)
    assert_gone(client, wall_page, pledge)
