"""Reads that home's blocks need from home's own pages (blocks sit below the page models, so
they ask here rather than import them)."""

from django import template

from home.models import StoryPage

register = template.Library()


@register.simple_tag
def teaser_stories(value) -> list[StoryPage]:
    """A story teaser block's chosen stories, or the newest ones when none are chosen."""
    stories = StoryPage.objects.live().public().select_related("image")
    chosen_ids = [page.pk for page in value.get("stories") or [] if page]
    if chosen_ids:
        by_id = {story.pk: story for story in stories.filter(pk__in=chosen_ids)}
        return [by_id[pk] for pk in chosen_ids if pk in by_id]
    return list(stories.order_by("-date", "-pk")[: value.get("count") or 3])
