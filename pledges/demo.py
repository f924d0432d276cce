"""Pledges' demo content: the suggestions, the residents' and organisations' pledge pages, the
wall, the target, and confirmed pledges made through the pledge services. Demo pledges have
no email address, so no email is ever sent. Running it again changes nothing."""

import datetime

from wagtail.models import Page, Site

from core.demo import child_page, demo_areas, rich

from .models import Pledge, PledgePage, PledgeSettings, PledgeSuggestion, PledgeWallPage
from .services import PledgeDetails, make_pledge, record_outcome
from .services.moderation import approve_pledges

PRIVACY_VERSION = "2026-11"


def build(*, home: Page, privacy: Page, activities: Page) -> tuple[PledgePage, PledgeWallPage]:
    """The pledge pages under `home`, whose privacy notices link to `privacy`; people who have
    pledged are pointed to `activities`. Returns the residents' pledge page and the wall."""
    areas = demo_areas()
    for order, (text, category, ideas) in enumerate(SUGGESTIONS):
        PledgeSuggestion.objects.get_or_create(
            text=text, defaults={"category": category, "ideas": ideas, "sort_order": order}
        )

    def notice(shown: str) -> str:
        return rich(
            "We use the name, email address and area you give us to confirm your pledge, "
            "to send the reminders you ask for and to count pledges by area. If you choose, "
            f"{shown}, area and pledge appear on the pledge wall; your email address never "
            "does.",
            "You can change or delete your pledge at any time with the link in our emails. "
            f'Read our <a linktype="page" id="{privacy.pk}">privacy notice</a>.',
        )

    pledge_page = child_page(
        home,
        PledgePage,
        "make-a-pledge",
        title="Make a pledge",
        show_in_menus=True,
        introduction="Choose one small thing you will do to help someone feel less alone. "
        "It takes less than a minute.",
        kind=Pledge.Kind.INDIVIDUAL,
        privacy_notice=notice("your first name"),
        privacy_version=PRIVACY_VERSION,
    )
    child_page(
        home,
        PledgePage,
        "organisation-pledge",
        title="Pledge as an organisation",
        introduction="Community groups, businesses, faith groups and public bodies: "
        "pledge what your organisation will do to bring people together.",
        kind=Pledge.Kind.ORGANISATION,
        privacy_notice=notice("your organisation's name"),
        privacy_version=PRIVACY_VERSION,
    )
    wall_page = child_page(
        home,
        PledgeWallPage,
        "pledge-wall",
        title="Pledge wall",
        show_in_menus=True,
        introduction="What people and organisations across Riverside have pledged to do.",
    )
    demo_pledges(areas)
    site = Site.objects.get(root_page=home)
    target(site)
    local_activities(site, activities)
    return pledge_page, wall_page


def demo_pledges(areas) -> None:
    """Confirmed pledges for the wall, taken as if at a launch event (so confirmed at once, with
    nothing to email), approved, and dated over the campaign's first weeks."""
    first = datetime.datetime(2026, 11, 2, 9, 30, tzinfo=datetime.UTC)
    suggestions = {s.text: s for s in PledgeSuggestion.objects.all()}
    for number, (name, organisation, area, text) in enumerate(DEMO_PLEDGES):
        exists = Pledge.objects.filter(
            text=text, first_name=name, organisation_name=organisation, area=areas[area]
        ).exists()
        if exists:
            continue
        suggestion = suggestions.get(text)
        pledge = make_pledge(
            details=PledgeDetails(
                kind=Pledge.Kind.ORGANISATION if organisation else Pledge.Kind.INDIVIDUAL,
                suggestion=suggestion,
                own_text="" if suggestion else text,
                first_name=name,
                organisation_name=organisation,
                organisation_type=Pledge.OrganisationType.COMMUNITY_GROUP if organisation else "",
                area=areas[area],
                show_on_wall=True,
            ),
            privacy_version=PRIVACY_VERSION,
            channel=Pledge.Channel.EVENT,
        )
        if pledge.moderation != Pledge.Moderation.APPROVED:  # own words are read first
            approve_pledges(pledges=[pledge], by=None)
        if number % 4 == 0:
            record_outcome(pledge=pledge, outcome=Pledge.Outcome.DONE)
        # Demo history: the wall shows these over weeks, not all made this minute.
        confirmed_at = first + datetime.timedelta(hours=7 * number)
        Pledge.objects.filter(pk=pledge.pk).update(
            created_at=confirmed_at - datetime.timedelta(minutes=20), confirmed_at=confirmed_at
        )


