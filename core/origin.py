"""Telling a form post from our own pages from one made by another site.

Forms whose pages are cached for everyone carry no CSRF token (a token would make each page
personal). They need no protection for a session, since there is none to ride on, but another
site must not be able to make a visitor's browser post them. Browsers say where a post comes
from: `Sec-Fetch-Site` (sent by every current browser) and `Origin` (sent with every cross-origin
post). A post is refused when either says another site, and when `Origin` is "null" (sandboxed
frames, data: pages and some redirects send it; our own pages never do). A post with neither
header comes from something that is not a browser, which a cross-site request cannot be made
from; the rate limits and the proof of work deal with those.
"""

from urllib.parse import urlsplit

from django.conf import settings

OUR_OWN = {"same-origin", "none"}  # "none": the visitor's own action, e.g. a resubmitted form


def is_cross_site(request) -> bool:
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site not in OUR_OWN:
        return True
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    if origin == "null":
        return True
    return origin not in trusted_origins(request)


def trusted_origins(request) -> set[str]:
    ours = f"{request.scheme}://{request.get_host()}"
    # Behind a proxy the public address may differ from what reaches us.
    site = urlsplit(settings.SITE_URL)
    return {ours, f"{site.scheme}://{site.netloc}", *settings.CSRF_TRUSTED_ORIGINS}
