"""Finding the page a request is for without reading the page tree each time.

Wagtail finds the site (one query), loads its home page, then looks up each page on the path by
its slug and loads it again as its own type (two queries a level), and reads the view
restrictions of the page and its ancestors (two more). Sites, pages and view restrictions change
only when an editor changes something (publishing, moving, renaming, restricting), so each
process keeps them until then (core.content) and each request works on its own copy of the
pages it goes through."""

import copy

from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.http.request import split_domain_port
from wagtail.models import Page, Site
from wagtail.models.sites import get_site_for_hostname
from wagtail.views import serve as wagtail_serve

from .content import remembered


def find_site(request) -> Site | None:
    """The site for the request, as Wagtail's Site.find_for_request finds it, with its home
    page already loaded as its own type. Each request gets its own copy to work with."""
    hostname = split_domain_port(request._get_raw_host())[0]
    port = request.get_port()
    # Any other host name gets the default site: one entry for all of them, so made-up Host
    # headers cannot fill the memory.
    known = remembered(
        "routing:hostnames", lambda: frozenset(Site.objects.values_list("hostname", flat=True))
    )
    key = f"{hostname}:{port}" if hostname in known else "*"
    kept = remembered(f"routing:site:{key}", lambda: _load_site(hostname, port))
    if kept is None:
        return None
    site = copy.copy(kept)
    site.root_page = copy.copy(kept.root_page)
    return site


def _load_site(hostname: str, port: int) -> Site | None:
    try:
        site = get_site_for_hostname(hostname, port)
    except Site.DoesNotExist:
        return None
    site.root_page = site.root_page.specific
    return site


class KeptSiteMiddleware:
    """Hands Wagtail the site of each request for a page (Wagtail looks first at
    `request._wagtail_site`), so neither routing nor the templates look it up. Other views
    (health checks, the admin, forms) are left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if view_func is wagtail_serve:
            request._wagtail_site = find_site(request)


def child_page(*, parent: Page, slug: str) -> Page:
    """The child of `parent` at `slug`, as its own type; Http404 if there is none. Each
    request gets its own copy of the page this process keeps."""
    children = remembered(
        f"routing:children:{parent.pk}",
        lambda: {
            slug: (content_type_id, pk)
            for slug, content_type_id, pk in Page.objects.child_of(parent).values_list(
                "slug", "content_type_id", "pk"
            )
        },
    )
    found = children.get(slug)
    if found is None:
        # A page added since (a first publish retires what is kept, but pages made in code
        # are not published): look it up, as Wagtail would.
        found = (
            Page.objects.child_of(parent)
            .filter(slug=slug)
            .values_list("content_type_id", "pk")
            .first()
        )
        if found is None:
            raise Http404
    content_type_id, pk = found
    page = remembered(f"routing:page:{pk}", lambda: _load_page(content_type_id, pk))
    if page is None:
        raise Http404
    return copy.copy(page)


def _load_page(content_type_id: int, pk: int) -> Page | None:
    model = ContentType.objects.get_for_id(content_type_id).model_class() or Page
    return model._default_manager.filter(pk=pk).first()


def view_restrictions(page: Page) -> list:
    """The view restrictions on the page and its ancestors (what Wagtail checks before
    serving it), kept per process."""
    return remembered(
        f"routing:restrictions:{page.pk}",
        lambda: list(Page.get_view_restrictions(page)),
    )
