from django.db import migrations

STEPS = [
    {
        "slug": "7d",
        "days_after_confirmation": 7,
        "subject": "How is your pledge going, {first_name}?",
        "body": "A week ago you pledged to {pledge}. We hope it is going well.\n\n"
        "Small steps count. Here are a few ideas if you would like them.",
        "include_ideas": True,
        "asks_outcome": False,
    },
    {
        "slug": "30d",
        "days_after_confirmation": 30,
        "subject": "Did you do it, {first_name}?",
        "body": "A month ago you pledged to {pledge}. Did you do it? One click tells us, and "
        "helps us show what our community is doing together.",
        "include_ideas": False,
        "asks_outcome": True,
    },
]


def add_steps(apps, schema_editor):
    ReminderStep = apps.get_model("pledges", "ReminderStep")
    for step in STEPS:
        ReminderStep.objects.get_or_create(slug=step["slug"], defaults=step)


class Migration(migrations.Migration):
    dependencies = [("pledges", "0001_initial")]

    operations = [migrations.RunPython(add_steps, migrations.RunPython.noop)]
