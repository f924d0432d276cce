"""After pledging: reminders found by the beat sweep, sent once each at 10:00 local time, and
the one-click outcomes that stop them and feed the counters."""

import datetime
import re
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from freezegun import freeze_time

from campaign_site.celery import app as celery_app
from mailings.models import OutboundEmail
from mailings.services import deliver, suppress
from pledges import tasks
from pledges.models import Pledge, ReminderStep
from pledges.selectors import counters
from pledges.services import confirm_pledge, record_outcome, reminders
from pledges.services.moderation import approve_pledges, reject_pledges
from pledges.services.reminders import send_due_reminders
from pledges.tokens import make_token
from tests.factories import make_site

from .factories import PledgeFactory

LONDON = ZoneInfo("Europe/London")
OUTCOME_URL = re.compile(r"http://testserver(/pledges/outcome/[^/\s]+/(done|going|not_yet)/)")


def local(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON)


def confirmed_pledge(confirmed_at: datetime.datetime, **fields) -> Pledge:
    """A pledge whose maker asked for reminders and clicked "Confirm" at `confirmed_at`."""
    pledge = PledgeFactory(reminders_wanted=True, **fields)
    with freeze_time(confirmed_at):
        confirm_pledge(pledge=pledge)
    pledge.refresh_from_db()
    return pledge


def sweep_at(moment: datetime.datetime, **kwargs) -> int:
    with freeze_time(moment):
        return send_due_reminders(**kwargs)


def reminder_emails(pledge: Pledge) -> list[OutboundEmail]:
    return list(
        OutboundEmail.objects.filter(key__startswith=f"pledge:{pledge.pk}:reminder:").order_by(
            "created_at", "pk"
        )
    )


def sent_reminder_emails(pledge: Pledge) -> list[OutboundEmail]:
    """The pledge's reminders as sent: the sweep queues them without their words, and the
    worker writes each one as it sends it."""
    for email in reminder_emails(pledge):
        deliver(email.pk)
    return reminder_emails(pledge)


def reminder_keys(pledge: Pledge) -> list[str]:
    return [email.key for email in reminder_emails(pledge)]


@pytest.fixture
def site(db):
    return make_site()


@pytest.fixture
def pledge(site, suggestion):
    return confirmed_pledge(local(2026, 6, 1, 15, 0), suggestion=suggestion, text=suggestion.text)


# -- The sweep ---------------------------------------------------------------------------------


def test_default_schedule_sends_each_step_once_in_order_at_ten(
    pledge, django_capture_on_commit_callbacks
):
    assert pledge.next_reminder_at == local(2026, 6, 8, 10, 0)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_at(local(2026, 6, 7, 10, 0)) == 0
        assert sweep_at(local(2026, 6, 8, 9, 59)) == 0
        assert sweep_at(local(2026, 6, 8, 10, 0)) == 1
        assert sweep_at(local(2026, 6, 8, 10, 5)) == 0
        assert sweep_at(local(2026, 6, 20, 10, 0)) == 0
        assert sweep_at(local(2026, 7, 1, 10, 0)) == 1
        for day in (2, 15, 30):
            assert sweep_at(local(2026, 8, day, 10, 0)) == 0

    assert reminder_keys(pledge) == [
        f"pledge:{pledge.pk}:reminder:7d",
        f"pledge:{pledge.pk}:reminder:30d",
    ]
    pledge.refresh_from_db()
    assert (pledge.reminders_sent, pledge.next_reminder_at) == (2, None)

    # Delivered through the outbox (eager worker), each once, with one-click unsubscribe.
    assert [m.subject for m in mail.outbox] == [
        "How is your pledge going, Sam?",
        "Did you do it, Sam?",
    ]
    week, month = mail.outbox
    for message in (week, month):
        assert message.to == [pledge.email]
        assert message.extra_headers["List-Unsubscribe"].startswith(
            "<http://testserver/pledges/unsubscribe/"
        )
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "http://testserver/pledges/manage/" in message.body
    # The week's email: the step's wording filled in, with the suggestion's ideas; no buttons.
    assert "A week ago you made a pledge: “Say hello to a neighbour”." in week.body
    assert "Knock with a cake." in week.body
    assert "/pledges/outcome/" not in week.body
    # The month's email: three one-click answers, in both parts.
    assert [answer for _, answer in OUTCOME_URL.findall(month.body)] == [
        "done",
        "going",
        "not_yet",
    ]
    html = month.alternatives[0].content
    for label in ("I did it", "Still going", "Not yet"):
        assert f">{label}</a>" in html
    assert "Knock with a cake." not in month.body


