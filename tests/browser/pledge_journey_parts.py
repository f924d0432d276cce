"""What the pledge journey tests share: the site they run on (built with the factories), email
read from the SMTP sink, signing in to the admin, and a check of each page a person sees (axe at
desktop and phone widths, with screenshots kept for review)."""

import re
from dataclasses import dataclass
from email.message import EmailMessage

import wagtail_factories
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from pledges.models import PledgePage, PledgeWallPage
from tests.factories import UserFactory, make_site
from tests.pledges.factories import AreaFactory, PledgePageFactory, PledgeSuggestionFactory
from tests.realparts import wait_for

from .conftest import SCREENSHOTS
from .test_pages import assert_no_axe_violations

WIDTHS = [(1280, 800), (375, 740)]
PASSWORD = "a-long-test-password"  # tests.factories.UserFactory's
# Entrances and fades, not decorative loops (Wagtail pulses a badge for 25 seconds).
SHORT_ANIMATIONS_FINISHED = """Promise.all(document.getAnimations()
    .filter((a) => a.effect && a.effect.getComputedTiming().endTime <= 2000)
    .map((a) => a.finished.catch(() => null)))"""


class PledgeWallPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = PledgeWallPage

    title = "Pledge wall"
    slug = "wall"
    per_page = 100


@dataclass
class PledgeSite:
    pledge_page: PledgePage
    organisation_page: PledgePage
    wall_page: PledgeWallPage
    areas: dict
    suggestions: list


def build_pledge_site() -> PledgeSite:
    home = make_site()
    pledge_page = PledgePageFactory(
        parent=home,
        title="Make a pledge",
        slug="pledge",
        introduction="One small act can help someone feel less alone. What will you do?",
        privacy_notice="<p>We use your name, email and area only for your pledge. "
        "You can delete it at any time.</p>",
    )
    organisation_page = PledgePageFactory(
        parent=home,
        title="Pledge as an organisation",
        slug="organisation-pledge",
        kind="organisation",
    )
    wall_page = PledgeWallPageFactory(parent=home)
    areas = {name: AreaFactory(name=name) for name in ["Chatham", "Gillingham", "Strood"]}
    suggestions = [
        PledgeSuggestionFactory(text="Say hello to a neighbour", sort_order=1),
        PledgeSuggestionFactory(text="Host a coffee morning", sort_order=2),
    ]
    return PledgeSite(pledge_page, organisation_page, wall_page, areas, suggestions)


# Email from the sink ----------------------------------------------------------------------------


def wait_for_email(sink, count: int) -> EmailMessage:
    """The `count`th message the sink accepted (1-based), parsed."""
    wait_for(
        lambda: len(sink.handler.messages) >= count,
        what=f"email number {count} in the SMTP sink",
    )
    return sink.handler.messages[count - 1].parsed


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def link_after(text: str, label: str) -> str:
    """The address after 'label: ' in a plain-text email."""
    match = re.search(rf"^{re.escape(label)}: (\S+)", text, re.MULTILINE)
    assert match, f"no '{label}' link in:\n{text}"
    return match.group(1)


# People and pages -------------------------------------------------------------------------------


def staff_user(email: str, *, groups=(), **fields):
    """A member of staff who can sign in: allauth needs a verified address."""
    user = UserFactory(email=email, is_staff=True, **fields)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def sign_in(tab, base_url: str, user, next_path: str) -> None:
    tab.goto(f"{base_url}/accounts/login/?next={next_path}")
    tab.get_by_label("Email").fill(user.email)
    tab.get_by_label("Password").fill(PASSWORD)
    with tab.expect_navigation():
        tab.get_by_role("button", name="Sign in").click()
    assert tab.url.startswith(base_url + next_path), tab.url


def check_page(tab, name: str) -> None:
    """Axe at WCAG 2.2 AA at desktop and phone widths, with a full-page screenshot of each;
    the tab is left at desktop width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in WIDTHS:
        tab.set_viewport_size({"width": width, "height": height})
        # Axe measures colours as they are drawn: a message still fading in fails contrast.
        tab.evaluate(SHORT_ANIMATIONS_FINISHED)
        tab.screenshot(path=SCREENSHOTS / f"journey-{name}-{width}.png", full_page=True)
        assert_no_axe_violations(tab, f"{name} at {width}px")
    tab.set_viewport_size({"width": WIDTHS[0][0], "height": WIDTHS[0][1]})
