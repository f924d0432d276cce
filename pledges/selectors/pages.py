"""The pledge pages: which are live, and which one invites residents to pledge. There are only
a few, so each process keeps them until pages change (core.content)."""

from core.content import remembered
from pledges.models import Pledge, PledgePage, PledgeWallPage


def live_pledge_pages() -> dict[int, PledgePage]:
    """The live, public pledge pages by id: every submission needs its page."""
    return remembered(
        "pledges:pages", lambda: {page.pk: page for page in PledgePage.objects.live().public()}
    )


def residents_pledge_page() -> PledgePage | None:
    """The residents' pledge page that the wall, the counter and a pledge's own page invite
    people to (the first live, public one for individuals)."""
    return remembered(
        "pledges:residents_page",
        lambda: PledgePage.objects.live().public().filter(kind=Pledge.Kind.INDIVIDUAL).first(),
    )


def wall_page() -> PledgeWallPage | None:
    return remembered("pledges:wall_page", lambda: PledgeWallPage.objects.live().public().first())


def current_privacy_version() -> str:
    """The privacy notice's version on the newest residents' pledge page: what staff record
    when they take a pledge by phone or on paper."""
    page = (
        PledgePage.objects.live()
        .filter(kind=Pledge.Kind.INDIVIDUAL)
        .order_by("-last_published_at")
        .first()
    )
    return page.privacy_version if page else ""