def test_steps_already_stale_are_skipped_not_sent_in_a_burst(site, suggestion):
    # Reminders were switched off for a while (an outage, say): the pledge is 40 days old.
    stale = confirmed_pledge(local(2026, 6, 1, 15, 0), suggestion=suggestion, text="Walk")
    assert sweep_at(local(2026, 7, 11, 10, 0)) == 1
    assert reminder_keys(stale) == [f"pledge:{stale.pk}:reminder:30d"]
    stale.refresh_from_db()
    assert (stale.reminders_sent, stale.next_reminder_at) == (2, None)


def test_edited_schedule_wording_and_extra_step_are_used(site, suggestion):
    ReminderStep.objects.filter(slug="7d").update(
        subject="{campaign}: {first_name}, a nudge", body="Ideas for {pledge}:\n\n{ideas}"
    )
    ReminderStep.objects.create(
        slug="14d", days_after_confirmation=14, subject="Two weeks in", body="Keep going."
    )
    ReminderStep.objects.filter(slug="30d").update(active=False)
    pledge = confirmed_pledge(local(2026, 6, 1, 15, 0), suggestion=suggestion, text="Call")
    assert sweep_at(local(2026, 6, 8, 10, 0)) == 1
    assert sweep_at(local(2026, 6, 15, 10, 0)) == 1
    assert sweep_at(local(2026, 7, 1, 10, 0)) == 0
    week, fortnight = sent_reminder_emails(pledge)
    assert week.subject == "Better Together: Sam, a nudge"
    # The ideas appear once, where the wording put them.
    assert week.body_text.count("Knock with a cake.") == 1
    assert fortnight.subject == "Two weeks in"
    assert fortnight.key.endswith(":reminder:14d")


def test_broken_placeholder_falls_back_to_default_wording(site, suggestion):
    ReminderStep.objects.filter(slug="7d").update(subject="Hello {first_name", body="{0}")
    pledge = confirmed_pledge(local(2026, 6, 1, 15, 0), suggestion=suggestion, text="Call")
    assert sweep_at(local(2026, 6, 8, 10, 0)) == 1
    (email,) = sent_reminder_emails(pledge)
    assert email.subject == "How is your pledge going?"
    assert "You pledged: “Call”." in email.body_text


def test_user_text_is_escaped_in_the_email_html(site):
    pledge = confirmed_pledge(
        local(2026, 6, 1, 15, 0), first_name="<b>Sam</b>", text='<script>alert("x")</script>'
    )
    ReminderStep.objects.filter(slug="7d").update(body="You pledged to {pledge}.")
    sweep_at(local(2026, 6, 8, 10, 0))
    (email,) = sent_reminder_emails(pledge)
    assert "<script>" not in email.body_html
    assert "<b>Sam" not in email.body_html
    assert "&lt;script&gt;" in email.body_html
    assert "&lt;b&gt;Sam" in email.body_html


