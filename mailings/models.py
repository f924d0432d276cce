"""The outbox: every email the platform sends, written in the same transaction as its cause."""

import hashlib
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.functional import lazy
from wagtail.admin.panels import FieldPanel
from wagtail.models import PreviewableMixin

from .registry import EMAILS, editable_emails, registered_email
from .wording import placeholder_errors, preview_context


class OutboundEmail(models.Model):
    """One email to one person. The idempotency key makes a second send of the same message
    impossible: a retry, a second beat or a double click finds the existing row."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to send"
        SENT = "sent", "Sent"
        FAILED = "failed", "Gave up"
        CANCELLED = "cancelled", "Cancelled"

    key = models.CharField(
        max_length=200,
        unique=True,
        help_text="What this email is for, as the app that sent it names it: one email per key.",
    )
    to = models.EmailField()
    template = models.CharField(
        max_length=100, help_text="Which registered email it is written from (its key)."
    )
    context = models.JSONField(default=dict, blank=True)
    subject = models.CharField(max_length=250)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    handed_over_at = models.DateTimeField(
        null=True, blank=True, help_text="When the sweep last gave it to the worker."
    )
    claimed_by = models.CharField(
        max_length=64, blank=True, help_text="The worker task that last claimed it."
    )

    class Meta:
        verbose_name = "outbound email"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
        ]

    def __str__(self):
        return f"{self.summary} ({self.get_status_display()})"

    @property
    def summary(self) -> str:
        """The subject; an email queued by template gets its words when it is sent."""
        return self.subject or f"{self.template} (written when sent)"

    @property
    def message_id(self) -> str:
        return message_id_for_key(self.key)


def message_id_for_key(key: str) -> str:
    """A Message-ID that is the same every time a key is sent, so receivers drop the rare
    duplicate left by a crash between handing the message over and recording it as sent."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{key}".encode()).hexdigest()[:40]
    _, at, domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")
    domain = domain if at and domain else "localhost"  # an address without "@" has no domain
    return f"<{digest}@{domain}>"


def address_hash(address: str) -> str:
    """A one-way fingerprint of an email address, so a suppression outlives the address itself."""
    return hashlib.sha256(f"suppression:{address.strip().lower()}".encode()).hexdigest()


class Suppression(models.Model):
    """An address that must get no more email: unsubscribed, bounced or erased. Only a hash
    of the address is kept."""

    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
        BOUNCED = "bounced", "Bounced"
        COMPLAINED = "complained", "Marked as spam"

    address_hash = models.CharField(max_length=64, unique=True)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_reason_display()} on {self.created_at:%d %b %Y}"


def _key_help() -> str:
    keys = [f"'{email.key}' ({email.description})" for email in editable_emails()]
    listed = " or ".join([", ".join(keys[:-1]), keys[-1]] if len(keys) > 1 else keys)
    return f"Which email this is: {listed}."


def _body_help() -> str:
    # The placeholders of the editable emails: listed once when they all share them.
    by_names: dict[tuple[str, ...], list[str]] = {}
    for email in editable_emails():
        by_names.setdefault(email.placeholders, []).append(email.key)
    listed = []
    for names, keys in by_names.items():
        braced = ", ".join("{" + name + "}" for name in names)
        listed.append(braced if len(by_names) == 1 else f"{braced} in {', '.join(keys)}")
    return (
        "Plain text. Leave a blank line between paragraphs. Placeholders: "
        + "; ".join(listed)
        + "."
    )


class EmailCopy(PreviewableMixin, models.Model):
    """The words of one kind of email, edited by the comms team. Placeholders such as
    {first_name} are filled in for each person; buttons and links are added by the email's
    template. Each app registers the emails that may be worded here (mailings.registry)."""

    key = models.CharField(
        max_length=60,
        unique=True,
        help_text="Which email this is: one of the emails registered as editable.",
    )
    subject = models.CharField(max_length=150)
    body = models.TextField(
        help_text="Plain text. Leave a blank line between paragraphs. Placeholders: those of "
        "the email."
    )

    # The registered emails are known once the apps are ready: the help is written then.
    panels = [
        FieldPanel("key", help_text=lazy(_key_help, str)()),
        FieldPanel("subject"),
        FieldPanel("body", help_text=lazy(_body_help, str)()),
    ]

    class Meta:
        verbose_name = "email wording"
        verbose_name_plural = "email wording"
        ordering = ["key"]

    def __str__(self):
        return self.key

    def clean(self):
        email = EMAILS.get(self.key)
        errors = {
            field: message
            for field in ("subject", "body")
            if email and (message := placeholder_errors(getattr(self, field), email.placeholders))
        }
        if email is None or not email.editable:
            # A key no email reads its wording from would change nothing.
            errors["key"] = "Use one of these: " + "; ".join(
                f"{email.key} ({email.description})" for email in editable_emails()
            )
        if errors:
            raise ValidationError(errors)

    # Previews in the admin use the email's sample details and links that go nowhere.
    def get_preview_template(self, request, mode_name):
        return f"{registered_email(self.key).template}.html"

    def get_preview_context(self, request, mode_name):
        return preview_context(self.key, subject=self.subject, body=self.body)
