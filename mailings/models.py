"""The outbox: every email the platform sends, written in the same transaction as its cause."""

from django.db import models
from django.utils import timezone


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

    class Meta:
        verbose_name = "outbound email"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
        ]

    def __str__(self):
        return f"{self.subject} ({self.get_status_display()})"

    @property
    def message_id(self) -> str:
        from .services import message_id_for_key

        return message_id_for_key(self.key)
