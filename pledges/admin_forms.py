"""Forms for the pledges admin: the reason for a rejection, and pledges staff take for people."""

from django import forms
from django.core.exceptions import ValidationError

from core.forms import PlainTextFormMixin, plain_text

from .forms import HEARD_FROM, active_suggestions, clean_name, clean_own_words
from .models import Area, Pledge, PledgePage
from .services import PledgeDetails

OWN = "own"
ASSISTED_CHANNELS = [
    (value, label) for value, label in Pledge.Channel.choices if value != Pledge.Channel.ONLINE
]


class ApproveForm(forms.Form):
    """Approving needs no more than the confirmation button."""


class RejectForm(PlainTextFormMixin, forms.Form):
    reason = forms.CharField(
        label="Reason for rejecting",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the pledge for the team, e.g. 'Contains a phone number'. "
        "It is not sent to the person.",
        error_messages={
            "required": "Give a reason for rejecting.",
            "max_length": "The reason must be 300 characters or fewer.",
        },
    )

    def clean_reason(self):
        reason = plain_text(self.cleaned_data["reason"])
        if not reason:
            raise ValidationError("Give a reason for rejecting.")
        return reason


def current_privacy_version() -> str:
    page = (
        PledgePage.objects.live()
        .filter(kind=Pledge.Kind.INDIVIDUAL)
        .order_by("-last_published_at")
        .first()
    )
    return page.privacy_version if page else ""


class AssistedPledgeForm(PlainTextFormMixin, forms.Form):
    """A pledge someone made by phone, on a paper form or at an event, typed in by staff.
    Email is optional; without one, nobody gets emails about it."""

    channel = forms.ChoiceField(
        label="How was the pledge made?",
        choices=ASSISTED_CHANNELS,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the pledge was made."},
    )
    kind = forms.ChoiceField(
        label="Who is pledging?",
        choices=Pledge.Kind.choices,
        initial=Pledge.Kind.INDIVIDUAL,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a resident or an organisation."},
    )
    suggestion = forms.ChoiceField(
        label="Pledge",
        error_messages={"required": "Choose a pledge, or 'In their own words'."},
    )
    own_text = forms.CharField(
        label="Pledge in their own words",
        max_length=140,
        required=False,
        help_text="Up to 140 characters, no links or contact details. Pledges in people's own "
        "words are read by a moderator before they appear on the wall.",
        error_messages={"max_length": "The pledge must be 140 characters or fewer."},
    )
    first_name = forms.CharField(
        label="First name (optional)",
        max_length=60,
        required=False,
        help_text="Shown on the wall if they want their pledge shown. Leave empty for 'Someone'.",
    )
    organisation_name = forms.CharField(label="Organisation name", max_length=120, required=False)
    organisation_type = forms.ChoiceField(
        label="Type of organisation",
        choices=[("", "Choose an option"), *Pledge.OrganisationType.choices],
        required=False,
    )
    email = forms.EmailField(
        label="Email address (optional)",
        max_length=254,
        required=False,
        help_text="If they give one, we email them a link to manage their pledge (there is "
        "nothing to confirm), and reminders if they want them.",
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com."
        },
    )
    area = forms.ModelChoiceField(
        label="Area",
        queryset=Area.objects.filter(active=True),
        empty_label="Choose an area",
        error_messages={
            "required": "Choose their area.",
            "invalid_choice": "Choose an area from the list.",
        },
    )
    age_band = forms.ChoiceField(
        label="Age (optional)",
        choices=[("", "Not given"), *Pledge.AgeBand.choices],
        required=False,
    )
    heard_from = forms.ChoiceField(
        label="How they heard about the campaign (optional)",
        choices=HEARD_FROM,
        required=False,
    )
    show_on_wall = forms.BooleanField(
        label="They agreed to show the pledge on the pledge wall",
        required=False,
        help_text="The wall shows the first name (or organisation), area and pledge.",
    )
    reminders_wanted = forms.BooleanField(
        label="They want reminder emails",
        required=False,
        help_text="Needs an email address.",
    )
    privacy_told = forms.BooleanField(
        label="I told them how we use their information (the privacy notice)",
        error_messages={"required": "Tell them how we use their information first."},
    )
    privacy_version = forms.CharField(
        label="Privacy notice version",
        max_length=20,
        help_text="The version they were given, as printed on the form or script.",
        error_messages={"required": "Enter the privacy notice version they were given."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.suggestions = active_suggestions()
        self.fields["suggestion"].choices = [
            ("", "Choose a pledge"),
            *((pk, s.text) for pk, s in self.suggestions.items()),
            (OWN, "In their own words (type it below)"),
        ]
        if not self.is_bound:
            self.fields["privacy_version"].initial = current_privacy_version()

    def clean_first_name(self):
        return clean_name(self.cleaned_data["first_name"], what="The first name")

    def clean_organisation_name(self):
        return clean_name(self.cleaned_data["organisation_name"], what="The organisation's name")

    def clean_own_text(self):
        return clean_own_words(
            self.cleaned_data["own_text"],
            message="Remove links, web and email addresses and the characters < and > from "
            "the pledge.",
        )

    def clean_privacy_version(self):
        return plain_text(self.cleaned_data["privacy_version"])

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("suggestion") == OWN
            and not cleaned.get("own_text")
            and "own_text" not in self.errors
        ):
            self.add_error("own_text", "Type the pledge, or choose one of the suggestions.")
        if cleaned.get("kind") == Pledge.Kind.ORGANISATION:
            if not cleaned.get("organisation_name") and "organisation_name" not in self.errors:
                self.add_error("organisation_name", "Enter the organisation's name.")
            if not cleaned.get("organisation_type"):
                self.add_error("organisation_type", "Choose the type of organisation.")
        wants_reminders = cleaned.get("reminders_wanted")
        if wants_reminders and not cleaned.get("email") and "email" not in self.errors:
            self.add_error(
                "reminders_wanted",
                "Reminders need an email address: add one, or untick this box.",
            )
        return cleaned

    def details(self) -> PledgeDetails:
        data = self.cleaned_data
        suggestion = self.suggestions.get(data["suggestion"])
        organisation = data["kind"] == Pledge.Kind.ORGANISATION
        return PledgeDetails(
            kind=data["kind"],
            suggestion=suggestion,
            own_text="" if suggestion else data["own_text"],
            first_name=data["first_name"],
            email=data["email"],
            organisation_name=data["organisation_name"] if organisation else "",
            organisation_type=data["organisation_type"] if organisation else "",
            area=data["area"],
            age_band="" if organisation else data["age_band"],
            heard_from=data["heard_from"],
            show_on_wall=data["show_on_wall"],
            reminders_wanted=data["reminders_wanted"],
        )