def target(site: Site) -> None:
    chosen = PledgeSettings.for_site(site)
    if chosen.pledge_target:
        return
    chosen.pledge_target = 1000
    chosen.pledge_target_label = "pledges by Loneliness Awareness Week"
    chosen.pledge_target_deadline = datetime.date(2027, 6, 14)
    chosen.save()


def local_activities(site: Site, page: Page) -> None:
    # Until the directory of activities exists, "Get support" lists where to start.
    chosen = PledgeSettings.for_site(site)
    if chosen.local_activities_page_id is None:
        chosen.local_activities_page = page
        chosen.save(update_fields=["local_activities_page"])


SUGGESTIONS = [
    (
        "Say hello to a neighbour",
        "neighbours",
        "Knock on a door with a cup of sugar or a slice of cake. Stop for a chat at the bus "
        "stop. Ask a neighbour if they need anything from the shops.",
    ),
    (
        "Host a coffee morning",
        "community",
        "Invite people on your street for a cuppa. A local cafe, library or church hall may "
        "lend you a space. Ask everyone to bring one person who might not come otherwise.",
    ),
    (
        "Volunteer at a community event",
        "volunteering",
        "Lend a hand at a fun day, litter pick or lunch club. Even an hour helps, and it is a "
        "good way to meet people.",
    ),
    (
        "Call a relative every week",
        "family",
        "Put a regular time in your diary. Share a photo, ask about their week, or plan a "
        "visit together.",
    ),
    (
        "Join a local group",
        "community",
        "Walking groups, choirs, allotments, sports clubs and faith groups welcome new "
        "people. Many are free. Call our phone line to find one near you.",
    ),
    (
        "Help someone get online",
        "online",
        "Show a friend or neighbour how to make a video call, shop online or find local "
        "activities. The library runs free digital help sessions.",
    ),
]

DEMO_PLEDGES = [
    ("Margaret", "", "Old Town", "Say hello to a neighbour"),
    ("Tom", "", "Northbank", "Host a coffee morning"),
    ("", "Riverside Rovers parkrun", "Millbrook", "Welcome every new runner by name"),
    ("Aisha", "", "Eastfield", "Call a relative every week"),
    ("Jack", "", "Harbourside", "Volunteer at a community event"),
    ("Priya", "", "Westmoor", "Help someone get online"),
    ("", "Old Town Community Cafe", "Old Town", "Keep a table free for anyone who wants company"),
    ("Dev", "", "Millbrook", "Join a local group"),
    ("Helen", "", "Northbank", "Say hello to a neighbour"),
    ("Sam", "", "Eastfield", "Invite my new neighbours round for tea"),
    ("", "St Anne's Church", "Harbourside", "Host a coffee morning"),
    ("Olu", "", "Westmoor", "Call a relative every week"),
    ("Grace", "", "Old Town", "Volunteer at a community event"),
    ("Ben", "", "Millbrook", "Help someone get online"),
    ("", "Northbank Library", "Northbank", "Run a weekly chat and games afternoon"),
    ("Fatima", "", "Harbourside", "Join a local group"),
    ("Ryan", "", "Westmoor", "Say hello to a neighbour"),
    ("Chloe", "", "Eastfield", "Host a coffee morning"),
    (
        "",
        "Eastfield Allotment Society",
        "Eastfield",
        "Give a plot to newcomers who want to grow together",
    ),
    ("Joan", "", "Old Town", "Call a relative every week"),
]
