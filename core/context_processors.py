from django.conf import settings
from django.utils.functional import SimpleLazyObject

from . import chrome
from .campaign import campaign_settings


def site_chrome(request):
    """What every public template needs: the campaign's settings (kept per process, loaded
    lazily). Page URLs are worked out from the site roots each process keeps."""
    chrome.remember_site_root_paths(request)
    return {
        "SITE_URL": settings.SITE_URL,
        "campaign": SimpleLazyObject(lambda: campaign_settings(request)),
    }
