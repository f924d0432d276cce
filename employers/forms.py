"""The employer's forms: its profile beside the organisation's, the commitments it chooses,
its own commitments, an action for each, the senior leader's signature, the self-review,
progress, and the public listing's filters. Every message says what to do, beside its field."""

import datetime

from django import forms
from django.core.validators import MinValueValidator
from django.utils import timezone

from core.forms import PlainTextFormMixin, plain_text, refuse_contact_details
from core.models import Area

from .models import ActionStatus, Employer, PlanItem, Sector, SizeBand, Theme
from .selectors.plans import active_commitments
from .services.planning import ActionDetails, OwnCommitment, SelfReview, Signatory
from .services.profiles import EmployerProfile
from .services.progress import Progress


class EmployerProfileForm(PlainTextFormMixin, forms.ModelForm):
    """What the workplace pledge adds to an organisation's profile."""

    class Meta:
        model = Employer
        fields = ["sector", "size_band", "employees"]
        labels = {
            "sector": "Sector",
            "size_band": "How many people do you employ?",
            "employees": "Number of employees",
        }
        help_texts = {
            "employees": "If you want to say exactly. Otherwise we count the middle of your band.",
        }
        error_messages = {
            "size_band": {"required": "Choose how many people you employ."},
            "sector": {"required": "Choose your sector."},
        }
        widgets = {"size_band": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sector"].queryset = Sector.objects.all()
        self.fields["sector"].required = True
        self.fields["sector"].empty_label = "Choose your sector"
        self.fields["size_band"].choices = SizeBand.choices
        self.fields["employees"].widget.attrs.update(min=1)
        self.fields["employees"].validators.append(
            MinValueValidator(1, "Enter a number of employees of 1 or more.")
        )

    def profile(self) -> EmployerProfile:
        data = self.cleaned_data
        return EmployerProfile(
            sector=data["sector"], size_band=data["size_band"], employees=data.get("employees")
        )

    def clean(self):
        cleaned = super().clean()
        band, employees = cleaned.get("size_band"), cleaned.get("employees")
        if band and employees:
            low, high = {
                SizeBand.MICRO: (1, 9),
                SizeBand.SMALL: (10, 49),
                SizeBand.MEDIUM: (50, 249),
                SizeBand.LARGE: (250, None),
            }[SizeBand(band)]
            if employees < low or (high is not None and employees > high):
                self.add_error(
                    "employees", "This number is outside the band you chose: check both."
                )
        return cleaned


class CommitmentsForm(forms.Form):
    """The commitments from the council's list, grouped by theme on the page."""

    commitments = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, chosen=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.offered = list(active_commitments())
        self.fields["commitments"].choices = [(c.pk, c.title) for c in self.offered]
        self.fields["commitments"].error_messages["invalid_choice"] = (
            "One of the commitments you chose is no longer offered: choose again."
        )
        self.initial.setdefault("commitments", list(chosen))

    def by_theme(self):
        """(theme label, [(commitment, checked)]) for the page, in the list's order."""
        chosen = {int(pk) for pk in (self["commitments"].value() or []) if str(pk).isdigit()}
        groups = []
        for theme in Theme:
            commitments = [(c, c.pk in chosen) for c in self.offered if c.theme == theme]
            if commitments:
                groups.append((theme.label, commitments))
        return groups


def _free_text(value: str, what: str) -> str:
    value = plain_text(value)
    refuse_contact_details(value, what=what)
    return value


class OwnCommitmentForm(PlainTextFormMixin, forms.Form):
    title = forms.CharField(
        label="Your commitment",
        max_length=150,
        error_messages={"required": "Enter your commitment."},
    )
    explanation = forms.CharField(
        label="What it means",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_title(self):
        return _free_text(self.cleaned_data["title"], "Your commitment")

    def clean_explanation(self):
        return " ".join(self.cleaned_data["explanation"].split())

    def details(self) -> OwnCommitment:
        return OwnCommitment(**self.cleaned_data)


class ActionForm(PlainTextFormMixin, forms.Form):
    """One commitment's action. Any part may be left for later: the plan is saved as it is,
    and only sending it for review needs them all."""

    action = forms.CharField(
        label="What you will do",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    responsible = forms.CharField(
        label="Who is responsible",
        max_length=100,
        required=False,
        help_text="A role, like 'HR manager', not a person's name or email address.",
    )
    due_by = forms.DateField(
        label="By when",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a date, like 31/03/2027."},
        input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y"],
    )

    def __init__(self, *args, item: PlanItem, **kwargs):
        super().__init__(*args, prefix=f"item-{item.pk}", **kwargs)
        self.item = item
        self.initial.update(action=item.action, responsible=item.responsible, due_by=item.due_by)

    def clean_action(self):
        return " ".join(self.cleaned_data["action"].split())

    def clean_responsible(self):
        value = plain_text(self.cleaned_data["responsible"])
        if value:
            refuse_contact_details(value, what="Who is responsible")
        return value

    def clean_due_by(self):
        due = self.cleaned_data["due_by"]
        today = timezone.localdate()
        if due and due < today:
            raise forms.ValidationError("Choose a date from today onwards.")
        if due and due > today + datetime.timedelta(days=3 * 366):
            raise forms.ValidationError("Choose a date within the next three years.")
        return due

    def has_changed_values(self) -> bool:
        return (
            self.cleaned_data["action"] != self.item.action
            or self.cleaned_data["responsible"] != self.item.responsible
            or self.cleaned_data["due_by"] != self.item.due_by
        )

    def details(self) -> ActionDetails:
        return ActionDetails(**self.cleaned_data)


class SignatoryForm(PlainTextFormMixin, forms.Form):
    name = forms.CharField(
        label="Senior leader's full name",
        max_length=100,
        error_messages={"required": "Enter the name of the senior leader who signs."},
    )
    role = forms.CharField(
        label="Their role",
        max_length=100,
        help_text="For example 'Chief executive' or 'Managing director'.",
        error_messages={"required": "Enter their role."},
    )
    signed_on = forms.DateField(
        label="Date signed",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y"],
        error_messages={"required": "Enter the date they signed.", "invalid": "Enter a date."},
    )
    agreed = forms.BooleanField(
        label="They have read the pledge and agree to it on behalf of the organisation",
        error_messages={"required": "The senior leader must agree to the pledge to sign it."},
    )

    def clean_name(self):
        return _free_text(self.cleaned_data["name"], "The name")

    def clean_role(self):
        return _free_text(self.cleaned_data["role"], "The role")

    def clean_signed_on(self):
        signed = self.cleaned_data["signed_on"]
        today = timezone.localdate()
        if signed > today:
            raise forms.ValidationError("The date cannot be in the future.")
        if signed < today - datetime.timedelta(days=92):
            raise forms.ValidationError("Ask them to sign again: it was over three months ago.")
        return signed

    def signatory(self) -> Signatory:
        return Signatory(**self.cleaned_data)


class SelfReviewForm(PlainTextFormMixin, forms.Form):
    went_well = forms.CharField(
        label="What went well this year",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what went well this year."},
    )
    next_steps = forms.CharField(
        label="What you will do next",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what you will do next."},
    )

    def review(self) -> SelfReview:
        return SelfReview(**self.cleaned_data)


class ProgressForm(PlainTextFormMixin, forms.Form):
    status = forms.ChoiceField(
        label="Where this action stands",
        choices=ActionStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose where this action stands."},
    )
    text = forms.CharField(
        label="What has happened",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="A line or two, shown with today's date.",
        error_messages={"required": "Say what has happened."},
    )

    def __init__(self, *args, item: PlanItem, **kwargs):
        super().__init__(*args, prefix=f"progress-{item.pk}", **kwargs)
        self.item = item
        self.initial.setdefault("status", item.status)

    def clean_text(self):
        return _free_text(self.cleaned_data["text"], "The update")

    def progress(self) -> Progress:
        return Progress(**self.cleaned_data)


class ListingFilterForm(forms.Form):
    sector = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    size = forms.ChoiceField(required=False)
    area = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sector"].choices = [("", "Any sector")] + [
            (s.pk, s.name) for s in Sector.objects.all()
        ]
        self.fields["size"].choices = [("", "Any size"), *SizeBand.choices]
        self.fields["area"].choices = [("", "Anywhere")] + [
            (a.pk, a.name) for a in Area.objects.filter(active=True)
        ]
        self.fields["sector"].label = "Sector"
        self.fields["size"].label = "Size"
        self.fields["area"].label = "District"
