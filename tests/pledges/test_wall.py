"""Showing pledges: the wall, its filters and keyset pages, the counter and its target, the
pledge blocks, and each pledge's own page with its share card."""

import datetime
import io
import re

import pytest
import wagtail_factories
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image
from wagtail.models import Site
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import nested_form_data, streamfield

from core import drawing
from core.content import content_changed
from home.models import CampaignPage, HomePage
from pledges import share_card
from pledges.blocks import PledgeCounterBlock, PledgeFormBlock, PledgeWallBlock
from pledges.models import Pledge, PledgePage, PledgeSettings, PledgeWallPage
from pledges.selectors import counters, wall
from pledges.selectors.counters import refresh_counters
from pledges.tokens import make_token
from tests.factories import CampaignPageFactory, UserFactory, make_site

from .factories import AreaFactory, PledgeFactory, PledgePageFactory

START = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)
XSS_TEXT = '<script>alert("wall")</script>'
XSS_NAME = "<img src=x onerror=alert(1)>"
XSS_ORG = '"><svg onload=alert(2)>'


class PledgeWallPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = PledgeWallPage

    title = "Pledge wall"
    slug = "wall"


def shown(minutes: int = 0, **fields) -> Pledge:
    """A pledge on the wall: confirmed, public and approved."""
    fields.setdefault("confirmed_at", START + datetime.timedelta(minutes=minutes))
    fields.setdefault("show_on_wall", True)
    return PledgeFactory(**fields)


@pytest.fixture
def home(db):
    return make_site()


@pytest.fixture
def wall_page(home):
    return PledgeWallPageFactory(parent=home, per_page=10)


def get(client, url):
    """A fresh render: the page cache is retired so every request reaches the view."""
    content_changed()
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def shown_ids(response) -> list[int]:
    return [pledge.pk for pledge in response.context["wall"].pledges]


def link(response, label: str) -> str | None:
    match = re.search(r'<a href="([^"]*)" rel="(?:prev|next)">' + label, response.content.decode())
    return match.group(1).replace("&amp;", "&") if match else None


# The wall ------------------------------------------------------------------------------------


def test_wall_shows_only_confirmed_public_approved_pledges(client, wall_page):
    visible = shown(1, text="Say hello to a neighbour")
    shown(2, text="Not confirmed yet", confirmed_at=None)
    shown(3, text="Kept private", show_on_wall=False)
    shown(4, text="Waiting for review", moderation=Pledge.Moderation.PENDING)
    shown(5, text="Turned down", moderation=Pledge.Moderation.REJECTED)

    response = get(client, wall_page.url)
    html = response.content.decode()
    assert shown_ids(response) == [visible.pk]
    assert "Say hello to a neighbour" in html
    for hidden in ("Not confirmed yet", "Kept private", "Waiting for review", "Turned down"):
        assert hidden not in html
    assert "public" in response["Cache-Control"]


def test_wall_shows_first_name_or_organisation_area_and_text_never_email(client, wall_page):
    area = AreaFactory(name="Millbrook")
    shown(1, first_name="Priya", area=area, text="Call my gran every Sunday")
    shown(
        2,
        kind=Pledge.Kind.ORGANISATION,
        organisation_name="Millbrook parkrun",
        first_name="Hidden",
        email="organiser@example.org",
        area=area,
        text="Welcome every new runner",
    )
    html = get(client, wall_page.url).content.decode()
    assert "Priya" in html
    assert "Millbrook parkrun" in html
    assert "Millbrook" in html
    assert "Hidden" not in html
    assert "@example.org" not in html
    # Newest first.
    assert html.index("Welcome every new runner") < html.index("Call my gran every Sunday")


def test_wall_filters_by_area_and_kind(client, wall_page):
    north, south = AreaFactory(name="Northbank"), AreaFactory(name="Southmead")
    resident_north = shown(1, area=north)
    org_north = shown(
        2, area=north, kind=Pledge.Kind.ORGANISATION, organisation_name="Northbank Library"
    )
    resident_south = shown(3, area=south)

    assert shown_ids(get(client, f"{wall_page.url}?area={north.pk}")) == [
        org_north.pk,
        resident_north.pk,
    ]
    assert shown_ids(get(client, f"{wall_page.url}?kind=organisation")) == [org_north.pk]
    assert shown_ids(get(client, f"{wall_page.url}?area={south.pk}&kind=individual")) == [
        resident_south.pk
    ]
    response = get(client, f"{wall_page.url}?area={south.pk}&kind=organisation")
    assert shown_ids(response) == []
    assert "No pledges match your choices" in response.content.decode()
    # The form keeps the choice, and works as a plain GET form.
    html = get(client, f"{wall_page.url}?area={north.pk}").content.decode()
    assert f'<option value="{north.pk}" selected>Northbank</option>' in html
    assert 'method="get"' in html


