"""The workplace pledge in the admin: the review queue and its three decisions (through the
services: emails to every member, history), reviewers who never see a member's email address,
Data officers' listing and export (with the members' addresses, formula-safe), the lead
employer, the figures, the comms team's commitments, and user text escaped everywhere."""

import csv
import datetime
import importlib
import io

import openpyxl
import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time
from wagtail.models import ModelLogEntry, ReferenceIndex, Site

from core.exports import FORMULA_TRIGGERS
from employers.models import (
    CheckInStep,
    Commitment,
    Decision,
    Employer,
    EmployerForReview,
    EmployerSettings,
    PlanState,
    RenewalReview,
    Submission,
    SubmissionKind,
)
from employers.selectors.figures import refresh_figures
from employers.services import planning, review
from mailings.models import OutboundEmail
from organisations.models import Role
from tests.admin_roles import DENIED, LOGIN, OK, login, member_of, outcome, put_roles_back
from tests.factories import UserFactory
from tests.organisations.factories import AreaFactory

from .factories import EmployerFactory, PlanItemFactory, SectorFactory, member, ready_plan

QUEUE = "/admin/snippets/employers/submission/"
PLANS = "/admin/snippets/employers/employerforreview/"
MEMBERS = "/admin/snippets/employers/employer/"
FIGURES = "/admin/workplace-pledge/figures/"
COMMITMENTS = "/admin/snippets/employers/commitment/"
CHECK_INS = "/admin/snippets/employers/checkinstep/"
DECISIONS = {"approve": "approve", "changes": "request-changes", "reject": "reject"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def roles(db):
    return put_roles_back()


@pytest.fixture
def users(roles):
    return {
        "editor": member_of(roles, "Editors"),
        "moderator": member_of(roles, "Moderators", first_name="Maya", last_name="Reviewer"),
        "pledge moderator": member_of(roles, "Pledge moderators"),
        "data officer": member_of(roles, "Data officers"),
        "pledge taker": member_of(roles, "Pledge takers"),
        "superuser": UserFactory(is_superuser=True, is_staff=True),
    }


@pytest.fixture
def riverside(site):
    """An employer whose plan waits for review, with two members whose addresses are easy to
    spot if they leak into a page."""
    employer = EmployerFactory(
        organisation__name="Riverside Bakery",
        organisation__contact_email="zebra-contact@hidden.example",
        sector=SectorFactory(name="Food and drink"),
        size_band="10-49",
    )
    employer.organisation.areas.add(AreaFactory(name="Chatham"))
    owner = member(employer, Role.OWNER, email="zebra-owner@hidden.example")
    member(employer, Role.EDITOR, email="zebra-editor@hidden.example", first_name="Eddie")
    ready_plan(employer)
    submission = planning.submit(employer=employer, by=owner)
    return {"employer": employer, "owner": owner, "submission": submission}


def hidden_emails() -> list[str]:
    return [
        "zebra-owner@hidden.example",
        "zebra-editor@hidden.example",
        "zebra-contact@hidden.example",
    ]


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode(errors="replace")


def decision_url(name: str, submission) -> str:
    return f"{QUEUE}{DECISIONS[name]}/{submission.pk}/"


def fresh(employer) -> Employer:
    return Employer.objects.get(pk=employer.pk)


def approved_with_change(riverside, moderator):
    """Approve the first plan, then change an action and add a commitment of their own."""
    employer, owner = riverside["employer"], riverside["owner"]
    review.approve(submission=riverside["submission"], by=moderator)
    first = employer.items.order_by("sort_order").first()
    planning.set_action(
        item=first,
        details=planning.ActionDetails(
            "A monthly team lunch", "Office manager", datetime.date(2027, 3, 31)
        ),
    )
    planning.add_own_commitment(
        employer=employer, details=planning.OwnCommitment("A lunchtime choir", "We sing.")
    )
    item = employer.items.get(own_title="A lunchtime choir")
    planning.set_action(
        item=item,
        details=planning.ActionDetails("Book the hall", "Choir lead", datetime.date(2027, 6, 1)),
    )
    return planning.submit(employer=employer, by=owner)


# --- The review queue ---------------------------------------------------------------------------


def test_the_queue_lists_waiting_submissions_first_oldest_first_and_filters(client, users, site):
    with freeze_time("2026-10-01"):
        older = EmployerFactory(organisation__name="Older Bakery", size_band="1-9")
        owner = member(older, email="older@example.org")
        ready_plan(older)
        planning.submit(employer=older, by=owner)
    with freeze_time("2026-09-01"):
        decided = EmployerFactory(organisation__name="Decided Dairy")
        ready_plan(decided)
        review.approve(submission=planning.submit(employer=decided, by=None), by=None)
    with freeze_time("2026-11-01"):
        newer = EmployerFactory(organisation__name="Newer Nursery", size_band="250+")
        ready_plan(newer)
        planning.submit(employer=newer, by=None)
    login(client, users["moderator"])
    html = client.get(QUEUE).content.decode()
    assert html.index("Older Bakery") < html.index("Newer Nursery") < html.index("Decided Dairy")

    def listed(**params):
        html = client.get(QUEUE, params).content.decode()
        return {name for name in ("Older Bakery", "Newer Nursery", "Decided Dairy") if name in html}

    assert listed(decision="pending") == {"Older Bakery", "Newer Nursery"}
    assert listed(decision="approved") == {"Decided Dairy"}
    assert listed(kind="first") == {"Older Bakery", "Newer Nursery", "Decided Dairy"}
    assert listed(kind="change") == set()
    assert listed(size_band="250+") == {"Newer Nursery"}
    assert listed(sector=older.sector_id) == {"Older Bakery"}
    assert listed(q="nursery") == {"Newer Nursery"}
    # Nothing to add, edit or delete.
    assert "/edit/" not in html
    assert f"{QUEUE}add/" not in html
    assert "/admin/bulk/employers/submission/delete/" not in html


def test_the_review_screen_shows_the_plan_as_sent_and_the_signatory(client, users, riverside):
    login(client, users["moderator"])
    submission = riverside["submission"]
    html = client.get(f"{QUEUE}inspect/{submission.pk}/").content.decode()
    for item in submission.snapshot["items"]:
        assert item["title"] in html
    assert "Start a lunchtime walking group" in html
    assert "HR manager" in html
    assert "Alex Morgan" in html
    assert "Chief executive" in html
    assert timezone.localdate().strftime("%-d %B %Y") in html
    assert "Food and drink" in html
    assert "Chatham" in html
    # The three decisions, each a POST form with its CSRF token.
    for name in DECISIONS:
        assert f'action="{decision_url(name, submission)}"' in html
    assert html.count('name="csrfmiddlewaretoken"') >= 3
    assert "What changed" not in html  # a first pledge: nothing to compare with


def test_a_change_shows_what_changed_since_the_approved_plan(client, users, riverside):
    change = approved_with_change(riverside, users["moderator"])
    assert change.kind == SubmissionKind.CHANGE
    login(client, users["moderator"])
    html = client.get(f"{QUEUE}inspect/{change.pk}/").content.decode()
    assert "What changed since the approved plan" in html
    assert "New commitment: A lunchtime choir" in html
    assert "“Start a lunchtime walking group” became “A monthly team lunch”" in html
    assert "“HR manager” became “Office manager”" in html
    assert "became “31 March 2027”" in html
    assert "2 other commitments as approved." in html


def test_a_renewal_shows_the_self_review(
    client, users, riverside, django_capture_on_commit_callbacks
):
    employer, owner = riverside["employer"], riverside["owner"]
    with freeze_time("2026-01-10"):
        review.approve(submission=riverside["submission"], by=None)
    with freeze_time("2026-12-01"):
        item = employer.items.first()
        planning.set_action(
            item=item, details=planning.ActionDetails("Walk every week", "HR manager", None)
        )
        planning.set_action(
            item=item,
            details=planning.ActionDetails(
                "Walk every week", "HR manager", datetime.date(2027, 5, 1)
            ),
        )
        renewal = planning.submit(
            employer=employer,
            by=owner,
            self_review=planning.SelfReview("The walks were popular", "Add a book club"),
        )
    assert renewal.kind == SubmissionKind.RENEWAL
    login(client, users["moderator"])
    html = client.get(f"{QUEUE}inspect/{renewal.pk}/").content.decode()
    assert "Their review of the year" in html
    assert "The walks were popular" in html
    assert "Add a book club" in html
    assert "“Start a lunchtime walking group” became “Walk every week”" in html
    # The default, lighter review folds the whole plan away; a full one shows it open.
    assert "<summary>The plan as sent</summary>" in html
    with django_capture_on_commit_callbacks(execute=True):  # settings are kept until changed
        EmployerSettings.objects.create(
            site=Site.objects.get(is_default_site=True), renewal_review=RenewalReview.FULL
        )
    html = client.get(f"{QUEUE}inspect/{renewal.pk}/").content.decode()
    assert "<summary>The plan as sent</summary>" not in html
    assert "<h2>The plan as sent</h2>" in html


# --- The three decisions ------------------------------------------------------------------------


def test_a_moderator_approves_and_every_member_is_emailed(client, users, riverside):
    moderator = users["moderator"]
    login(client, moderator)
    submission, employer = riverside["submission"], riverside["employer"]
    response = client.post(decision_url("approve", submission), follow=True)
    assert response.redirect_chain[-1] == (QUEUE, 302)
    assert "Approved: Riverside Bakery&#x27;s workplace pledge is published." in (
        response.content.decode()
    )
    employer = fresh(employer)
    assert employer.state == PlanState.APPROVED
    assert employer.published == submission.snapshot
    assert employer.valid_until is not None
    submission.refresh_from_db()
    assert (submission.decision, submission.decided_by) == (Decision.APPROVED, moderator)
    assert sorted(
        OutboundEmail.objects.filter(template="employer_approved").values_list("to", flat=True)
    ) == ["zebra-editor@hidden.example", "zebra-owner@hidden.example"]
    entry = ModelLogEntry.objects.get(object_id=str(employer.pk), action="employers.approved")
    assert entry.user == moderator
    # Decided: the review screen offers no decision any more.
    html = client.get(f"{QUEUE}inspect/{submission.pk}/").content.decode()
    assert 'action="' + decision_url("approve", submission) not in html
    assert "by Maya Reviewer" in html


def test_asking_for_changes_needs_a_message_and_nothing_changes_without_one(
    client, users, riverside
):
    login(client, users["moderator"])
    submission, employer = riverside["submission"], riverside["employer"]
    for message in ("", "   "):
        response = client.post(decision_url("changes", submission), {"message": message})
        assert response.status_code == 400
        html = response.content.decode()
        assert "Say what needs to change: the employer will see your message." in html
        assert 'name="message"' in html  # the form again, to fill in
    submission.refresh_from_db()
    assert submission.decision == Decision.PENDING
    assert fresh(employer).state == PlanState.SUBMITTED
    assert not OutboundEmail.objects.exists()
    assert not ModelLogEntry.objects.filter(action="employers.changes").exists()

    response = client.post(
        decision_url("changes", submission),
        {"message": "Say who is responsible for the walking group."},
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.decision == Decision.CHANGES_REQUESTED
    assert submission.message == "Say who is responsible for the walking group."
    assert fresh(employer).state == PlanState.CHANGES_REQUESTED
    assert OutboundEmail.objects.filter(template="employer_changes_requested").count() == 2


def test_refusing_needs_a_reason_and_records_it(client, users, riverside):
    login(client, users["moderator"])
    submission, employer = riverside["submission"], riverside["employer"]
    response = client.post(decision_url("reject", submission), {"reason": ""})
    assert response.status_code == 400
    assert "Give the reason: the employer will see it." in response.content.decode()
    assert Submission.objects.get(pk=submission.pk).decision == Decision.PENDING

    response = client.post(
        decision_url("reject", submission), {"reason": "This is not an employer."}
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert (submission.decision, submission.message) == (
        Decision.REJECTED,
        "This is not an employer.",
    )
    assert fresh(employer).state == PlanState.REJECTED
    assert OutboundEmail.objects.filter(template="employer_rejected").count() == 2
    assert ModelLogEntry.objects.filter(
        object_id=str(employer.pk), action="employers.rejected"
    ).exists()


def test_a_decision_twice_says_it_was_decided_already(client, users, riverside):
    login(client, users["moderator"])
    submission = riverside["submission"]
    client.post(decision_url("approve", submission))
    response = client.post(decision_url("reject", submission), {"reason": "No"}, follow=True)
    assert "This submission has already been decided." in response.content.decode()
    assert Submission.objects.get(pk=submission.pk).decision == Decision.APPROVED
    assert OutboundEmail.objects.filter(template="employer_rejected").count() == 0


@pytest.mark.parametrize(
    "role", ["anonymous", "editor", "pledge moderator", "data officer", "pledge taker"]
)
def test_only_reviewers_can_decide(client, users, riverside, role):
    login(client, users.get(role))
    submission = riverside["submission"]
    refused = LOGIN if role == "anonymous" else DENIED
    for name in DECISIONS:
        data = {"message": "No", "reason": "No"}
        assert outcome(client.post(decision_url(name, submission), data)) == refused, name
        assert outcome(client.get(decision_url(name, submission))) == refused, name
    submission.refresh_from_db()
    assert submission.decision == Decision.PENDING
    assert not OutboundEmail.objects.exists()


def test_decisions_answer_post_only_and_need_the_csrf_token(users, riverside):
    submission = riverside["submission"]
    strict = Client(enforce_csrf_checks=True)
    login(strict, users["moderator"])
    for name in DECISIONS:
        assert strict.get(decision_url(name, submission)).status_code == 405
        assert strict.post(decision_url(name, submission), {"reason": "x"}).status_code == 403
    assert Submission.objects.get(pk=submission.pk).decision == Decision.PENDING


def test_nobody_adds_edits_or_deletes_a_submission(client, users, riverside):
    login(client, users["superuser"])
    submission = riverside["submission"]
    for url in (f"{QUEUE}add/", f"{QUEUE}edit/{submission.pk}/", f"{QUEUE}delete/{submission.pk}/"):
        assert outcome(client.get(url)) == DENIED, url
    client.post(f"{QUEUE}delete/{submission.pk}/")
    client.post(f"/admin/bulk/employers/submission/delete/?id={submission.pk}")
    client.post(f"/admin/bulk/employers/employerforreview/delete/?id={submission.employer_id}")
    client.post(f"/admin/bulk/employers/employer/delete/?id={submission.employer_id}")
    assert Submission.objects.filter(pk=submission.pk).exists()
    assert Employer.objects.filter(pk=submission.employer_id).exists()


# --- History ------------------------------------------------------------------------------------


def test_the_employers_history_has_every_step(client, users, riverside):
    moderator = users["moderator"]
    employer = riverside["employer"]
    change = approved_with_change(riverside, moderator)
    login(client, moderator)
    client.post(decision_url("changes", change), {"message": "Say when the choir starts."})
    for url in (f"{PLANS}history/{employer.pk}/", f"{QUEUE}history/{change.pk}/"):
        html = client.get(url).content.decode()
        assert "Sent for review (first pledge)" in html
        assert "Approved (first pledge)" in html
        assert "Sent for review (change to an approved pledge)" in html
        assert "Sent back for changes (change to an approved pledge)" in html
        assert "Maya Reviewer" in html
        # The member who sent it has no name on their account: not their address either.
        assert "A member of the organisation" in html
        assert "zebra-owner" not in html
    # Data officers see who did what, members' addresses included.
    login(client, users["data officer"])
    html = client.get(f"{MEMBERS}history/{employer.pk}/").content.decode()
    assert "zebra-owner@hidden.example" in html
    assert "Approved (first pledge)" in html


# --- Reviewers never see a member's email address ----------------------------------------------


def test_reviewers_pages_never_contain_an_email_address(client, users, riverside):
    moderator = users["moderator"]
    employer = riverside["employer"]
    change = approved_with_change(riverside, moderator)
    first = riverside["submission"]
    refresh_figures()
    login(client, moderator)
    pages = [
        "/admin/",
        QUEUE,
        f"{QUEUE}results/",
        f"{QUEUE}?decision=pending&kind=change",
        f"{QUEUE}?q=zebra",
        f"{QUEUE}?q=hidden.example",
        f"{QUEUE}?export=csv",
        f"{QUEUE}?export=xlsx",
        f"/admin/bulk/employers/submission/delete/?id={first.pk}&id={change.pk}",
        PLANS,
        f"{PLANS}results/",
        f"{PLANS}?q=zebra",
        f"{PLANS}?state=submitted&standing=current",
        f"{PLANS}?export=csv",
        f"{PLANS}inspect/{employer.pk}/",
        f"{PLANS}history/{employer.pk}/",
        f"{PLANS}history/{employer.pk}/?user={riverside['owner'].pk}",
        f"{PLANS}history-results/{employer.pk}/",
        f"{QUEUE}history-results/{change.pk}/",
        f"/admin/bulk/employers/employerforreview/delete/?id={employer.pk}",
        FIGURES,
        *(f"{QUEUE}{view}/{s.pk}/" for s in (first, change) for view in ("inspect", "history")),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = body(response)
        for email in hidden_emails():
            assert email not in text, url
            assert email.split("@")[0] not in text, url
    # What reviewers do see.
    html = client.get(PLANS).content.decode()
    assert "Riverside Bakery" in html
    html = client.get(f"{PLANS}inspect/{employer.pk}/").content.decode()
    assert "2 members. Only Data officers see who they are." in html
    assert "A lunchtime choir" in html
    # The members' listing is not theirs.
    for url in (MEMBERS, f"{MEMBERS}inspect/{employer.pk}/", f"{MEMBERS}?export=csv"):
        assert outcome(client.get(url)) == DENIED, url


def test_reviewers_cannot_find_an_employer_by_a_members_address(client, users, riverside):
    login(client, users["moderator"])
    for url in (QUEUE, PLANS):
        assert "Riverside Bakery" not in client.get(url, {"q": "zebra-owner"}).content.decode()
        assert "Riverside Bakery" in client.get(url, {"q": "riverside"}).content.decode()


# --- Data officers: employers with their members, and the export ---------------------------------


def test_data_officers_see_the_members_and_their_addresses(client, users, riverside):
    login(client, users["data officer"])
    employer = riverside["employer"]
    html = client.get(MEMBERS).content.decode()
    assert "zebra-owner@hidden.example (Owner)" in html
    assert "Eddie &lt;zebra-editor@hidden.example&gt; (Editor)" in html
    html = client.get(f"{MEMBERS}inspect/{employer.pk}/").content.decode()
    for email in hidden_emails():
        assert email in html
    # Found by a member's address, and filtered.
    assert "Riverside Bakery" in client.get(MEMBERS, {"q": "zebra-editor"}).content.decode()
    other = EmployerFactory(organisation__name="Hilltop Garage", size_band="250+")
    assert "Riverside Bakery" not in client.get(MEMBERS, {"size_band": "250+"}).content.decode()
    assert other.organisation.name in client.get(MEMBERS, {"standing": "never"}).content.decode()
    assert "Riverside Bakery" in client.get(MEMBERS, {"state": "submitted"}).content.decode()
    district = employer.organisation.areas.get()
    html = client.get(MEMBERS, {"district": district.pk}).content.decode()
    assert "Riverside Bakery" in html
    assert "Hilltop Garage" not in html


def read_csv(response) -> list[dict]:
    assert response["Content-Type"] == "text/csv"
    return list(csv.DictReader(io.StringIO(body(response))))


def read_xlsx(response) -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in workbook.active.iter_rows()]


def test_the_export_has_the_members_addresses_and_follows_the_filters(client, users, riverside):
    EmployerFactory(organisation__name="Hilltop Garage", size_band="250+")
    login(client, users["data officer"])
    response = client.get(MEMBERS, {"export": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="employers.csv"'
    rows = {row["Organisation"]: row for row in read_csv(response)}
    assert set(rows) == {"Riverside Bakery", "Hilltop Garage"}
    row = rows["Riverside Bakery"]
    assert row["Members' emails"] == "zebra-owner@hidden.example; zebra-editor@hidden.example"
    assert "Eddie <zebra-editor@hidden.example> (Editor)" in row["Members"]
    assert row["Sector"] == "Food and drink"
    assert row["Size"] == "10 to 49 people"
    assert row["Districts"] == "Chatham"
    assert row["Plan"] == "Under review"
    assert row["Pledge"] == "Never approved"
    assert row["Signed by"] == "Alex Morgan"
    rows = read_csv(client.get(MEMBERS, {"export": "csv", "size_band": "250+"}))
    assert [row["Organisation"] for row in rows] == ["Hilltop Garage"]
    header, *rows = read_xlsx(client.get(MEMBERS, {"export": "xlsx"}))
    column = [cell.value for cell in header].index("Members' emails")
    assert sorted(row[column].value or "" for row in rows) == [
        "",
        "zebra-owner@hidden.example; zebra-editor@hidden.example",
    ]


@pytest.mark.parametrize("role", ["moderator", "editor", "pledge moderator", "pledge taker"])
def test_only_data_officers_export_employers(client, users, riverside, role):
    login(client, users[role])
    for export in ("csv", "xlsx"):
        response = client.get(MEMBERS, {"export": export})
        assert outcome(response) == DENIED
        assert "zebra-owner" not in body(response)


HOSTILE_NAME = '=HYPERLINK("http://evil.example","Click")'


@pytest.fixture
def hostile(site):
    employer = EmployerFactory(
        organisation__name=HOSTILE_NAME,
        sector=SectorFactory(name="+SUM(1,2)"),
        signed_by_name="@cmd|' /C calc'!A0",
        signed_by_role="-2+3",
    )
    member(employer, email="-1+1@evil.example", first_name="=1+1")
    return employer


def test_the_csv_export_is_safe_from_formula_injection(client, users, hostile):
    login(client, users["data officer"])
    (row,) = read_csv(client.get(MEMBERS, {"export": "csv"}))
    for value in row.values():
        assert not value.startswith(FORMULA_TRIGGERS), value
    assert row["Organisation"] == "'" + HOSTILE_NAME
    assert row["Sector"] == "'+SUM(1,2)"
    assert row["Signed by"] == "'@cmd|' /C calc'!A0"
    assert row["Signatory's role"] == "'-2+3"
    assert row["Members' emails"] == "'-1+1@evil.example"
    assert row["Members"] == "'=1+1 <-1+1@evil.example> (Owner)"


def test_the_xlsx_export_is_safe_from_formula_injection(client, users, hostile):
    login(client, users["data officer"])
    response = client.get(MEMBERS, {"export": "xlsx"})
    assert response["Content-Disposition"] == 'attachment; filename="employers.xlsx"'
    header, row = read_xlsx(response)
    cells = dict(zip([cell.value for cell in header], row, strict=True))
    for cell in row:
        assert cell.data_type != "f"
        if isinstance(cell.value, str):
            assert not cell.value.startswith(FORMULA_TRIGGERS), cell.value
    assert cells["Organisation"].value == "'" + HOSTILE_NAME


# --- User text is escaped in every admin page ---------------------------------------------------

SCRIPT = "</text><script>alert(1)</script>"


def test_user_text_is_escaped_in_the_admin(client, users, site):
    employer = EmployerFactory(organisation__name=SCRIPT, sector=SectorFactory(name=SCRIPT))
    owner = member(employer, email="owner@example.org", first_name=SCRIPT)
    ready_plan(employer)
    item = employer.items.first()
    planning.set_action(
        item=item,
        details=planning.ActionDetails(SCRIPT, SCRIPT, datetime.date(2027, 1, 1)),
    )
    planning.sign(
        employer=employer,
        signatory=planning.Signatory(SCRIPT, SCRIPT, timezone.localdate(), agreed=True),
    )
    submission = planning.submit(employer=employer, by=owner)
    # One approved, so that the figures name its sector and district.
    shown = EmployerFactory(sector=SectorFactory(name=SCRIPT + " 2"))
    shown.organisation.areas.add(AreaFactory(name=SCRIPT))
    ready_plan(shown)
    review.approve(submission=planning.submit(employer=shown, by=None), by=None)
    refresh_figures()
    pages = {
        "moderator": [
            QUEUE,
            f"{QUEUE}inspect/{submission.pk}/",
            f"{QUEUE}history/{submission.pk}/",
            PLANS,
            f"{PLANS}inspect/{employer.pk}/",
            f"{PLANS}history/{employer.pk}/",
            FIGURES,
        ],
        "data officer": [
            MEMBERS,
            f"{MEMBERS}inspect/{employer.pk}/",
            f"{MEMBERS}edit/{employer.pk}/",
            f"{MEMBERS}history/{employer.pk}/",
        ],
    }
    for role, urls in pages.items():
        login(client, users[role])
        for url in urls:
            html = client.get(url).content.decode()
            assert "<script>alert(1)</script>" not in html, url
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
    # A decision's message, shown back on the review screen and in the success message.
    login(client, users["moderator"])
    response = client.post(decision_url("changes", submission), {"message": SCRIPT}, follow=True)
    assert "<script>alert(1)</script>" not in response.content.decode()
    html = client.get(f"{QUEUE}inspect/{submission.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- The lead employer --------------------------------------------------------------------------


def test_a_data_officer_marks_the_lead_employer_one_at_a_time(client, users, riverside):
    council = EmployerFactory(organisation__name="Medway Council")
    employer = riverside["employer"]
    login(client, users["data officer"])
    html = client.get(f"{MEMBERS}inspect/{council.pk}/").content.decode()
    assert f'href="{MEMBERS}edit/{council.pk}/"' in html
    assert "Mark as lead employer" in html
    response = client.post(f"{MEMBERS}edit/{council.pk}/", {"is_lead": "on"})
    assert response.status_code == 302
    assert response["Location"] == f"{MEMBERS}inspect/{council.pk}/"
    assert fresh(council).is_lead
    # The form holds nothing else.
    form = client.get(f"{MEMBERS}edit/{council.pk}/").content.decode()
    assert 'name="is_lead"' in form
    assert 'name="size_band"' not in form
    # A second lead is refused, with the reason.
    response = client.post(f"{MEMBERS}edit/{employer.pk}/", {"is_lead": "on"})
    assert response.status_code == 200
    assert "Medway Council is the lead employer." in response.content.decode()
    assert not fresh(employer).is_lead
    # Recorded in the employer's history.
    entry = ModelLogEntry.objects.get(object_id=str(council.pk), action="wagtail.edit")
    assert entry.user == users["data officer"]


@pytest.mark.parametrize("role", ["moderator", "editor", "pledge moderator"])
def test_only_data_officers_mark_the_lead_employer(client, users, riverside, role):
    employer = riverside["employer"]
    login(client, users[role])
    response = client.post(f"{MEMBERS}edit/{employer.pk}/", {"is_lead": "on"})
    assert outcome(response) == DENIED
    response = client.post(f"{PLANS}edit/{employer.pk}/", {"is_lead": "on"})
    assert outcome(response) == DENIED
    assert not fresh(employer).is_lead


# --- The figures --------------------------------------------------------------------------------


def test_the_figures_come_from_the_cache_only(client, users, riverside):
    login(client, users["moderator"])
    assert "Figures are computed every 10 minutes." in client.get(FIGURES).content.decode()
    review.approve(submission=riverside["submission"], by=None)
    # Nothing is counted when the page opens: still the beat task's last figures (none).
    assert "Figures are computed every 10 minutes." in client.get(FIGURES).content.decode()
    refresh_figures()
    html = client.get(FIGURES).content.decode()
    assert "Employers with a current pledge</dt><dd>1" in html
    assert "Employees covered</dt><dd>30" in html
    assert "Food and drink" in html
    assert "Chatham" in html


def test_figures_for_each_role(client, users):
    seen = {role: outcome(login(client, user).get(FIGURES)) for role, user in users.items()}
    assert seen == {
        "editor": OK,
        "moderator": OK,
        "pledge moderator": DENIED,
        "data officer": OK,
        "pledge taker": DENIED,
        "superuser": OK,
    }


# --- The comms team's content -------------------------------------------------------------------


def test_editors_keep_the_commitments_and_filter_them(client, users, site):
    login(client, users["editor"])
    response = client.post(
        f"{COMMITMENTS}add/",
        {
            "title": "Lunch together on Fridays",
            "explanation": "A shared lunch once a week.",
            "examples": "",
            "theme": "people",
            "active": "on",
            "sort_order": "5",
        },
    )
    assert response.status_code == 302
    commitment = Commitment.objects.get(title="Lunch together on Fridays")
    Commitment.objects.create(
        title="Retired commitment", explanation="Old.", theme="culture", active=False
    )
    html = client.get(COMMITMENTS, {"theme": "people"}).content.decode()
    assert commitment.title in html
    assert "Retired commitment" not in html
    html = client.get(COMMITMENTS, {"active": "false"}).content.decode()
    assert "Retired commitment" in html
    assert commitment.title not in html
    assert outcome(client.get(f"{COMMITMENTS}delete/{commitment.pk}/")) == DENIED


def test_editors_preview_a_check_in_email(client, users, site):
    step = CheckInStep.objects.create(
        slug="walk-3m", months_after_approval=3, subject="How is it going?", body="Hello"
    )
    login(client, users["editor"])
    assert outcome(client.get(f"{CHECK_INS}edit/{step.pk}/")) == OK
    data = {
        "slug": "walk-3m",
        "months_after_approval": "3",
        "subject": "Checking in, {organisation}",
        "body": "How is your plan going?",
        "active": "on",
    }
    assert client.post(f"{CHECK_INS}preview/{step.pk}/", data).json()["is_valid"]
    html = client.get(f"{CHECK_INS}preview/{step.pk}/").content.decode()
    assert "How is your plan going?" in html


def test_editors_change_the_workplace_pledge_settings(client, users, site):
    url = f"/admin/settings/employers/employersettings/{site.get_site().pk}/"
    login(client, users["editor"])
    assert outcome(client.get(url)) == OK
    login(client, users["moderator"])
    assert outcome(client.get(url)) == DENIED


def test_the_menu_shows_each_role_its_own_pages(client, users):
    pages = {
        "Review queue": "workplace-pledge-review",
        "Employers and plans": "workplace-pledge-plans",
        "Employers and members": "workplace-pledge-members",
        "Figures": "workplace-pledge-figures",
        "Commitments": "workplace-pledge-commitments",
        "Sectors": "workplace-pledge-sectors",
        "Check-in emails": "workplace-pledge-check-ins",
    }
    shown = {}
    for role in ["editor", "moderator", "data officer", "pledge moderator"]:
        html = login(client, users[role]).get("/admin/").content.decode()
        shown[role] = [label for label, name in pages.items() if f'"name": "{name}"' in html]
    assert shown == {
        "editor": ["Figures", "Commitments", "Sectors", "Check-in emails"],
        "moderator": ["Review queue", "Employers and plans", "Figures"],
        "data officer": ["Employers and members", "Figures"],
        "pledge moderator": [],
    }


# --- The roles and their migration --------------------------------------------------------------


def test_the_roles_permissions(roles):
    def employer_permissions(name):
        return set(
            roles[name]
            .permissions.filter(content_type__app_label="employers")
            .values_list("codename", flat=True)
        )

    assert employer_permissions("Moderators") == {"review_submission", "view_employer_figures"}
    assert employer_permissions("Data officers") == {
        "view_employer_members",
        "export_employers",
        "mark_lead_employer",
        "view_employer_figures",
    }
    assert "change_employersettings" in employer_permissions("Editors")
    assert "delete_commitment" not in employer_permissions("Editors")
    assert employer_permissions("Pledge moderators") == set()
    assert employer_permissions("Pledge takers") == set()


def test_the_roles_migration_reverses_cleanly(roles):
    migration = importlib.import_module("employers.migrations.0003_admin_roles")
    migration.revoke(django_apps)
    for name in migration.ROLES:
        group = Group.objects.get(name=name)
        assert not group.permissions.filter(content_type__app_label="employers").exists()
    migration.grant(django_apps)
    assert (
        Group.objects.get(name="Moderators")
        .permissions.filter(codename="review_submission")
        .exists()
    )


def test_saving_an_employer_or_a_submission_does_no_reference_index_work():
    for model in (Employer, EmployerForReview, Submission):
        assert not ReferenceIndex.is_indexed(model)


def test_a_plan_item_factory_item_is_listed_for_reviewers(client, users, site):
    # An employer still drafting: in the reviewers' listing, with its plan as it stands.
    item = PlanItemFactory(action="Coffee mornings", employer__organisation__name="Draft Ltd")
    login(client, users["moderator"])
    html = client.get(f"{PLANS}inspect/{item.employer_id}/").content.decode()
    assert "Coffee mornings" in html
    assert "No plan approved yet." in html
    assert "Nothing sent for review yet." in html