def test_running_the_sweep_again_sends_nothing_twice(site, suggestion):
    pledges = [
        confirmed_pledge(local(2026, 6, 1, 15, 0), suggestion=suggestion, text=f"Wave {n}")
        for n in range(7)
    ]
    moment = local(2026, 6, 8, 10, 0)
    # Out of time after the first batch (the task's budget): the rest waits for the next run.
    assert sweep_at(moment, batch_size=3, max_seconds=0) == 3
    assert sweep_at(moment, batch_size=3) == 4
    assert sweep_at(moment, batch_size=3) == 0
    # Even if a pledge's schedule were wound back, the outbox key stops a second copy.
    Pledge.objects.filter(pk=pledges[0].pk).update(reminders_sent=0, next_reminder_at=moment)
    sweep_at(moment)
    assert OutboundEmail.objects.filter(key__contains=":reminder:").count() == 7
    for pledge in pledges:
        assert reminder_keys(pledge) == [f"pledge:{pledge.pk}:reminder:7d"]


def test_reminders_stop_after_an_outcome(pledge):
    assert sweep_at(local(2026, 6, 8, 10, 0)) == 1
    record_outcome(pledge=pledge, outcome=Pledge.Outcome.GOING)
    assert sweep_at(local(2026, 7, 1, 10, 0)) == 0
    assert reminder_keys(pledge) == [f"pledge:{pledge.pk}:reminder:7d"]
    pledge.refresh_from_db()
    assert pledge.next_reminder_at is None


def test_reminders_stop_after_unsubscribe(client, pledge):
    client.post(f"/pledges/unsubscribe/{make_token(pledge, 'unsubscribe')}/")
    assert sweep_at(local(2026, 6, 8, 10, 0)) == 0
    assert sweep_at(local(2026, 7, 1, 10, 0)) == 0
    assert reminder_keys(pledge) == []


def test_suppressed_address_gets_nothing_and_is_no_longer_scheduled(pledge):
    suppress(address=pledge.email.upper(), reason="bounced")
    assert sweep_at(local(2026, 6, 8, 10, 0)) == 0
    assert reminder_keys(pledge) == []
    pledge.refresh_from_db()
    assert pledge.next_reminder_at is None


def test_suppression_racing_the_sweep_is_cancelled_not_sent(
    pledge, monkeypatch, django_capture_on_commit_callbacks
):
    real_queue_emails = reminders.queue_emails

    def bounce_arrives_first(emails):
        for email in emails:
            suppress(address=email.to, reason="bounced")  # after the sweep read its batch
        return real_queue_emails(emails)

    monkeypatch.setattr(reminders, "queue_emails", bounce_arrives_first)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_at(local(2026, 6, 8, 10, 0)) == 0
    (email,) = reminder_emails(pledge)
    assert email.status == OutboundEmail.Status.CANCELLED
    assert mail.outbox == []
    pledge.refresh_from_db()
    assert pledge.next_reminder_at is None


def test_rejected_and_anonymised_pledges_get_nothing(site, suggestion):
    rejected = confirmed_pledge(local(2026, 6, 1, 15, 0), text="Rude words")
    erased = confirmed_pledge(local(2026, 6, 1, 15, 0), suggestion=suggestion, text="Old")
    Pledge.objects.filter(pk=rejected.pk).update(moderation=Pledge.Moderation.REJECTED)
    Pledge.objects.filter(pk=erased.pk).update(anonymised_at=local(2026, 6, 2, 0, 0))
    assert sweep_at(local(2026, 6, 8, 10, 0)) == 0
    assert not OutboundEmail.objects.filter(key__contains=":reminder:").exists()
    # Their schedules are cleared, so later sweeps do not keep finding them.
    assert not Pledge.objects.filter(next_reminder_at__isnull=False).exists()


def test_a_rejected_pledge_approved_after_all_gets_its_reminders_again(site):
    pledge = confirmed_pledge(local(2026, 6, 1, 15, 0), text="Walk with my neighbour")
    reject_pledges(pledges=[pledge], reason="Checking with the team", by=None)
    assert sweep_at(local(2026, 6, 8, 10, 0)) == 0
    pledge.refresh_from_db()
    assert pledge.next_reminder_at is None  # the sweep stopped looking at it
    approve_pledges(pledges=[pledge], by=None)
    pledge.refresh_from_db()
    assert pledge.next_reminder_at == local(2026, 6, 8, 10, 0)  # the step it has not had
    assert sweep_at(local(2026, 6, 9, 10, 0)) == 1
    assert reminder_keys(pledge) == [f"pledge:{pledge.pk}:reminder:7d"]
    # Approving a pledge that was never rejected changes nothing about its schedule.
    pledge.refresh_from_db()
    scheduled = pledge.next_reminder_at
    approve_pledges(pledges=[pledge], by=None)
    pledge.refresh_from_db()
    assert pledge.next_reminder_at == scheduled