@pytest.mark.parametrize(
    "query", ["area=abc", "area=999999", "kind=<script>", "area=&kind=", "area=1.5"]
)
def test_bad_filter_values_are_ignored(client, wall_page, query):
    pledges = [shown(n) for n in range(3)]
    response = get(client, f"{wall_page.url}?{query}")
    assert shown_ids(response) == [p.pk for p in reversed(pledges)]
    assert "<script>" not in response.content.decode().split("<main", 1)[1]


def walk(client, url: str, label: str) -> list[list[int]]:
    pages = []
    while url:
        response = get(client, url)
        pages.append(shown_ids(response))
        query = link(response, label)
        url = response.wsgi_request.path + query if query else None
        assert len(pages) < 50, "pagination never ended"
    return pages


def test_keyset_pages_cover_every_pledge_once_in_order(client, wall_page):
    # Several pledges share a confirmation time: the id breaks the tie.
    pledges = [shown(minutes=n // 3) for n in range(43)]
    expected = [p.pk for p in sorted(pledges, key=lambda p: (p.confirmed_at, p.pk), reverse=True)]

    older = walk(client, wall_page.url, "Older pledges")
    assert [len(page) for page in older] == [10, 10, 10, 10, 3]
    assert [pk for page in older for pk in page] == expected

    # And back again from the last page with "Newer pledges".
    last = get(client, wall_page.url)
    for _ in range(4):
        last = get(client, wall_page.url + link(last, "Older pledges"))
    newer = walk(client, wall_page.url + link(last, "Newer pledges"), "Newer pledges")
    assert newer == older[-2::-1]


def test_keyset_pages_are_stable_when_pledges_arrive(client, wall_page):
    pledges = [shown(minutes=n) for n in range(25)]
    newest_first = [p.pk for p in reversed(pledges)]
    first = get(client, wall_page.url)
    assert shown_ids(first) == newest_first[:10]

    # Twelve more pledges arrive while the visitor reads page one.
    arrivals = [shown(minutes=100 + n) for n in range(12)]
    second = get(client, wall_page.url + link(first, "Older pledges"))
    assert shown_ids(second) == newest_first[10:20]  # no repeats from page one, no gaps

    # "Newer pledges" goes back to the ten just above, then the ten arrivals just above those,
    # and finally the newest page.
    back = get(client, wall_page.url + link(second, "Newer pledges"))
    assert shown_ids(back) == newest_first[:10]
    above = get(client, wall_page.url + link(back, "Newer pledges"))
    assert shown_ids(above) == [p.pk for p in reversed(arrivals[:10])]
    top = get(client, wall_page.url + link(above, "Newer pledges"))
    assert shown_ids(top) == [p.pk for p in reversed(arrivals)][:10]
    assert link(top, "Newer pledges") is None


def test_filters_are_kept_in_the_page_links(client, wall_page):
    north = AreaFactory(name="Northbank")
    for n in range(12):
        shown(n, area=north)
        shown(n, kind=Pledge.Kind.ORGANISATION, organisation_name=f"Group {n}", area=north)
    first = get(client, f"{wall_page.url}?area={north.pk}&kind=organisation")
    older = link(first, "Older pledges")
    assert f"area={north.pk}" in older
    assert "kind=organisation" in older
    second = get(client, wall_page.url + older)
    assert {p.kind for p in second.context["wall"].pledges} == {Pledge.Kind.ORGANISATION}
    assert len(shown_ids(second)) == 2


@pytest.mark.parametrize(
    "cursor",
    [
        "before=junk",
        "before=99999999999999999999999.1",
        "after=-5.1",
        "before=1.",
        "after=" + "9" * 45,
    ],
)
def test_a_broken_cursor_shows_the_first_page(client, wall_page, cursor):
    pledges = [shown(n) for n in range(12)]
    response = get(client, f"{wall_page.url}?{cursor}")
    assert shown_ids(response) == [p.pk for p in reversed(pledges)][:10]


def test_cursor_round_trips_exactly():
    when = datetime.datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=datetime.UTC)
    cursor = wall.Cursor(confirmed_at=when, id=42)
    assert wall.Cursor.decode(cursor.encode()) == cursor


def count_queries(client, url) -> int:
    content_changed()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_wall_queries_do_not_grow_with_pledges_or_depth(client, wall_page):
    areas = [AreaFactory(name=f"District {n}") for n in range(3)]
    for n in range(5):
        shown(n, area=areas[n % 3])
    get(client, wall_page.url)  # warm the counters and site caches
    few = count_queries(client, wall_page.url)
    for n in range(40):
        shown(10 + n, area=areas[n % 3], kind=Pledge.Kind.ORGANISATION, organisation_name="Org")
    many = count_queries(client, wall_page.url)
    assert few == many
    assert many <= 16

    page_two = get(client, wall_page.url)
    deep_url = wall_page.url + link(page_two, "Older pledges")
    for _ in range(3):
        deep_url = wall_page.url + link(get(client, deep_url), "Older pledges")
    deep = count_queries(client, deep_url)
    assert deep == many + 1  # one cheap EXISTS for the "Newer pledges" link
    filtered = count_queries(client, f"{wall_page.url}?area={areas[0].pk}&kind=organisation")
    assert filtered <= many + 1  # the chosen area is looked up once


def test_an_uncached_wall_page_reads_only_its_pledges(client, wall_page, settings):
    """Once a process keeps the page tree, the site's chrome and the areas (core.content), a wall
    page missing the page cache is one query: the pledges (and one more for a link back)."""
    settings.PAGE_CACHE_SECONDS = 0
    PledgePageFactory(parent=wall_page.get_parent())
    area = AreaFactory(name="Riverside")
    for n in range(30):
        shown(n, area=area, kind=Pledge.Kind.ORGANISATION, organisation_name=f"Group {n}")
    first = client.get(wall_page.url)
    deep = wall_page.url + link(first, "Older pledges")
    filtered = f"{wall_page.url}?area={area.pk}&kind=organisation"
    for url in (deep, filtered):
        client.get(url)

    for url, expected in ((wall_page.url, 1), (deep, 2), (filtered, 1)):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert len(queries) == expected, [q["sql"] for q in queries]
        assert "pledges_pledge" in queries[0]["sql"]
    assert "Make your own pledge" in response.content.decode()
    assert f'<option value="{area.pk}" selected>Riverside</option>' in response.content.decode()


def test_cards_show_the_local_day_the_pledge_was_confirmed(client, wall_page):
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (summer time).
    shown(confirmed_at=datetime.datetime(2026, 6, 30, 23, 30, tzinfo=datetime.UTC))
    shown(confirmed_at=datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC))
    html = get(client, wall_page.url).content.decode()
    assert ">31 December 2026</time>" in html
    assert ">1 July 2026</time>" in html


