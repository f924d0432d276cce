"""Check-ins, renewal reminders and the lapse, as data swept by beat through the outbox: each
once, at the right local time across a clock change, and none twice when sweeps overlap."""

import datetime

import pytest
from django.utils import timezone
from freezegun import freeze_time

from employers.models import CheckInStep, Employer
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


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_never_send_an_event_twice(monkeypatch):
    """Sweep A claims a batch and pauses mid-batch; sweep B, on its own connection, must skip
    A's employers (not wait for them) and do the rest. Together: every check-in exactly once."""
    import threading

    from django.db import connection

    # A transactional test starts from an emptied database: the schedule is made here.
    CheckInStep.objects.get_or_create(
        slug="3m", defaults={"months_after_approval": 3, "subject": "Hi", "body": "Go on."}
    )
    now = timezone.now()
    employers = EmployerFactory.create_batch(12)
    for employer in employers:
        member(employer)
    Employer.objects.filter(pk__in=[e.pk for e in employers]).update(
        approved_at=now - datetime.timedelta(days=100),
        pledged_since=now - datetime.timedelta(days=100),
        valid_until=now + datetime.timedelta(days=265),
        next_event_at=now - datetime.timedelta(minutes=5),
    )
    batch_size = 4
    a_holds_batch, b_finished = threading.Event(), threading.Event()
    results, errors = {}, []
    real_queue_emails = schedule.queue_emails

    def queue_emails_pausing_in_a(emails):
        if threading.current_thread().name == "sweep-a" and not a_holds_batch.is_set():
            a_holds_batch.set()
            results["b_finished_while_a_held_its_batch"] = b_finished.wait(timeout=20)
        return real_queue_emails(emails)

    monkeypatch.setattr(schedule, "queue_emails", queue_emails_pausing_in_a)

    def sweep(name, *, wait_for=None, then=None):
        try:
            if wait_for is not None:
                assert wait_for.wait(timeout=20), "sweep A never claimed a batch"
            results[name] = schedule.send_due_events(now=now, batch_size=batch_size)
        except Exception as exc:  # noqa: BLE001 - reported below: a thread would lose it
            errors.append(exc)
        finally:
            if then is not None:
                then.set()
            connection.close()

    threads = [
        threading.Thread(target=sweep, args=("sweep-a",), name="sweep-a"),
        threading.Thread(
            target=sweep,
            args=("sweep-b",),
            kwargs={"wait_for": a_holds_batch, "then": b_finished},
            name="sweep-b",
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert results["b_finished_while_a_held_its_batch"], "sweep B waited for A's employers"
    assert results["sweep-a"] == batch_size
    assert results["sweep-b"] == len(employers) - batch_size
    keys = list(
        OutboundEmail.objects.filter(template="employer_check_in").values_list("key", flat=True)
    )
    assert len(keys) == len(set(keys)) == len(employers)
