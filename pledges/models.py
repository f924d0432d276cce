"""Resident and organisation pledges: what people promise to do to connect with others."""

import secrets
from collections.abc import Callable
from typing import ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import PreviewableMixin
from wagtail.search import index

from core.middleware import mark_public
from core.models import Area, BasePage
from mailings.services import placeholder_errors


@register_setting(icon="pick")
class PledgeSettings(BaseSiteSetting):
    """The pledge campaign's target, and where people who have pledged find things to do."""

    pledge_target = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="How many pledges the campaign aims for, e.g. 1000. Leave empty to show the "
        "count without a target.",
    )
    pledge_target_label = models.CharField(
        max_length=120,
        blank=True,
        help_text="What the target is, after the number, e.g. 'pledges by Loneliness Awareness "
        "Week'.",
    )
    pledge_target_deadline = models.DateField(
        null=True,
        blank=True,
        help_text="Optional: the date the target is for. We show how many days are left.",
    )
    local_activities_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Where people find local groups and activities; linked after they pledge and "
        "in reminders.",
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("pledge_target"),
                FieldPanel("pledge_target_label"),
                FieldPanel("pledge_target_deadline"),
            ],
            heading="Pledge target",
        ),
        FieldPanel("local_activities_page"),
    ]

    class Meta:
        verbose_name = "Pledge settings"


class PledgeSuggestion(index.Indexed, models.Model):
    """A pledge people can choose instead of writing their own, e.g. 'Say hello to a neighbour'."""

    class Category(models.TextChoices):
        NEIGHBOURS = "neighbours", "Neighbours"
        FAMILY = "family", "Family and friends"
        COMMUNITY = "community", "Community"
        VOLUNTEERING = "volunteering", "Volunteering"
        ONLINE = "online", "Online"

    text = models.CharField(max_length=140, help_text="The pledge, e.g. 'Host a coffee morning'.")
    category = models.CharField(max_length=20, choices=Category.choices)
    ideas = models.TextField(
        blank=True,
        max_length=1000,
        help_text="A few practical ideas, sent in the 'how is it going?' reminder.",
    )
    sort_order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True, help_text="Untick to stop offering this pledge.")

    panels = [
        FieldPanel("text"),
        FieldPanel("category"),
        FieldPanel("ideas"),
        FieldPanel("sort_order"),
        FieldPanel("active"),
    ]
    search_fields = [index.SearchField("text"), index.FilterField("category")]

    class Meta:
        ordering = ["sort_order", "text"]

    def __str__(self):
        return self.text


def new_secret() -> str:
    return secrets.token_urlsafe(12)


class PledgeQuerySet(models.QuerySet):
    def counted(self):
        """Pledges that count towards the totals: confirmed and not rejected."""
        return self.filter(confirmed_at__isnull=False).exclude(
            moderation=Pledge.Moderation.REJECTED
        )

    def on_wall(self):
        """Counted pledges their makers chose to show, once approved (an approved pledge is
        never a rejected one), in the same terms as the wall's partial indexes."""
        return self.filter(ON_WALL)


# The pledges on the wall: also the condition of the wall's partial indexes, which PostgreSQL
# uses only for queries whose conditions include it.
ON_WALL = Q(show_on_wall=True, moderation="approved", confirmed_at__isnull=False)


