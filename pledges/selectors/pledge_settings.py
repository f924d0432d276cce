from django.http import HttpRequest

from core.site_settings import site_setting
from pledges.models import PledgeSettings


def pledge_settings(request: HttpRequest | None = None) -> PledgeSettings:
    """The pledge settings of the request's site (the default site's without one)."""
    return site_setting(PledgeSettings, request)
