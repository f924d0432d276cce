"""The pledge fields have moved to pledges' own settings (pledges 0011, which copied them)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_area_table"),
        ("pledges", "0011_pledge_settings"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="campaignsettings",
            name="local_activities_page",
        ),
        migrations.RemoveField(
            model_name="campaignsettings",
            name="pledge_target",
        ),
        migrations.RemoveField(
            model_name="campaignsettings",
            name="pledge_target_deadline",
        ),
        migrations.RemoveField(
            model_name="campaignsettings",
            name="pledge_target_label",
        ),
    ]
