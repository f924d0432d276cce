from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from .middleware import retire_cached_pages
from .models import CampaignSettings


@receiver(page_published)
@receiver(page_unpublished)
@receiver(page_slug_changed)
@receiver(post_page_move)
@receiver(post_delete, sender=Page)
def retire_pages_on_publish(sender, **kwargs):
    retire_cached_pages()


@receiver(post_save, sender=CampaignSettings)
@receiver(post_delete, sender=CampaignSettings)
def retire_pages_on_settings_change(sender, **kwargs):
    retire_cached_pages()
