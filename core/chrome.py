"""What every public page shows around its content: the campaign's settings, the main
navigation, the breadcrumbs and the pictures in the header and share cards.

They change only when an editor changes something, so each process keeps them until then
(core.content) instead of reading the page tree, the settings and the image renditions on every
page it renders. Everything kept here is only read by templates, never changed in place.
"""

from dataclasses import dataclass

from wagtail.images import get_image_model
from wagtail.models import Page, Site

from .campaign import for_site
from .content import remembered


def footer_links(site: Site) -> list[tuple[str, str]]:
    """The campaign's footer links as (URL, words), a chosen page's URL as seen from the site."""
    return remembered(f"chrome:footer:{site.pk}", lambda: _load_footer_links(site))


def _load_footer_links(site: Site) -> list[tuple[str, str]]:
    links = []
    for link in for_site(site).footer_links:
        page = link.value.get("page")
        url = page.get_url(current_site=site) if page else link.value.get("url")
        links.append((url, link.value.get("text")))
    return links


def site_root_paths() -> list:
    """Wagtail's list of site roots, which every page URL is worked out from."""
    return remembered("chrome:site_root_paths", Site.get_site_root_paths)


def remember_site_root_paths(request) -> None:
    """Give the request the kept site roots, so `{% pageurl %}` and `page.get_url(request)` do
    not look them up in the shared cache (Wagtail keeps them on the request it is given)."""
    request._wagtail_cached_site_root_paths = site_root_paths()


def menu_pages(site: Site) -> tuple[Page, list[Page], dict[int, str]]:
    """The site's home page, the live, public pages under it chosen for the menu, and the
    URL of each (as `{% pageurl %}` gives them where there is no request), by page id."""
    return remembered(f"chrome:menu:{site.pk}", lambda: _load_menu(site))


def _load_menu(site: Site) -> tuple[Page, list[Page], dict[int, str]]:
    root = site.root_page
    pages = list(root.get_children().live().public().in_menu())
    return root, pages, {page.pk: page.get_url() for page in (root, *pages)}


def ancestors(site: Site, page: Page) -> list[tuple[Page, str]]:
    """The live pages above `page` within the site, from its home page down, with their URLs
    as seen from that site."""
    return remembered(
        f"chrome:ancestors:{site.pk}:{page.pk}",
        lambda: [
            (ancestor, ancestor.get_url(current_site=site))
            for ancestor in page.get_ancestors()
            .filter(depth__gte=2)
            .live()
            .descendant_of(site.root_page, inclusive=True)
        ],
    )


@dataclass(frozen=True)
class Picture:
    """What a template needs of an image rendition: its address and size."""

    url: str
    width: int
    height: int


def rendition(image_id: int | None, spec: str) -> Picture | None:
    """The image's rendition for `spec` (made once, if it does not exist yet), or None."""
    if not image_id:
        return None
    return remembered(
        f"chrome:rendition:{image_id}:{spec}", lambda: _load_rendition(image_id, spec)
    )


def _load_rendition(image_id: int, spec: str) -> Picture | None:
    image = get_image_model().objects.filter(pk=image_id).first()
    if image is None:
        return None
    made = image.get_rendition(spec)
    return Picture(url=made.url, width=made.width, height=made.height)
