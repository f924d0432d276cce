"""Pages are found, and the site's header, menu, breadcrumbs and footer drawn, from what each
process keeps (core.routing, core.chrome) rather than from the page tree on every request; every
change an editor makes shows at once."""

import re

import pytest
import wagtail_factories
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, PageViewRestriction, Site

from core.models import CampaignSettings
from tests.factories import CampaignPageFactory, HomePageFactory, make_site

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _every_request_rendered(settings):
    settings.PAGE_CACHE_SECONDS = 0  # no page cache: each request reaches the page


@pytest.fixture
def home():
    return make_site()


def campaign() -> CampaignSettings:
    return CampaignSettings.objects.get()


def test_a_page_needs_no_queries_once_the_process_keeps_the_tree_and_the_chrome(client, home):
    section = CampaignPageFactory(
        parent=home, title="About loneliness", slug="about-loneliness", show_in_menus=True
    )
    deeper = CampaignPageFactory(parent=section, title="Why it matters", slug="why-it-matters")
    footer_page = CampaignPageFactory(parent=home, title="Privacy")
    settings_row = campaign()
    settings_row.footer_links = [("link", {"page": footer_page, "url": "", "text": "Privacy"})]
    settings_row.save()

    first = client.get(deeper.url)
    with CaptureQueriesContext(connection) as queries:
        again = client.get(deeper.url)
    assert again.status_code == 200
    assert [q["sql"] for q in queries] == []
    html = again.content.decode()
    assert again.content == first.content
    assert '<a href="/about-loneliness/" aria-current="true">About loneliness</a>' in html
    assert '<li><a href="/about-loneliness/">About loneliness</a></li>' in html  # breadcrumbs
    assert f'<a href="{footer_page.url}">Privacy</a>' in html
    assert '<link rel="canonical" href="http://localhost/about-loneliness/why-it-matters/">' in html


def test_restricting_a_page_takes_effect_at_once(client, home):
    page = CampaignPageFactory(parent=home, title="Volunteers only")
    assert client.get(page.url).status_code == 200

    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.LOGIN
    )
    response = client.get(page.url)
    assert response.status_code == 302
    assert "login" in response["Location"]

    restriction.delete()
    assert client.get(page.url).status_code == 200


def test_a_renamed_or_unpublished_page_is_routed_afresh(client, home):
    page = CampaignPageFactory(parent=home, title="Old name", slug="old-name")
    assert client.get("/old-name/").status_code == 200

    page.slug = "new-name"
    page.save_revision().publish()
    assert client.get("/old-name/").status_code == 404
    assert "Old name" in client.get("/new-name/").content.decode()

    page.title = "New name"
    page.save_revision().publish()
    assert "New name" in client.get("/new-name/").content.decode()

    page.unpublish()
    assert client.get("/new-name/").status_code == 404


def test_a_page_added_in_code_without_publishing_is_found(client, home):
    first = CampaignPageFactory(parent=home, title="First")
    assert client.get(first.url).status_code == 200  # the process now keeps home's children
    later = CampaignPageFactory(parent=home, title="Added later")
    assert "Added later" in client.get(later.url).content.decode()
    assert client.get("/never-made/").status_code == 404


def test_menu_and_campaign_settings_follow_publishing_and_saving(client, home):
    page = CampaignPageFactory(parent=home, title="About us", show_in_menus=True)
    assert "Get support</a>" not in client.get(page.url).content.decode()

    support = CampaignPageFactory(parent=home, title="Get support", show_in_menus=True)
    support.save_revision().publish()
    settings_row = campaign()
    settings_row.phone_number = "01632 960 999"
    settings_row.save()

    html = client.get(page.url).content.decode()
    assert f'<a href="{support.url}">Get support</a>' in html
    assert "01632 960 999" in html


def logo_attributes(html: str) -> dict:
    tag = re.search(r'<a class="brand" href="/">\s*<img ([^>]*)>', html).group(1)
    return dict(re.findall(r'(\w+)="([^"]*)"', tag))


def test_logo_and_share_card_are_the_renditions_wagtail_makes(client, home, settings):
    page = CampaignPageFactory(parent=home, title="About us")
    logo = wagtail_factories.ImageFactory(title="Logo", width=400, height=128)
    settings_row = campaign()
    settings_row.logo = logo
    settings_row.share_image = logo
    settings_row.save()

    html = client.get(page.url).content.decode()
    header = logo.get_rendition("height-64")
    card = logo.get_rendition("fill-1200x630")
    assert logo_attributes(html) == {
        "src": header.url,
        "width": str(header.width),
        "height": "64",
        "alt": "Better Together",
    }
    assert f'<meta property="og:image" content="{settings.SITE_URL}{card.url}">' in html
    assert f'<meta property="og:image:width" content="{card.width}">' in html

    # A new focal point makes a new share card: the page shows it at once.
    logo.focal_point_x, logo.focal_point_y = 40, 40
    logo.focal_point_width, logo.focal_point_height = 20, 20
    logo.save()
    recut = logo.get_rendition("fill-1200x630")
    assert recut.url != card.url
    assert f'content="{settings.SITE_URL}{recut.url}"' in client.get(page.url).content.decode()

    # Another picture chosen: the new one shows at once.
    other = wagtail_factories.ImageFactory(title="New logo", width=300, height=200)
    settings_row.logo = other
    settings_row.save()
    html = client.get(page.url).content.decode()
    assert logo_attributes(html)["src"] == other.get_rendition("height-64").url


def test_each_host_gets_its_own_site_and_any_other_host_the_default(client, home):
    root = Page.get_first_root_node()
    other_home = HomePageFactory(parent=root, slug="other", title="Other campaign home")
    Site.objects.create(hostname="127.0.0.1", port=80, root_page=other_home, site_name="Other")

    assert "Other campaign home" in client.get("/", HTTP_HOST="127.0.0.1").content.decode()
    assert "Other campaign home" not in client.get("/", HTTP_HOST="localhost").content.decode()
    assert "Other campaign home" not in client.get("/").content.decode()  # testserver: default
