from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Campaign settings"

    def ready(self):
        from . import signals  # noqa: F401
        from .exports import make_every_export_safe

        make_every_export_safe()