def test_area_names_are_escaped_in_the_filter(client, wall_page):
    area = AreaFactory(name="Tom & Jerry's <Town>")
    html = get(client, f"{wall_page.url}?area={area.pk}").content.decode()
    assert (
        f'<option value="{area.pk}" selected>Tom &amp; Jerry&#x27;s &lt;Town&gt;</option>' in html
    )


def test_wall_escapes_what_people_typed(client, wall_page):
    pledge = shown(1, text=XSS_TEXT, first_name=XSS_NAME)
    shown(2, text=XSS_TEXT, kind=Pledge.Kind.ORGANISATION, organisation_name=XSS_ORG)
    html = get(client, wall_page.url).content.decode()
    for payload in (XSS_TEXT, XSS_NAME, XSS_ORG):
        assert payload not in html
    assert "&lt;script&gt;alert(&quot;wall&quot;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html

    public = get(client, f"/pledges/{pledge.pk}/").content.decode()
    assert XSS_TEXT not in public
    assert XSS_NAME not in public
    assert '<meta property="og:description" content="&lt;script&gt;' in public


# The counter and its target ------------------------------------------------------------------


def set_target(**fields):
    chosen = PledgeSettings.for_site(Site.objects.get(is_default_site=True))
    for name, value in fields.items():
        setattr(chosen, name, value)
    chosen.save()


