"""What every form that takes people's own words checks, so the platform cannot be made to carry
someone's spam: text that our emails, pages or exports repeat holds no control characters, and
names and pledges hold no links, email addresses or markup."""

import re

from django import forms
from django.core.exceptions import ValidationError

# C0 and C1 control characters and DEL (tab, line feed and carriage return are whitespace,
# which plain_text folds), and the invisible characters that reorder or hide text.
CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)
WEB_ADDRESS = re.compile(
    r"(https?:|www\.|\w\.(com|org|net|uk|co|io|ly|me|info|biz|xyz|top|site|online|click|link"
    r"|ru|cn|app|dev|shop|store|live|club|win|vip|tk|cc|tv|ws|gl|gd|to)\b)",
    re.I,
)
EMAIL_ADDRESS = re.compile(r"\S@\S")
MARKUP = re.compile(r"[<>]|&#?\w+;|\[url|\]\(", re.I)

CONTROL_MESSAGE = "Remove the unusual characters from this text."


def refuse_control_characters(value) -> None:
    if isinstance(value, str) and CONTROL.search(value):
        raise ValidationError(CONTROL_MESSAGE, code="control_characters")


def plain_text(value: str) -> str:
    """One line of text, its whitespace folded; control characters refused."""
    refuse_control_characters(value)
    return " ".join(value.split())


def refuse_contact_details(value: str, *, what: str) -> None:
    """`what` names the field in the message, e.g. "Your first name"."""
    if WEB_ADDRESS.search(value):
        raise ValidationError(f"{what} cannot include a web address.", code="link")
    if EMAIL_ADDRESS.search(value):
        raise ValidationError(f"{what} cannot include an email address.", code="email")
    if MARKUP.search(value):
        raise ValidationError(f"{what} cannot include the characters < and >.", code="markup")


class PlainTextFormMixin:
    """Refuses control characters in every text field of the form, email addresses included
    (Django's email field accepts them inside quotes), beside the field they were typed in."""

    fields: dict[str, forms.Field]  # the form's, once Django's __init__ has made them

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(refuse_control_characters)
