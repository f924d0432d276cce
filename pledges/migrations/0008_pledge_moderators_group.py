"""Pledge moderation is a role of its own, "Pledge moderators": the admin and approving or
rejecting pledges, nothing else. Wagtail's "Moderators" group approves pages and can upload
images and documents, so it no longer carries pledge moderation.

Wagtail's documents migration gives the document chooser to every group that can use the
admin; the roles that never edit content (Data officers, Pledge takers) do not need it."""

import importlib

from django.db import migrations

roles = importlib.import_module("pledges.migrations.0005_pledge_admin_roles")

PLEDGE_MODERATORS = "Pledge moderators"
WAGTAIL_MODERATORS = "Moderators"
NO_CONTENT_ROLES = ["Data officers", "Pledge takers"]


def _permission(Permission, app_label, codename):
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _choose_document(Permission):
    return Permission.objects.filter(
        content_type__app_label="wagtaildocs", codename="choose_document"
    ).first()


def split_moderation(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    roles.ensure_pledge_permissions(apps)
    moderate = _permission(Permission, "pledges", "moderate_pledge")
    access_admin = _permission(Permission, *roles.ACCESS_ADMIN)

    group, _ = Group.objects.get_or_create(name=PLEDGE_MODERATORS)
    group.permissions.add(access_admin, moderate)
    for moderators in Group.objects.filter(name=WAGTAIL_MODERATORS):
        moderators.permissions.remove(moderate)

    if choose := _choose_document(Permission):
        for other in Group.objects.filter(name__in=NO_CONTENT_ROLES):
            other.permissions.remove(choose)
        GroupCollectionPermission.objects.filter(
            group__name__in=NO_CONTENT_ROLES, permission=choose
        ).delete()


def join_moderation(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    moderate = Permission.objects.filter(
        content_type__app_label="pledges", codename="moderate_pledge"
    ).first()
    if moderate:
        for moderators in Group.objects.filter(name=WAGTAIL_MODERATORS):
            moderators.permissions.add(moderate)
    Group.objects.filter(name=PLEDGE_MODERATORS).delete()

    # What Wagtail's documents migration gave these groups.
    choose = _choose_document(Permission)
    root = Collection.objects.filter(depth=1).first()
    if choose:
        for other in Group.objects.filter(name__in=NO_CONTENT_ROLES):
            other.permissions.add(choose)
            if root:
                GroupCollectionPermission.objects.get_or_create(
                    group=other, collection=root, permission=choose
                )


class Migration(migrations.Migration):
    dependencies = [
        ("pledges", "0007_data_officers_erase"),
        # After Wagtail's own group data, so the new group gets none of it.
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailimages", "0027_image_description"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(split_moderation, join_moderation)]
