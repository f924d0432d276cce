"""The sections of the weekly summary email (core/summaries.py): apps register them, the email
reads them back in order."""

import datetime

import pytest

from core.summaries import register_summary_section, summary_sections, unregister_summary_section

WEEK_END = datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC)
WEEK_START = WEEK_END - datetime.timedelta(days=7)


@pytest.fixture
def registered():
    yield
    for key in ("test-pledges", "test-social", "test-directory"):
        unregister_summary_section(key)


def ours():
    return [s for s in summary_sections() if s.key.startswith("test-")]


def test_sections_come_back_in_order_with_what_they_build(registered):
    calls = []

    def pledges(start, end):
        calls.append((start, end))
        return {"made": 85}

    register_summary_section(
        key="test-social", title="Social media", build=lambda s, e: "4,000 impressions", order=20
    )
    register_summary_section(key="test-pledges", title="Pledges", build=pledges, order=10)
    register_summary_section(
        key="test-directory", title="Directory", build=lambda s, e: {}, order=20
    )
    assert [(s.key, s.title) for s in ours()] == [
        ("test-pledges", "Pledges"),
        ("test-directory", "Directory"),  # same order: by key
        ("test-social", "Social media"),
    ]
    built = {s.key: s.build(WEEK_START, WEEK_END) for s in ours()}
    assert built == {
        "test-pledges": {"made": 85},
        "test-directory": {},
        "test-social": "4,000 impressions",
    }
    assert calls == [(WEEK_START, WEEK_END)]


def test_registering_a_key_again_replaces_it(registered):
    register_summary_section(key="test-pledges", title="Pledges", build=lambda s, e: "old")
    register_summary_section(
        key="test-pledges", title="Pledges this week", build=lambda s, e: "new"
    )
    (section,) = ours()
    assert (section.title, section.build(WEEK_START, WEEK_END)) == ("Pledges this week", "new")
    unregister_summary_section("test-pledges")
    assert ours() == []
