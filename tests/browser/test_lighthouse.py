"""Lighthouse's performance score for the pledge page, on Lighthouse's default mobile settings:
most residents pledge from a phone, and it is the stricter profile (a slow 4G network and a CPU
four times slower than this machine's, simulated), the one where solving the proof of work on
the main thread cost the most (a total blocking time of seconds).

The simulation scales the main thread's work as this machine measured it, so a busy machine
scores lower: as Lighthouse's documentation on variability advises, a score under the mark is
measured twice more and the median of the three counts."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from .conftest import CHROMIUM, CHROMIUM_ARGS
from .pledge_journey_parts import build_pledge_site

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LIGHTHOUSE = Path(settings.BASE_DIR) / "node_modules" / "lighthouse" / "cli" / "index.js"
REPORTS = Path(settings.BASE_DIR) / "test-artifacts" / "lighthouse"
MINIMUM_SCORE = 0.95
SHOWN = [
    "first-contentful-paint",
    "largest-contentful-paint",
    "speed-index",
    "total-blocking-time",
    "cumulative-layout-shift",
]


def run_lighthouse(url: str, name: str) -> dict:
    node = shutil.which("node")
    missing = "Lighthouse is not installed: run `npm ci` (scripts/test does) with Node.js 20"
    assert node, missing
    assert LIGHTHOUSE.exists(), missing
    REPORTS.mkdir(parents=True, exist_ok=True)
    report = REPORTS / f"{name}.json"
    flags = " ".join(["--headless=new", *CHROMIUM_ARGS])
    for _attempt in range(2):
        finished = subprocess.run(
            [
                node,
                str(LIGHTHOUSE),
                url,
                "--only-categories=performance",
                "--output=json",
                f"--output-path={report}",
                f"--chrome-flags={flags}",
                "--quiet",
            ],
            env={**os.environ, "CHROME_PATH": CHROMIUM},
            capture_output=True,
            text=True,
            timeout=240,
        )
        # Lighthouse's own trace recording sometimes fails on a busy machine (NO_NAVSTART,
        # "please run Lighthouse again"): that says nothing about the page, so it runs again
        # once. A low score is never run again.
        if finished.returncode == 0 or "NO_NAVSTART" not in finished.stdout + finished.stderr:
            break
    assert finished.returncode == 0, f"Lighthouse failed:\n{finished.stdout}{finished.stderr}"
    return json.loads(report.read_text(encoding="utf-8"))


def measure(url: str, run: int) -> tuple[float, str]:
    result = run_lighthouse(url, f"pledge-page-{run}")
    score = result["categories"]["performance"]["score"]
    audits = result["audits"]
    # The score counts only if the proof of work was started while Lighthouse watched.
    requested = [item["url"] for item in audits["network-requests"]["details"]["items"]]
    assert any(u.endswith("/pledges/challenge/") for u in requested), requested
    assert any(u.endswith("/js/pledge-pow-worker.js") for u in requested), requested
    summary = ", ".join(f"{name} {audits[name]['displayValue']}" for name in SHOWN)
    print(f"Lighthouse performance, run {run}: {score:.2f} ({summary})")  # noqa: T201 - the scores in the test's output
    return score, summary


def test_pledge_page_scores_at_least_95_for_performance(live_server):
    site = build_pledge_site()
    url = live_server.url + site.pledge_page.url
    runs = [measure(url, 1)]
    if runs[0][0] < MINIMUM_SCORE:
        runs += [measure(url, 2), measure(url, 3)]
    score, summary = sorted(runs)[len(runs) // 2]
    assert score >= MINIMUM_SCORE, (
        f"Lighthouse performance {score:.2f} < {MINIMUM_SCORE} (the median run: {summary}); "
        f"reports in {REPORTS}"
    )
