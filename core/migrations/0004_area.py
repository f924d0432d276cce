"""The list of areas moves from pledges to core, where every feature can use it. This step only
tells Django's model state; the table is renamed once pledges points at the new model (0005)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_campaign_local_activities_page"),
        ("pledges", "0009_pledge_wall_keyset_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Area",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("name", models.CharField(max_length=80, unique=True)),
                        ("sort_order", models.PositiveSmallIntegerField(default=0)),
                        (
                            "active",
                            models.BooleanField(
                                default=True, help_text="Untick to stop offering this area."
                            ),
                        ),
                    ],
                    options={"ordering": ["sort_order", "name"], "db_table": "pledges_area"},
                ),
            ],
            database_operations=[],
        ),
    ]
