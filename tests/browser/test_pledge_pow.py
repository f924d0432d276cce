"""The pledge form's proof of work is done in a Web Worker: the page stays responsive (no long
task on the main thread) while a deliberately hard challenge is solved, the solution arrives and
the server accepts it. Where Workers are missing, nothing is solved and the form still works."""

import hashlib
import time
from urllib.parse import parse_qs

import pytest
from django.core import signing
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from core import abuse
from pledges.models import Pledge
from tests.realparts import wait_for

from .pledge_journey_parts import build_pledge_site

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Added before any script of the page runs (Playwright's init scripts are not subject to the
# page's CSP): every long task the main thread has, that is, every task over 50 ms.
WATCH_LONG_TASKS = """
window.__longTasks = [];
new PerformanceObserver(function (list) {
  list.getEntries().forEach(function (entry) {
    window.__longTasks.push({start: entry.startTime, duration: entry.duration, name: entry.name});
  });
}).observe({type: "longtask", buffered: true});
"""
LONG_TASKS_SINCE_LOADED = """() => {
    const loaded = performance.getEntriesByType("navigation")[0].domContentLoadedEventStart;
    return {now: performance.now(), loaded,
            tasks: window.__longTasks.filter((task) => task.start >= loaded)};
}"""
# Beyond reach (about 2^30 hashes): the worker is still at it when we look, whatever its luck.
ENDLESS_BITS = 30
WORKING_SECONDS = 3
# A hard challenge that is still solved: a few seconds on average (each bit doubles it).
HARD_BITS = 17
WORKER_URL = "/static/js/pledge-pow-worker.js"


def fill_in(tab, email: str) -> None:
    tab.get_by_label("Say hello to a neighbour").check()
    tab.get_by_label("First name").fill("Sam")
    tab.get_by_label("Email address").fill(email)
    tab.get_by_label("Where do you live or work?").select_option(label="Chatham")


def nonce_of(tab) -> str:
    return tab.locator("input[name='pow_nonce']").input_value()


def long_tasks_since_loaded(tab) -> dict:
    # A main thread that is stuck fails the test here rather than hanging it in evaluate().
    try:
        tab.locator("h1").inner_text(timeout=5_000)
    except PlaywrightTimeoutError:
        raise AssertionError("the page's main thread did not answer within 5 seconds") from None
    return tab.evaluate(LONG_TASKS_SINCE_LOADED)


def test_a_hard_challenge_is_solved_off_the_main_thread(tab, live_server, settings):
    # One solved pledge fits this limit; an unsolved one (weight 2) would be refused.
    settings.PLEDGE_LIMIT_PER_IP = 1
    settings.PLEDGE_LIMIT_NO_JS_WEIGHT = 2
    site = build_pledge_site()
    url = live_server.url + site.pledge_page.url
    problems, workers = [], []
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda error: problems.append(str(error)))
    tab.on("worker", lambda worker: workers.append(worker.url))
    tab.add_init_script(WATCH_LONG_TASKS)

    # Seconds of work that cannot finish: the main thread has no long task all the while (on
    # the main thread, the same work was one long task of over a second).
    settings.PROOF_OF_WORK_BITS = ENDLESS_BITS
    tab.goto(url)
    time.sleep(WORKING_SECONDS)
    watched = long_tasks_since_loaded(tab)
    assert workers == [live_server.url + WORKER_URL], "the work is not done in our Worker"
    assert nonce_of(tab) == "", "an endless challenge was solved?"
    assert watched["now"] - watched["loaded"] >= WORKING_SECONDS * 1000
    assert watched["tasks"] == [], f"the main thread was blocked: {watched['tasks']}"

    # A hard challenge that is solved: still no long task, and the solution is accepted.
    settings.PROOF_OF_WORK_BITS = HARD_BITS
    started = time.monotonic()
    tab.goto(url)
    wait_for(lambda: nonce_of(tab), timeout=120, what="the proof of work to be solved")
    watched = long_tasks_since_loaded(tab)
    print(f"{HARD_BITS} bits solved in {time.monotonic() - started:.1f}s")  # noqa: T201 - timing in the output
    assert len(workers) == 2
    assert watched["tasks"] == [], f"the main thread was blocked: {watched['tasks']}"
    assert not problems, problems

    fill_in(tab, "hard.work@example.org")
    with tab.expect_request(lambda r: r.method == "POST") as posted, tab.expect_navigation():
        tab.get_by_role("button", name="Make my pledge").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Check your email")
    sent = parse_qs(posted.value.post_data)
    challenge, nonce = sent["pow_challenge"][0], sent["pow_nonce"][0]
    puzzle = signing.loads(challenge, salt=abuse.POW_SIGNING_SALT)
    digest = hashlib.sha256(f"{puzzle['salt']}{nonce}".encode()).digest()
    assert puzzle["bits"] == HARD_BITS
    assert abuse.leading_zero_bits(digest) >= HARD_BITS
    # Accepted as solved (the limit leaves no room for an unsolved one) and spent.
    assert Pledge.objects.filter(email="hard.work@example.org").exists()
    assert not abuse.verify_work(challenge=challenge, nonce=nonce)


WITHOUT_WORKERS = "delete window.Worker;"


def test_without_workers_the_form_is_sent_unsolved_and_still_works(tab, live_server, settings):
    settings.PLEDGE_LIMIT_PER_IP = 10
    site = build_pledge_site()
    problems = []
    tab.on("pageerror", lambda error: problems.append(str(error)))
    tab.add_init_script(WITHOUT_WORKERS)
    tab.add_init_script(WATCH_LONG_TASKS)
    challenges = []
    tab.on("request", lambda r: challenges.append(r.url) if "/challenge/" in r.url else None)

    tab.goto(live_server.url + site.pledge_page.url)
    fill_in(tab, "no.workers@example.org")
    with tab.expect_request(lambda r: r.method == "POST") as posted, tab.expect_navigation():
        tab.get_by_role("button", name="Make my pledge").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Check your email")
    sent = parse_qs(posted.value.post_data, keep_blank_values=True)
    assert sent["pow_challenge"] == [""]
    assert sent["pow_nonce"] == [""]
    assert challenges == [], "a challenge was fetched that nothing could solve"
    assert Pledge.objects.filter(email="no.workers@example.org").exists()
    assert not problems, problems
