from django.apps import AppConfig

# Sample details for previews of the pledge emails in the admin.
EMAIL_SAMPLE = {
    "first_name": "Sam",
    "pledge": "Say hello to a neighbour",
    "ideas": "Knock on a door with a cake, or join a local walking group.",
    "action_url": "#",
    "manage_url": "#",
    "unsubscribe_url": "#",
}
EMAIL_PLACEHOLDERS = ("first_name", "pledge", "ideas", "campaign")


class PledgesConfig(AppConfig):
    name = "pledges"
    verbose_name = "Pledges"

    def ready(self):
        from core.middleware import read_query_params
        from core.personal_data import register_personal_data
        from core.signals import content_changes_with
        from mailings.services import claim_key_prefix, register_email

        from . import forms, views
        from .models import (
            REMINDER_PLACEHOLDERS,
            PledgePage,
            PledgeSettings,
            PledgeSuggestion,
            PledgeWallPage,
            ReminderStep,
        )
        from .selectors import wall
        from .services import privacy, reminders

        # The pages' form, view and wall, and the reminders' preview, sit above the models, so
        # they are plugged in here.
        PledgePage.form = forms.PledgeForm
        PledgePage.form_handler = views.pledge_form
        PledgeWallPage.wall_context = wall.wall_page_context
        ReminderStep.preview_details = reminders.preview_context

        # The pledge form, the counter and the reminders read these from core.content's
        # per-process memo.
        content_changes_with(PledgeSettings, PledgeSuggestion, ReminderStep)
        # The wall's filters and its keyset cursors (pages past the first are not kept).
        read_query_params("area", "kind", "before", "after")
        register_email(
            key="pledge_confirm",
            template="pledges/emails/confirm",
            description="asks someone who pledged online to confirm",
            placeholders=EMAIL_PLACEHOLDERS,
            sample_context=EMAIL_SAMPLE,
        )
        register_email(
            key="pledge_recorded",
            template="pledges/emails/recorded",
            description="thanks someone whose pledge staff added",
            placeholders=EMAIL_PLACEHOLDERS,
            sample_context=EMAIL_SAMPLE,
        )
        # Worded on the reminder schedule (ReminderStep), not as email wording.
        register_email(
            key="pledge_reminder",
            template="pledges/emails/reminder",
            description="reminds someone of their pledge",
            placeholders=REMINDER_PLACEHOLDERS,
            sample_context=EMAIL_SAMPLE,
            editable=False,
        )
        # Emails about a pledge are keyed "pledge:<id>:..."; they are listed and erased with it.
        claim_key_prefix("pledge:")
        # A Data officer's look-up and erasure by address, and a resident's download, reach
        # every pledge made with the address (pledges store it stripped and in lower case).
        register_personal_data(
            key="pledges",
            label="Pledges",
            description=(
                "Pledges made with this address: name, area, age band, how they heard about "
                "us, consents, and the emails we sent about each pledge. Erasing deletes them "
                "and their emails; a one-way fingerprint of the address stays if they stopped "
                "our emails, so that we never email it again."
            ),
            find=privacy.find_for_address,
            export=privacy.export_for_address,
            erase=privacy.erase_for_address,
            order=10,
        )
