"""What workplace pledge emails carry, and to whom they go: an organisation's members (owners
and editors, or owners only), each under a key of their own so that none goes twice."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from mailings.services import EmailToQueue
from organisations.models import Membership, Role

from .models import Employer

# The emails this app registers (apps.py), by what they say.
DECISION_EMAILS = {
    "approved": "employer_approved",
    "changes": "employer_changes_requested",
    "rejected": "employer_rejected",
}
CHECK_IN_EMAIL = "employer_check_in"
RENEWAL_EMAIL = "employer_renewal_due"
LAPSED_EMAIL = "employer_lapsed"
EMAIL_PLACEHOLDERS = ("organisation", "end_date")
EMAIL_SAMPLE = {
    "organisation": "Medway Bakery Ltd",
    "end_date": "3 December 2027",
    "message": "Please say who is responsible for the walking group.",
    "manage_url": "#",
    "verify_url": "#",
}


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


Recipients = dict[int, list[tuple[int, str, str]]]


def recipients_of(employers: list[Employer]) -> Recipients:
    """For each employer's organisation: (user id, address, role) of its members, in one
    query for a whole batch."""
    found: Recipients = {employer.organisation_id: [] for employer in employers}
    members = (
        Membership.objects.filter(organisation_id__in=list(found))
        .order_by("organisation_id", "user_id")
        .values_list("organisation_id", "user_id", "user__email", "role")
    )
    for organisation_id, user_id, address, role in members:
        found[organisation_id].append((user_id, address, role))
    return found


def employer_words(employer: Employer) -> dict:
    """What every workplace pledge email says: whose pledge, until when, and where to manage it."""
    end = (
        date_format(timezone.localtime(employer.valid_until), "j F Y")
        if employer.valid_until
        else ""
    )
    return {
        "organisation": employer.organisation.name,
        "end_date": end,
        "manage_url": absolute_url(
            reverse("employers:plan", args=[employer.organisation.public_id])
        ),
        "verify_url": absolute_url(
            reverse("employers:verify", args=[employer.organisation.public_id])
        ),
    }


def to_members(
    employer: Employer,
    *,
    template: str,
    key: str,
    context: dict,
    owners_only: bool = False,
    recipients: Recipients | None = None,
) -> list[EmailToQueue]:
    """One email per member (owners and editors, or owners only); `key` is the email's own
    ("employer:7:submission:3:approved"), to which each member's id is added. `recipients`:
    from `recipients_of` for a batch (read here otherwise)."""
    members = (recipients or recipients_of([employer]))[employer.organisation_id]
    full = {**employer_words(employer), **context}
    return [
        EmailToQueue(to=address, template=template, context=full, key=f"{key}:user:{user_id}")
        for user_id, address, role in members
        if not owners_only or role == Role.OWNER
    ]