def test_home_counter_shows_total_target_and_link_from_the_cache(client, home):
    pledge_page = PledgePageFactory(parent=home)
    set_target(pledge_target=10, pledge_target_label="pledges by Loneliness Awareness Week")
    for n in range(3):
        shown(n)
    PledgeFactory(confirmed_at=None)  # unconfirmed: does not count

    response = get(client, "/")
    html = response.content.decode()
    assert response.context["pledge_counter"]["total"] == 3
    assert "<strong>3</strong> pledges made so far" in html
    assert "<strong>3</strong> of <strong>10</strong> pledges by Loneliness Awareness Week" in html
    assert '<progress class="pledge-progress" max="10" value="3">30%</progress>' in html
    assert "30% of the way there: 7 more to go" in html
    assert f'href="{pledge_page.url}">Make your pledge</a>' in html


def test_warm_counter_cache_means_no_counting_per_request(client, home):
    for n in range(4):
        shown(n)
    refresh_counters()
    shown(10)  # arrives after beat's last refresh

    content_changed()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    sql = " ".join(q["sql"] for q in queries).upper()
    assert "COUNT(" not in sql
    assert response.context["pledge_counter"]["total"] == 4  # as counted by beat

    # Only a cold cache (e.g. after a Redis restart) counts, once, and stores the result.
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").context["pledge_counter"]["total"] == 5
    assert "COUNT(" in " ".join(q["sql"] for q in queries).upper()
    content_changed()
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    assert "COUNT(" not in " ".join(q["sql"] for q in queries).upper()


def test_target_shows_thousands_deadline_and_when_reached(client, home):
    today = timezone.localdate()
    set_target(
        pledge_target=1000,
        pledge_target_label="pledges by Loneliness Awareness Week",
        pledge_target_deadline=today + datetime.timedelta(days=12),
    )
    shown(1)
    html = get(client, "/").content.decode()
    assert "of <strong>1,000</strong> pledges by Loneliness Awareness Week" in html
    assert "0% of the way there: 999 more to go (12 days left" in html

    set_target(pledge_target=2)
    for n in range(2):
        shown(n + 2)
    refresh_counters()
    html = get(client, "/").content.decode()
    # A bar cannot be more than full; the words say what the colour shows.
    assert '<progress class="pledge-progress" max="2" value="2">100%</progress>' in html
    assert "Target reached. Thank you!" in html


def test_no_target_shows_the_count_without_a_bar(client, home):
    shown(1)
    html = get(client, "/").content.decode()
    assert "<strong>1</strong> pledge made so far" in html
    assert "<progress" not in html


