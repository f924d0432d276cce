from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET
from wagtail.models import Page, Site

from core.middleware import mark_public

MAX_QUERY_LENGTH = 200


@require_GET
def search(request):
    """Search the campaign's public pages with Wagtail's search backend."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH].replace("\x00", "")
    results = Page.objects.none()
    if query:
        pages = Page.objects.live().public().specific()
        site = Site.find_for_request(request)
        if site:
            pages = pages.descendant_of(site.root_page, inclusive=True)
        results = pages.search(query)
    paginator = Paginator(results, 10)
    try:
        page_of_results = paginator.page(request.GET.get("page", 1))
    except (PageNotAnInteger, EmptyPage):
        page_of_results = paginator.page(1)
    response = TemplateResponse(
        request, "home/search.html", {"query": query, "results": page_of_results}
    )
    # Results are not kept at the origin: there are as many pages as there are words.
    return mark_public(response, store=not query)
