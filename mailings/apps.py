from django.apps import AppConfig


class MailingsConfig(AppConfig):
    name = "mailings"
    verbose_name = "Email"

    def ready(self):
        from core.personal_data import register_personal_data
        from core.signals import content_changes_with

        # Registers the send tasks with Celery in every process (web ones too), where
        # mailings.handoff finds them by name.
        from . import personal_data, tasks  # noqa: F401
        from .models import EmailCopy
        from .registry import register_email

        # Email wording is read from core.content's per-process memo.
        content_changes_with(EmailCopy)
        register_email(
            key="notice",
            template="mailings/emails/notice",
            description="a plain message, its subject and paragraphs given by the sender",
            placeholders=("name",),
            sample_context={
                "subject": "A note from us",
                "name": "Sam",
                "paragraphs": ["Thank you for being part of the campaign."],
            },
            editable=False,
        )
        # Last, after every app's section: the emails to an address that no app lists with its
        # own records, and the do-not-email entry; its erasure removes whatever email is left.
        register_personal_data(
            key="emails",
            label="Other emails",
            description=(
                "Emails to this address that are not about anything listed above, and whether "
                "the address is on our do-not-email list. Erasing deletes every email to the "
                "address still held; the do-not-email entry stays (it holds a one-way "
                "fingerprint, not the address) so that we never email it again."
            ),
            find=personal_data.find_for_address,
            export=personal_data.export_for_address,
            erase=personal_data.erase_for_address,
            order=1000,
        )