class Pledge(models.Model):
    """One pledge by a resident or an organisation. Personal data (name, email) is removed
    when the person asks or the retention period ends; the pledge itself is kept for totals."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", "Resident"
        ORGANISATION = "organisation", "Organisation"

    class OrganisationType(models.TextChoices):
        COMMUNITY_GROUP = "community_group", "Community group"
        BUSINESS = "business", "Business"
        FAITH_GROUP = "faith_group", "Faith group"
        PUBLIC_BODY = "public_body", "Public body"

    class Channel(models.TextChoices):
        ONLINE = "online", "Online"
        PHONE = "phone", "Phone"
        PAPER = "paper", "Paper form"
        EVENT = "event", "At an event"

    class Moderation(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    class Outcome(models.TextChoices):
        NONE = "", "Not answered"
        DONE = "done", "I did it"
        GOING = "going", "Still going"
        NOT_YET = "not_yet", "Not yet"

    class AgeBand(models.TextChoices):
        UNDER_18 = "under_18", "Under 18"
        AGE_18_24 = "18_24", "18 to 24"
        AGE_25_34 = "25_34", "25 to 34"
        AGE_35_49 = "35_49", "35 to 49"
        AGE_50_64 = "50_64", "50 to 64"
        AGE_65_79 = "65_79", "65 to 79"
        AGE_80_PLUS = "80_plus", "80 or over"

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.INDIVIDUAL)
    suggestion = models.ForeignKey(
        PledgeSuggestion, null=True, blank=True, on_delete=models.SET_NULL, related_name="pledges"
    )
    text = models.CharField(max_length=200)
    first_name = models.CharField(max_length=60, blank=True)
    email = models.EmailField(blank=True)
    organisation_name = models.CharField(max_length=120, blank=True)
    organisation_type = models.CharField(
        max_length=20, choices=OrganisationType.choices, blank=True
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="pledges")
    age_band = models.CharField(max_length=10, choices=AgeBand.choices, blank=True)
    heard_from = models.CharField("how they heard about us", max_length=100, blank=True)
    show_on_wall = models.BooleanField(default=False)
    reminders_wanted = models.BooleanField(default=False)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    moderation = models.CharField(
        max_length=10, choices=Moderation.choices, default=Moderation.PENDING
    )
    moderation_reason = models.CharField(max_length=300, blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True, default="")
    outcome_at = models.DateTimeField(null=True, blank=True)
    next_reminder_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)
    # Part of every link we email; replacing it makes all earlier links stop working.
    secret = models.CharField(max_length=20, default=new_secret)

    objects = PledgeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["next_reminder_at"],
                name="pledge_reminder_due_idx",
                condition=Q(next_reminder_at__isnull=False),
            ),
            models.Index(fields=["moderation", "-confirmed_at"], name="pledge_wall_idx"),
            # The wall's pages in its keyset order (newest first, the id breaking ties), only
            # over the pledges on it: page one and pages far down read just the rows they show.
            models.Index(
                fields=["-confirmed_at", "-id"], name="pledge_on_wall_idx", condition=ON_WALL
            ),
            # The same for one area (the area filter, with or without the kind).
            models.Index(
                fields=["area", "-confirmed_at", "-id"],
                name="pledge_on_wall_area_idx",
                condition=ON_WALL,
            ),
            models.Index(fields=["email"], name="pledge_email_idx"),
        ]
        constraints = [
            # The same person making the same pledge twice gets the one pledge.
            models.UniqueConstraint(
                fields=["email", "text"], condition=~Q(email=""), name="pledge_once_per_email"
            ),
            models.CheckConstraint(
                condition=~Q(kind="organisation") | ~Q(organisation_name=""),
                name="pledge_organisation_has_name",
            ),
        ]
        # The admin roles (see pledges/wagtail_hooks.py): moderators never see personal data.
        permissions = [
            ("moderate_pledge", "Can approve or reject pledges (sees no personal data)"),
            ("view_personal_data", "Can see pledges with names, emails and consents"),
            ("export_pledges", "Can download pledges with personal data (CSV, XLSX)"),
            ("erase_pledge", "Can delete a pledge and its personal data when the person asks"),
        ]

    def __str__(self):
        return self.text

    @property
    def display_name(self) -> str:
        if self.kind == self.Kind.ORGANISATION:
            return self.organisation_name
        return self.first_name or "Someone"

    @property
    def greeting_name(self) -> str:
        """Who our emails say hello to: the person's first name (an organisation's contact may
        give none, then the organisation's name); "" for someone who gave no name."""
        if self.kind == self.Kind.ORGANISATION:
            return self.first_name or self.organisation_name
        return self.first_name

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class ConsentRecord(models.Model):
    """What a person agreed to, when, from which wording, and when they confirmed it."""

    class Purpose(models.TextChoices):
        PRIVACY = "privacy", "Privacy notice (storing the pledge)"
        REMINDERS = "reminders", "Reminder emails"
        WALL = "wall", "Showing the pledge on the wall"

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    wording_version = models.CharField(max_length=20)
    source = models.CharField(max_length=20, help_text="Where it was given, e.g. 'online'.")
    given_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["given_at"]

    def __str__(self):
        return f"{self.get_purpose_display()} (version {self.wording_version})"


REMINDER_PLACEHOLDERS = ("first_name", "pledge", "ideas", "campaign")