@pytest.mark.parametrize(
    ("confirmed_at", "due"),
    [
        # BST to GMT: clocks go back at 02:00 on Sunday 25 October 2026.
        (local(2026, 10, 22, 18, 30), local(2026, 10, 29, 10, 0)),
        # GMT to BST: clocks go forward at 01:00 on Sunday 29 March 2026.
        (local(2026, 3, 26, 18, 30), local(2026, 4, 2, 10, 0)),
    ],
    ids=["bst-to-gmt", "gmt-to-bst"],
)
def test_week_reminder_across_a_clock_change_goes_once_at_ten_local(site, confirmed_at, due):
    pledge = confirmed_pledge(confirmed_at, text="Say hello")
    # The two sides of the change really do differ: 10:00 local is a different UTC hour.
    assert confirmed_at.utcoffset() != due.utcoffset()
    # Beat every 30 minutes from the confirmation until a day after the reminder is due
    # (counted in UTC: wall-clock arithmetic would skip or repeat the changing hour).
    moment = confirmed_at.astimezone(datetime.UTC)
    queued = {}
    with freeze_time(moment) as frozen:
        while moment <= due + datetime.timedelta(days=1):
            frozen.move_to(moment)
            if count := send_due_reminders():
                queued[moment] = count
            moment += datetime.timedelta(minutes=30)
    assert queued == {due: 1}
    (email,) = reminder_emails(pledge)
    assert email.key.endswith(":reminder:7d")
    assert email.created_at.astimezone(LONDON) == due
    pledge.refresh_from_db()
    assert pledge.next_reminder_at.astimezone(LONDON).hour == 10


# -- Two beat processes by mistake -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_never_send_a_reminder_twice(monkeypatch):
    """Sweep A claims a batch and pauses mid-batch; sweep B, on its own connection, must skip
    A's pledges (not wait for them) and do the rest. Together: every reminder exactly once."""
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL")
    ReminderStep.objects.get_or_create(
        slug="7d", defaults={"days_after_confirmation": 7, "subject": "Hi", "body": "Go on."}
    )
    pledges = [confirmed_pledge(local(2026, 6, 1, 15, 0), text=f"Wave {n}") for n in range(20)]
    now = local(2026, 6, 8, 10, 0)
    batch_size = 5
    a_holds_batch, b_finished = threading.Event(), threading.Event()
    results, errors = {}, []
    real_queue_emails = reminders.queue_emails

    def queue_emails_pausing_in_a(emails):
        if threading.current_thread().name == "sweep-a" and not a_holds_batch.is_set():
            a_holds_batch.set()
            results["b_finished_while_a_held_its_batch"] = b_finished.wait(timeout=20)
        return real_queue_emails(emails)

    monkeypatch.setattr(reminders, "queue_emails", queue_emails_pausing_in_a)

    def sweep(name, *, wait_for=None, then=None):
        try:
            if wait_for is not None:
                assert wait_for.wait(timeout=20), "sweep A never claimed a batch"
            results[name] = send_due_reminders(now=now, batch_size=batch_size)
        except Exception as exc:  # noqa: BLE001 - reported below: a thread would lose it
            errors.append(exc)
        finally:
            if then is not None:
                then.set()
            connection.close()  # this thread's own connection

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
    assert results["b_finished_while_a_held_its_batch"], "sweep B waited for A's locked pledges"
    assert results["sweep-a"] == batch_size
    assert results["sweep-b"] == len(pledges) - batch_size
    for pledge in pledges:
        assert reminder_keys(pledge) == [f"pledge:{pledge.pk}:reminder:7d"]
        pledge.refresh_from_db()
        assert pledge.reminders_sent == 1


