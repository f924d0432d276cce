"""Pledges' areas are core's now (core 0004): the pledge's foreign key points there, and the
model leaves pledges' state. Nothing changes in the database here."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pledges", "0009_pledge_wall_keyset_indexes"),
        ("core", "0004_area"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="pledge",
                    name="area",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="pledges",
                        to="core.area",
                    ),
                ),
                migrations.DeleteModel(name="Area"),
            ],
            database_operations=[],
        ),
    ]
