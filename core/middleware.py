"""Anonymous visitors' pages are cached here (origin) and marked cacheable for shared caches (CDNs).

A response is cached only when the view opted in (`mark_public`), the visitor sent no session
cookie, and the response sets no cookie: so nothing personal is ever stored or shared. Publishing
a page or changing settings bumps a generation number (core.content), which retires every cached
page at once.
"""

import hashlib

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control

from .content import GENERATION_KEY

NEVER_PUBLIC_PREFIXES = (
    "/healthz",
    "/readyz",
    "/admin/",
    "/accounts/",
    "/static/",
    "/media/",
    "/documents/",
)
PUBLIC_ATTR = "_public_cacheable"


def mark_public(response):
    """Opt a response in to the anonymous page cache."""
    setattr(response, PUBLIC_ATTR, True)
    return response


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self._request_is_cacheable(request):
            return self._finish_private(self.get_response(request))

        # One round trip fetches the generation and the page; a page stored under an older
        # generation was retired by a publish and is not served.
        address = f"{request.get_host()}{request.get_full_path()}".encode()
        key = "pagecache:" + hashlib.sha256(address).hexdigest()
        found = cache.get_many([GENERATION_KEY, key]) if settings.PAGE_CACHE_SECONDS else {}
        generation = found.get(GENERATION_KEY, 0)
        cached = found.get(key)
        if cached is not None and cached[0] == generation:
            _, status, headers, content = cached
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            response["X-Cache"] = "HIT"
            return response

        response = self.get_response(request)
        if not self._response_is_cacheable(request, response):
            return self._finish_private(response)

        self._make_public(response)
        if settings.PAGE_CACHE_SECONDS:
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            headers = [(k, v) for k, v in response.items() if k.lower() != "x-cache"]
            cache.set(
                key,
                (generation, response.status_code, headers, response.content),
                settings.PAGE_CACHE_SECONDS,
            )
        response["X-Cache"] = "MISS"
        return response

    @staticmethod
    def _request_is_cacheable(request) -> bool:
        return (
            request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            # Paths that are never public skip the look-up: health checks touch no cache.
            and not request.path.startswith(NEVER_PUBLIC_PREFIXES)
        )

    @staticmethod
    def _response_is_cacheable(request, response) -> bool:
        return (
            getattr(response, PUBLIC_ATTR, False)
            # A page holding a CSRF token belongs to one visitor, even without a new cookie.
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and response.status_code == 200
            and not response.cookies
            and not response.streaming
        )

    @staticmethod
    def _make_public(response) -> None:
        # The request carried no session, so the page is the same for every anonymous visitor:
        # the Vary: Cookie that session access adds would only split the shared cache.
        vary = [v.strip() for v in response.get("Vary", "").split(",") if v.strip()]
        vary = [v for v in vary if v.lower() != "cookie"]
        if vary:
            response["Vary"] = ", ".join(vary)
        elif "Vary" in response:
            del response["Vary"]
        response["Cache-Control"] = f"public, max-age=0, s-maxage={settings.PAGE_CACHE_SECONDS}"

    @staticmethod
    def _finish_private(response):
        # Forms, accounts and anything personal must never be stored by a shared cache.
        if "Cache-Control" not in response:
            patch_cache_control(response, private=True, no_store=True)
        return response


class SiteCSPMiddleware(CSPMiddleware):
    """The public site's strict policy everywhere, but Wagtail's admin gets its own
    (ADMIN_CONTENT_SECURITY_POLICY): it needs a few more sources, and the site needs fewer."""

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.config is None and self._in_admin(request):
            parts.config = settings.ADMIN_CONTENT_SECURITY_POLICY["DIRECTIVES"]
        return parts

    @staticmethod
    def _in_admin(request) -> bool:
        return request.path_info.startswith(reverse("wagtailadmin_home"))