def test_target_progress_arithmetic():
    progress = counters.TargetProgress(total=1500, target=1000)
    assert (progress.percent, progress.remaining, progress.shown_value) == (100, 0, 1000)
    assert counters.TargetProgress(total=333, target=1000).percent == 33
    past = counters.TargetProgress(
        total=1, target=2, deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert past.days_left is None


# Blocks --------------------------------------------------------------------------------------


def test_blocks_render_their_preview_values(home):
    PledgePageFactory(parent=home)
    shown(1, text="Join a local walking group")
    set_target(pledge_target=50, pledge_target_label="pledges by June")
    refresh_counters()

    form_block = PledgeFormBlock()
    form_html = form_block.render(form_block.get_preview_value())
    assert 'class="pledge-form"' in form_html
    assert "Make my pledge" in form_html

    wall_block = PledgeWallBlock()
    assert "Join a local walking group" in wall_block.render(wall_block.get_preview_value())

    counter_block = PledgeCounterBlock()
    counter_html = counter_block.render(counter_block.get_preview_value())
    assert "<progress" in counter_html
    assert "pledges by June" in counter_html
    assert "<caption>Pledges by area</caption>" in counter_html


def test_form_block_previews_even_before_a_pledge_page_exists(home):
    block = PledgeFormBlock()
    assert "Make my pledge" in block.render(block.get_preview_value())


def test_blocks_on_a_page(client, home):
    pledge_page = PledgePageFactory(parent=home)
    wall_page = PledgeWallPageFactory(parent=home)
    area = AreaFactory(name="Harbourside")
    for n in range(4):
        shown(n, text=f"Pledge number {n}", area=area)
    set_target(pledge_target=8)
    body = [
        {"type": "pledge_form", "value": {"page": pledge_page.pk, "heading": "Pledge here"}},
        {"type": "pledge_wall", "value": {"heading": "Latest", "count": 2, "wall_page": None}},
        {
            "type": "pledge_counter",
            "value": {
                "heading": "So far",
                "show_completed": True,
                "show_target": True,
                "show_areas": True,
            },
        },
    ]
    import json

    page = CampaignPageFactory(parent=home, body=json.dumps(body))
    response = get(client, page.url)
    html = response.content.decode()
    assert f'<form method="post" action="{pledge_page.submit_url}" class="pledge-form"' in html
    assert "csrfmiddlewaretoken" not in html  # the page stays cacheable for everyone
    assert "Pledge number 3" in html
    assert "Pledge number 2" in html
    assert "Pledge number 1" not in html
    assert f'href="{wall_page.url}">See all pledges' in html
    assert '<progress class="pledge-progress" max="8" value="4">50%</progress>' in html
    assert '<th scope="row">Harbourside</th><td>4</td>' in html
    assert "public" in response["Cache-Control"]


def test_form_block_for_an_unpublished_page_shows_nothing(home):
    pledge_page = PledgePageFactory(parent=home)
    pledge_page.unpublish()
    block = PledgeFormBlock()
    value = block.to_python({"page": pledge_page.pk, "heading": "Pledge here"})
    assert block.render(value).strip() == ""


# Each pledge's own page and share card --------------------------------------------------------


def test_share_card_is_a_png_of_the_right_size(client, home):
    pledge = shown(1, text="Host a coffee morning for my street", first_name="Ann")
    response = client.get(f"/pledges/{pledge.pk}/card.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "public" in response["Cache-Control"]
    picture = Image.open(io.BytesIO(response.content))
    assert picture.format == "PNG"
    assert picture.size == (1200, 630)


@pytest.mark.parametrize(
    "fields",
    [
        {"confirmed_at": None},
        {"show_on_wall": False},
        {"moderation": Pledge.Moderation.PENDING},
        {"moderation": Pledge.Moderation.REJECTED},
    ],
)
def test_pledges_off_the_wall_have_no_card_or_page(client, home, fields):
    pledge = shown(1, **fields)
    assert client.get(f"/pledges/{pledge.pk}/card.png").status_code == 404
    assert client.get(f"/pledges/{pledge.pk}/").status_code == 404


def test_missing_pledge_is_404(client, home):
    assert client.get("/pledges/987654/card.png").status_code == 404
    assert client.get("/pledges/987654/").status_code == 404
    assert client.get("/pledges/99999999999999999999999/card.png").status_code == 404


def test_a_hidden_pledge_loses_its_cached_card(client, home):
    pledge = shown(1)
    assert client.get(f"/pledges/{pledge.pk}/card.png").status_code == 200
    Pledge.objects.filter(pk=pledge.pk).update(show_on_wall=False)
    content_changed()
    assert client.get(f"/pledges/{pledge.pk}/card.png").status_code == 404


def test_card_is_drawn_once_and_redrawn_when_the_pledge_changes(client, home, monkeypatch):
    pledge = shown(1, first_name="Ann")
    drawn = []
    draw = share_card.draw_card
    monkeypatch.setattr(
        share_card, "draw_card", lambda **parts: drawn.append(parts) or draw(**parts)
    )
    first = client.get(f"/pledges/{pledge.pk}/card.png").content
    content_changed()
    assert client.get(f"/pledges/{pledge.pk}/card.png").content == first
    assert len(drawn) == 1

    Pledge.objects.filter(pk=pledge.pk).update(first_name="Annie")
    content_changed()
    assert client.get(f"/pledges/{pledge.pk}/card.png").content != first
    assert drawn[-1]["name"] == "Annie"

    share_card.forget_share_card(pledge_id=pledge.pk)
    assert cache.get(share_card.card_cache_key(pledge.pk)) is None


def test_card_copes_with_long_words_and_without_system_fonts(monkeypatch, db):
    pledge = shown(1, text="Supercalifragilistic" * 9, organisation_name="")
    png = share_card.draw_card(
        text=pledge.text, name="Sam", area="Old Town", campaign_name="Better Together", hashtag=""
    )
    assert Image.open(io.BytesIO(png)).size == (1200, 630)

    truetype = drawing.ImageFont.truetype

    def no_fonts(font, *args, **kwargs):
        if isinstance(font, str):
            raise OSError("no font")
        return truetype(font, *args, **kwargs)  # Pillow's own built-in font

    drawing.font.cache_clear()
    monkeypatch.setattr(drawing.ImageFont, "truetype", no_fonts)
    try:
        png = share_card.draw_card(
            text="Say hello", name="Sam", area="", campaign_name="Better Together", hashtag="Tag"
        )
    finally:
        drawing.font.cache_clear()
    assert Image.open(io.BytesIO(png)).size == (1200, 630)


def test_public_pledge_page_has_open_graph_tags_for_the_card(client, home):
    PledgePageFactory(parent=home)
    pledge = shown(1, text="Volunteer at a community event", first_name="Leo")
    response = client.get(f"/pledges/{pledge.pk}/")
    html = response.content.decode()
    card = f"http://testserver/pledges/{pledge.pk}/card.png"
    assert f'<meta property="og:image" content="{card}">' in html
    assert f'<meta name="twitter:image" content="{card}">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '<meta property="og:image:width" content="1200">' in html
    assert f'<link rel="canonical" href="http://testserver/pledges/{pledge.pk}/">' in html
    assert "A pledge from Leo" in html
    assert "Make your own pledge" in html
    assert "hashtags=TestTogether" in html
    assert "public" in response["Cache-Control"]
    assert html.count('property="og:title"') == 1  # the page's tags replace the defaults


def test_thanks_page_shares_the_public_page_once_on_the_wall(client, home):
    on_wall = shown(1, first_name="Mo")
    private = shown(2, show_on_wall=False)
    html = client.get(f"/pledges/thanks/{make_token(on_wall, 'manage')}/").content.decode()
    assert f"testserver%2Fpledges%2F{on_wall.pk}%2F" in html
    assert f'href="http://testserver/pledges/{on_wall.pk}/"' in html
    html = client.get(f"/pledges/thanks/{make_token(private, 'manage')}/").content.decode()
    assert f"pledges%2F{private.pk}%2F" not in html
    assert "u=http%3A%2F%2Ftestserver" in html


# Page types ----------------------------------------------------------------------------------


class PledgeWallPageTypeTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.pledge_page = PledgePageFactory(parent=cls.home)

    def setUp(self):
        self.client.force_login(UserFactory(email="editor@example.org", is_superuser=True))

    def test_wall_page_can_be_created_under_home_and_campaign_pages(self):
        self.assertAllowedParentPageTypes(PledgeWallPage, {HomePage, CampaignPage})
        # home says where the pledge pages go (pledges names no home page type).
        self.assertAllowedParentPageTypes(PledgePage, {HomePage, CampaignPage})
        self.assertAllowedSubpageTypes(PledgeWallPage, set())
        data = nested_form_data(
            {
                "title": "Pledge wall",
                "slug": "pledge-wall",
                "introduction": "What we pledged.",
                "per_page": 24,
                "empty_text": "No pledges yet.",
            }
        )
        self.assertCanCreate(self.home, PledgeWallPage, data)
        page = PledgeWallPage.objects.get(slug="pledge-wall")
        self.assertPageIsRenderable(page)

    def test_campaign_page_can_be_created_with_pledge_blocks(self):
        data = nested_form_data(
            {
                "title": "Pledge with us",
                "slug": "pledge-with-us",
                "body": streamfield(
                    [
                        ("pledge_form", {"page": self.pledge_page.pk, "heading": "Pledge"}),
                        ("pledge_wall", {"heading": "Latest", "count": 3, "wall_page": ""}),
                        (
                            "pledge_counter",
                            {
                                "heading": "So far",
                                "show_completed": "on",
                                "show_target": "on",
                                "show_areas": "",
                            },
                        ),
                    ]
                ),
            }
        )
        self.assertCanCreate(self.home, CampaignPage, data)
        page = CampaignPage.objects.get(slug="pledge-with-us")
        block_types = [block.block_type for block in page.body]
        assert block_types == ["pledge_form", "pledge_wall", "pledge_counter"]
        assert isinstance(page.body[0].value["page"].specific, PledgePage)
        self.assertPageIsRenderable(page)
