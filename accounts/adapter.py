"""allauth's emails (verification, password reset) go through the outbox like every other."""

import uuid

from allauth.account.adapter import DefaultAccountAdapter

from core.forms import refuse_control_characters
from mailings.services import queue_rendered_email


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email):
        # Django's email check lets control characters through inside quotes.
        refuse_control_characters(email)
        return super().clean_email(email)

    def send_mail(self, template_prefix, email, context):
        message = self.render_mail(template_prefix, email, context)
        html = ""
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                html = content
        queue_rendered_email(
            to=email,
            subject=message.subject,
            body_text=message.body,
            body_html=html,
            key=f"account:{template_prefix.rsplit('/', 1)[-1]}:{uuid.uuid4()}",
            template=template_prefix,
        )
