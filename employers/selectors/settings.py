from django.http import HttpRequest

from core.site_settings import site_setting
from employers.models import EmployerSettings


def employer_settings(request: HttpRequest | None = None) -> EmployerSettings:
    """The workplace pledge settings of the request's site (the default site's without one)."""
    return site_setting(EmployerSettings, request)
