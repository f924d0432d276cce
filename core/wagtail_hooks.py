"""Core's admin: the list of areas (districts and towns), which every feature uses."""

from wagtail.snippets.models import register_snippet

from .admin import SnippetViewSet
from .models import Area


class AreaViewSet(SnippetViewSet):
    model = Area
    icon = "site"
    menu_label = "Areas"
    add_to_settings_menu = True
    list_display = ["name", "sort_order", "active"]
    list_filter = ["active"]


register_snippet(AreaViewSet)
