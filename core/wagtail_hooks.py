"""What core adds to Wagtail's admin: the Data officer's screen for one person's data across every
app (core/admin_views.py), and its permissions in the group editor (Settings > Groups)."""

from django.contrib.auth.models import Permission
from wagtail import hooks

from .admin_views import PersonalDataViewSet


@hooks.register("register_admin_viewset")
def register_personal_data_viewset():
    return PersonalDataViewSet()


@hooks.register("register_permissions")
def personal_data_permissions():
    return Permission.objects.filter(
        content_type__app_label="core",
        codename__in=["look_up_personal_data", "erase_personal_data"],
    )
