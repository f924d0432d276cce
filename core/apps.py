from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Campaign settings"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import signals  # noqa: F401
        from .exports import make_every_export_safe
        from .middleware import read_query_params
        from .sites import sync_after_migrate

        post_migrate.connect(sync_after_migrate, sender=self)
        read_query_params("p")  # the sitemap's pages
        make_every_export_safe()
