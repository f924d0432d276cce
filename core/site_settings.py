"""The one way to read a site setting (the campaign's, or a feature's own, e.g. PledgeSettings).

With a request: its site's settings, read once per request. Without one (emails, tasks,
previews, blocks rendered outside a page): the default site's. Either way each process keeps
them until an editor changes something (core.content, which every BaseSiteSetting registers
with). A fresh install whose site is not set up yet gets unsaved defaults, so its error pages
and emails still render."""

from collections.abc import Callable
from typing import TypeVar

from django.http import HttpRequest
from wagtail.contrib.settings.models import BaseSiteSetting
from wagtail.models import Site

from .content import remembered

Setting = TypeVar("Setting", bound=BaseSiteSetting)


def site_setting(
    model: type[Setting],
    request: HttpRequest | None = None,
    *,
    unsaved: Callable[[], Setting] | None = None,
) -> Setting:
    """`unsaved` makes the defaults used before any site exists (the model's own otherwise)."""
    if request is None:
        return remembered(
            f"settings:{model._meta.label}:default", lambda: _load_default(model, unsaved or model)
        )
    attr = model.get_cache_attr_name()
    if not hasattr(request, attr):
        site = Site.find_for_request(request)
        if site is None:
            raise model.DoesNotExist("No site for this request.")
        # Where Wagtail's own `for_request` looks first, so its reads reuse it too.
        setattr(request, attr, for_site(model, site))
    return getattr(request, attr)


def for_site(model: type[Setting], site: Site) -> Setting:
    return remembered(f"settings:{model._meta.label}:{site.pk}", lambda: _load(model, site))


def _load(model: type[Setting], site: Site) -> Setting:
    # Not Wagtail's `for_site`, which saves a row the first time: a read must not write (and a
    # saved setting is a content change, which would retire every cached page).
    setting = model.objects.filter(site=site).first() or model(site=site)
    # A setting may load what it points to now, once, rather than on every page (footer links).
    prepare = getattr(setting, "prepare_for_reading", None)
    if prepare is not None:
        prepare()
    return setting


def _load_default(model: type[Setting], unsaved: Callable[[], Setting]) -> Setting:
    site = Site.objects.filter(is_default_site=True).first()
    return for_site(model, site) if site is not None else unsaved()
