"""The employer's plan: choosing commitments and actions, signing, sending it for review, and
the council's decisions, through the services."""

import datetime

import pytest
from django.utils import timezone
from freezegun import freeze_time
from wagtail.models import ModelLogEntry

from employers.models import Decision, Employer, PlanItem, PlanState, SubmissionKind
from employers.services import planning, review
from employers.services.errors import EmployerError
from mailings.models import OutboundEmail

from .factories import CommitmentFactory, PlanItemFactory, ready_plan

pytestmark = pytest.mark.django_db


def fresh(employer) -> Employer:
    return Employer.objects.get(pk=employer.pk)


def test_choosing_commitments_keeps_the_actions_of_those_still_chosen(employer):
    first, second, third = CommitmentFactory.create_batch(3)
    planning.choose_commitments(employer=employer, commitment_ids=[first.pk, second.pk])
    item = employer.items.get(commitment=first)
    planning.set_action(
        item=item,
        details=planning.ActionDetails("Start a walking group", "HR manager", None),
    )
    planning.choose_commitments(employer=employer, commitment_ids=[first.pk, third.pk])
    assert set(employer.items.values_list("commitment_id", flat=True)) == {first.pk, third.pk}
    assert employer.items.get(commitment=first).action == "Start a walking group"


def test_an_inactive_commitment_cannot_be_newly_chosen_but_stays_for_those_who_chose_it(employer):
    kept, retired = CommitmentFactory.create_batch(2)
    planning.choose_commitments(employer=employer, commitment_ids=[kept.pk])
    type(kept).objects.filter(pk__in=[kept.pk, retired.pk]).update(active=False)
    planning.choose_commitments(employer=employer, commitment_ids=[kept.pk, retired.pk])
    assert list(employer.items.values_list("commitment_id", flat=True)) == [kept.pk]


def test_own_commitments_are_added_reworded_and_removed(employer):
    item = planning.add_own_commitment(
        employer=employer, details=planning.OwnCommitment("A choir at lunchtime", "We sing.")
    )
    planning.update_own_commitment(item=item, details=planning.OwnCommitment("A lunchtime choir"))
    assert PlanItem.objects.get(pk=item.pk).own_title == "A lunchtime choir"
    planning.remove_item(item=item)
    assert not employer.items.exists()


def test_a_plan_with_missing_parts_is_not_sent_and_says_what_is_missing(employer, owner):
    PlanItemFactory(employer=employer, action="")
    with pytest.raises(EmployerError) as refused:
        planning.submit(employer=employer, by=owner)
    message = str(refused.value)
    assert "Choose at least 3 commitments (you have 1)." in message
    assert "Say what you will do" in message
    assert "Ask a senior leader to sign the pledge." in message
    assert fresh(employer).state == PlanState.DRAFT
    assert not employer.submissions.exists()


def test_signing_needs_the_leaders_agreement(employer):
    with pytest.raises(EmployerError):
        planning.sign(
            employer=employer,
            signatory=planning.Signatory("Alex", "CEO", timezone.localdate(), agreed=False),
        )
    assert fresh(employer).signed_by_name == ""


def test_a_submitted_plan_cannot_be_changed_until_the_council_replies(employer, owner):
    items = ready_plan(employer)
    submission = planning.submit(employer=employer, by=owner)
    assert submission.kind == SubmissionKind.FIRST
    assert [i["title"] for i in submission.snapshot["items"]] == [i.title for i in items]
    employer.refresh_from_db()
    assert employer.state == PlanState.SUBMITTED
    for change in (
        lambda: planning.set_action(
            item=items[0], details=planning.ActionDetails("Other", "Other", None)
        ),
        lambda: planning.choose_commitments(employer=employer, commitment_ids=[]),
        lambda: planning.add_own_commitment(
            employer=employer, details=planning.OwnCommitment("More")
        ),
        lambda: planning.remove_item(item=items[0]),
        lambda: planning.submit(employer=employer, by=owner),
    ):
        with pytest.raises(EmployerError, match="with the council"):
            change()
    assert employer.items.count() == 3
    assert PlanItem.objects.get(pk=items[0].pk).action == "Start a lunchtime walking group"


