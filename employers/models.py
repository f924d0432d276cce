"""The workplace pledge: an employer (an organisation's employer profile), the commitments it
chooses with an action for each, the submissions the council reviews, and what is published.

An employer's plan (its `PlanItem`s) is the living one its members edit and report progress
on. Each time they submit it, a `Submission` keeps a copy as sent (the reviewer reads that);
approving it publishes the copy (`Employer.published`), so the public page, the listing and the
badge keep showing the last approved plan while a change or a renewal is under review."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import PreviewableMixin

from mailings.services import placeholder_errors
from organisations.models import Organisation


class Theme(models.TextChoices):
    """The five themes of the Government's 'Employers and loneliness' guidance (2021)."""

    CULTURE = "culture", "Culture and infrastructure"
    MANAGEMENT = "management", "Management"
    PEOPLE = "people", "People and networks"
    DESIGN = "design", "Work and workplace design"
    COMMUNITY = "community", "Our wider role in the community"


class SizeBand(models.TextChoices):
    MICRO = "1-9", "1 to 9 people"
    SMALL = "10-49", "10 to 49 people"
    MEDIUM = "50-249", "50 to 249 people"
    LARGE = "250+", "250 people or more"


# The headcount each band counts towards "employees covered" when an employer gives no figure
# of its own: about the middle of the band, and the floor of the open-ended one.
BAND_HEADCOUNT = {
    SizeBand.MICRO: 5,
    SizeBand.SMALL: 30,
    SizeBand.MEDIUM: 150,
    SizeBand.LARGE: 250,
}


