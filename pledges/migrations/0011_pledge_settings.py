"""The pledge target and the local activities page move from the campaign settings (core) to
pledges' own settings, with what each site had."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FIELDS = (
    "pledge_target",
    "pledge_target_label",
    "pledge_target_deadline",
    "local_activities_page_id",
)


def copy_from_campaign_settings(apps, schema_editor):
    CampaignSettings = apps.get_model("core", "CampaignSettings")
    PledgeSettings = apps.get_model("pledges", "PledgeSettings")
    for campaign in CampaignSettings.objects.all():
        PledgeSettings.objects.update_or_create(
            site_id=campaign.site_id,
            defaults={field: getattr(campaign, field) for field in FIELDS},
        )


def copy_back(apps, schema_editor):
    CampaignSettings = apps.get_model("core", "CampaignSettings")
    PledgeSettings = apps.get_model("pledges", "PledgeSettings")
    for pledge_settings in PledgeSettings.objects.all():
        CampaignSettings.objects.filter(site_id=pledge_settings.site_id).update(
            **{field: getattr(pledge_settings, field) for field in FIELDS}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("pledges", "0010_area_moves_to_core"),
        ("core", "0005_area_table"),
        ("wagtailcore", "0098_apitoken"),
        migrations.swappable_dependency(settings.WAGTAIL_PAGE_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PledgeSettings",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "pledge_target",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="How many pledges the campaign aims for, e.g. 1000. Leave empty to show the count without a target.",
                        null=True,
                    ),
                ),
                (
                    "pledge_target_label",
                    models.CharField(
                        blank=True,
                        help_text="What the target is, after the number, e.g. 'pledges by Loneliness Awareness Week'.",
                        max_length=120,
                    ),
                ),
                (
                    "pledge_target_deadline",
                    models.DateField(
                        blank=True,
                        help_text="Optional: the date the target is for. We show how many days are left.",
                        null=True,
                    ),
                ),
                (
                    "local_activities_page",
                    models.ForeignKey(
                        blank=True,
                        help_text="Where people find local groups and activities; linked after they pledge and in reminders.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.WAGTAIL_PAGE_MODEL,
                    ),
                ),
                (
                    "site",
                    models.OneToOneField(
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="wagtailcore.site",
                    ),
                ),
            ],
            options={
                "verbose_name": "Pledge settings",
            },
        ),
        migrations.RunPython(copy_from_campaign_settings, copy_back),
    ]
