"""What pledges offers other apps' templates: `{% pledge_counter %}` places the counter, with the
target's progress and a link to pledge, wherever a page wants it (the home page does)."""

from django import template

from pledges.selectors.counters import counter_summary
from pledges.selectors.pages import residents_pledge_page

register = template.Library()


@register.inclusion_tag("pledges/includes/counter.html", takes_context=True)
def pledge_counter(context):
    # From the cache that beat refreshes each minute: never counted per request.
    return {
        "pledge_counter": counter_summary(context.get("request")),
        "pledge_page": residents_pledge_page(),
    }
