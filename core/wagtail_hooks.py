"""What core adds to Wagtail's admin: the list of areas (districts and towns) that every feature
uses, and the Data officer's screen for one person's data across every app
(core/admin_views.py) with its permissions in the group editor (Settings > Groups)."""

from django.contrib.auth.models import Permission
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from .admin import SnippetViewSet
from .admin_views import PersonalDataViewSet
from .models import Area


class AreaViewSet(SnippetViewSet):
    model = Area
    icon = "site"
    menu_label = "Areas"
    add_to_settings_menu = True
    list_display = ["name", "sort_order", "active"]
    list_filter = ["active"]


register_snippet(AreaViewSet)


@hooks.register("register_admin_viewset")
def register_personal_data_viewset():
    return PersonalDataViewSet()


@hooks.register("register_permissions")
def personal_data_permissions():
    return Permission.objects.filter(
        content_type__app_label="core",
        codename__in=["look_up_personal_data", "erase_personal_data"],
    )
