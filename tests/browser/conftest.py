"""Headless Chromium (Debian's, not Playwright's download) against pytest-django's live server.

One browser is shared by every browser test; each test gets a fresh context and page, so cookies
and viewport never leak between tests. Every HTML document a test loads from the live server is
checked by the Nu Html Checker once the test has passed (html_validity.py): an error fails it.
"""

import contextlib
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connections
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from tests.realparts import start_smtp_sink

from .html_validity import DocumentLog, NuHtmlChecker, describe_findings
from .site_content import build_site

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"


@pytest.fixture(scope="package")
def _allow_sync_orm_under_playwright():
    # Playwright's sync API keeps an asyncio loop running on the main thread, so Django would
    # refuse ORM calls from test code (factories, flushes) without this. Restored afterwards so
    # the rest of the suite keeps Django's guard.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class CheckedBrowser:
    """The shared Chromium. Every context made from it records the HTML documents it loads
    (tests make their own contexts for a second person or to bypass the CSP: those count too)."""

    def __init__(self, browser, checker: NuHtmlChecker):
        self._browser = browser
        self.checker = checker
        self.documents = DocumentLog()

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        self.documents.watch(context)
        return context

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture(scope="package")
def chromium(django_db_setup, _allow_sync_orm_under_playwright):
    """One browser for the whole browser suite: launching Chromium is the slow part.

    Package scope (not session) so Playwright's loop is gone before the other test packages run.
    """
    checker = NuHtmlChecker()  # starts now, warms up while Chromium starts
    # While Playwright's loop runs, asgiref treats this thread as async and Django hands out a
    # second set of connection objects. They need the test database's serialized contents too,
    # or serialized_rollback cannot restore what the migrations created (root page, locale).
    serialized = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    try:
        with sync_playwright() as playwright:
            for alias, contents in serialized.items():
                connections[alias]._test_serialized_contents = contents
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield CheckedBrowser(browser, checker)
            browser.close()
            # Those connections are unreachable once the loop stops; close them while we can.
            connections.close_all()
    finally:
        checker.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a browser test passes, the documents it loaded must be valid HTML: an error fails
    the test (named with its URL and the checker's messages); warnings are printed."""
    browser = item.funcargs.get("chromium")
    live_server = item.funcargs.get("live_server")
    if not isinstance(browser, CheckedBrowser) or live_server is None:
        return (yield)
    browser.documents.start(live_server.url)
    result = yield
    documents = browser.documents.documents
    if item.get_closest_marker("wagtail_screens"):
        # A walk through Wagtail's own screens, for something other than their markup (which
        # is Wagtail's): only the documents that are ours are checked.
        documents = [d for d in documents if not urlsplit(d.url).path.startswith("/admin/")]
    findings = browser.checker.check_all(documents)
    # Shown with the test's output (on failure, or with -rA), not in the middle of the dots.
    for kind, heading in [("warnings", "warnings"), ("wagtails", "errors in Wagtail's admin")]:
        if text := describe_findings(findings, kind=kind):
            item.add_report_section("call", f"Nu Html Checker {heading}", text)
    if browser.documents.unread:
        unread = "\n".join(browser.documents.unread)
        item.add_report_section("call", "not checked (the browser moved on first)", unread)
    errors = describe_findings(findings, kind="errors")
    assert not errors, f"invalid HTML (Nu Html Checker):\n{errors}"
    assert findings, "no HTML document from the live server was checked"
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # The tab fixture reads this to keep a screenshot of a failing test.
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def tab(chromium, request):
    """A fresh browser tab (named so pytest-playwright's own `page` fixture stays out of it)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = "".join(ch if ch.isalnum() else "-" for ch in request.node.name)
        # A page whose main thread is stuck cannot be drawn; the failure says why.
        with contextlib.suppress(PlaywrightError):
            tab.screenshot(path=SCREENSHOTS / f"FAILED-{name}.png", full_page=True)
    context.close()


@pytest.fixture
def site_pages(live_server):
    """The test site's pages (see site_content.py), by name: path."""
    return build_site()


@pytest.fixture
def smtp_sink():
    controller = start_smtp_sink()
    yield controller
    controller.stop()


@pytest.fixture
def mail_through_sink(settings, live_server, smtp_sink):
    """Emails leave through real SMTP to the sink, delivered in-process as each outbox row
    commits (Celery is eager in the test settings); links in them point at the live server."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_sink.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.SITE_URL = live_server.url
    # Every visit renders afresh, so the wall shows each change at once.
    settings.PAGE_CACHE_SECONDS = 0
    return smtp_sink
