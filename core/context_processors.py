from django.conf import settings
from django.utils.functional import SimpleLazyObject


def site_chrome(request):
    """What every public template needs: the campaign's settings (loaded once, lazily)."""
    from .models import CampaignSettings

    return {
        "SITE_URL": settings.SITE_URL,
        "campaign": SimpleLazyObject(lambda: CampaignSettings.for_request(request)),
    }