class Sector(models.Model):
    """What an employer does, for the listing's filter (the comms team keeps the list)."""

    name = models.CharField(max_length=80, unique=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    panels = [FieldPanel("name"), FieldPanel("sort_order")]

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class Commitment(models.Model):
    """One commitment an employer may choose, worded by the comms team."""

    title = models.CharField(max_length=150)
    explanation = models.TextField(help_text="What it means, in one or two plain sentences.")
    examples = models.TextField(
        blank=True, help_text="Examples of actions that meet it, one per line."
    )
    theme = models.CharField(max_length=20, choices=Theme.choices)
    active = models.BooleanField(default=True, help_text="Untick to stop offering it.")
    sort_order = models.PositiveSmallIntegerField(default=0)

    panels = [
        FieldPanel("title"),
        FieldPanel("explanation"),
        FieldPanel("examples"),
        FieldPanel("theme"),
        FieldPanel("active"),
        FieldPanel("sort_order"),
    ]

    class Meta:
        ordering = ["sort_order", "pk"]

    def __str__(self):
        return self.title

    @property
    def example_list(self) -> list[str]:
        return [line.strip() for line in self.examples.splitlines() if line.strip()]


class RenewalReview(models.TextChoices):
    FULL = "full", "The same review as a first pledge"
    LIGHT = "light", "A lighter review: the self-review and what changed"


@register_setting(icon="group")
class EmployerSettings(BaseSiteSetting):
    """How the workplace pledge works on this site."""

    minimum_commitments: models.PositiveSmallIntegerField[int, int] = (
        models.PositiveSmallIntegerField(
            default=3, help_text="How many commitments an employer must choose, at least."
        )
    )
    renewal_months: models.PositiveSmallIntegerField[int, int] = models.PositiveSmallIntegerField(
        default=12, help_text="How long an approved pledge lasts before it must be renewed."
    )
    renewal_review: models.CharField[str, str] = models.CharField(
        max_length=10, choices=RenewalReview.choices, default=RenewalReview.LIGHT
    )
    listing_introduction: models.TextField[str, str] = models.TextField(
        blank=True,
        max_length=600,
        help_text="A few plain sentences at the top of the list of employers who have pledged.",
    )

    panels = [
        FieldPanel("minimum_commitments"),
        FieldPanel("renewal_months"),
        FieldPanel("renewal_review"),
        FieldPanel("listing_introduction"),
    ]

    class Meta:
        verbose_name = "workplace pledge settings"


class PlanState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Under review"
    CHANGES_REQUESTED = "changes", "Changes requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Not approved"


class Employer(models.Model):
    """An organisation's employer profile and where its workplace pledge stands."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="employer"
    )
    slug = models.SlugField(max_length=160, unique=True)
    sector = models.ForeignKey(Sector, null=True, on_delete=models.SET_NULL, related_name="+")
    size_band = models.CharField(max_length=10, choices=SizeBand.choices)
    employees = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="How many people you employ, if you want to say (otherwise the band counts).",
    )
    is_lead = models.BooleanField(
        "lead employer", default=False, help_text="The council itself: shown first in the list."
    )
    show_progress = models.BooleanField(
        default=False, help_text="Show the progress on each action on the public page."
    )
    # The plan its members edit: its state, and since when.
    state = models.CharField(max_length=10, choices=PlanState.choices, default=PlanState.DRAFT)
    state_changed_at = models.DateTimeField(default=timezone.now)
    signed_by_name = models.CharField(max_length=100, blank=True)
    signed_by_role = models.CharField(max_length=100, blank=True)
    signed_on = models.DateField(null=True, blank=True)
    # What is public: the last approved plan, and for how long it stands.
    published = models.JSONField(default=dict, blank=True)
    pledged_since = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    lapsed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # When the sweep next has something to do for it (a check-in, a renewal reminder, the
    # lapse), or None: reminders as data (see employers/services/schedule.py).
    next_event_at = models.DateTimeField(null=True, blank=True)
    events_done_through = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_lead", "organisation__name", "pk"]
        indexes = [
            models.Index(
                fields=["next_event_at"],
                condition=Q(next_event_at__isnull=False),
                name="employer_event_due",
            ),
        ]
        # The admin roles' permissions (given to groups by migration 0003_admin_roles).
        permissions = [
            ("view_employer_members", "Can see employers with their members' names and emails"),
            ("export_employers", "Can download employers with their members' emails (CSV, XLSX)"),
            ("mark_lead_employer", "Can mark which employer is the lead employer (the council)"),
            ("view_employer_figures", "Can see the workplace pledge figures"),
        ]

    def __str__(self):
        return self.organisation.name

    @property
    def headcount(self) -> int:
        if self.employees:
            return self.employees
        return BAND_HEADCOUNT.get(SizeBand(self.size_band), 0) if self.size_band else 0

    @property
    def is_editable(self) -> bool:
        """Members may change the plan unless it is with the council."""
        return self.state != PlanState.SUBMITTED


class EmployerForReview(Employer):
    """The reviewers' view of an employer: its plan, its submissions and where it stands, never
    its members or their contact details (a second model so the admin can keep the two listings
    and their permissions apart)."""

    class Meta:
        proxy = True
        default_permissions = ()
        permissions = [
            (
                "review_submission",
                "Can approve, send back or refuse workplace pledges (sees no members' emails)",
            ),
        ]
        verbose_name = "employer (for review)"
        verbose_name_plural = "employers (for review)"


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


class PlanItem(models.Model):
    """One commitment in an employer's plan (from the list, or the employer's own) and the
    action that meets it: what, who is responsible (a role), by when; and how it is going."""

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="items")
    commitment = models.ForeignKey(
        Commitment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    own_title = models.CharField(max_length=150, blank=True)
    own_explanation = models.TextField(max_length=1000, blank=True)
    action = models.TextField("what you will do", max_length=1000, blank=True)
    responsible = models.CharField(
        "who is responsible", max_length=100, blank=True, help_text="A role, not a name."
    )
    due_by = models.DateField("by when", null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED
    )
    sort_order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["employer", "commitment"],
                condition=Q(commitment__isnull=False),
                name="one_item_per_commitment",
            ),
            models.CheckConstraint(
                condition=Q(commitment__isnull=False) | ~Q(own_title=""),
                name="item_has_a_commitment",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def title(self) -> str:
        return self.commitment.title if self.commitment is not None else self.own_title

    @property
    def is_complete(self) -> bool:
        """Has everything the pledge asks of an action."""
        return bool(self.action.strip() and self.responsible.strip() and self.due_by)


class ProgressUpdate(models.Model):
    """A dated line of progress on one action."""

    item = models.ForeignKey(PlanItem, on_delete=models.CASCADE, related_name="updates")
    text = models.CharField(max_length=500)
    status = models.CharField(max_length=20, choices=ActionStatus.choices)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.text


class SubmissionKind(models.TextChoices):
    FIRST = "first", "First pledge"
    CHANGE = "change", "Change to an approved pledge"
    RENEWAL = "renewal", "Renewal"


class Decision(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes", "Changes requested"
    REJECTED = "rejected", "Not approved"


class Submission(models.Model):
    """A plan as it was sent for review, and what the council decided."""

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="submissions")
    kind = models.CharField(max_length=10, choices=SubmissionKind.choices)
    snapshot = models.JSONField(help_text="The plan and the signatory, as submitted.")
    # A renewal's yearly self-review.
    went_well = models.TextField(blank=True, max_length=2000)
    next_steps = models.TextField(blank=True, max_length=2000)
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.TextField(
        blank=True, max_length=2000, help_text="What to change, or why it was not approved."
    )

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["employer"],
                condition=Q(decision="pending"),
                name="one_pending_submission",
            )
        ]

    def __str__(self):
        return f"{self.employer} – {self.get_kind_display()}, {self.submitted_at:%d %b %Y}"


CHECK_IN_PLACEHOLDERS = ("organisation", "campaign")


class CheckInStep(PreviewableMixin, models.Model):
    """One check-in email in the schedule after an approval, e.g. 3 months: 'How is your plan
    going?'. Sent to the employer's members, once per approval."""

    slug = models.SlugField(
        max_length=20, unique=True, help_text="A short fixed name, e.g. '3m'. Do not change it."
    )
    months_after_approval = models.PositiveSmallIntegerField()
    subject = models.CharField(max_length=150)
    body = models.TextField(
        help_text="Plain text. Leave a blank line between paragraphs. Placeholders: "
        "{organisation}, {campaign}."
    )
    active = models.BooleanField(default=True)

    panels = [
        FieldPanel("slug"),
        FieldPanel("months_after_approval"),
        FieldPanel("subject"),
        FieldPanel("body"),
        FieldPanel("active"),
    ]

    class Meta:
        ordering = ["months_after_approval"]

    def __str__(self):
        return f"{self.subject} ({self.months_after_approval} months)"

    def clean(self):
        errors = {
            field: message
            for field in ("subject", "body")
            if (message := placeholder_errors(getattr(self, field), CHECK_IN_PLACEHOLDERS))
        }
        if errors:
            raise ValidationError(errors)

    # The comms team previews the email before saving; the schedule (above the models) makes
    # its details, so EmployersConfig.ready() plugs them in.
    preview_details: ClassVar[Callable[[CheckInStep], dict]]

    def get_preview_template(self, request, mode_name):
        return "employers/emails/check_in.html"

    def get_preview_context(self, request, mode_name):
        return type(self).preview_details(self)


def months_later(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same day and time `months` later, or the month's last day if it is shorter."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ValueError(moment)
