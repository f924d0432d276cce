"""Data officers look up, download and erase everything the site holds about an email address, in
every app at once (core/personal_data.py). The permissions are platform-wide, so they live on a
core model; the group is made here if the pledges roles' migration has not made it yet."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

DATA_OFFICERS = "Data officers"
CODENAMES = ["look_up_personal_data", "erase_personal_data"]


def ensure_core_permissions(apps):
    """Permissions are normally made after all migrations have run; the group needs them now."""
    app_config = apps.get_app_config("core")
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
    ensure_core_permissions(apps)
    access_admin = Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    group, _ = Group.objects.get_or_create(name=DATA_OFFICERS)
    group.permissions.add(
        access_admin,
        *Permission.objects.filter(content_type__app_label="core", codename__in=CODENAMES),
    )


def revoke(apps, schema_editor=None):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=DATA_OFFICERS):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="core", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_pledge_fields_leave"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="campaignsettings",
            options={
                "permissions": [
                    (
                        "look_up_personal_data",
                        "Can look up and download everything the site holds about an email address",
                    ),
                    (
                        "erase_personal_data",
                        "Can erase everything the site holds about an email address when the person asks",
                    ),
                ],
                "verbose_name": "Campaign settings",
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
