"""The admin roles for pledges. Wagtail's own "Moderators" and "Editors" groups are reused;
"Data officers" and "Pledge takers" are new. Every role can reach the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ACCESS_ADMIN = ("wagtailadmin", "access_admin")

ROLES = {
    # Moderators read pledge text and approve or reject it; they never see personal data.
    "Moderators": ["moderate_pledge"],
    # Editors look after the campaign's content: suggestions, areas and the reminder schedule.
    "Editors": [
        "add_pledgesuggestion",
        "change_pledgesuggestion",
        "delete_pledgesuggestion",
        "view_pledgesuggestion",
        "add_area",
        "change_area",
        "view_area",
        "add_reminderstep",
        "change_reminderstep",
        "view_reminderstep",
    ],
    # Data officers see and export personal data, and add pledges taken by phone or on paper.
    "Data officers": ["view_personal_data", "export_pledges", "add_pledge"],
    # Staff or volunteers who only type in pledges taken by phone, on paper or at events.
    "Pledge takers": ["add_pledge"],
}
NEW_GROUPS = ["Data officers", "Pledge takers"]


def ensure_pledge_permissions(apps):
    """Permissions are normally made after all migrations have run; the groups need them now."""
    app_config = apps.get_app_config("pledges")
    is_stub = getattr(app_config, "models_module", None) is None
    if is_stub:
        app_config.models_module = True
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        if is_stub:
            app_config.models_module = None


def add_roles(apps, schema_editor=None):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ensure_pledge_permissions(apps)
    access_admin = Permission.objects.get(
        content_type__app_label=ACCESS_ADMIN[0], codename=ACCESS_ADMIN[1]
    )
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(
            content_type__app_label="pledges", codename__in=codenames
        )
        group.permissions.add(access_admin, *permissions)


def remove_roles(apps, schema_editor=None):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.filter(name__in=NEW_GROUPS).delete()
    for name, codenames in ROLES.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="pledges", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("pledges", "0004_pledge_admin_permissions_and_moderation_proxy"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(add_roles, remove_roles)]
