"""Organisations that people run together on the site (an employer signing the workplace pledge,
a community group listing what it runs), their members and the invitations to join them.

A foundation: it knows no feature. Features hang their own records on an organisation (a
one-to-one or a foreign key) and list what they offer it through `organisations.registry`."""

import secrets

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import Area


def new_public_id() -> str:
    """An id for public addresses (a badge's verification page): 128 random bits, not guessable
    and saying nothing of how many organisations there are."""
    return secrets.token_urlsafe(16)


def new_secret() -> str:
    return secrets.token_urlsafe(12)


# Companies House: 8 characters, digits or a two-letter prefix (SC, NI, OC...) and 6 digits.
company_number_validator = RegexValidator(
    r"^([0-9]{8}|[A-Z]{2}[0-9]{6})$",
    "Enter a Companies House number of 8 characters, like 01234567 or SC123456.",
)
# Charity Commission (England and Wales) 6-7 digits with an optional -n suffix; Scotland SC and
# 6 digits; Northern Ireland NIC or 1 and 5-6 digits.
charity_number_validator = RegexValidator(
    r"^([0-9]{6,7}(-[0-9]{1,2})?|SC[0-9]{6}|NIC?[0-9]{5,6}|1[0-9]{5})$",
    "Enter a charity number like 1234567, SC012345 or NIC100001.",
)


class Organisation(models.Model):
    """An organisation and its public profile. Members manage it; the public sees what its
    features publish (an approved pledge, a listing), never its members."""

    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    name = models.CharField(max_length=150)
    website = models.URLField(max_length=300, blank=True)
    contact_email = models.EmailField(
        "public contact email", blank=True, help_text="Shown to the public, if you give one."
    )
    contact_phone = models.CharField("public contact phone", max_length=40, blank=True)
    company_number = models.CharField(
        "Companies House number", max_length=8, blank=True, validators=[company_number_validator]
    )
    charity_number = models.CharField(
        max_length=12, blank=True, validators=[charity_number_validator]
    )
    # A PNG or WebP written by organisations.logos from the upload (re-encoded, no metadata).
    logo = models.FileField(upload_to="organisations/logos/", blank=True, max_length=200)
    logo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    logo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    areas = models.ManyToManyField(Area, blank=True, related_name="+", verbose_name="districts")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    EDITOR = "editor", "Editor"


class Membership(models.Model):
    """One person's place in an organisation. Owners manage members and may withdraw or delete;
    editors edit what the organisation publishes."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.EDITOR)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation", "joined_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="one_membership_each")
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}) in {self.organisation}"

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER


class Invite(models.Model):
    """An invitation, emailed to one address, to join an organisation in a role. Its link is
    signed, expires, works once and only for an account with that address."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invites")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.EDITOR)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    secret = models.CharField(max_length=20, default=new_secret, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Each email of the invitation has its own outbox key (…:invite:<id>:<times_sent>), and
    # inviting again within a few minutes of the last one sends nothing (a double click).
    last_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    times_sent = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One open invitation per address and organisation: inviting again re-sends it.
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=Q(accepted_at__isnull=True, cancelled_at__isnull=True),
                name="one_open_invite_per_address",
            )
        ]

    def __str__(self):
        return f"Invitation to {self.email} to join {self.organisation}"

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.cancelled_at is None
            and self.expires_at > timezone.now()
        )
