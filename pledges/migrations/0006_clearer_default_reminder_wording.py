"""Clearer default reminder wording: the pledge is quoted (so "Say hello…" keeps its capital
letter naturally), and the week's email no longer promises ideas that own-words pledges do
not have. Wording the comms team has already changed is left alone."""

from django.db import migrations

OLD = {
    "7d": "A week ago you pledged to {pledge}. We hope it is going well.\n\n"
    "Small steps count. Here are a few ideas if you would like them.",
    "30d": "A month ago you pledged to {pledge}. Did you do it? One click tells us, and "
    "helps us show what our community is doing together.",
}
NEW = {
    "7d": "A week ago you made a pledge: “{pledge}”. We hope it is going well.\n\n"
    "Small steps count, and every one makes a difference to someone.",
    "30d": "A month ago you made a pledge: “{pledge}”. Did you do it? One click tells us, "
    "and helps us show what our community is doing together.",
}


def update(apps, schema_editor, source, target):
    ReminderStep = apps.get_model("pledges", "ReminderStep")
    for slug, body in source.items():
        ReminderStep.objects.filter(slug=slug, body=body).update(body=target[slug])


class Migration(migrations.Migration):
    dependencies = [("pledges", "0005_pledge_admin_roles")]

    operations = [
        migrations.RunPython(
            lambda apps, editor: update(apps, editor, OLD, NEW),
            lambda apps, editor: update(apps, editor, NEW, OLD),
        )
    ]
