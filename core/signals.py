from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.images import get_image_model
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from .content import content_changed
from .models import Area, CampaignSettings


@receiver(page_published)
@receiver(page_unpublished)
@receiver(page_slug_changed)
@receiver(post_page_move)
@receiver(post_delete, sender=Page)
def retire_pages_on_publish(sender, **kwargs):
    content_changed()


def _changed(sender, **kwargs):
    content_changed()


def content_changes_with(*models) -> None:
    """Saving or deleting any of these models changes what people see (see core.content)."""
    for model in models:
        post_save.connect(_changed, sender=model, dispatch_uid=f"content:save:{model._meta.label}")
        post_delete.connect(
            _changed, sender=model, dispatch_uid=f"content:delete:{model._meta.label}"
        )


# Each process keeps the sites, view restrictions and the pictures every page shows
# (core.routing, core.chrome): a change to any of them is a change to what people see.
content_changes_with(CampaignSettings, Site, PageViewRestriction, get_image_model())
# The areas are offered by forms and filters that every process keeps.
content_changes_with(Area)
