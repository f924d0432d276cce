"""Staff roles for organisations in the admin (organisations/admin/permissions.py): Wagtail's
Moderators and the Data officers see the organisations and their public profiles; only Data
officers see their members, members' email addresses, invitations and history."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Moderators": ["view_organisation"],
    "Data officers": ["view_organisation", "view_membership"],
}


def ensure_permissions(apps):
    """Permissions are normally made after all migrations have run; the groups need them now."""
    app_config = apps.get_app_config("organisations")
    is_stub = getattr(app_config, "models_module", None) is None
    if is_stub:
        app_config.models_module = True
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        if is_stub:
            app_config.models_module = None


def grant(apps, schema_editor=None):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ensure_permissions(apps)
    for name, codenames in ROLES.items():
        permissions = Permission.objects.filter(
            content_type__app_label="organisations", codename__in=codenames
        )
        # Made by Wagtail's and core's migrations; a site without them gets no new group here.
        for group in Group.objects.filter(name=name):
            group.permissions.add(*permissions)


def revoke(apps, schema_editor=None):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        permissions = Permission.objects.filter(
            content_type__app_label="organisations", codename__in=codenames
        )
        for group in Group.objects.filter(name=name):
            group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0001_initial"),
        ("core", "0007_personal_data_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
