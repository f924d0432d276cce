"""A form's error state is accessible too: axe passes and focus lands on the error summary."""

import pytest
from playwright.sync_api import expect

from .conftest import SCREENSHOTS
from .test_pages import assert_no_axe_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_failed_sign_in_shows_an_accessible_error_summary(tab, live_server, site_pages):
    tab.goto(live_server.url + site_pages["login"])
    tab.get_by_label("Email").fill("nobody@example.org")
    tab.get_by_label("Password").fill("not-the-right-password")
    with tab.expect_navigation():
        tab.get_by_role("button", name="Sign in").click()

    summary = tab.locator("[data-error-summary]")
    expect(summary).to_contain_text("There is a problem")
    # Screen reader users hear what went wrong straight away (static/js/site.js).
    expect(summary).to_be_focused()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=SCREENSHOTS / "login-error-1280.png", full_page=True)
    assert_no_axe_violations(tab, "login with an error")