# -- One-click outcomes ------------------------------------------------------------------------


@pytest.fixture
def outcome_urls(pledge):
    """The three answer links, as they appear in the 30-day email."""
    sweep_at(local(2026, 7, 1, 10, 0))
    (email,) = sent_reminder_emails(pledge)
    return {answer: path for path, answer in OUTCOME_URL.findall(email.body_text)}


def test_outcome_link_get_changes_nothing(client, pledge, outcome_urls):
    before = Pledge.objects.get(pk=pledge.pk)
    with freeze_time(local(2026, 7, 1, 12, 0)):
        response = client.get(outcome_urls["done"])
    assert response.status_code == 200
    html = response.content.decode()
    assert "Save my answer: I did it" in html
    assert 'method="post"' in html
    after = Pledge.objects.get(pk=pledge.pk)
    assert (after.outcome, after.outcome_at, after.next_reminder_at) == (
        before.outcome,
        before.outcome_at,
        before.next_reminder_at,
    )


def test_outcome_post_records_answer_and_stops_reminders(client, site, suggestion):
    pledge = confirmed_pledge(local(2026, 6, 1, 15, 0), suggestion=suggestion, text="Call")
    # A longer schedule, so there is still a reminder to stop after the 30-day one.
    ReminderStep.objects.create(
        slug="60d", days_after_confirmation=60, subject="Two months", body="Hello again."
    )
    sweep_at(local(2026, 7, 1, 10, 0))
    pledge.refresh_from_db()
    assert pledge.next_reminder_at == local(2026, 7, 31, 10, 0)
    body = sent_reminder_emails(pledge)[-1].body_text
    urls = {answer: path for path, answer in OUTCOME_URL.findall(body)}

    with freeze_time(local(2026, 7, 2, 8, 0)):
        client.cookies.clear()  # a click from an email client: no session
        response = client.post(urls["not_yet"])
    assert response.status_code == 200
    assert "Your answer has been saved: Not yet" in response.content.decode()
    pledge.refresh_from_db()
    assert pledge.outcome == Pledge.Outcome.NOT_YET
    assert pledge.outcome_at == local(2026, 7, 2, 8, 0)
    assert pledge.next_reminder_at is None
    assert sweep_at(local(2026, 8, 1, 10, 0)) == 0
    assert not reminder_keys(pledge)[-1].endswith(":60d")
    # The links expire (four months); an old one finds nothing.
    with freeze_time(local(2026, 11, 1, 8, 0)):
        assert client.post(urls["going"]).status_code == 404

    # Answering again changes the answer.
    with freeze_time(local(2026, 7, 3, 8, 0)):
        client.post(urls["done"])
    pledge.refresh_from_db()
    assert pledge.outcome == Pledge.Outcome.DONE


def test_done_outcomes_count_as_completed_after_refresh(client, site, suggestion):
    done = confirmed_pledge(local(2026, 6, 1, 15, 0), suggestion=suggestion, text="A")
    going = confirmed_pledge(local(2026, 6, 1, 15, 0), suggestion=suggestion, text="B")
    confirmed_pledge(local(2026, 6, 1, 15, 0), suggestion=suggestion, text="C")
    assert counters.refresh_counters()["completed"] == 0
    client.post(f"/pledges/outcome/{make_token(done, 'outcome')}/done/")
    client.post(f"/pledges/outcome/{make_token(going, 'outcome')}/going/")
    # The cached figure waits for beat's refresh; then it counts only "I did it".
    assert counters.get_counters()["completed"] == 0
    refreshed = counters.refresh_counters()
    assert (refreshed["completed"], refreshed["total"]) == (1, 3)


