"""The Wagtail site is where SITE_URL says: every full address Wagtail writes (sitemap.xml,
canonical, og:url, the RSS feed) matches the emails and share links, on any port."""

import re

import pytest
from django.core.management import call_command
from wagtail.models import Site

from core.sites import site_address, sync_default_site


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://127.0.0.1:8101", ("127.0.0.1", 8101)),
        ("https://campaign.example.org", ("campaign.example.org", 443)),
        ("http://campaign.example.org/", ("campaign.example.org", 80)),
    ],
)
def test_site_address(url, address):
    assert site_address(url) == address


@pytest.mark.django_db
def test_migrate_points_the_default_site_at_site_url(settings):
    settings.SITE_URL = "https://campaign.example.org"
    assert Site.objects.get(is_default_site=True).hostname == "testserver"  # from SITE_URL too
    call_command("migrate", verbosity=0)
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port, site.root_url) == (
        "campaign.example.org",
        443,
        "https://campaign.example.org",
    )
    settings.SITE_URL = "http://127.0.0.1:8101"
    assert sync_default_site().root_url == "http://127.0.0.1:8101"


@pytest.mark.django_db
def test_demo_site_links_are_on_the_port_the_site_runs_on(client, settings):
    settings.SITE_URL = "http://127.0.0.1:8101"
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    call_command("load_demo_content", verbosity=0)
    headers = {"HTTP_HOST": "127.0.0.1:8101"}
    sitemap = client.get("/sitemap.xml", **headers).content.decode()
    locations = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    assert locations
    assert all(loc.startswith("http://127.0.0.1:8101/") for loc in locations)
    home = client.get("/", **headers).content.decode()
    for tag in (
        'rel="canonical" href="',
        'property="og:url" content="',
        'property="og:image" content="',
    ):
        start = home.index(tag) + len(tag)
        assert home[start:].startswith("http://127.0.0.1:8101/"), tag
    assert "http://localhost/" not in home