class ReminderStep(PreviewableMixin, models.Model):
    """One reminder in the schedule, e.g. 7 days after confirming: 'How is it going?'.
    The wording is edited here; the email adds the ideas, buttons and links."""

    slug = models.SlugField(
        max_length=20, unique=True, help_text="A short fixed name, e.g. '7d'. Do not change it."
    )
    days_after_confirmation = models.PositiveSmallIntegerField()
    subject = models.CharField(max_length=150)
    body = models.TextField(
        help_text="Plain text. Leave a blank line between paragraphs. Placeholders: "
        "{first_name}, {pledge}, {ideas}, {campaign}."
    )
    include_ideas = models.BooleanField(
        default=True, help_text="Add the pledge's ideas and a link to local activities."
    )
    asks_outcome = models.BooleanField(
        default=False,
        help_text="Ask 'Did you do it?' with one-click answers. Reminders stop once answered.",
    )
    active = models.BooleanField(default=True)

    panels = [
        FieldPanel("slug"),
        FieldPanel("days_after_confirmation"),
        FieldPanel("subject"),
        FieldPanel("body"),
        FieldPanel("include_ideas"),
        FieldPanel("asks_outcome"),
        FieldPanel("active"),
    ]

    class Meta:
        ordering = ["days_after_confirmation"]

    def __str__(self):
        return f"{self.subject} (day {self.days_after_confirmation})"

    def clean(self):
        errors = {
            field: message
            for field in ("subject", "body")
            if (message := placeholder_errors(getattr(self, field), REMINDER_PLACEHOLDERS))
        }
        if errors:
            raise ValidationError(errors)

    # The comms team previews the email with sample details before saving. The reminders
    # (above the models) make those details: PledgesConfig.ready() plugs them in.
    preview_details: ClassVar[Callable[["ReminderStep"], dict]]

    def get_preview_template(self, request, mode_name):
        return "pledges/emails/reminder.html"

    def get_preview_context(self, request, mode_name):
        return type(self).preview_details(self)


class PledgePage(RoutablePageMixin, BasePage):
    """The pledge form. Place one for residents and, if wanted, one for organisations."""

    kind = models.CharField(
        max_length=20,
        choices=Pledge.Kind.choices,
        default=Pledge.Kind.INDIVIDUAL,
        help_text="Who pledges on this page: residents, or organisations under their name.",
    )
    privacy_notice = RichTextField(
        features=["bold", "italic", "link"],
        help_text="How we use the information people give. Shown above the button.",
    )
    privacy_version = models.CharField(
        max_length=20,
        default="1",
        help_text="Change this whenever the privacy wording changes: each pledge records the "
        "version its maker saw.",
    )
    check_email_text = RichTextField(
        features=["bold", "italic", "link"],
        blank=True,
        help_text="Shown after someone sends the form, while we wait for them to confirm.",
    )

    content_panels = [
        *BasePage.content_panels,
        FieldPanel("introduction"),
        FieldPanel("kind"),
        FieldPanel("privacy_notice"),
        FieldPanel("privacy_version"),
        FieldPanel("check_email_text"),
    ]

    subpage_types = []

    class Meta:
        verbose_name = "pledge form page"

    # The form and the view that handles it sit above the models (pledges/forms.py, views.py):
    # PledgesConfig.ready() plugs them in, so that this module imports neither.
    form: ClassVar[type[forms.Form]]
    form_handler: ClassVar[Callable[[HttpRequest, "PledgePage"], HttpResponse]]

    @property
    def submit_url(self) -> str:
        return reverse("pledges:submit", args=[self.pk])

    def form_class(self) -> type[forms.Form]:
        return type(self).form

    @path("")
    def form_view(self, request):
        return type(self).form_handler(request, self)

    @path("check-your-email/", name="check_email")
    def check_email_view(self, request):
        return TemplateResponse(request, "pledges/check_email.html", {"page": self})


class PledgeWallPage(BasePage):
    """The pledge wall: confirmed pledges people chose to show, newest first, with filters by
    area and by residents or organisations. Anonymous visitors get it from the page cache."""

    per_page = models.PositiveSmallIntegerField(
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="How many pledges to show on each page of the wall (1 to 100).",
    )
    empty_text = models.CharField(
        max_length=200,
        blank=True,
        default="No pledges to show yet.",
        help_text="Shown when no pledges match, e.g. before the first pledge is confirmed.",
    )

    content_panels = [*BasePage.content_panels, FieldPanel("introduction")]
    settings_panels = [*BasePage.settings_panels, FieldPanel("per_page"), FieldPanel("empty_text")]

    subpage_types = []
    template = "pledges/wall_page.html"

    class Meta:
        verbose_name = "pledge wall page"

    # What the wall shows is read by pledges/selectors/wall.py, above the models:
    # PledgesConfig.ready() plugs it in.
    wall_context: ClassVar[Callable[..., dict]]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(type(self).wall_context(request, page=self))
        return context

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        # Page one of each filter is kept; deeper pages (a cursor) and unknown filter values
        # are rendered for whoever asks.
        return mark_public(response, params=response.context_data["wall"].filters)


class PledgeForModeration(Pledge):
    """The moderation queue's view of a pledge: the same rows, listed without personal data
    (a second model so the admin can keep the two listings and their permissions apart)."""

    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = "pledge to moderate"
        verbose_name_plural = "pledges to moderate"
