from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Campaign settings"

    def ready(self):
        from . import signals  # noqa: F401
        from .middleware import read_query_params

        read_query_params("p")  # the sitemap's pages
