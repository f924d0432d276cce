"""Check-ins, renewal reminders and the lapse, as data swept by beat through the outbox: each
once, at the right local time across a clock change, and none twice when sweeps overlap."""

import datetime

import pytest
from django.utils import timezone
from freezegun import freeze_time

from employers.models import Employer
from employers.selectors import listing
from employers.selectors.standing import Standing, standing_of
from employers.services import planning, review, schedule
from mailings.models import OutboundEmail
from organisations.models import Role

from .factories import EmployerFactory, member, ready_plan

pytestmark = pytest.mark.django_db

LONDON = timezone.get_default_timezone()


def approve_at(employer, moment: str):
    owner = employer.organisation.memberships.filter(role=Role.OWNER).first().user
    ready_plan(employer)
    with freeze_time(moment):
        review.approve(submission=planning.submit(employer=employer, by=owner), by=None)
    employer.refresh_from_db()
    return employer


@pytest.fixture
def approved(employer, owner, editor):
    return approve_at(employer, "2026-03-10 15:00:00")


def sweep_at(moment: str) -> int:
    with freeze_time(moment):
        return schedule.send_due_events()


def sent(template: str) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(template=template).order_by("key"))


def test_the_cycle_has_check_ins_renewal_reminders_and_the_lapse_in_local_morning_time(approved):
    events = schedule.cycle_events(approved, schedule.active_steps())
    assert [e.slug for e in events] == [
        "checkin:3m",
        "checkin:6m",
        "renewal:2m",
        "renewal:2w",
        "lapse",
    ]
    local = [timezone.localtime(e.at, LONDON) for e in events[:4]]
    assert [(t.date(), t.hour) for t in local] == [
        (datetime.date(2026, 6, 10), 10),  # BST
        (datetime.date(2026, 9, 10), 10),
        (datetime.date(2027, 1, 10), 10),  # GMT
        (datetime.date(2027, 2, 24), 10),
    ]
    assert events[-1].at == approved.valid_until


def test_each_check_in_goes_once_to_every_member(approved, owner, editor):
    assert sweep_at("2026-06-10 08:59:00") == 0  # 09:59 BST: not yet
    assert sweep_at("2026-06-10 09:00:00") == 1  # 10:00 BST
    assert sweep_at("2026-06-10 09:05:00") == 0
    check_ins = sent("employer_check_in")
    assert sorted(e.to for e in check_ins) == [editor.email, owner.email]
    assert all(":checkin:3m:" in e.key for e in check_ins)
    assert check_ins[0].context["copy_subject"] == "How is your workplace pledge going?"
    assert "Riverside Bakery" in " ".join(check_ins[0].context["copy_paragraphs"])
    sweep_at("2026-09-10 10:00:00")
    assert len(sent("employer_check_in")) == 4


def test_after_an_outage_only_the_latest_due_email_goes(approved):
    # No sweep ran for months: the 6-month check-in goes, not a burst of stale ones.
    assert sweep_at("2026-09-20 12:00:00") == 1
    assert {e.key.split(":")[5] for e in sent("employer_check_in")} == {"6m"}
    assert sweep_at("2026-09-21 12:00:00") == 0


def test_renewal_reminders_then_the_lapse_told_once_to_the_owners(approved, owner, editor):
    for moment in ("2026-06-10 10:00", "2026-09-10 10:00", "2027-01-10 11:00", "2027-02-24 11:00"):
        sweep_at(moment)
    reminders = sent("employer_renewal_due")
    assert {e.key.split(":")[5] for e in reminders} == {"2m", "2w"}
    assert len(reminders) == 4
    assert reminders[0].context["end_date"] == "10 March 2027"
    with freeze_time("2027-03-10 15:30:00"):
        assert listing.listed().filter(pk=approved.pk).count() == 0
        assert schedule.send_due_events() == 1
        assert schedule.send_due_events() == 0
        employer = Employer.objects.get(pk=approved.pk)
        assert employer.lapsed_at == approved.valid_until
        assert employer.next_event_at is None
        assert standing_of(employer, timezone.now()).standing == Standing.LAPSED
    assert [e.to for e in sent("employer_lapsed")] == [owner.email]


def test_a_sweep_that_meets_the_same_event_again_sends_nothing_twice(approved):
    with freeze_time("2026-06-10 10:00"):
        schedule.send_due_events()
        Employer.objects.filter(pk=approved.pk).update(
            next_event_at=timezone.now() - datetime.timedelta(minutes=1),
            events_done_through=approved.approved_at,
        )
        schedule.send_due_events()  # the same event again: the outbox key holds
    assert len(sent("employer_check_in")) == 2


def test_withdrawn_employers_leave_the_sweep(approved, owner):
    from employers.services.withdrawal import withdraw

    withdraw(employer=approved, by=owner)
    assert sweep_at("2026-06-10 10:00") == 0
    assert not sent("employer_check_in")
    assert Employer.objects.get(pk=approved.pk).next_event_at is None


def test_a_renewal_starts_a_new_cycle_with_its_own_keys(approved, owner):
    with freeze_time("2027-02-01 12:00"):
        planning.set_action(
            item=approved.items.first(),
            details=planning.ActionDetails("Keep going", "HR manager", datetime.date(2027, 9, 1)),
        )
        review.approve(
            submission=planning.submit(
                employer=approved, by=owner, self_review=planning.SelfReview("Walks", "Choir")
            ),
            by=None,
        )
    approved.refresh_from_db()
    assert approved.valid_until == datetime.datetime(2028, 3, 10, 15, tzinfo=datetime.UTC)
    sweep_at("2027-05-01 10:00")
    keys = {e.key for e in sent("employer_check_in")}
    assert keys
    assert all(":cycle:20270201:checkin:3m:" in key for key in keys)


def test_due_employers_are_swept_in_batches(db):
    employers = EmployerFactory.create_batch(30)
    now = timezone.now()
    Employer.objects.filter(pk__in=[e.pk for e in employers]).update(
        approved_at=now - datetime.timedelta(days=100),
        pledged_since=now - datetime.timedelta(days=100),
        valid_until=now + datetime.timedelta(days=265),
        next_event_at=now - datetime.timedelta(minutes=5),
    )
    for employer in employers[:3]:
        member(employer)
    assert schedule.send_due_events(batch_size=7) == 30
    assert OutboundEmail.objects.filter(template="employer_check_in").count() == 3
    assert not Employer.objects.filter(next_event_at__lte=now).exists()
