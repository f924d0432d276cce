"""Forms for the pledges admin: the reason for a rejection, and pledges staff take for people."""

from django import forms
from django.core.exceptions import ValidationError

from core.forms import PlainTextFormMixin, plain_text
from pledges.forms import OWN, BasePledgeForm
from pledges.models import Pledge
from pledges.selectors.pages import current_privacy_version

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


class AssistedPledgeForm(BasePledgeForm):
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
    field_order = [
        "channel",
        "kind",
        *BasePledgeForm.base_fields,
        "privacy_told",
        "privacy_version",
    ]

    wording = {
        "suggestion": {
            "label": "Pledge",
            "error_messages": {"required": "Choose a pledge, or 'In their own words'."},
        },
        "own_text": {
            "label": "Pledge in their own words",
            "help_text": "Up to 140 characters, no links or contact details. Pledges in "
            "people's own words are read by a moderator before they appear on the wall.",
            "error_messages": {"max_length": "The pledge must be 140 characters or fewer."},
        },
        "first_name": {
            "label": "First name (optional)",
            "help_text": "Shown on the wall if they want their pledge shown. Leave empty for "
            "'Someone'.",
        },
        "organisation_name": {"label": "Organisation name"},
        "email": {
            "label": "Email address (optional)",
            "required": False,
            "help_text": "If they give one, we email them a link to manage their pledge (there "
            "is nothing to confirm), and reminders if they want them.",
        },
        "area": {"label": "Area", "error_messages": {"required": "Choose their area."}},
        "age_band": {"label": "Age (optional)"},
        "heard_from": {"label": "How they heard about the campaign (optional)"},
        "show_on_wall": {
            "label": "They agreed to show the pledge on the pledge wall",
            "help_text": "The wall shows the first name (or organisation), area and pledge.",
        },
        "reminders_wanted": {
            "label": "They want reminder emails",
            "help_text": "Needs an email address.",
        },
    }
    suggestion_choices = (("", "Choose a pledge"),)
    own_choice = "In their own words (type it below)"
    no_age = "Not given"
    first_name_is = "The first name"
    own_words_message = (
        "Remove links, web and email addresses and the characters < and > from the pledge."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["privacy_version"].initial = current_privacy_version()

    def pledge_kind(self) -> str:
        return self.cleaned_data["kind"]

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
