"""The organisation forms: its profile (OrganisationForm, which features reuse and extend with
their own fields) and an invitation (InviteForm). Every check gives a clear message beside its
field; text the site or its emails repeat goes through core.forms."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from core.forms import PlainTextFormMixin, plain_text, refuse_contact_details
from core.models import Area

from .logos import LogoField
from .models import (
    Organisation,
    Role,
    charity_number_validator,
    company_number_validator,
)
from .services import OrganisationDetails
from .tokens import invite_lifetime

PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{5,38}$")
INVALID_EMAIL = "Enter an email address in the correct format, like name@example.com."


class WebAddressField(forms.URLField):
    """A web address people can follow from the site: http or https only."""

    default_validators = [URLValidator(schemes=["http", "https"])]


def compact_upper(value: str) -> str:
    """A registration number as the registers write it: no spaces, capital letters."""
    return "".join(plain_text(value).split()).upper()


class OrganisationForm(PlainTextFormMixin, forms.Form):
    """An organisation's public profile. Pass `organisation=` to edit one (its details fill the
    form, and a "remove the current logo" box appears if it has a logo); `details()` gives what
    the services take."""

    name = forms.CharField(
        label="Name of the organisation",
        max_length=150,
        error_messages={
            "required": "Enter the name of the organisation.",
            "max_length": "The name must be 150 characters or fewer.",
        },
    )
    website = WebAddressField(
        label="Website",
        max_length=300,
        required=False,
        assume_scheme="https",
        help_text="For example, https://www.example.org",
        error_messages={
            "invalid": "Enter a web address in the correct format, like https://www.example.org",
            "max_length": "The web address must be 300 characters or fewer.",
        },
    )
    contact_email = forms.EmailField(
        label="Public contact email",
        max_length=254,
        required=False,
        help_text="Shown to the public, if you give one. Use a shared address, not a person's.",
        error_messages={"invalid": INVALID_EMAIL},
    )
    contact_phone = forms.CharField(
        label="Public contact phone",
        max_length=40,
        required=False,
        help_text="Shown to the public, if you give one.",
        error_messages={"max_length": "The phone number must be 40 characters or fewer."},
    )
    company_number = forms.CharField(
        label="Companies House number",
        max_length=20,
        required=False,
        help_text="If the organisation is a registered company: 8 characters, like 01234567 "
        "or SC123456.",
        error_messages={"max_length": company_number_validator.message},
    )
    charity_number = forms.CharField(
        label="Charity number",
        max_length=20,
        required=False,
        help_text="If the organisation is a registered charity, like 1234567 or SC012345.",
        error_messages={"max_length": charity_number_validator.message},
    )
    areas = forms.ModelMultipleChoiceField(
        label="Districts",
        queryset=Area.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Where the organisation works. Choose all that apply.",
        error_messages={
            "invalid_choice": "Choose districts from the list.",
            "invalid_pk_value": "Choose districts from the list.",
            "invalid_list": "Choose districts from the list.",
        },
    )
    logo = LogoField()
    remove_logo = forms.BooleanField(label="Remove the current logo", required=False)

    def __init__(self, *args, organisation: Organisation | None = None, **kwargs):
        self.organisation = organisation
        if organisation is not None and organisation.pk:
            kwargs.setdefault("initial", self.initial_for(organisation))
        super().__init__(*args, **kwargs)
        self.fields["areas"].queryset = Area.objects.filter(active=True)  # type: ignore[attr-defined]
        self.fields["name"].widget.attrs["autocomplete"] = "organization"
        # A text box, not type="url": what someone typed wrong is shown back as it was.
        self.fields["website"].widget.input_type = "text"
        self.fields["website"].widget.attrs.update(
            {"autocomplete": "url", "inputmode": "url", "spellcheck": "false"}
        )
        self.fields["contact_email"].widget.attrs.update(
            {"autocomplete": "email", "spellcheck": "false"}
        )
        self.fields["contact_phone"].widget.attrs["autocomplete"] = "tel"
        self.fields["contact_phone"].widget.input_type = "tel"
        for name in ("company_number", "charity_number"):
            self.fields[name].widget.attrs.update(
                {"spellcheck": "false", "autocapitalize": "characters"}
            )
        if organisation is None or not organisation.logo:
            del self.fields["remove_logo"]

    @staticmethod
    def initial_for(organisation: Organisation) -> dict:
        return {
            "name": organisation.name,
            "website": organisation.website,
            "contact_email": organisation.contact_email,
            "contact_phone": organisation.contact_phone,
            "company_number": organisation.company_number,
            "charity_number": organisation.charity_number,
            "areas": list(organisation.areas.all()),
        }

    def clean_name(self):
        value = plain_text(self.cleaned_data["name"])
        if not value:
            raise ValidationError("Enter the name of the organisation.", code="required")
        refuse_contact_details(value, what="The name")
        return value

    def clean_contact_email(self):
        return self.cleaned_data["contact_email"].strip().lower()

    def clean_contact_phone(self):
        value = plain_text(self.cleaned_data["contact_phone"])
        if value and not PHONE.match(value):
            raise ValidationError("Enter a phone number, like 01632 960 123.", code="phone")
        return value

    def clean_company_number(self):
        value = compact_upper(self.cleaned_data["company_number"])
        if value:
            company_number_validator(value)
        return value

    def clean_charity_number(self):
        value = compact_upper(self.cleaned_data["charity_number"])
        if value:
            charity_number_validator(value)
        return value

    def clean(self):
        cleaned = super().clean() or {}
        if cleaned.get("logo") and cleaned.get("remove_logo"):
            self.add_error(
                "remove_logo", "Either upload a new logo or remove the current one, not both."
            )
        return cleaned

    def details(self) -> OrganisationDetails:
        data = self.cleaned_data
        return OrganisationDetails(
            name=data["name"],
            website=data["website"],
            contact_email=data["contact_email"],
            contact_phone=data["contact_phone"],
            company_number=data["company_number"],
            charity_number=data["charity_number"],
            areas=tuple(data["areas"]),
            logo=data.get("logo"),
            remove_logo=bool(data.get("remove_logo")),
        )


ROLE_CHOICES = [
    (Role.EDITOR.value, "Editor: can edit what the organisation publishes"),
    (Role.OWNER.value, "Owner: can also invite and remove members, and delete the organisation"),
]


class InviteForm(PlainTextFormMixin, forms.Form):
    """Invite someone to join, by email address, as an editor or an owner."""

    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={"required": "Enter their email address.", "invalid": INVALID_EMAIL},
    )
    role = forms.ChoiceField(
        label="Role",
        choices=ROLE_CHOICES,
        initial=Role.EDITOR.value,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a role.",
            "invalid_choice": "Choose a role: editor or owner.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        days = invite_lifetime().days
        self.fields[
            "email"
        ].help_text = (
            f"We will email them a link to join. It works for {days} day{'s' if days != 1 else ''}."
        )
        self.fields["email"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()
