from django.apps import AppConfig


class PledgesConfig(AppConfig):
    name = "pledges"
    verbose_name = "Pledges"

    def ready(self):
        from core.middleware import read_query_params
        from core.signals import content_changes_with
        from mailings.models import editable_email

        from .models import PledgeSettings, PledgeSuggestion, ReminderStep

        # The pledge form, the counter and the reminders read these from core.content's
        # per-process memo.
        content_changes_with(PledgeSettings, PledgeSuggestion, ReminderStep)
        # The wall's filters and its keyset cursors (pages past the first are not kept).
        read_query_params("area", "kind", "before", "after")
        editable_email("pledge_confirm", "asks someone who pledged online to confirm")
        editable_email("pledge_recorded", "thanks someone whose pledge staff added")
