"""The areas' table takes core's name, and its content type moves with it, so the Editors'
permissions on areas (and any group given them since) still apply."""

from django.db import migrations


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    old = ContentType.objects.filter(app_label="pledges", model="area").first()
    if old is None:
        return
    new = ContentType.objects.filter(app_label="core", model="area").first()
    if new is None:
        old.app_label = "core"
        old.save(update_fields=["app_label"])
        return
    # Both exist (permissions were made for the new one already): keep the grants of the old.
    for permission in Permission.objects.filter(content_type=old):
        twin = Permission.objects.filter(content_type=new, codename=permission.codename).first()
        if twin is None:
            permission.content_type = new
            permission.save(update_fields=["content_type"])
            continue
        for group in permission.group_set.all():
            group.permissions.add(twin)
        for user in permission.user_set.all():
            user.user_permissions.add(twin)
    old.delete()


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="core", model="area").update(app_label="pledges")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_area"),
        ("pledges", "0010_area_moves_to_core"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AlterModelTable(name="area", table=None),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
