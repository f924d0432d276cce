"""Every kind of public page passes axe's WCAG 2.2 AA rules at desktop and phone widths, reflows
at 320px and loads nothing from another origin. Full-page screenshots are kept for a person to
review the design (test-artifacts/screenshots/)."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from .conftest import SCREENSHOTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PAGES = ["home", "campaign", "story", "search", "login", "not_found"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
WIDTHS = [(1280, 800), (375, 740)]

axe = Axe()


def axe_report(violations) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"  - {', '.join(map(str, node['target']))}")
            lines.append(f"    {node['html'][:200]}")
            if node.get("failureSummary"):
                lines.append("    " + node["failureSummary"].replace("\n", "\n    "))
    return "\n".join(lines)


def assert_no_axe_violations(tab, label):
    violations = axe.run(tab, options=AXE_OPTIONS).response["violations"]
    assert not violations, f"axe found problems on {label}:\n{axe_report(violations)}"


@pytest.mark.parametrize("name", PAGES)
def test_page_is_accessible_reflows_and_stays_on_our_origin(tab, live_server, site_pages, name):
    requested = []
    tab.on("request", lambda request: requested.append(request.url))
    response = tab.goto(live_server.url + site_pages[name])
    assert response is not None
    assert response.status == (404 if name == "not_found" else 200)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # Axe runs at both widths: the phone layout has its own wrapping, spacing and targets.
    for width, height in WIDTHS:
        tab.set_viewport_size({"width": width, "height": height})
        tab.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
        assert_no_axe_violations(tab, f"{name} at {width}px")

    # WCAG 1.4.10 reflow: everything fits 320 CSS pixels without scrolling sideways.
    tab.set_viewport_size({"width": 320, "height": 640})
    scroll_width = tab.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 320, f"{name} is {scroll_width}px wide at a 320px viewport"

    # Privacy: no fonts, analytics or embeds from elsewhere (and the strict CSP relies on it).
    # Checked last so lazy resources the full-page screenshots revealed are included.
    origin = live_server.url + "/"
    elsewhere = [url for url in requested if not url.startswith((origin, "data:"))]
    assert requested[0] == live_server.url + site_pages[name]
    assert not elsewhere, "requests to other origins:\n" + "\n".join(elsewhere)
