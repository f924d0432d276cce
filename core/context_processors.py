from django.conf import settings
from django.utils.functional import SimpleLazyObject


def site_chrome(request):
    """What every public template needs: the campaign's settings (kept per process, loaded
    lazily). Page URLs are worked out from the site roots each process keeps."""
    from . import chrome

    chrome.remember_site_root_paths(request)
    return {
        "SITE_URL": settings.SITE_URL,
        "campaign": SimpleLazyObject(lambda: _campaign(request)),
    }


def _campaign(request):
    from wagtail.models import Site

    from . import chrome
    from .models import CampaignSettings

    attr = CampaignSettings.get_cache_attr_name()
    if not hasattr(request, attr):
        site = Site.find_for_request(request)
        if site is None:
            raise CampaignSettings.DoesNotExist("No site for this request.")
        # Where CampaignSettings.for_request looks first, so blocks and views reuse it too.
        setattr(request, attr, chrome.campaign_settings(site))
    return getattr(request, attr)
