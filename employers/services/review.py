"""The council's review of a submitted plan: approve it (it is published and its cycle of
check-ins and renewal starts), ask for changes with a message, or refuse it with a reason. The
organisation's members are emailed each decision through the outbox; Wagtail's history keeps
who decided what."""

from django.db import transaction
from django.utils import timezone

from core import audit
from core.content import pages_changed
from employers.emails import DECISION_EMAILS, to_members
from employers.models import (
    Decision,
    Employer,
    PlanState,
    Submission,
    SubmissionKind,
    months_later,
)
from employers.selectors.settings import employer_settings
from mailings.services import queue_emails

from .errors import EmployerError
from .schedule import schedule_events


def _pending(submission: Submission) -> tuple[Submission, Employer]:
    employer = Employer.objects.select_for_update().get(pk=submission.employer_id)
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.decision != Decision.PENDING:
        raise EmployerError("This submission has already been decided.")
    return locked, employer


def _decide(
    submission: Submission, employer: Employer, decision: str, *, by, message: str = ""
) -> None:
    now = timezone.now()
    submission.decision = decision
    submission.decided_at = now
    submission.decided_by = by if getattr(by, "is_authenticated", False) else None
    submission.message = message
    submission.save(update_fields=["decision", "decided_at", "decided_by", "message"])
    queue_emails(
        to_members(
            employer,
            template=DECISION_EMAILS[decision],
            key=f"employer:{employer.pk}:submission:{submission.pk}:{decision}",
            context={"message": message, "kind": submission.kind},
        )
    )
    audit.record(
        Employer,
        [employer.pk],
        f"employers.{decision}",
        by=by,
        noun="Employer",
        data={"submission": submission.pk, "kind": submission.kind},
    )


@transaction.atomic
def approve(*, submission: Submission, by) -> Employer:
    submission, employer = _pending(submission)
    now = timezone.now()
    months = employer_settings().renewal_months
    employer.published = submission.snapshot
    employer.published_at = now
    employer.state = PlanState.APPROVED
    employer.state_changed_at = now
    if submission.kind == SubmissionKind.RENEWAL and employer.valid_until:
        # Renewed in time: the new year starts where the old one ends, so nothing is lost.
        start = max(employer.valid_until, now)
        employer.valid_until = months_later(start, months)
        employer.approved_at = now
        employer.lapsed_at = None
        schedule_events(employer, now=now)
    elif submission.kind == SubmissionKind.FIRST or employer.valid_until is None:
        employer.pledged_since = now
        employer.approved_at = now
        employer.valid_until = months_later(now, months)
        employer.withdrawn_at = None
        employer.lapsed_at = None
        schedule_events(employer, now=now)
    employer.save()
    _decide(submission, employer, Decision.APPROVED, by=by)
    pages_changed()  # the listing, its page and its badge show the new plan
    return employer


@transaction.atomic
def request_changes(*, submission: Submission, by, message: str) -> Employer:
    if not message.strip():
        raise EmployerError("Say what needs to change: the employer will see your message.")
    submission, employer = _pending(submission)
    employer.state = PlanState.CHANGES_REQUESTED
    employer.state_changed_at = timezone.now()
    employer.save(update_fields=["state", "state_changed_at"])
    _decide(submission, employer, Decision.CHANGES_REQUESTED, by=by, message=message.strip())
    return employer


@transaction.atomic
def reject(*, submission: Submission, by, reason: str) -> Employer:
    if not reason.strip():
        raise EmployerError("Give the reason: the employer will see it.")
    submission, employer = _pending(submission)
    employer.state = PlanState.REJECTED
    employer.state_changed_at = timezone.now()
    employer.save(update_fields=["state", "state_changed_at"])
    _decide(submission, employer, Decision.REJECTED, by=by, message=reason.strip())
    return employer
