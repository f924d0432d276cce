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
        from core.signals import content_changes_with
        from mailings.services import register_email

        from .models import REMINDER_PLACEHOLDERS, Area, PledgeSuggestion, ReminderStep

        # The pledge form and the reminders read these from core.content's per-process memo.
        content_changes_with(Area, PledgeSuggestion, ReminderStep)
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
