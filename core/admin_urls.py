"""Checks around Wagtail's own admin views, for what those views do not check themselves.

- A bulk-action page (`/admin/bulk/<app>/<model>/<action>/`) names the items it is given, and
  Wagtail shows it to anyone who can use the admin: it now asks the model's listing permission.
- The page chooser and the admin API list pages, images and documents to anyone who can use
  the admin: they now ask the same permission as the page, image or document listing.
- An object id in an admin URL (`.../chosen/<id>/`, `?id=`) that is not a whole number made
  Wagtail fail with a server error: it is now a 404. Every model in the admin has whole-number
  ids (a test says so).

`guard_admin_urls` wraps every view in Wagtail's admin URLconf with these checks
(campaign_site/urls.py)."""

from django.apps import apps
from django.http import Http404
from django.views.decorators.cache import never_cache
from django.views.defaults import page_not_found
from wagtail.admin.auth import permission_denied
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page
from wagtail.utils.urlpatterns import decorate_urlpatterns

from .admin import may_list

ACCESS_ADMIN = "wagtailadmin.access_admin"

BULK_ACTION = "wagtail_bulk_action"

# The views that list a model's items without asking its listing permission, by URL name.
LISTED_BY_VIEW = {
    "wagtailadmin_choose_page": Page,
    "wagtailadmin_choose_page_child": Page,
    "wagtailadmin_choose_page_search": Page,
    "wagtailadmin_choose_page_chosen_multiple": Page,
    "wagtailadmin_api:pages:listing": Page,
    "wagtailadmin_api:pages:detail": Page,
    "wagtailadmin_api:pages:find": Page,
    "wagtailadmin_api:images:listing": get_image_model(),
    "wagtailadmin_api:images:detail": get_image_model(),
    "wagtailadmin_api:images:find": get_image_model(),
    "wagtailadmin_api:documents:listing": get_document_model(),
    "wagtailadmin_api:documents:detail": get_document_model(),
    "wagtailadmin_api:documents:find": get_document_model(),
}

# Query parameters that carry object ids: every item's id, a bulk action's parent page, and the
# pages being moved in the page chooser.
ID_PARAMETERS = ("id", "childOf", "target_pages[]")


class Malformed(Exception):
    pass


def _whole_number(value: str) -> bool:
    return value.isascii() and value.isdigit()


def _check_ids(request, kwargs) -> None:
    pk = kwargs.get("pk")
    if pk is not None and not _whole_number(str(pk)):
        raise Malformed
    is_bulk_action = request.resolver_match.view_name == BULK_ACTION
    for name in ID_PARAMETERS:
        for value in request.GET.getlist(name):
            # A bulk action's "select all" is id=all; an empty target is no target.
            if (is_bulk_action and value == "all") or (name == "target_pages[]" and not value):
                continue
            if not _whole_number(value):
                raise Malformed


def listed_model(request, kwargs):
    """The model whose items the requested view would show, if it is one that does not ask
    the model's listing permission itself."""
    view_name = request.resolver_match.view_name
    if view_name == BULK_ACTION:
        try:
            return apps.get_model(kwargs["app_label"], kwargs["model_name"])
        except LookupError:
            raise Malformed from None
    return LISTED_BY_VIEW.get(view_name)


def _guard(view_func):
    @never_cache
    def guarded(request, *args, **kwargs):
        # Anyone who cannot use the admin is sent away by Wagtail's own check, as before.
        if request.user.has_perm(ACCESS_ADMIN):
            try:
                _check_ids(request, kwargs)
                model = listed_model(request, kwargs)
            except Malformed:
                return page_not_found(request, Http404(), template_name="wagtailadmin/404.html")
            if model is not None and not may_list(request.user, model):
                return permission_denied(request)
        return view_func(request, *args, **kwargs)

    return guarded


def guard_admin_urls(urlpatterns: list) -> list:
    """Wrap every view in Wagtail's admin URL patterns (in place, as Wagtail wraps its own)."""
    return decorate_urlpatterns(urlpatterns, _guard)
