from django.apps import AppConfig


class EmployersConfig(AppConfig):
    name = "employers"
    verbose_name = "Workplace pledge"

    def ready(self):
        from core.middleware import read_query_params
        from core.signals import content_changes_with
        from mailings.services import register_email
        from organisations.registry import register_organisation_feature

        from . import emails, views
        from .models import (
            CHECK_IN_PLACEHOLDERS,
            CheckInStep,
            Commitment,
            Employer,
            EmployerSettings,
            Sector,
        )
        from .services import schedule

        CheckInStep.preview_details = schedule.preview_context
        # The listing, the public pages and the badges show these.
        content_changes_with(Commitment, Employer, EmployerSettings, Sector)
        # The listing's filters and its keyset cursor.
        read_query_params("sector", "size", "area", "after")
        register_organisation_feature(
            key="employers", label="Workplace pledge", url_for=views.manage_url, order=10
        )
        for decision, key in emails.DECISION_EMAILS.items():
            register_email(
                key=key,
                template=f"employers/emails/{decision}",
                description={
                    "approved": "tells an employer's members their workplace pledge is approved",
                    "changes": "asks an employer's members to change their workplace pledge",
                    "rejected": "tells an employer's members their workplace pledge was refused",
                }[decision],
                placeholders=emails.EMAIL_PLACEHOLDERS,
                sample_context=emails.EMAIL_SAMPLE,
            )
        # Worded on the check-in schedule (CheckInStep), not as email wording.
        register_email(
            key=emails.CHECK_IN_EMAIL,
            template="employers/emails/check_in",
            description="checks in with an employer on its action plan",
            placeholders=CHECK_IN_PLACEHOLDERS,
            sample_context=emails.EMAIL_SAMPLE,
            editable=False,
        )
        register_email(
            key=emails.RENEWAL_EMAIL,
            template="employers/emails/renewal_due",
            description="reminds an employer that its workplace pledge is due for renewal",
            placeholders=emails.EMAIL_PLACEHOLDERS,
            sample_context=emails.EMAIL_SAMPLE,
        )
        register_email(
            key=emails.LAPSED_EMAIL,
            template="employers/emails/lapsed",
            description="tells an employer's owners that its workplace pledge has lapsed",
            placeholders=emails.EMAIL_PLACEHOLDERS,
            sample_context=emails.EMAIL_SAMPLE,
        )
