"""Template helpers for the site's chrome: navigation, breadcrumbs, share links, meta tags and
machine-readable dates."""

import datetime
from urllib.parse import quote, urlencode

from django import template
from django.utils import timezone
from wagtail.models import Page, Site

from core import chrome

register = template.Library()


@register.inclusion_tag("components/navigation.html", takes_context=True)
def main_navigation(context):
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    if site is None:
        return {"root": None, "links": [], "home_current": False}
    root, items, urls = chrome.menu_pages(site)
    current = context.get("page")
    current_path = current.path if isinstance(current, Page) else ""
    links = [
        {
            "page": item,
            "url": urls[item.pk],
            "current": "page"
            if current_path == item.path
            else ("true" if current_path.startswith(item.path) else ""),
        }
        for item in items
    ]
    return {
        "root": root,
        "root_url": urls[root.pk],
        "links": links,
        "home_current": current_path == root.path,
    }


@register.inclusion_tag("components/breadcrumbs.html", takes_context=True)
def breadcrumbs(context):
    page = context.get("page")
    request = context.get("request")
    if not isinstance(page, Page) or page.depth <= 2:
        return {"ancestors": []}
    site = Site.find_for_request(request) if request else None
    if site and page.pk:  # a preview of a page not saved yet has no id to keep them under
        ancestors = chrome.ancestors(site, page)
    else:
        ancestors = page.get_ancestors().filter(depth__gte=2).live()
        if site:
            ancestors = ancestors.descendant_of(site.root_page, inclusive=True)
        ancestors = [(ancestor, ancestor.get_url(request)) for ancestor in ancestors]
    return {"ancestors": ancestors, "page": page, "request": request}


@register.simple_tag(takes_context=True)
def footer_links(context) -> list[tuple[str, str]]:
    """The campaign's footer links as (URL, words), kept per process (core.chrome)."""
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    return chrome.footer_links(site) if site else []


@register.simple_tag
def kept_rendition(image_id: int | None, spec: str):
    """The rendition `{% image %}` would make, kept per process (core.chrome): for the pictures
    every page shows (the logo, the share card), so rendering a page does not look them up."""
    return chrome.rendition(image_id, spec)


@register.simple_tag
def share_links(url: str, text: str, hashtag: str = "") -> list[dict]:
    """Plain links to each network's share page: no third-party scripts, nothing loaded until
    the visitor chooses to share."""
    tag = hashtag.lstrip("#")
    text_with_tag = f"{text} #{tag}" if tag else text
    return [
        {
            "network": "Facebook",
            "href": "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url}),
        },
        {
            "network": "X (Twitter)",
            "href": "https://twitter.com/intent/tweet?"
            + urlencode({"text": text, "url": url, **({"hashtags": tag} if tag else {})}),
        },
        {
            "network": "LinkedIn",
            "href": "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url}),
        },
        {
            "network": "WhatsApp",
            "href": "https://wa.me/?" + urlencode({"text": f"{text_with_tag} {url}"}),
        },
        {
            "network": "Bluesky",
            "href": "https://bsky.app/intent/compose?"
            + urlencode({"text": f"{text_with_tag} {url}"}),
        },
        {
            "network": "Email",
            "href": f"mailto:?subject={quote(text)}&body={quote(text_with_tag + ' ' + url)}",
        },
    ]


@register.filter
def filesize_label(size: float | None) -> str:
    if not size:
        return ""
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


@register.filter
def machine_datetime(value: datetime.datetime | datetime.date | None) -> str:
    """A value for `<time datetime>`: ISO 8601 in the site's time zone, to the second, with its
    offset. Django's `|date:"c"` prints microseconds, and HTML allows at most three digits."""
    if not value:
        return ""
    if not isinstance(value, datetime.datetime):
        return value.isoformat()
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(microsecond=0).isoformat()
