"""Keyboard users reach the skip link first and the main call to action in a few presses."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import SCREENSHOTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Skip link, phone number, brand, search box and button, a few menu links: then the banner.
MAX_TABS_TO_MAIN_CTA = 12

FOCUSED = """() => {
    const el = document.activeElement;
    return {id: el.id, cls: el.className, text: (el.innerText || el.value || "").trim()};
}"""


def test_tab_reaches_skip_link_then_main_cta_and_enter_follows_it(tab, live_server, site_pages):
    tab.goto(live_server.url + site_pages["home"])
    focused = []
    for _ in range(MAX_TABS_TO_MAIN_CTA):
        tab.keyboard.press("Tab")
        focused.append(tab.evaluate(FOCUSED))
        if focused[-1]["id"] == "main-cta":
            break
    assert "skip-link" in focused[0]["cls"], f"first Tab focused {focused[0]}"
    assert focused[-1]["id"] == "main-cta", (
        f"#main-cta not reached in {MAX_TABS_TO_MAIN_CTA} Tabs; focus went: {focused}"
    )
    expect(tab.locator("#main-cta")).to_be_in_viewport()
    # For a person to check the focus style is clearly visible.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=SCREENSHOTS / "home-focus-main-cta.png")

    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert tab.url == live_server.url + site_pages["campaign"]
    expect(tab.locator("h1")).to_have_text("What loneliness is")


def test_skip_link_is_visible_when_focused_and_moves_focus_to_main(tab, live_server, site_pages):
    tab.goto(live_server.url + site_pages["campaign"])
    tab.keyboard.press("Tab")
    skip_link = tab.locator(".skip-link")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=SCREENSHOTS / "campaign-focus-skip-link.png")

    tab.keyboard.press("Enter")
    expect(tab).to_have_url(re.compile(r"#main$"))
    expect(tab.locator("main")).to_be_focused()
    # The next Tab continues from the content, not from the top of the page again.
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.querySelector('main').contains(document.activeElement)")


def test_focused_links_stay_visible_in_forced_colours_mode(tab, live_server, site_pages):
    # Windows' high contrast themes drop backgrounds and box shadows: only an outline is left.
    tab.emulate_media(forced_colors="active")
    tab.goto(live_server.url + site_pages["home"])
    for _ in range(3):  # the skip link, the phone number, the campaign name
        tab.keyboard.press("Tab")
        outline = tab.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
        )
        focused = tab.evaluate("document.activeElement.outerHTML")
        assert outline[0] != "none", f"{focused} has outline {outline}"
        assert outline[1] >= 2, f"{focused} has outline {outline}"
