"""An employer's plan: the commitments it chooses, an action for each, the senior leader who
signs it, and sending it for review. Every change is saved at once (nothing typed is lost);
none is allowed while the plan is with the council, and changing an approved plan makes it a
draft again, to be reviewed, while the public page keeps the approved one."""

import datetime
from collections.abc import Collection
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core import audit
from employers.models import (
    Commitment,
    Employer,
    PlanItem,
    PlanState,
    Submission,
    SubmissionKind,
)
from employers.selectors.plans import missing_for_submission, snapshot_of
from employers.selectors.settings import employer_settings
from employers.selectors.standing import Standing, standing_of

from .errors import EmployerError

UNDER_REVIEW = (
    "Your pledge is with the council for review, so it cannot be changed until they reply."
)


@dataclass(frozen=True)
class OwnCommitment:
    title: str
    explanation: str = ""


@dataclass(frozen=True)
class ActionDetails:
    action: str
    responsible: str
    due_by: datetime.date | None


@dataclass(frozen=True)
class Signatory:
    name: str
    role: str
    signed_on: datetime.date
    agreed: bool


@dataclass(frozen=True)
class SelfReview:
    went_well: str
    next_steps: str


def _lock(employer: Employer) -> Employer:
    """The employer's row, locked for this transaction: a review decision and an edit never
    cross."""
    locked = Employer.objects.select_for_update().get(pk=employer.pk)
    if not locked.is_editable:
        raise EmployerError(UNDER_REVIEW)
    return locked


def _changed(employer: Employer) -> None:
    """An approved or refused plan that changes is a draft again."""
    if employer.state in (PlanState.APPROVED, PlanState.REJECTED):
        employer.state = PlanState.DRAFT
        employer.state_changed_at = timezone.now()
        employer.save(update_fields=["state", "state_changed_at"])


@transaction.atomic
def choose_commitments(*, employer: Employer, commitment_ids: Collection[int]) -> None:
    """Make the plan's commitments from the list exactly these (the employer's own stay). A
    commitment no longer chosen goes with its action; a new one comes with an empty action."""
    locked = _lock(employer)
    wanted = set(
        Commitment.objects.filter(pk__in=set(commitment_ids), active=True).values_list(
            "pk", flat=True
        )
    )
    # A commitment taken off the list stays chosen by those who chose it.
    kept = set(
        locked.items.filter(commitment_id__in=set(commitment_ids)).values_list(
            "commitment_id", flat=True
        )
    )
    wanted |= kept
    current = set(
        locked.items.filter(commitment__isnull=False).values_list("commitment_id", flat=True)
    )
    if wanted == current:
        return
    locked.items.filter(commitment__isnull=False).exclude(commitment_id__in=wanted).delete()
    order = _next_order(locked)
    PlanItem.objects.bulk_create(
        PlanItem(employer=locked, commitment_id=pk, sort_order=order + n)
        for n, pk in enumerate(sorted(wanted - current))
    )
    _changed(locked)


def _next_order(employer: Employer) -> int:
    last = employer.items.order_by("-sort_order").values_list("sort_order", flat=True).first()
    return (last or 0) + 1


@transaction.atomic
def add_own_commitment(*, employer: Employer, details: OwnCommitment) -> PlanItem:
    locked = _lock(employer)
    item = PlanItem.objects.create(
        employer=locked,
        own_title=details.title,
        own_explanation=details.explanation,
        sort_order=_next_order(locked),
    )
    _changed(locked)
    return item


@transaction.atomic
def update_own_commitment(*, item: PlanItem, details: OwnCommitment) -> None:
    locked = _lock(item.employer)
    if item.commitment_id is not None:
        raise EmployerError("Only your own commitments can be reworded.")
    PlanItem.objects.filter(pk=item.pk).update(
        own_title=details.title, own_explanation=details.explanation
    )
    _changed(locked)


@transaction.atomic
def remove_item(*, item: PlanItem) -> None:
    locked = _lock(item.employer)
    PlanItem.objects.filter(pk=item.pk).delete()
    _changed(locked)


@transaction.atomic
def set_action(*, item: PlanItem, details: ActionDetails) -> None:
    locked = _lock(item.employer)
    PlanItem.objects.filter(pk=item.pk).update(
        action=details.action, responsible=details.responsible, due_by=details.due_by
    )
    _changed(locked)


@transaction.atomic
def sign(*, employer: Employer, signatory: Signatory) -> None:
    if not signatory.agreed:
        raise EmployerError("The senior leader must agree to the pledge to sign it.")
    locked = _lock(employer)
    locked.signed_by_name = signatory.name
    locked.signed_by_role = signatory.role
    locked.signed_on = signatory.signed_on
    locked.save(update_fields=["signed_by_name", "signed_by_role", "signed_on"])
    _changed(locked)


def submission_kind(employer: Employer, now: datetime.datetime) -> str:
    standing = standing_of(employer, now)
    if standing is None or standing.standing == Standing.WITHDRAWN:
        return SubmissionKind.FIRST
    if standing.standing in (Standing.RENEWAL_DUE, Standing.LAPSED):
        return SubmissionKind.RENEWAL
    return SubmissionKind.CHANGE


@transaction.atomic
def submit(*, employer: Employer, by, self_review: SelfReview | None = None) -> Submission:
    """Send the plan to the council. A renewal needs the yearly self-review."""
    locked = _lock(employer)
    if locked.state == PlanState.APPROVED:
        raise EmployerError("Nothing has changed since your pledge was approved.")
    problems = missing_for_submission(locked, minimum=employer_settings().minimum_commitments)
    if problems:
        raise EmployerError(" ".join(problems))
    now = timezone.now()
    kind = submission_kind(locked, now)
    if kind == SubmissionKind.RENEWAL and not (
        self_review and self_review.went_well.strip() and self_review.next_steps.strip()
    ):
        raise EmployerError("To renew, say what went well this year and what you will do next.")
    submission = Submission.objects.create(
        employer=locked,
        kind=kind,
        snapshot=snapshot_of(locked),
        went_well=self_review.went_well if self_review else "",
        next_steps=self_review.next_steps if self_review else "",
        submitted_at=now,
        submitted_by=by,
    )
    locked.state = PlanState.SUBMITTED
    locked.state_changed_at = now
    locked.save(update_fields=["state", "state_changed_at"])
    audit.record(
        Employer, [locked.pk], "employers.submit", by=by, noun="Employer", data={"kind": kind}
    )
    return submission
