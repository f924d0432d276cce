"""The Wagtail site is where SITE_URL says the campaign runs. Wagtail builds every full address
from its site record (sitemap.xml, canonical links, og:url, the RSS feed), while emails and share
links use SITE_URL: the two must agree, in development (any PORT) and in production."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from wagtail.models import Site

DEFAULT_PORTS = {"http": 80, "https": 443}


def site_address(url: str | None = None) -> tuple[str, int]:
    """(hostname, port) of SITE_URL as Wagtail's Site stores them."""
    parts = urlsplit(url or settings.SITE_URL)
    return parts.hostname or "localhost", parts.port or DEFAULT_PORTS.get(parts.scheme, 80)


def sync_default_site() -> Site | None:
    """Point the default site at SITE_URL (run after every `migrate`, and by the demo
    content). Returns the site, or None before there is one."""
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return None
    hostname, port = site_address()
    if (site.hostname, site.port) != (hostname, port):
        site.hostname, site.port = hostname, port
        site.save(update_fields=["hostname", "port"])
    return site


def sync_after_migrate(sender, **kwargs):
    sync_default_site()


@checks.register(checks.Tags.security, deploy=True)
def site_url_is_public(app_configs, **kwargs):
    hostname, _ = site_address()
    if hostname in ("localhost", "127.0.0.1", "::1") or not settings.SITE_URL.startswith(
        "https://"
    ):
        return [
            checks.Warning(
                "SITE_URL is not a public https address: emails, share links and the sitemap "
                "would point to it.",
                hint="Set SITE_URL to the campaign's address, e.g. https://campaign.example.org.",
                id="core.W001",
            )
        ]
    return []
