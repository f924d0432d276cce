"""The outbox: every email the platform sends, written in the same transaction as its cause."""

from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel
from wagtail.models import PreviewableMixin


class OutboundEmail(models.Model):
    """One email to one person. The idempotency key makes a second send of the same message
    impossible: a retry, a second beat or a double click finds the existing row."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to send"
        SENT = "sent", "Sent"
        FAILED = "failed", "Gave up"
        CANCELLED = "cancelled", "Cancelled"

    key = models.CharField(
        max_length=200, unique=True, help_text="What this email is for, e.g. 'pledge:42:confirm'."
    )
    to = models.EmailField()
    template = models.CharField(max_length=100, help_text="Template name under mailings/emails/.")
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
        from .services import message_id_for_key

        return message_id_for_key(self.key)


def address_hash(address: str) -> str:
    """A one-way fingerprint of an email address, so a suppression outlives the address itself."""
    import hashlib

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


EMAIL_PLACEHOLDERS = ("first_name", "pledge", "ideas", "campaign")

# The emails whose wording the comms team may edit here, by key: each feature lists its own
# (editable_email, from its AppConfig.ready), since mailings knows no feature.
EDITABLE_EMAILS: dict[str, str] = {}


def editable_email(key: str, description: str) -> None:
    EDITABLE_EMAILS[key] = description


class EmailCopy(PreviewableMixin, models.Model):
    """The words of one kind of email, edited by the comms team. Placeholders such as
    {first_name} and {pledge} are filled in for each person; buttons and links are added
    by the email's template."""

    key = models.CharField(
        max_length=60,
        unique=True,
        help_text="Which email this is: 'pledge_confirm' (confirm a pledge made online) or "
        "'pledge_recorded' (a pledge added by staff). Reminders are worded on the reminder "
        "schedule.",
    )
    subject = models.CharField(max_length=150)
    body = models.TextField(
        help_text="Plain text. Leave a blank line between paragraphs. Placeholders: "
        "{first_name}, {pledge}, {ideas}, {campaign}."
    )

    panels = [FieldPanel("key"), FieldPanel("subject"), FieldPanel("body")]

    class Meta:
        verbose_name = "email wording"
        verbose_name_plural = "email wording"
        ordering = ["key"]

    def __str__(self):
        return self.key

    def clean(self):
        errors = {
            field: message
            for field in ("subject", "body")
            if (message := placeholder_errors(getattr(self, field), EMAIL_PLACEHOLDERS))
        }
        if self.key not in EDITABLE_EMAILS:
            # A key no email reads would change nothing; reminders are worded on the schedule.
            errors["key"] = "Use one of these: " + "; ".join(
                f"{key} ({description})" for key, description in sorted(EDITABLE_EMAILS.items())
            )
        if errors:
            from django.core.exceptions import ValidationError

            raise ValidationError(errors)

    def fill(self, text: str, context: dict) -> str:
        values = {k: str(v) for k, v in context.items() if isinstance(v, str | int)}
        return text.format_map(_KeepUnknown(values))

    def rendered_subject(self, context: dict) -> str:
        return self.fill(self.subject, context)

    def rendered_paragraphs(self, context: dict) -> list[str]:
        body = self.fill(self.body, context)
        return [p.strip() for p in body.replace("\r\n", "\n").split("\n\n") if p.strip()]

    # Previews in the admin use sample values and links that go nowhere.
    def get_preview_template(self, request, mode_name):
        return f"mailings/emails/{self.key}.html"

    def get_preview_context(self, request, mode_name):
        from .services import preview_context

        return preview_context(self)


def placeholder_errors(text: str, allowed) -> str:
    """A message if `text` has a placeholder we cannot fill, else an empty string."""
    import string

    try:
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError:
        return "Check the curly brackets: each placeholder looks like {first_name}."
    unknown = sorted({name for name in names if name not in allowed})
    if unknown:
        return (
            "Unknown placeholder: "
            + ", ".join("{" + n + "}" for n in unknown)
            + (". You can use " + ", ".join("{" + a + "}" for a in allowed) + ".")
        )
    return ""


class _KeepUnknown(dict):
    def __missing__(self, key):
        return "{" + key + "}"
