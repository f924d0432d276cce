from django.apps import AppConfig


class MailingsConfig(AppConfig):
    name = "mailings"
    verbose_name = "Email"

    def ready(self):
        from core.signals import content_changes_with

        # Registers the send tasks with Celery in every process (web ones too), where
        # mailings.handoff finds them by name.
        from . import tasks  # noqa: F401
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
