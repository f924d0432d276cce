"""Forms for the workplace pledge's admin: the reviewer's message or reason (the employer's
members read it in their email), and the lead employer."""

from django import forms
from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminModelForm

from core.forms import PlainTextFormMixin
from employers.models import Employer

MESSAGE_LENGTH = 2000


class ApproveForm(forms.Form):
    """Approving needs no more than the button."""


class RequestChangesForm(PlainTextFormMixin, forms.Form):
    message = forms.CharField(
        label="What needs to change",
        max_length=MESSAGE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Emailed to the employer's members, who then change the plan and send it "
        "again. Be specific, e.g. 'Say who is responsible for the walking group'.",
        error_messages={
            "required": "Say what needs to change: the employer will see your message.",
            "max_length": f"The message must be {MESSAGE_LENGTH} characters or fewer.",
        },
    )

    def clean_message(self):
        message = self.cleaned_data["message"].strip()
        if not message:
            raise ValidationError("Say what needs to change: the employer will see your message.")
        return message


class RejectForm(PlainTextFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why it cannot be approved",
        max_length=MESSAGE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Emailed to the employer's members. To have them change the plan instead, "
        "use 'Ask for changes'.",
        error_messages={
            "required": "Give the reason: the employer will see it.",
            "max_length": f"The reason must be {MESSAGE_LENGTH} characters or fewer.",
        },
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError("Give the reason: the employer will see it.")
        return reason


class LeadEmployerForm(WagtailAdminModelForm):
    """Marks the council itself as the lead employer, shown first in the public list. One at a
    time: to move the mark, take it off the old one first."""

    def clean_is_lead(self):
        is_lead = self.cleaned_data["is_lead"]
        if is_lead:
            other = (
                Employer.objects.filter(is_lead=True)
                .exclude(pk=self.instance.pk)
                .select_related("organisation")
                .first()
            )
            if other is not None:
                raise ValidationError(
                    f"{other.organisation.name} is the lead employer. Untick it there first: "
                    "there is one lead employer."
                )
        return is_lead
