"""The one way to read the campaign's settings (name, hashtag, phone line, social links): for a
request's site, or the default site's without one (core.site_settings)."""

from django.conf import settings
from django.http import HttpRequest
from wagtail.models import Site

from . import site_settings
from .models import CampaignSettings


def campaign_settings(request: HttpRequest | None = None) -> CampaignSettings:
    return site_settings.site_setting(CampaignSettings, request, unsaved=fallback)


def for_site(site: Site) -> CampaignSettings:
    return site_settings.for_site(CampaignSettings, site)


def fallback() -> CampaignSettings:
    """Unsaved defaults: before any site is set up, and for pages that must render when the
    database cannot be read."""
    return CampaignSettings(campaign_name=settings.WAGTAIL_SITE_NAME)