@pytest.mark.parametrize("method", ["get", "post"])
def test_wrong_token_or_answer_is_404_and_changes_nothing(client, pledge, method):
    good = make_token(pledge, "outcome")
    for path in [
        f"/pledges/outcome/{good}/maybe/",
        f"/pledges/outcome/{good}//",
        f"/pledges/outcome/{good[:-2]}xx/done/",
        f"/pledges/outcome/{make_token(pledge, 'manage')}/done/",  # another purpose's token
        "/pledges/outcome/not-a-token/done/",
    ]:
        assert getattr(client, method)(path).status_code == 404, path
    # Replacing the pledge's secret retires its links.
    Pledge.objects.filter(pk=pledge.pk).update(secret="new-secret")
    assert getattr(client, method)(f"/pledges/outcome/{good}/done/").status_code == 404
    pledge.refresh_from_db()
    assert pledge.outcome == ""


def test_record_outcome_refuses_an_unknown_answer(pledge):
    with pytest.raises(ValueError, match="unknown outcome"):
        record_outcome(pledge=pledge, outcome="")
    pledge.refresh_from_db()
    assert pledge.outcome == ""
    assert pledge.next_reminder_at is not None


def test_manage_page_records_the_outcome(client, pledge):
    url = f"/pledges/manage/{make_token(pledge, 'manage')}/"
    assert "How did it go?" in client.get(url).content.decode()
    assert client.post(url, {"action": "outcome", "outcome": "maybe"}).status_code == 400
    pledge.refresh_from_db()
    assert pledge.outcome == ""
    assert pledge.next_reminder_at is not None

    response = client.post(url, {"action": "outcome", "outcome": "done"})
    assert response.status_code == 200
    assert "Your answer has been saved" in response.content.decode()
    pledge.refresh_from_db()
    assert pledge.outcome == Pledge.Outcome.DONE
    assert pledge.next_reminder_at is None
    assert 'value="done" id="outcome_done" required checked' in response.content.decode()


# -- Beat and the task -------------------------------------------------------------------------


def test_beat_runs_the_sweep_every_five_minutes_through_a_thin_task(pledge):
    entry = celery_app.conf.beat_schedule["pledges-send-due-reminders"]
    assert entry["task"] == tasks.send_due_reminders.name == "pledges.tasks.send_due_reminders"
    assert entry["schedule"] == 300.0
    with freeze_time(local(2026, 6, 8, 10, 0)):
        assert tasks.send_due_reminders.delay().get() == 1
    assert reminder_keys(pledge) == [f"pledge:{pledge.pk}:reminder:7d"]


def test_reminder_wording_is_checked_and_previewed_in_the_admin(client, site):
    from tests.factories import UserFactory

    step = ReminderStep.objects.get(slug="30d")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = f"/admin/snippets/pledges/reminderstep/preview/{step.pk}/"
    form = {
        "slug": "30d",
        "days_after_confirmation": "30",
        "subject": "Did you do it, {first_name}?",
        "body": "A month ago you pledged to {pledge}.\n\nTell us with one click.",
        "asks_outcome": "on",
        "active": "on",
    }
    assert client.post(url, form).json()["is_valid"]
    html = client.get(url).content.decode()
    assert "A month ago you pledged to say hello to a neighbour." in html
    assert "I did it" in html
    # A placeholder we cannot fill is refused when saving, with a message saying why.
    edit = client.post(
        f"/admin/snippets/pledges/reminderstep/edit/{step.pk}/", {**form, "body": "Hi {name}"}
    )
    assert edit.status_code == 200
    assert "Unknown placeholder: {name}" in edit.content.decode()
    step.refresh_from_db()
    assert "{name}" not in step.body


def test_ideas_reminder_links_to_local_activities(pledge, site):
    from wagtail.models import Site

    from pledges.models import PledgeSettings
    from tests.factories import CampaignPageFactory

    activities = CampaignPageFactory(parent=site, title="Things to do nearby")
    chosen = PledgeSettings.for_site(Site.objects.get(is_default_site=True))
    chosen.local_activities_page = activities
    chosen.save()
    sweep_at(local(2026, 6, 8, 10, 0))
    (email,) = sent_reminder_emails(pledge)
    assert f"Find local groups and activities: {activities.full_url}" in email.body_text
