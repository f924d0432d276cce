from django.apps import AppConfig


class MailingsConfig(AppConfig):
    name = "mailings"
    verbose_name = "Email"

    def ready(self):
        from core.signals import content_changes_with

        from .models import EmailCopy

        # Email wording is read from core.content's per-process memo.
        content_changes_with(EmailCopy)
