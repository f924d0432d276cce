from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "organisations"
    verbose_name = "Organisations"

    def ready(self):
        from accounts.services import register_deletion_check
        from core.personal_data import register_personal_data
        from mailings.services import register_email

        from . import personal_data, selectors, services
        from .emails import INVITE_EMAIL, INVITE_PLACEHOLDERS, INVITE_SAMPLE

        register_email(
            key=INVITE_EMAIL,
            template="organisations/emails/invite",
            description="invites someone to join an organisation on the site",
            placeholders=INVITE_PLACEHOLDERS,
            sample_context=INVITE_SAMPLE,
        )
        register_personal_data(
            key="organisations",
            label="Organisations",
            description=(
                "The organisations the person's account is a member of (name, role, when they "
                "joined) and the invitations sent to this address. Erasing takes the person "
                "out of every organisation and deletes the invitations. If they were an "
                "organisation's only owner, the organisation is left without an owner; its "
                "other members stay."
            ),
            find=personal_data.find_for_address,
            export=personal_data.export_for_address,
            erase=services.erase_for_address,
            order=50,
        )
        # An account cannot be deleted while it is the only owner of an organisation.
        register_deletion_check(selectors.why_not_leave_everything)
