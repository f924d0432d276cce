"""An employer's whole workplace pledge in a real browser: sign up and verify the address from
a real SMTP sink, set up the organisation, invite a colleague who accepts, choose commitments
and actions and sign (with the keyboard only), send it, have changes asked for in the Wagtail
admin, fix and send again, be approved, then see the listing, the organisation's page and the
badge's verification page, and post progress. Every page passes axe at WCAG 2.2 AA at desktop
and phone widths, and the HTML checker (screenshots: test-artifacts/screenshots/journey-*)."""

import datetime
import json
import re
import urllib.request

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import expect

from employers.models import Employer, PlanState
from organisations.models import Membership, Role
from tests.factories import UserFactory, make_site

from .pledge_journey_parts import (
    PASSWORD,
    check_page,
    link_after,
    sign_in,
    staff_user,
    text_of,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

OWNER = "olive.owner@bakery.example"
COLLEAGUE = "cal.colleague@bakery.example"
NAME = "Riverside Bakery"
CHOSEN = [
    "Talk openly about loneliness",
    "Support staff networks and groups",
    "Keep in touch at times of change",
]
QUEUE = "/admin/snippets/employers/submission/"


def messages_to(sink, address: str) -> list:
    return [m.parsed for m in sink.handler.messages if address in m.parsed["To"]]


def wait_for_message_to(sink, address: str, count: int):
    from tests.realparts import wait_for

    wait_for(lambda: len(messages_to(sink, address)) >= count, what=f"email {count} to {address}")
    return messages_to(sink, address)[count - 1]


def press_button(tab, name: str) -> None:
    """Reach a button by focus and press Enter, as a keyboard user does."""
    tab.get_by_role("button", name=name).focus()
    with tab.expect_navigation():
        tab.keyboard.press("Enter")


def type_into(tab, locator, text: str) -> None:
    locator.focus()
    tab.keyboard.press("Control+A")
    tab.keyboard.type(text)


def test_employer_workplace_pledge_journey(tab, chromium, live_server, mail_through_sink):
    base, sink = live_server.url, mail_through_sink
    make_site()
    colleague = UserFactory(email=COLLEAGUE, first_name="Cal")
    EmailAddress.objects.create(user=colleague, email=COLLEAGUE, verified=True, primary=True)

    # 1. From the start page: create an account, and verify the address from the email.
    tab.goto(base + "/employers/join/")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Sign the workplace pledge")
    check_page(tab, "employer-1-start")
    with tab.expect_navigation():
        tab.get_by_role("link", name="Create an account").click()
    tab.locator("input[name=email]").fill(OWNER)
    tab.locator("input[name=password1]").fill(PASSWORD)
    tab.locator("input[name=password2]").fill(PASSWORD)
    check_page(tab, "employer-2-signup")
    with tab.expect_navigation():
        tab.get_by_role("button", name="Sign Up").click()
    verification = wait_for_message_to(sink, OWNER, 1)
    link = re.search(r"(https?://\S+/accounts/confirm-email/\S+)", text_of(verification))
    assert link, text_of(verification)
    tab.goto(link.group(1))
    with tab.expect_navigation():
        tab.get_by_role("button", name=re.compile("Confirm")).click()
    assert EmailAddress.objects.get(email=OWNER).verified

    # 2. The organisation and its employer profile, after a mistake.
    tab.goto(base + "/employers/join/")
    expect(tab.get_by_role("heading", level=1)).to_have_text("About your organisation")
    check_page(tab, "employer-3-join")
    with tab.expect_navigation():
        tab.get_by_role("button", name="Save and continue").click()
    summary = tab.locator("[data-error-summary]")
    expect(summary).to_contain_text("Enter the name of the organisation.")
    expect(summary).to_contain_text("Choose your sector.")
    check_page(tab, "employer-4-join-errors")
    tab.get_by_label("Name of the organisation").fill(NAME)
    tab.get_by_label("Sector").select_option(label="Retail and hospitality")
    tab.get_by_label("10 to 49 people").check()
    with tab.expect_navigation():
        tab.get_by_role("button", name="Save and continue").click()
    employer = Employer.objects.get(organisation__name=NAME)
    public_id = employer.organisation.public_id
    expect(tab.get_by_role("heading", level=1)).to_have_text("Choose your commitments")
    check_page(tab, "employer-5-commitments")

    # 3. Invite a colleague, who accepts in a browser of their own (GET shows a button).
    tab.goto(f"{base}/organisations/{public_id}/members/")
    tab.get_by_label("Email address").fill(COLLEAGUE)
    with tab.expect_navigation():
        tab.get_by_role("button", name="Send the invitation").click()
    check_page(tab, "employer-6-members")
    invitation = wait_for_message_to(sink, COLLEAGUE, 1)
    accept_url = link_after(text_of(invitation), "Accept the invitation")
    other = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    try:
        colleague_tab = other.new_page()
        colleague_tab.set_default_timeout(10_000)
        sign_in(colleague_tab, base, colleague, "/organisations/")
        colleague_tab.goto(accept_url)
        assert not Membership.objects.filter(user=colleague).exists()
        check_page(colleague_tab, "employer-7-invite")
        with colleague_tab.expect_navigation():
            colleague_tab.get_by_role("button", name="Accept the invitation").click()
    finally:
        other.close()
    assert Membership.objects.get(user=colleague).role == Role.EDITOR

    # 4. The pledge steps with the keyboard only.
    tab.goto(f"{base}/employers/manage/{public_id}/commitments/")
    for title in CHOSEN:
        tab.get_by_label(title).focus()
        tab.keyboard.press("Space")
    press_button(tab, "Save and continue")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Your actions")
    due = timezone.localdate() + datetime.timedelta(days=120)
    for n, item in enumerate(employer.items.order_by("pk")):
        type_into(tab, tab.locator(f"[name=item-{item.pk}-action]"), f"Action number {n + 1}")
        type_into(tab, tab.locator(f"[name=item-{item.pk}-responsible]"), "HR manager")
        # A date field's typed order follows the browser's own locale: set it as the picker does.
        tab.locator(f"[name=item-{item.pk}-due_by]").fill(due.isoformat())
    check_page(tab, "employer-8-actions")
    press_button(tab, "Save and continue")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Signed by a senior leader")
    type_into(tab, tab.get_by_label("Senior leader's full name"), "Alex Morgan")
    type_into(tab, tab.get_by_label("Their role"), "Managing director")
    tab.get_by_label("Date signed").fill(timezone.localdate().isoformat())
    tab.get_by_label(re.compile("They have read the pledge")).focus()
    tab.keyboard.press("Space")
    check_page(tab, "employer-9-sign")
    press_button(tab, "Save and continue")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Send your pledge for review")
    check_page(tab, "employer-10-submit")
    press_button(tab, "Send it to the council")
    expect(tab.locator(".messages")).to_contain_text("Your pledge is with the council")
    employer.refresh_from_db()
    assert employer.state == PlanState.SUBMITTED
    assert [i.action for i in employer.items.order_by("pk")] == [
        "Action number 1",
        "Action number 2",
        "Action number 3",
    ]
    assert employer.items.first().due_by == due

    # 5. A reviewer asks for changes in the admin.
    reviewer = staff_user("reviewer@example.org", groups=["Moderators"])
    admin_context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    try:
        admin = admin_context.new_page()
        admin.set_default_timeout(10_000)
        sign_in(admin, base, reviewer, QUEUE)
        submission = employer.submissions.get()
        admin.goto(f"{base}{QUEUE}inspect/{submission.pk}/")
        expect(admin.get_by_role("main")).to_contain_text("Action number 1")
        admin.get_by_label("What needs to change").fill("Say which groups you will support.")
        with admin.expect_navigation():
            admin.get_by_role("button", name="Ask for changes").click()
        employer.refresh_from_db()
        assert employer.state == PlanState.CHANGES_REQUESTED
        changes = wait_for_message_to(sink, OWNER, 2)
        assert "Say which groups you will support." in text_of(changes)

        # 6. Fixed and sent again, then approved.
        tab.goto(f"{base}/employers/manage/{public_id}/")
        expect(tab.get_by_role("main")).to_contain_text("Say which groups you will support.")
        check_page(tab, "employer-11-changes-requested")
        tab.goto(f"{base}/employers/manage/{public_id}/actions/")
        item = employer.items.order_by("pk")[1]
        type_into(
            tab, tab.locator(f"[name=item-{item.pk}-action]"), "Time each week for staff-led groups"
        )
        press_button(tab, "Save and continue")
        tab.goto(f"{base}/employers/manage/{public_id}/submit/")
        press_button(tab, "Send it to the council")
        second = employer.submissions.order_by("-pk").first()
        admin.goto(f"{base}{QUEUE}inspect/{second.pk}/")
        with admin.expect_navigation():
            admin.get_by_role("button", name="Approve", exact=True).click()
    finally:
        admin_context.close()
    employer.refresh_from_db()
    assert employer.state == PlanState.APPROVED
    approved = wait_for_message_to(sink, OWNER, 3)
    assert "approved" in approved["Subject"]
    # The colleague, a member since accepting, is told of both decisions too.
    assert wait_for_message_to(sink, COLLEAGUE, 2)["Subject"] == changes["Subject"]
    assert wait_for_message_to(sink, COLLEAGUE, 3)["Subject"] == approved["Subject"]

    # 7. The public listing, the organisation's page and the verification page.
    tab.goto(base + "/employers/")
    card = tab.get_by_role("link", name=NAME)
    expect(card).to_be_visible()
    check_page(tab, "employer-12-listing")
    with tab.expect_navigation():
        card.click()
    expect(tab.get_by_role("main")).to_contain_text("Time each week for staff-led groups")
    check_page(tab, "employer-13-public-page")
    with tab.expect_navigation():
        tab.get_by_role("link", name="Check this pledge is current").click()
    expect(tab.locator(".verification")).to_have_text("Current")
    check_page(tab, "employer-14-verify")
    request = urllib.request.Request(
        f"{base}/employers/verify/{public_id}/", headers={"Accept": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        facts = json.load(response)
    assert facts["status"] == "current"
    assert facts["organisation"] == NAME

    # 8. The badge, and a progress update shown on the public page.
    tab.goto(f"{base}/employers/manage/{public_id}/badge/")
    expect(tab.get_by_label("Code for your website")).to_contain_text(
        f"/employers/verify/{public_id}/"
    )
    check_page(tab, "employer-15-badge")
    tab.goto(f"{base}/employers/manage/{public_id}/progress/")
    with tab.expect_navigation():
        tab.get_by_role("button", name="Show it on your public page").click()
    first = employer.items.order_by("pk").first()
    section = tab.get_by_role("region", name=first.title)
    section.get_by_label("In progress").check()
    section.get_by_label("What has happened").fill("Our first story shared at the staff meeting")
    check_page(tab, "employer-16-progress")
    with tab.expect_navigation():
        section.get_by_role("button", name=re.compile("Save the update")).click()
    tab.goto(f"{base}/employers/{employer.slug}/")
    expect(tab.get_by_role("main")).to_contain_text("Our first story shared at the staff meeting")