def test_approval_publishes_the_plan_starts_the_year_and_emails_every_member(
    employer, owner, editor, site
):
    ready_plan(employer)
    submission = planning.submit(employer=employer, by=owner)
    with freeze_time("2026-12-03 10:00:00"):
        review.approve(submission=submission, by=None)
    employer.refresh_from_db()
    assert employer.state == PlanState.APPROVED
    assert employer.published == submission.snapshot
    assert employer.pledged_since == employer.approved_at
    assert employer.valid_until == datetime.datetime(2027, 12, 3, 10, tzinfo=datetime.UTC)
    assert employer.next_event_at is not None
    emails = OutboundEmail.objects.filter(template="employer_approved").order_by("to")
    assert [e.to for e in emails] == ["eddie@riverside.example", "olive@riverside.example"]
    assert {e.key for e in emails} == {
        f"employer:{employer.pk}:submission:{submission.pk}:approved:user:{u.pk}"
        for u in (owner, editor)
    }
    assert ModelLogEntry.objects.filter(
        object_id=str(employer.pk), action="employers.approved"
    ).exists()
    with pytest.raises(EmployerError, match="already been decided"):
        review.approve(submission=submission, by=None)
    assert OutboundEmail.objects.filter(template="employer_approved").count() == 2


def test_changing_an_approved_plan_makes_a_draft_while_the_approved_one_stays_public(
    employer, owner
):
    items = ready_plan(employer)
    review.approve(submission=planning.submit(employer=employer, by=owner), by=None)
    employer.refresh_from_db()
    published = employer.published
    planning.set_action(
        item=items[0], details=planning.ActionDetails("A new action", "Director", None)
    )
    employer.refresh_from_db()
    assert employer.state == PlanState.DRAFT
    assert employer.published == published
    ends = employer.valid_until
    planning.set_action(
        item=items[0],
        details=planning.ActionDetails(
            "A new action", "Director", timezone.localdate() + datetime.timedelta(days=30)
        ),
    )
    change = planning.submit(employer=employer, by=owner)
    assert change.kind == SubmissionKind.CHANGE
    review.approve(submission=change, by=None)
    employer.refresh_from_db()
    assert employer.published["items"][0]["action"] == "A new action"
    assert employer.valid_until == ends  # a change does not move the year


def test_asking_for_changes_needs_a_message_and_lets_the_employer_edit_again(employer, owner):
    ready_plan(employer)
    submission = planning.submit(employer=employer, by=owner)
    with pytest.raises(EmployerError):
        review.request_changes(submission=submission, by=None, message="  ")
    review.request_changes(submission=submission, by=None, message="Say who runs the group.")
    employer.refresh_from_db()
    assert employer.state == PlanState.CHANGES_REQUESTED
    assert employer.submissions.get().decision == Decision.CHANGES_REQUESTED
    email = OutboundEmail.objects.get(template="employer_changes_requested")
    assert email.context["message"] == "Say who runs the group."
    planning.add_own_commitment(employer=employer, details=planning.OwnCommitment("More"))
    item = employer.items.get(commitment__isnull=True)
    planning.set_action(
        item=item,
        details=planning.ActionDetails(
            "Sing", "Choir lead", timezone.localdate() + datetime.timedelta(days=9)
        ),
    )
    again = planning.submit(employer=employer, by=owner)
    assert again.kind == SubmissionKind.FIRST


def test_a_refusal_gives_its_reason(employer, owner):
    ready_plan(employer)
    submission = planning.submit(employer=employer, by=owner)
    review.reject(submission=submission, by=None, reason="This is not an employer.")
    employer.refresh_from_db()
    assert employer.state == PlanState.REJECTED
    assert employer.pledged_since is None
    assert OutboundEmail.objects.get(template="employer_rejected").context["message"] == (
        "This is not an employer."
    )


def test_renewal_needs_a_self_review_and_extends_the_year_from_its_end(employer, owner):
    ready_plan(employer)
    with freeze_time("2026-01-10 12:00:00"):
        review.approve(submission=planning.submit(employer=employer, by=owner), by=None)
    employer.refresh_from_db()
    with freeze_time("2026-11-20 12:00:00"):  # within two months of the end
        planning.set_action(
            item=employer.items.first(),
            details=planning.ActionDetails("Keep walking", "HR manager", datetime.date(2027, 6, 1)),
        )
        with pytest.raises(EmployerError, match="what went well"):
            planning.submit(employer=employer, by=owner)
        renewal = planning.submit(
            employer=employer,
            by=owner,
            self_review=planning.SelfReview("The walks", "A choir"),
        )
        assert renewal.kind == SubmissionKind.RENEWAL
        review.approve(submission=renewal, by=None)
    employer.refresh_from_db()
    assert employer.valid_until == datetime.datetime(2028, 1, 10, 12, tzinfo=datetime.UTC)
