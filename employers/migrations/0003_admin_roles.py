"""The admin roles for the workplace pledge (employers/admin/permissions.py). No new group:

- Editors (the comms team) keep the commitments, sectors, check-in emails and the workplace
  pledge settings;
- Wagtail's Moderators review submitted pledges and see employers and their plans, never their
  members or members' email addresses (as they see organisations: organisations 0002);
- Data officers see employers with their members' names and emails, export them, and mark the
  lead employer (the council itself);
- all three see the figures.

Pledge moderators and Pledge takers get nothing here. The reviewers' listing is a proxy model,
as pledges' moderation queue is, so its permission and its listing stay apart from the Data
officers'."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Editors": [
        "add_commitment",
        "change_commitment",
        "view_commitment",
        "add_sector",
        "change_sector",
        "view_sector",
        "add_checkinstep",
        "change_checkinstep",
        "view_checkinstep",
        "change_employersettings",
        "view_employer_figures",
    ],
    "Moderators": ["review_submission", "view_employer_figures"],
    "Data officers": [
        "view_employer_members",
        "export_employers",
        "mark_lead_employer",
        "view_employer_figures",
    ],
}


def ensure_permissions(apps):
    """Permissions are normally made after all migrations have run; the groups need them now."""
    app_config = apps.get_app_config("employers")
    is_stub = getattr(app_config, "models_module", None) is None
    if is_stub:
        app_config.models_module = True
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        if is_stub:
            app_config.models_module = None


def _permissions(Permission, codenames):
    return Permission.objects.filter(content_type__app_label="employers", codename__in=codenames)


def grant(apps, schema_editor=None):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ensure_permissions(apps)
    for name, codenames in ROLES.items():
        # Made by Wagtail's and core's migrations; a site without them gets no new group here.
        for group in Group.objects.filter(name=name):
            group.permissions.add(*_permissions(Permission, codenames))


def revoke(apps, schema_editor=None):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(*_permissions(Permission, codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("employers", "0002_default_commitments"),
        # The groups: Wagtail's Editors and Moderators, core's Data officers.
        ("wagtailcore", "0002_initial_data"),
        ("core", "0007_personal_data_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="EmployerForReview",
            fields=[],
            options={
                "verbose_name": "employer (for review)",
                "verbose_name_plural": "employers (for review)",
                "permissions": [
                    (
                        "review_submission",
                        "Can approve, send back or refuse workplace pledges (sees no members' "
                        "emails)",
                    )
                ],
                "proxy": True,
                "default_permissions": (),
                "indexes": [],
                "constraints": [],
            },
            bases=("employers.employer",),
        ),
        migrations.AlterModelOptions(
            name="employer",
            options={
                "ordering": ["-is_lead", "organisation__name", "pk"],
                "permissions": [
                    (
                        "view_employer_members",
                        "Can see employers with their members' names and emails",
                    ),
                    (
                        "export_employers",
                        "Can download employers with their members' emails (CSV, XLSX)",
                    ),
                    (
                        "mark_lead_employer",
                        "Can mark which employer is the lead employer (the council)",
                    ),
                    ("view_employer_figures", "Can see the workplace pledge figures"),
                ],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
