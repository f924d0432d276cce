"""Wagtail's admin works under its own Content Security Policy: every admin screen an editor
uses loads and runs without a single violation, in headless Chromium."""

import pytest
from wagtail.models import Page

from core.models import CampaignSettings

from .pledge_journey_parts import sign_in, staff_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.wagtail_screens,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__csp.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` (${event.sourceFile || ""}:${event.lineNumber || ""}) ${event.sample || ""}`);
});
"""


def admin_screens(site_pages) -> dict[str, str]:
    campaign = Page.objects.get(url_path__endswith="/what-loneliness-is/")
    home = campaign.get_parent()
    return {
        "dashboard": "/admin/",
        "page explorer": f"/admin/pages/{home.pk}/",
        "page editor": f"/admin/pages/{campaign.pk}/edit/",
        "new page": f"/admin/pages/add/home/standardpage/{home.pk}/",
        "page history": f"/admin/pages/{campaign.pk}/history/",
        "images": "/admin/images/",
        "image upload": "/admin/images/multiple/add/",
        "documents": "/admin/documents/",
        "snippets": "/admin/snippets/",
        "pledge moderation": "/admin/snippets/pledges/pledgeformoderation/",
        "assisted entry": "/admin/pledges/assisted-entry/",
        "campaign settings": f"/admin/settings/core/campaignsettings/{CampaignSettings.objects.get().site_id}/",
        "users": "/admin/users/",
        "groups": "/admin/groups/",
        "reports": "/admin/reports/site-history/",
        "search": "/admin/pages/search/?q=loneliness",
        "account": "/admin/account/",
    }


def test_admin_screens_run_under_the_admin_policy(tab, live_server, site_pages):
    user = staff_user("csp-editor@example.org", is_superuser=True)
    tab.add_init_script(RECORD_VIOLATIONS)
    console, elsewhere = [], []
    tab.on("console", lambda message: console.append(message.text))
    tab.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((live_server.url, "data:", "blob:"))
            else elsewhere.append(request.url)
        ),
    )
    sign_in(tab, live_server.url, user, "/admin/")
    problems = {}
    for name, path in admin_screens(site_pages).items():
        console.clear()
        response = tab.goto(live_server.url + path)
        assert response.status == 200, f"{name}: {response.status}"
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "object-src 'none'" in policy
        tab.wait_for_load_state("networkidle")
        seen = tab.evaluate("window.__csp") + [
            text for text in console if "Content Security Policy" in text
        ]
        if name == "page editor":
            seen += use_the_page_editor(tab)
        if seen:
            problems[name] = seen
    assert not problems, "\n".join(f"{name}: {seen}" for name, seen in problems.items())
    # Nothing went to another site (Gravatar would have, for every admin page).
    assert elsewhere == []


def use_the_page_editor(tab) -> list[str]:
    """Open the image chooser, then add a block with a chooser inside it: both start their
    widgets with scripts made in the browser."""
    tab.get_by_role("button", name="Choose an image").first.click()
    tab.get_by_role("dialog").get_by_text("Choose an image").first.wait_for()
    tab.get_by_role("dialog").get_by_role("button", name="Close").click()
    tab.get_by_role("dialog").wait_for(state="hidden")
    tab.get_by_role("button", name="Insert a block").first.click()
    tab.get_by_role("option", name="Image").first.click()
    tab.wait_for_load_state("networkidle")
    return tab.evaluate("window.__csp")
