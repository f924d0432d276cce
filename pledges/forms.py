"""The pledge forms: the public one, and the base it shares with the form staff fill in for
pledges taken by phone, on paper or at events (admin_forms.py). Every check gives a clear
message beside the field."""

from django import forms
from django.core.exceptions import ValidationError

from core.abuse import ProofOfWorkField
from core.content import remembered
from core.forms import EMAIL_ADDRESS, MARKUP, WEB_ADDRESS, PlainTextFormMixin, plain_text
from core.forms import refuse_contact_details as _refuse_contact_details
from core.models import Area

from .models import Pledge, PledgeSuggestion
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


class BasePledgeForm(PlainTextFormMixin, forms.Form):
    """The pledge's own fields, their checks and the PledgeDetails they make. Each form words
    its fields for whoever fills it in (`wording`: field name -> label, help text, messages)."""

    suggestion = forms.ChoiceField()
    own_text = forms.CharField(max_length=140, required=False)
    first_name = forms.CharField(max_length=60, required=False)
    organisation_name = forms.CharField(max_length=120, required=False)
    organisation_type = forms.ChoiceField(
        label="Type of organisation",
        choices=[("", "Choose an option"), *Pledge.OrganisationType.choices],
        required=False,
    )
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com."
        },
    )
    area = forms.ChoiceField(error_messages={"invalid_choice": "Choose an area from the list."})
    age_band = forms.ChoiceField(required=False)
    heard_from = forms.ChoiceField(choices=HEARD_FROM, required=False)
    show_on_wall = forms.BooleanField(required=False)
    reminders_wanted = forms.BooleanField(required=False)

    wording: dict[str, dict] = {}
    suggestion_widget: type[forms.Widget] = forms.Select
    suggestion_choices: tuple[tuple[str, str], ...] = ()  # before the suggestions
    own_choice = ""  # the "own words" choice
    no_age = ""  # the empty age band
    first_name_is = ""  # "Your first name", for messages
    own_words_message = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, words in self.wording.items():
            field = self.fields[name]
            field.error_messages = {**field.error_messages, **words.get("error_messages", {})}
            for attribute in ("label", "help_text", "required"):
                if attribute in words:
                    setattr(field, attribute, words[attribute])
        self.suggestions = active_suggestions()
        self.fields["suggestion"].widget = self.suggestion_widget()
        self.fields["suggestion"].choices = [
            *self.suggestion_choices,
            *((pk, s.text) for pk, s in self.suggestions.items()),
            (OWN, self.own_choice),
        ]
        self.areas = active_areas()
        self.fields["area"].choices = [
            ("", "Choose an area"),
            *((pk, area.name) for pk, area in self.areas.items()),
        ]
        self.fields["age_band"].choices = [("", self.no_age), *Pledge.AgeBand.choices]

    def clean_first_name(self):
        return clean_name(self.cleaned_data["first_name"], what=self.first_name_is)

    def clean_organisation_name(self):
        return clean_name(self.cleaned_data["organisation_name"], what="The organisation's name")

    def clean_area(self):
        return self.areas[self.cleaned_data["area"]]

    def clean_own_text(self):
        return clean_own_words(self.cleaned_data["own_text"], message=self.own_words_message)

    def pledge_kind(self) -> str:
        raise NotImplementedError

    def details(self) -> PledgeDetails:
        data = self.cleaned_data
        suggestion = self.suggestions.get(data["suggestion"])
        organisation = self.pledge_kind() == Pledge.Kind.ORGANISATION
        return PledgeDetails(
            kind=self.pledge_kind(),
            suggestion=suggestion,
            own_text="" if suggestion else data["own_text"],
            first_name=data.get("first_name", ""),
            email=data["email"],
            organisation_name=data.get("organisation_name", "") if organisation else "",
            organisation_type=data.get("organisation_type", "") if organisation else "",
            area=data["area"],
            age_band="" if organisation else data.get("age_band", ""),
            heard_from=data.get("heard_from", ""),
            show_on_wall=data["show_on_wall"],
            reminders_wanted=data["reminders_wanted"],
        )


class PledgeForm(BasePledgeForm):
    """The public form, for residents or for organisations (a pledge page's `kind`)."""

    wording = {
        "suggestion": {
            "label": "Choose a pledge",
            "error_messages": {"required": "Choose a pledge, or choose to write your own."},
        },
        "own_text": {
            "label": "Your own pledge",
            "help_text": "If you chose to write your own: up to 140 characters, without links "
            "or contact details.",
            "error_messages": {"max_length": "Your pledge must be 140 characters or fewer."},
        },
        "first_name": {
            "label": "First name",
            "error_messages": {"max_length": "Your first name must be 60 characters or fewer."},
        },
        "organisation_name": {"label": "Organisation name"},
        "email": {
            "help_text": "We will send you an email to confirm your pledge.",
            "error_messages": {"required": "Enter your email address."},
        },
        "area": {
            "label": "Where do you live or work?",
            "error_messages": {"required": "Choose your area."},
        },
        "age_band": {"label": "Your age"},
        "heard_from": {"label": "How did you hear about the campaign?"},
        "show_on_wall": {
            "label": "Show my pledge on the pledge wall",
            "help_text": "We show your first name, area and pledge, never your email address.",
        },
        "reminders_wanted": {
            "label": "Send me a few reminders and ideas",
            "help_text": "A reminder after a week and after a month. Stop them at any time.",
        },
    }
    suggestion_widget = forms.RadioSelect
    own_choice = "Write my own pledge"
    no_age = "Prefer not to say"
    first_name_is = "Your first name"
    own_words_message = (
        "Remove links, web and email addresses and the characters < and > from your pledge."
    )

    # People never see or fill this; bots that fill every field give themselves away.
    website = forms.CharField(required=False, label="Leave this empty", max_length=200)
    # Proof of work filled in by static/js/pledge-pow.js; checked in core/abuse.py.
    pow_challenge = ProofOfWorkField()
    pow_nonce = ProofOfWorkField()

    def __init__(self, *args, kind: str = Pledge.Kind.INDIVIDUAL, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["organisation_name"].widget.attrs["autocomplete"] = "organization"
        self.fields["email"].widget.attrs.update({"autocomplete": "email", "spellcheck": "false"})
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

    def pledge_kind(self) -> str:
        return self.kind

    def clean_own_text(self):
        if self.cleaned_data.get("suggestion") not in (None, OWN):
            # A suggested pledge was chosen: words left in this box are not used, so they
            # must not block the form (someone who switched to a suggestion after an error).
            return ""
        return super().clean_own_text()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            raise ValidationError("Sorry, we could not accept this form. Please try again.")
        own_missing = cleaned.get("suggestion") == OWN and not cleaned.get("own_text")
        if own_missing and "own_text" not in self.errors:
            self.add_error("own_text", "Write your pledge, or choose one of ours.")
        return cleaned
