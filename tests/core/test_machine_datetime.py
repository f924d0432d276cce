"""`<time datetime>` values: HTML allows at most three digits of a second, so Django's
`|date:"c"` (six) is invalid; machine_datetime gives the local time to the second."""

import datetime
from zoneinfo import ZoneInfo

from django.template import Context, Template

from core.templatetags.campaign_tags import machine_datetime

UTC = datetime.UTC


def test_summer_time_in_london_to_the_second():
    moment = datetime.datetime(2026, 7, 1, 11, 30, 5, 123456, tzinfo=UTC)
    assert machine_datetime(moment) == "2026-07-01T12:30:05+01:00"


def test_winter_time_and_other_zones_are_shown_in_the_site_time_zone():
    moment = datetime.datetime(2026, 12, 1, 9, 0, 0, 999999, tzinfo=ZoneInfo("America/New_York"))
    assert machine_datetime(moment) == "2026-12-01T14:00:00+00:00"


def test_dates_and_nothing():
    assert machine_datetime(datetime.date(2026, 3, 29)) == "2026-03-29"
    assert machine_datetime(None) == ""


def test_in_a_template_unlike_date_c():
    moment = datetime.datetime(2026, 7, 1, 11, 30, 5, 123456, tzinfo=UTC)
    template = Template(
        "{% load campaign_tags %}{{ moment|date:'c' }} {{ moment|machine_datetime }}"
    )
    rendered = template.render(Context({"moment": moment}))
    assert rendered == "2026-07-01T12:30:05.123456+01:00 2026-07-01T12:30:05+01:00"
