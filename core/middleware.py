"""Anonymous visitors' pages are cached here (origin) and marked cacheable for shared caches (CDNs).

A response is cached only when the view opted in (`mark_public`), the visitor sent no session
cookie, and the response sets no cookie: so nothing personal is ever stored or shared. Publishing
a page or changing settings bumps a generation number (core.content), which retires every cached
page at once.

Pages are kept under their path and the query parameters pages read (apps register them with
`read_query_params`); any other parameter is left out of the key, so `?x=1` is served the page
everyone gets and adds nothing to the Redis that also holds the task queue and the rate limits.
A page is stored only when the parameters in the request are exactly the ones the view says it
used (`mark_public(response, params=…)`): a wrong value (`?page=abc`, an unknown area) is
rendered for that visitor but not kept.
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
PARAMS_ATTR = "_public_cache_params"
_read_params: set[str] = set()


def read_query_params(*names: str) -> None:
    """Register query parameters some public page reads (in an app's `ready()`)."""
    _read_params.update(names)


def mark_public(response, *, params: dict[str, str] | None = None, store: bool = True):
    """Opt a response in to the shared caches. `params`: the query parameters the page used,
    with the values it accepted (none by default). `store=False` keeps it out of the origin
    cache only (say, search results: as many as there are words)."""
    setattr(response, PUBLIC_ATTR, True)
    setattr(response, PARAMS_ATTR, (params or {}) if store else None)
    return response


def cache_key(request) -> tuple[str, dict]:
    """The page's key and the parameters in it: only those some page reads, in a fixed order."""
    read = {name: values for name, values in request.GET.lists() if name in _read_params}
    query = "&".join(f"{name}={value}" for name in sorted(read) for value in read[name])
    address = f"{request.get_host()}{request.path}?{query}".encode()
    return "pagecache:" + hashlib.sha256(address).hexdigest(), read


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self._request_is_cacheable(request):
            return self._finish_private(self.get_response(request))

        # One round trip fetches the generation and the page; a page stored under an older
        # generation was retired by a publish and is not served.
        key, read = cache_key(request)
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
        used = getattr(response, PARAMS_ATTR, None)
        if settings.PAGE_CACHE_SECONDS and used is not None and _same(read, used):
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


def _same(read: dict[str, list[str]], used: dict[str, str]) -> bool:
    return read.keys() == used.keys() and all(read[name] == [used[name]] for name in used)


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
