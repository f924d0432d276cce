"""Health, robots and error views: small, and safe to call when parts of the system are down."""

import logging
from pathlib import Path

from celery import current_app
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from wagtail.contrib.sitemaps.views import sitemap as wagtail_sitemap

from . import campaign
from .middleware import mark_public

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    """The process is alive and serving requests. Touches nothing else."""
    return HttpResponse("ok\n", content_type="text/plain")


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_cache() -> None:
    cache.set("readyz:probe", "1", 10)
    if cache.get("readyz:probe") != "1":
        raise RuntimeError("cache did not return what was stored")


def check_broker() -> None:
    # The project's Celery app (campaign_site sets it as current when Django starts).
    app = current_app
    url = app.conf.broker_url or ""
    if url.startswith("filesystem://"):
        folder = Path(app.conf.broker_transport_options["data_folder_in"])
        folder.mkdir(parents=True, exist_ok=True)
        if not folder.is_dir():
            raise RuntimeError("broker folder missing")
        return
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


READINESS_CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker}


@never_cache
@require_GET
def readyz(request):
    """Ready to serve: database, cache and broker reachable; 503 naming what failed otherwise."""
    results = {}
    for name, check in READINESS_CHECKS.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure means not ready; its type is logged
            logger.warning("readiness check failed: %s (%s)", name, type(exc).__name__)
            results[name] = "failed"
        else:
            results[name] = "ok"
    ready = all(value == "ok" for value in results.values())
    return JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": results},
        status=200 if ready else 503,
    )


@require_GET
def sitemap_xml(request):
    page = request.GET.get("p")
    return mark_public(wagtail_sitemap(request), params={"p": page} if page else None)


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /search/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
        "",
    ]
    return mark_public(HttpResponse("\n".join(lines), content_type="text/plain"))


def page_not_found(request, exception=None):
    template = loader.get_template("404.html")
    return HttpResponse(template.render({"request_path": request.path}, request), status=404)


# Django's own 400 and 403 views run the CSRF check again, which reads the body again: a body
# that could not be read the first time (a wrong charset, say) then ends in a 500. These never
# touch the body.
def bad_request(request, exception=None):
    return HttpResponse(loader.render_to_string("400.html", {}, request), status=400)


def permission_denied(request, exception=None):
    return HttpResponse(loader.render_to_string("403.html", {}, request), status=403)


def csrf_failure(request, reason=""):
    context = {
        "heading": "This form has expired",
        "message": "For your security, forms stop working after a while or when cookies are "
        "blocked. Go back, reload the page and try again.",
    }
    return HttpResponse(loader.render_to_string("403.html", context, request), status=403)


def server_error(request):
    """Rendered with as little as possible: the database may be why we are here."""
    context = {"campaign": campaign.fallback()}
    try:
        context["campaign"] = campaign.campaign_settings(request)
    except Exception:  # noqa: BLE001 - the error page must render even when the database is down
        logger.warning("error page is using default campaign settings")
    template = loader.get_template("500.html")
    return HttpResponse(template.render(context), status=500)
