"""The public side: the listing of employers who have pledged, each one's page, the badge and
its verification page (HTML and JSON)."""

import datetime
import io
import json

import pytest
from django.core.cache import cache
from django.utils import timezone
from freezegun import freeze_time
from PIL import Image

from core.models import Area
from employers.models import Employer, SizeBand
from employers.services import planning, progress, review, withdrawal
from organisations.models import Role

from .factories import EmployerFactory, SectorFactory, member, ready_plan

pytestmark = pytest.mark.django_db


def approve(employer):
    owner = member(employer, Role.OWNER)
    ready_plan(employer)
    review.approve(submission=planning.submit(employer=employer, by=owner), by=None)
    employer.refresh_from_db()
    return employer


def test_the_listing_shows_current_pledges_lead_first_and_hides_the_rest(client, site):
    shown = [approve(EmployerFactory(organisation__name=n)) for n in ("Zeta Ltd", "Alpha Ltd")]
    lead = approve(EmployerFactory(organisation__name="Riverside Council", is_lead=True))
    draft = EmployerFactory(organisation__name="Draft Co")
    withdrawn = approve(EmployerFactory(organisation__name="Gone Co"))
    withdrawal.withdraw(employer=withdrawn, by=None)
    lapsed = approve(EmployerFactory(organisation__name="Late Co"))
    Employer.objects.filter(pk=lapsed.pk).update(valid_until=timezone.now())
    html = client.get("/employers/").content.decode()
    names = ["Riverside Council", "Alpha Ltd", "Zeta Ltd"]
    positions = [html.index(name) for name in names]
    assert positions == sorted(positions)
    assert "Lead employer" in html
    for hidden in (draft, withdrawn, lapsed):
        assert hidden.organisation.name not in html
    assert len(shown) == 2
    assert lead.is_lead


def test_the_listing_filters_by_sector_size_and_district_and_pages_by_keyset(client, site):
    care = SectorFactory(name="Care")
    old_town = Area.objects.create(name="Old Town")
    match = approve(
        EmployerFactory(organisation__name="Caring Ltd", sector=care, size_band=SizeBand.LARGE)
    )
    match.organisation.areas.add(old_town)
    approve(EmployerFactory(organisation__name="Other Ltd"))
    query = f"?sector={care.pk}&size=250%2B&area={old_town.pk}"
    html = client.get("/employers/" + query).content.decode()
    assert "Caring Ltd" in html
    assert "Other Ltd" not in html
    assert client.get("/employers/?sector=999999").status_code == 400
    assert client.get("/employers/?after=abc").status_code == 404

    for n in range(25):
        approve(EmployerFactory(organisation__name=f"Employer {n:02d}"))
    first = client.get("/employers/").content.decode()
    assert "More employers" in first
    cursor = first.split("after=")[1].split('"')[0]
    second = client.get(f"/employers/?after={cursor}").content.decode()
    assert "Other Ltd" in second
    assert "Other Ltd" not in first
    assert "Employer 00" in first
    assert "Employer 00" not in second


def test_the_public_page_keeps_the_approved_plan_while_a_change_is_reviewed(
    client, site, django_capture_on_commit_callbacks
):
    employer = approve(EmployerFactory(organisation__name="Riverside Bakery"))
    item = employer.items.first()
    planning.set_action(
        item=item, details=planning.ActionDetails("A secret new plan", "Director", None)
    )
    html = client.get(f"/employers/{employer.slug}/").content.decode()
    assert "Start a lunchtime walking group" in html
    assert "A secret new plan" not in html
    assert "Progress:" not in html
    # Showing progress retires the cached page once committed.
    with django_capture_on_commit_callbacks(execute=True):
        progress.set_show_progress(employer=employer, show=True)
        progress.record_progress(
            item=item, progress=progress.Progress("in_progress", "First walk held"), by=None
        )
    html = client.get(f"/employers/{employer.slug}/").content.decode()
    assert "In progress" in html
    assert "First walk held" in html
    assert client.get("/employers/no-such-employer/").status_code == 404


def test_verification_says_where_the_pledge_stands_in_words_and_json(client, site):
    with freeze_time("2026-03-10 12:00"):
        employer = approve(EmployerFactory(organisation__name="Riverside Bakery"))
    url = f"/employers/verify/{employer.organisation.public_id}/"
    cases = [
        ("2026-06-01 12:00", "current", "2027-03-10"),
        ("2027-01-15 12:00", "renewal due", "2027-03-10"),
        ("2027-03-11 12:00", "lapsed", None),
    ]
    for moment, status, until in cases:
        cache.clear()
        with freeze_time(moment):
            data = client.get(url, HTTP_ACCEPT="application/json").json()
            assert (data["status"], data["until"]) == (status, until)
            assert data == client.get(url + "?format=json").json()
            html = client.get(url).content.decode()
            assert status.capitalize() in html
    withdrawal.withdraw(employer=employer, by=None)
    data = client.get(url + "?format=json").json()
    assert data["status"] == "withdrawn"
    assert set(data) == {
        "organisation",
        "status",
        "since",
        "until",
        "pledged_since",
        "explanation",
        "verified_at",
    }
    assert "@" not in json.dumps(data)  # no personal data
    assert client.get("/employers/verify/not-a-real-id/").status_code == 404
    draft = EmployerFactory()
    assert client.get(f"/employers/verify/{draft.organisation.public_id}/").status_code == 404


def test_the_badge_escapes_the_name_and_comes_as_svg_and_png(client, site):
    employer = approve(EmployerFactory(organisation__name="</text><script>alert(1)</script>"))
    public_id = employer.organisation.public_id
    svg = client.get(f"/employers/badge/{public_id}.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    body = svg.content.decode()
    assert "<script>" not in body
    assert "&lt;/text&gt;&lt;script&gt;" in body
    assert str(timezone.now().year) in body
    png = client.get(f"/employers/badge/{public_id}.png?download=1")
    assert png["Content-Disposition"] == 'attachment; filename="workplace-pledge-badge.png"'
    assert Image.open(io.BytesIO(png.content)).size == (800, 400)


def test_a_long_name_fits_the_badge_in_two_lines(site):
    from employers.badge import badge_svg

    svg = badge_svg(organisation="The Very Long Name " * 8, year=2026, campaign="Better Together")
    assert svg.count('font-size="22"') == 2
    assert "…" in svg
    assert datetime.date.today()  # the badge needs no date but the year
