from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = "Campaign pages"

    def ready(self):
        from core.middleware import read_query_params

        read_query_params("page", "q")  # story listing pages; search words
