"""The public pledge form. Every check here gives a clear message beside the field."""

from django import forms
from django.core.exceptions import ValidationError

from core.content import remembered
from core.forms import EMAIL_ADDRESS, MARKUP, WEB_ADDRESS, PlainTextFormMixin, plain_text
from core.forms import refuse_contact_details as _refuse_contact_details

from .models import Area, Pledge, PledgeSuggestion
from .services import PledgeDetails

OWN = "own"

HEARD_FROM = [
    ("", "Choose an option"),
    ("social_media", "Social media"),
    ("friend", "A friend, neighbour or relative"),
    ("council", "The council"),
    ("community_group", "A community group or charity"),
    ("event", "An event"),
    ("news", "Newspaper, radio or TV"),
    ("other", "Somewhere else"),
]


def clean_name(value: str, *, what: str) -> str:
    """A first name or an organisation's name: our emails greet people by it, so it carries
    no links, addresses or markup."""
    value = plain_text(value)
    _refuse_contact_details(value, what=what)
    return value


def clean_own_words(value: str, *, message: str) -> str:
    """A pledge in someone's own words: shown on the wall and quoted in emails."""
    value = plain_text(value)
    if WEB_ADDRESS.search(value) or EMAIL_ADDRESS.search(value) or MARKUP.search(value):
        raise ValidationError(message)
    return value


def active_suggestions() -> dict[str, PledgeSuggestion]:
    """The suggestions offered on every pledge form, by id (kept per process: core.content)."""
    return remembered(
        "pledges:suggestions",
        lambda: {str(s.pk): s for s in PledgeSuggestion.objects.filter(active=True)},
    )


def active_areas() -> dict[str, Area]:
    """The areas offered on every pledge form, by id (kept per process: core.content)."""
    return remembered(
        "pledges:areas", lambda: {str(a.pk): a for a in Area.objects.filter(active=True)}
    )


class ProofOfWorkField(forms.CharField):
    """A hidden field that never fails validation: a missing or wrong value only means the
    submission takes the no-JavaScript path, and an error here could not be shown or fixed."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def clean(self, value):
        return value if isinstance(value, str) and len(value) <= 500 else ""


class PledgeForm(PlainTextFormMixin, forms.Form):
    suggestion = forms.ChoiceField(
        label="Choose a pledge",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a pledge, or choose to write your own."},
    )
    own_text = forms.CharField(
        label="Your own pledge",
        max_length=140,
        required=False,
        help_text="If you chose to write your own: up to 140 characters, without links or "
        "contact details.",
        error_messages={"max_length": "Your pledge must be 140 characters or fewer."},
    )
    first_name = forms.CharField(
        label="First name",
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
        error_messages={"max_length": "Your first name must be 60 characters or fewer."},
    )
    organisation_name = forms.CharField(
        label="Organisation name",
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    organisation_type = forms.ChoiceField(
        label="Type of organisation",
        choices=[("", "Choose an option"), *Pledge.OrganisationType.choices],
        required=False,
    )
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="We will send you an email to confirm your pledge.",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your email address.",
            "invalid": "Enter an email address in the correct format, like name@example.com.",
        },
    )
    area = forms.ChoiceField(
        label="Where do you live or work?",
        error_messages={
            "required": "Choose your area.",
            "invalid_choice": "Choose an area from the list.",
        },
    )
    age_band = forms.ChoiceField(
        label="Your age",
        choices=[("", "Prefer not to say"), *Pledge.AgeBand.choices],
        required=False,
    )
    heard_from = forms.ChoiceField(
        label="How did you hear about the campaign?", choices=HEARD_FROM, required=False
    )
    show_on_wall = forms.BooleanField(
        label="Show my pledge on the pledge wall",
        required=False,
        help_text="We show your first name, area and pledge, never your email address.",
    )
    reminders_wanted = forms.BooleanField(
        label="Send me a few reminders and ideas",
        required=False,
        help_text="A reminder after a week and after a month. Stop them at any time.",
    )
    # People never see or fill this; bots that fill every field give themselves away.
    website = forms.CharField(required=False, label="Leave this empty", max_length=200)
    # Proof of work filled in by static/js/pledge-pow.js; checked in pledges/abuse.py.
    pow_challenge = ProofOfWorkField()
    pow_nonce = ProofOfWorkField()

    def __init__(self, *args, kind: str = Pledge.Kind.INDIVIDUAL, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.suggestions = active_suggestions()
        self.fields["suggestion"].choices = [
            *((pk, s.text) for pk, s in self.suggestions.items()),
            (OWN, "Write my own pledge"),
        ]
        self.areas = active_areas()
        self.fields["area"].choices = [
            ("", "Choose an area"),
            *((pk, area.name) for pk, area in self.areas.items()),
        ]
        if kind == Pledge.Kind.ORGANISATION:
            self.fields["organisation_name"].required = True
            self.fields["organisation_name"].error_messages["required"] = (
                "Enter your organisation's name."
            )
            self.fields["organisation_type"].required = True
            self.fields["organisation_type"].error_messages["required"] = (
                "Choose the type of organisation."
            )
            self.fields["first_name"].label = "Your first name (not shown publicly)"
            del self.fields["age_band"]
            self.fields[
                "show_on_wall"
            ].help_text = (
                "We show your organisation's name, area and pledge, never your email address."
            )
        else:
            del self.fields["organisation_name"]
            del self.fields["organisation_type"]
            self.fields["first_name"].required = True
            self.fields["first_name"].error_messages["required"] = "Enter your first name."

    def clean_first_name(self):
        return clean_name(self.cleaned_data["first_name"], what="Your first name")

    def clean_organisation_name(self):
        return clean_name(self.cleaned_data["organisation_name"], what="The organisation's name")

    def clean_area(self):
        return self.areas[self.cleaned_data["area"]]

    def clean_own_text(self):
        if self.cleaned_data.get("suggestion") not in (None, OWN):
            # A suggested pledge was chosen: words left in this box are not used, so they
            # must not block the form (someone who switched to a suggestion after an error).
            return ""
        return clean_own_words(
            self.cleaned_data["own_text"],
            message="Remove links, web and email addresses and the characters < and > from "
            "your pledge.",
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            raise ValidationError("Sorry, we could not accept this form. Please try again.")
        own_missing = cleaned.get("suggestion") == OWN and not cleaned.get("own_text")
        if own_missing and "own_text" not in self.errors:
            self.add_error("own_text", "Write your pledge, or choose one of ours.")
        return cleaned

    def details(self) -> PledgeDetails:
        data = self.cleaned_data
        suggestion = self.suggestions.get(data["suggestion"])
        return PledgeDetails(
            kind=self.kind,
            suggestion=suggestion,
            own_text="" if suggestion else data["own_text"],
            first_name=data.get("first_name", ""),
            email=data["email"],
            organisation_name=data.get("organisation_name", ""),
            organisation_type=data.get("organisation_type", ""),
            area=data["area"],
            age_band=data.get("age_band", ""),
            heard_from=data.get("heard_from", ""),
            show_on_wall=data["show_on_wall"],
            reminders_wanted=data["reminders_wanted"],
        )
