"""A resident's whole pledge journey in a real browser: make a pledge (after an error), read the
confirmation email from a real SMTP sink, confirm, get approved by a moderator in the admin, see
the pledge on the wall, answer the 30-day email, unsubscribe, download and delete. Every public
page passes axe at WCAG 2.2 AA at desktop and phone widths; screenshots are kept for review
(test-artifacts/screenshots/journey-*.png)."""

import datetime
import hashlib
import json
import re
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from django.conf import settings as django_settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from playwright.sync_api import expect

from core import abuse
from mailings.models import OutboundEmail, Suppression, address_hash
from mailings.services import is_suppressed
from pledges.forms import clean_name
from pledges.models import ConsentRecord, Pledge
from pledges.selectors.counters import refresh_counters
from pledges.services import confirm_pledge, queue_confirmation
from pledges.services.moderation import approve_pledges
from pledges.services.reminders import send_due_reminders
from pledges.tokens import make_token
from tests.pledges.factories import AreaFactory, PledgeFactory
from tests.realparts import wait_for

from .conftest import SCREENSHOTS
from .pledge_journey_parts import (
    build_pledge_site,
    check_page,
    html_of,
    link_after,
    sign_in,
    staff_user,
    text_of,
    wait_for_email,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

EMAIL = "alex.resident@example.org"
PLEDGE_TEXT = "Walk with my neighbour Joan to the Thursday lunch club"
MODERATION = "/admin/snippets/pledges/pledgeformoderation/"


def proof_of_work_ready(tab) -> None:
    """static/js/pledge-pow.js fills the hidden fields once it has solved its challenge."""
    # Polled from here: wait_for_function evaluates a string, which our CSP forbids.
    wait_for(
        lambda: tab.locator("input[name='pow_nonce']").input_value() != "",
        timeout=20,
        what="the proof of work to be solved",
    )


def test_resident_pledge_journey(tab, chromium, live_server, mail_through_sink):
    base = live_server.url
    sink = mail_through_sink
    site = build_pledge_site()
    requested = []
    tab.on("request", lambda request: requested.append(request.url))

    # 1. The pledge form: an empty submission first.
    tab.goto(base + site.pledge_page.url)
    expect(tab.get_by_role("heading", level=1)).to_have_text("Make a pledge")
    check_page(tab, "1-form")
    with tab.expect_navigation():
        tab.get_by_role("button", name="Make my pledge").click()
    summary = tab.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("There is a problem")
    expect(tab).to_have_title("Error: Make a pledge – Better Together")
    links = summary.get_by_role("link")
    expect(links).to_have_text(
        ["Choose a pledge, or choose to write your own.", "Enter your first name.",
         "Enter your email address.", "Choose your area."]
    )  # fmt: skip
    # Each link leads to the field it is about, and that field names its error.
    for link in links.all():
        target = tab.locator(link.get_attribute("href"))
        expect(target).to_have_count(1)
        expect(target).to_be_editable()
    expect(tab.get_by_label("First name")).to_have_accessible_description(
        "Error: Enter your first name."
    )
    summary.get_by_role("link", name="Enter your email address.").click()
    expect(tab.get_by_label("Email address")).to_be_in_viewport()
    check_page(tab, "2-form-errors")
    assert not Pledge.objects.exists()

    # Filled in with the keyboard where people would type, the mouse where they would click.
    tab.get_by_label("Write my own pledge").check()
    tab.get_by_label("Your own pledge").click()
    tab.keyboard.type(PLEDGE_TEXT)
    tab.get_by_label("First name").click()
    tab.keyboard.type("Alex")
    tab.keyboard.press("Tab")
    tab.keyboard.type(EMAIL)
    tab.get_by_label("Where do you live or work?").select_option(label="Chatham")
    tab.get_by_label("How did you hear about the campaign?").select_option(label="The council")
    tab.get_by_label("Show my pledge on the pledge wall").check()
    tab.get_by_label("Send me a few reminders and ideas").check()
    proof_of_work_ready(tab)
    with tab.expect_request(lambda r: r.method == "POST") as posted, tab.expect_navigation():
        tab.get_by_role("button", name="Make my pledge").click()
    sent = parse_qs(posted.value.post_data)
    # The browser did the work at full difficulty, and the server spent the challenge (a
    # solution counts once, so checking it again now fails).
    challenge, nonce = sent["pow_challenge"][0], sent["pow_nonce"][0]
    puzzle = signing.loads(challenge, salt=abuse.POW_SIGNING_SALT)
    digest = hashlib.sha256(f"{puzzle['salt']}{nonce}".encode()).digest()
    assert abuse.leading_zero_bits(digest) >= puzzle["bits"] == django_settings.PROOF_OF_WORK_BITS
    assert not abuse.verify_work(challenge=challenge, nonce=nonce)

    # 2. "Check your email", and the email itself (real SMTP).
    expect(tab.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert tab.url == base + site.pledge_page.url + "check-your-email/"
    check_page(tab, "3-check-email")
    pledge = Pledge.objects.get(email=EMAIL)
    assert pledge.text == PLEDGE_TEXT
    assert pledge.first_name == "Alex"
    assert pledge.area.name == "Chatham"
    assert pledge.heard_from == "council"
    assert pledge.show_on_wall
    assert pledge.reminders_wanted
    assert not pledge.is_confirmed
    assert pledge.moderation == Pledge.Moderation.PENDING  # own words are read first

    confirmation = wait_for_email(sink, 1)
    assert confirmation["To"] == EMAIL
    assert confirmation["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert PLEDGE_TEXT in text_of(confirmation)
    assert "Confirm my pledge" in html_of(confirmation)
    confirm_url = link_after(text_of(confirmation), "Confirm my pledge")
    assert confirm_url.startswith(base + "/pledges/confirm/")

    tab.goto(confirm_url)
    expect(tab.get_by_role("heading", level=1)).to_have_text("Confirm your pledge")
    check_page(tab, "4-confirm")
    pledge.refresh_from_db()
    assert not pledge.is_confirmed, "opening the link (GET) must not confirm"
    with tab.expect_navigation():
        tab.get_by_role("button", name="Confirm my pledge").click()

    expect(tab.get_by_role("heading", level=1)).to_have_text("Thank you, Alex")
    expect(tab.get_by_role("main")).to_contain_text(
        "Your pledge will appear on the pledge wall once a member of our team has read it."
    )
    share = tab.get_by_role("region", name="Share this with #TestTogether")
    expect(share.get_by_role("link", name="Facebook (opens in a new tab)")).to_be_visible()
    check_page(tab, "5-thanks")
    pledge.refresh_from_db()
    assert pledge.is_confirmed
    assert not pledge.consents.filter(confirmed_at__isnull=True).exists()
    # Share links are plain links: nothing so far was loaded from anywhere else.
    elsewhere = [url for url in requested if not url.startswith((base + "/", "data:"))]
    assert not elsewhere, "requests to other origins:\n" + "\n".join(elsewhere)

    # 3. A moderator approves it in the admin (a browser of their own).
    moderator = staff_user("moderator@example.org", groups=["Pledge moderators"])
    admin_context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    try:
        admin = admin_context.new_page()
        admin.set_default_timeout(10_000)
        sign_in(admin, base, moderator, MODERATION)
        row = admin.get_by_role("row").filter(has_text=PLEDGE_TEXT)
        expect(row).to_contain_text("Waiting for review")
        expect(admin.get_by_role("main")).not_to_contain_text(EMAIL)
        check_page(admin, "admin-moderation-queue")
        row.get_by_role("button", name="More options").click()
        row.get_by_role("link", name=f"Approve pledge: {PLEDGE_TEXT}").click()
        expect(admin.get_by_role("main")).to_contain_text(PLEDGE_TEXT)
        check_page(admin, "admin-approve")
        with admin.expect_navigation():
            admin.get_by_role("button", name="Yes, approve").click()
        expect(admin.get_by_text("1 pledge approved.")).to_be_visible()
    finally:
        admin_context.close()
    pledge.refresh_from_db()
    assert pledge.moderation == Pledge.Moderation.APPROVED

    assert refresh_counters()["total"] == 1
    tab.goto(base + site.wall_page.url)
    card = tab.locator(".pledge-card").filter(has_text=PLEDGE_TEXT)
    expect(card).to_contain_text("Alex, Chatham")
    check_page(tab, "6-wall")
    tab.goto(f"{base}/pledges/{pledge.pk}/")
    expect(tab.get_by_role("heading", level=1)).to_have_text("A pledge from Alex")
    check_page(tab, "7-public-pledge")

    # 4. Thirty days on, the sweep sends "did you do it?" (only the latest due step).
    assert send_due_reminders(now=pledge.confirmed_at + datetime.timedelta(days=31)) == 1
    reminder = wait_for_email(sink, 2)
    reminder_text = text_of(reminder)
    assert reminder["To"] == EMAIL
    assert PLEDGE_TEXT in reminder_text
    assert reminder["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    tab.goto(link_after(reminder_text, "I did it"))
    expect(tab.get_by_role("heading", level=1)).to_have_text("How did your pledge go?")
    check_page(tab, "8-outcome")
    pledge.refresh_from_db()
    assert pledge.outcome == "", "opening the link (GET) must not record an answer"
    with tab.expect_navigation():
        tab.get_by_role("button", name="Save my answer: I did it").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Well done, Alex")
    check_page(tab, "9-outcome-saved")
    pledge.refresh_from_db()
    assert pledge.outcome == Pledge.Outcome.DONE
    assert pledge.next_reminder_at is None
    assert refresh_counters()["completed"] == 1

    # 5. Unsubscribe: the link opens a page with a button; only the button stops emails.
    tab.goto(link_after(reminder_text, "Stop emails from us"))
    expect(tab.get_by_role("heading", level=1)).to_have_text("Stop emails from us")
    check_page(tab, "10-unsubscribe")
    assert not is_suppressed(EMAIL)
    with tab.expect_navigation():
        tab.get_by_role("button", name="Stop all emails").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("You will get no more emails from us")
    check_page(tab, "11-unsubscribed")
    assert is_suppressed(EMAIL)

    # A mail client's RFC 8058 one-click POST carries no cookie: the token alone suppresses.
    # (The suppression is cleared first so the POST has something to do.)
    Suppression.objects.all().delete()
    header_url = re.fullmatch(r"<(\S+)>", "".join(str(reminder["List-Unsubscribe"]).split()))[1]
    assert header_url == link_after(reminder_text, "Stop emails from us")
    one_click = urllib.request.Request(
        header_url,
        data=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(one_click, timeout=10) as response:
        assert response.status == 200
    assert is_suppressed(EMAIL)

    # 6. Manage: download my data, then delete the pledge.
    tab.goto(link_after(reminder_text, "Manage your pledge"))
    expect(tab.get_by_role("heading", level=1)).to_have_text("Manage your pledge")
    expect(tab.get_by_role("main")).to_contain_text(
        "We will not send you any more reminders about this pledge."
    )
    expect(tab.get_by_label("I did it")).to_be_checked()
    check_page(tab, "12-manage")
    with tab.expect_download() as download:
        tab.get_by_role("link", name="Download your information (JSON file)").click()
    assert download.value.suggested_filename == "my-pledge.json"
    mine = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert mine["pledge"]["text"] == PLEDGE_TEXT
    assert mine["pledge"]["email"] == EMAIL
    assert mine["pledge"]["outcome"] == "done"
    assert {c["purpose"] for c in mine["consents"]} == {
        ConsentRecord.Purpose.PRIVACY, ConsentRecord.Purpose.REMINDERS, ConsentRecord.Purpose.WALL,
    }  # fmt: skip
    assert len(mine["emails"]) == 2

    with tab.expect_navigation():
        tab.get_by_role("button", name="Delete my pledge and my information").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Your pledge has been deleted")
    check_page(tab, "13-deleted")
    assert not Pledge.objects.exists()
    assert not OutboundEmail.objects.exists()
    # Only a hash of the address is kept, so nothing more is ever sent to it.
    assert Suppression.objects.filter(address_hash=address_hash(EMAIL)).exists()

    tab.goto(base + site.wall_page.url)
    expect(tab.get_by_role("main")).not_to_contain_text(PLEDGE_TEXT)
    expect(tab.get_by_role("main")).to_contain_text("No pledges to show yet.")
    assert tab.goto(link_after(reminder_text, "Manage your pledge")).status == 404

    elsewhere = [url for url in requested if not url.startswith((base + "/", "data:"))]
    assert not elsewhere, "requests to other origins:\n" + "\n".join(elsewhere)
    assert len(sink.handler.messages) == 2


# XSS -------------------------------------------------------------------------------------------

XSS_PAYLOADS = [
    "<script>window.__xss=1</script>",
    '"><img src=x onerror="window.__xss=1">',
    "javascript:window.__xss=1",
    "'';!--\"<XSS>=&{()}",
    "<svg onload=window.__xss=1>",
    "</textarea><img src=x onerror=alert(1)>",
]
# Area names come from the admin, but they are shown everywhere a pledge is.
XSS_AREA = "<img src=x onerror=window.__xss=1> Rainham"

INJECTED = """() => {
    const attributes = [...document.querySelectorAll("*")].flatMap((el) =>
        [...el.attributes].filter((a) => a.name.startsWith("on") &&
            /__xss|alert/.test(a.value)).map((a) => `${el.tagName} ${a.name}`));
    const scripts = [...document.scripts].filter((s) => s.text.includes("__xss"));
    const links = [...document.querySelectorAll("a[href^='javascript:' i]")];
    return [...attributes, ...scripts.map(() => "script"), ...links.map((a) => a.href),
            ...[...document.getElementsByTagName("xss")].map(() => "<xss>")];
}"""


class XssWatch:
    """A browser context that ignores our CSP, so only escaping stands between a payload and
    its execution, and that records every dialog (alert) any of its pages opens."""

    def __init__(self, chromium):
        self.context = chromium.new_context(
            viewport={"width": 1280, "height": 800}, locale="en-GB", bypass_csp=True
        )
        self.dialogs = []
        self.context.on("page", self._watch)
        self.tab = self.context.new_page()
        self.tab.set_default_timeout(10_000)
        self.checked = 0

    def _watch(self, page):
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))

    def assert_inert(self, where: str) -> None:
        assert self.tab.evaluate("typeof window.__xss") == "undefined", f"script ran on {where}"
        assert self.tab.evaluate(INJECTED) == [], f"markup injected on {where}"
        assert not self.dialogs, f"dialog opened on {where}: {self.dialogs}"
        self.checked += 1

    def visit(self, url: str, where: str) -> None:
        response = self.tab.goto(url)
        assert response.status == 200, f"{where}: {response.status}"
        self.assert_inert(where)

    def close(self):
        self.context.close()


PLAIN_NAME, PLAIN_ORGANISATION = "Sam", "Riverside Friends"


def stored_as_name(payload: str, plain: str) -> str:
    """What a name field keeps of a payload: the payload, unless the names rule refuses it
    (markup, links, addresses), when the person types a plain name instead."""
    try:
        return clean_name(payload, what="The name")
    except ValidationError:
        return plain


def submit_hostile_pledge(watch, url, *, payload, email, area, organisation=False) -> None:
    """Fill every text field with the payload. The form refuses markup in the pledge and in
    names; the refusal page (which echoes what was typed) is checked too, then the person picks
    a suggested pledge instead and types a plain name where theirs was refused."""
    tab = watch.tab
    tab.goto(url)
    if organisation:
        tab.locator("[name=organisation_name]").fill(payload)
        tab.locator("[name=organisation_type]").select_option(label="Community group")
    tab.get_by_label("Write my own pledge").check()
    tab.locator("[name=own_text]").fill(payload)
    tab.locator("[name=first_name]").fill(payload)
    tab.locator("[name=email]").fill(email)
    tab.locator("[name=area]").select_option(label=area)
    tab.locator("[name=show_on_wall]").check()
    tab.locator("[name=reminders_wanted]").check()
    for _attempt in range(2):
        proof_of_work_ready(tab)
        with tab.expect_navigation():
            tab.get_by_role("button", name="Make my pledge").click()
        if tab.url.endswith("check-your-email/"):
            return
        watch.assert_inert(f"the refused form for {payload!r}")
        expect(tab.locator("[name=first_name]")).to_have_value(payload)
        expect(tab.locator("[name=own_text]")).to_have_value(payload)
        tab.get_by_label("Say hello to a neighbour").check()
        tab.locator("[name=first_name]").fill(stored_as_name(payload, PLAIN_NAME))
        if organisation:
            tab.locator("[name=organisation_name]").fill(
                stored_as_name(payload, PLAIN_ORGANISATION)
            )
    raise AssertionError(f"the form did not accept {payload!r}: {tab.url}")


def test_xss_corpus_executes_nowhere(chromium, live_server, mail_through_sink, settings):
    # Two dozen pledges from one address in a minute: neither the per-IP limit nor the proof
    # of work is under test here (the journey above solves it at full difficulty).
    settings.PLEDGE_LIMIT_PER_IP = 1000
    settings.PROOF_OF_WORK_BITS = 4
    base = live_server.url
    sink = mail_through_sink
    site = build_pledge_site()
    hostile_area = AreaFactory(name=XSS_AREA)
    watch = XssWatch(chromium)
    admin_watch = XssWatch(chromium)
    try:
        # Through the forms, as a person (or a bot) would type them.
        for number, payload in enumerate(XSS_PAYLOADS):
            submit_hostile_pledge(
                watch, base + site.pledge_page.url, payload=payload,
                email=f"resident{number}@example.org", area="Chatham",
            )  # fmt: skip
            submit_hostile_pledge(
                watch, base + site.organisation_page.url, payload=payload,
                email=f"organisation{number}@example.org", area=XSS_AREA, organisation=True,
            )  # fmt: skip
        submitted = list(Pledge.objects.all())
        assert len(submitted) == 2 * len(XSS_PAYLOADS)
        assert {p.first_name for p in submitted} == {
            stored_as_name(payload, PLAIN_NAME) for payload in XSS_PAYLOADS
        }
        assert {p.organisation_name for p in submitted} == {
            stored_as_name(payload, PLAIN_ORGANISATION) for payload in XSS_PAYLOADS
        } | {""}

        # Straight into the database: pledge text the form would refuse (an import, an
        # assisted entry, a future change to the form's rules).
        now = timezone.now()
        for number, payload in enumerate(XSS_PAYLOADS):
            PledgeFactory(
                text=payload, first_name=payload, email=f"stored{number}@example.org",
                area=hostile_area, confirmed_at=now, show_on_wall=True, reminders_wanted=True,
                next_reminder_at=now,
            )  # fmt: skip
            PledgeFactory(
                kind=Pledge.Kind.ORGANISATION, text=f"{payload} together",
                organisation_name=payload, organisation_type="community_group",
                first_name=payload, email=f"stored-organisation{number}@example.org",
                area=site.areas["Strood"], confirmed_at=now, show_on_wall=True,
            )  # fmt: skip
        for pledge in submitted:
            confirm_pledge(pledge=pledge)
        approve_pledges(pledges=Pledge.objects.all(), by=None)
        pledges = list(Pledge.objects.select_related("area"))
        assert all(p.is_confirmed and p.moderation == "approved" for p in pledges)

        # The wall, shown as text: escaped, not stripped.
        watch.visit(base + site.wall_page.url, "the wall")
        wall_text = watch.tab.get_by_role("main").inner_text()
        for payload in XSS_PAYLOADS:
            assert payload in wall_text
        assert XSS_AREA in wall_text
        watch.tab.screenshot(path=SCREENSHOTS / "journey-xss-wall-1280.png", full_page=True)
        watch.visit(f"{base}{site.wall_page.url}?area={hostile_area.pk}", "the filtered wall")

        # Each pledge's own pages that show its words: public, confirm, thanks, manage, outcome.
        for pledge in pledges:
            label = f"pledge {pledge.pk} ({pledge.text!r})"
            watch.visit(f"{base}/pledges/{pledge.pk}/", f"the public page of {label}")
            confirm = make_token(pledge, "confirm")
            watch.visit(f"{base}/pledges/confirm/{confirm}/", f"the confirm page of {label}")
            manage = make_token(pledge, "manage")
            watch.visit(f"{base}/pledges/thanks/{manage}/", f"the thank-you page of {label}")
            watch.visit(f"{base}/pledges/manage/{manage}/", f"the manage page of {label}")
            outcome = make_token(pledge, "outcome")
            watch.visit(f"{base}/pledges/outcome/{outcome}/done/", f"the outcome page of {label}")

        # The admin, which has no CSP of its own to fall back on.
        superuser = staff_user("admin@example.org", is_superuser=True)
        sign_in(admin_watch.tab, base, superuser, MODERATION)
        admin_watch.assert_inert("the moderation queue")
        moderation_text = admin_watch.tab.get_by_role("main").inner_text()
        for payload in XSS_PAYLOADS:
            assert payload in moderation_text
        ids = "&".join(f"id={p.pk}" for p in pledges)
        admin_pages = {
            "the moderation queue, searched": f"{MODERATION}?q=xss",
            "the data officers' listing": "/admin/snippets/pledges/pledge/",
            "the data officers' listing, searched": "/admin/snippets/pledges/pledge/?q=xss",
            "the approve confirmation": f"/admin/bulk/pledges/pledgeformoderation/approve/?{ids}",
            "the reject confirmation": f"/admin/bulk/pledges/pledgeformoderation/reject/?{ids}",
        }
        for pledge in pledges[:4]:
            admin_pages[f"moderation inspect {pledge.pk}"] = f"{MODERATION}inspect/{pledge.pk}/"
            admin_pages[f"personal data inspect {pledge.pk}"] = (
                f"/admin/snippets/pledges/pledge/inspect/{pledge.pk}/"
            )
        for where, path in admin_pages.items():
            admin_watch.visit(base + path, where)

        # The emails, rendered as a mail client would show their HTML.
        for pledge in pledges:
            if pledge.channel == "online" and not pledge.suggestion_id:
                queue_confirmation(pledge)  # the stored ones: their text is the payload
        assert send_due_reminders(now=now + datetime.timedelta(days=31)) >= len(XSS_PAYLOADS)
        messages = [m.parsed for m in sink.handler.messages]
        assert len(messages) >= 4 * len(XSS_PAYLOADS)
        for message in messages:
            watch.tab.set_content(html_of(message))
            watch.assert_inert(f"the email {message['Subject']!r} to {message['To']}")
        # ...and each payload reaches the reader as the text that was typed.
        for number, payload in enumerate(XSS_PAYLOADS):
            to_them = [m for m in messages if m["To"] == f"stored{number}@example.org"]
            assert len(to_them) == 2  # the confirmation and the 30-day reminder
            for message in to_them:
                watch.tab.set_content(html_of(message))
                assert payload in watch.tab.get_by_role("article").inner_text()
    finally:
        watch.close()
        admin_watch.close()
    assert watch.checked + admin_watch.checked > 100
