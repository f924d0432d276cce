"""An organisation's members make and keep the workplace pledge through its pages: every step
saves what was typed, bad input gets a clear error beside its field, and a member of one
organisation can never see or change another's."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from employers.models import Employer, PlanItem, PlanState
from employers.services import planning, review
from organisations.models import Membership, Role
from tests.factories import UserFactory

from .factories import CommitmentFactory, EmployerFactory, PlanItemFactory, member, ready_plan

pytestmark = pytest.mark.django_db


def url(name, employer, *args):
    return reverse(f"employers:{name}", args=[employer.organisation.public_id, *args])


def test_someone_signed_out_is_asked_to_sign_up_or_in_first(client, site):
    html = client.get("/employers/join/").content.decode()
    assert "/accounts/signup/?next=/employers/join/" in html
    assert "/accounts/login/?next=/employers/join/" in html


def test_joining_makes_the_organisation_its_owner_and_the_employer_profile(client, site):
    from .factories import SectorFactory

    user = UserFactory(email="new@bakery.example")
    client.force_login(user)
    sector = SectorFactory(name="Food")
    response = client.post(
        "/employers/join/",
        {
            "name": "  Riverside   Bakery ",
            "sector": sector.pk,
            "size_band": "10-49",
            "employees": "12",
        },
    )
    employer = Employer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("commitments", employer)
    assert employer.organisation.name == "Riverside Bakery"
    assert employer.slug == "riverside-bakery"
    assert Membership.objects.get(user=user).role == Role.OWNER
    assert employer.headcount == 12


def test_joining_with_mistakes_says_what_to_fix_and_makes_nothing(client, site):
    client.force_login(UserFactory())
    response = client.post(
        "/employers/join/", {"name": "", "size_band": "10-49", "employees": "500"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Enter the name of the organisation." in html
    assert "Choose your sector." in html
    assert "This number is outside the band you chose" in html
    assert 'href="#id_name"' in html
    assert not Employer.objects.exists()


def test_the_whole_plan_through_the_pages(client, site, employer, owner):
    client.force_login(owner)
    chosen = CommitmentFactory.create_batch(3)
    page = client.get(url("commitments", employer)).content.decode()
    assert chosen[0].title in page
    assert "For example:" in page
    response = client.post(url("commitments", employer), {"commitments": [c.pk for c in chosen]})
    assert response["Location"] == url("actions", employer)
    items = list(employer.items.order_by("pk"))
    assert len(items) == 3

    # One action with a mistake: the others are saved, and what was typed stays.
    later = (timezone.localdate() + datetime.timedelta(days=60)).isoformat()
    data = {}
    for item in items:
        data[f"item-{item.pk}-action"] = f"Action for {item.pk}"
        data[f"item-{item.pk}-responsible"] = "HR manager"
        data[f"item-{item.pk}-due_by"] = later
    data[f"item-{items[2].pk}-due_by"] = "2001-01-01"
    response = client.post(url("actions", employer), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose a date from today onwards." in html
    assert f'href="#id_item-{items[2].pk}-due_by"' in html
    assert f"Action for {items[2].pk}" in html
    assert PlanItem.objects.get(pk=items[0].pk).action == f"Action for {items[0].pk}"
    data[f"item-{items[2].pk}-due_by"] = later
    assert client.post(url("actions", employer), data)["Location"] == url("sign", employer)

    response = client.post(
        url("sign", employer),
        {
            "name": "Alex Morgan",
            "role": "Managing director",
            "signed_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 400
    assert "The senior leader must agree" in response.content.decode()
    client.post(
        url("sign", employer),
        {
            "name": "Alex Morgan",
            "role": "Managing director",
            "signed_on": timezone.localdate().isoformat(),
            "agreed": "on",
        },
    )
    response = client.post(url("submit", employer))
    assert response["Location"] == url("plan", employer)
    employer.refresh_from_db()
    assert employer.state == PlanState.SUBMITTED
    html = client.get(url("plan", employer)).content.decode()
    assert "Under review" in html

    # Under review: every step says so and changes nothing.
    response = client.post(url("commitments", employer), {"commitments": []}, follow=True)
    assert "with the council for review" in response.content.decode()
    assert employer.items.count() == 3


def test_progress_and_the_badge_after_approval(client, site, employer, owner):
    ready_plan(employer)
    review.approve(submission=planning.submit(employer=employer, by=owner), by=None)
    client.force_login(owner)
    item = employer.items.first()
    response = client.post(
        url("progress", employer),
        {"item": item.pk, f"progress-{item.pk}-status": "done", f"progress-{item.pk}-text": ""},
    )
    assert response.status_code == 400
    assert "Say what has happened." in response.content.decode()
    client.post(
        url("progress", employer),
        {
            "item": item.pk,
            f"progress-{item.pk}-status": "done",
            f"progress-{item.pk}-text": "Twelve walks so far",
        },
    )
    assert PlanItem.objects.get(pk=item.pk).status == "done"
    assert item.updates.get().text == "Twelve walks so far"
    html = client.get(url("badge", employer)).content.decode()
    verify = f"http://testserver/employers/verify/{employer.organisation.public_id}/"
    assert f"&lt;a href=&quot;{verify}&quot;&gt;" in html  # the embed code, shown as text


def test_withdrawing_is_for_owners_and_takes_the_pledge_down(client, site, employer, owner, editor):
    ready_plan(employer)
    review.approve(submission=planning.submit(employer=employer, by=owner), by=None)
    client.force_login(editor)
    assert client.post(url("withdraw", employer), {"confirm": "yes"}).status_code == 403
    client.force_login(owner)
    client.post(url("withdraw", employer), {"confirm": "yes"})
    employer.refresh_from_db()
    assert employer.withdrawn_at is not None
    assert client.get(f"/employers/{employer.slug}/").status_code == 404


MEMBER_PAGES = [
    ("plan", ()),
    ("profile", ()),
    ("commitments", ()),
    ("own_new", ()),
    ("actions", ()),
    ("sign", ()),
    ("submit", ()),
    ("progress", ()),
    ("badge", ()),
    ("withdraw", ()),
]


@pytest.fixture
def other(db):
    """Organisation B, approved, with an own commitment; its member is not ours."""
    b = EmployerFactory(organisation__name="Other Employer")
    b_owner = member(b, Role.OWNER)
    ready_plan(b)
    own = PlanItemFactory(employer=b, commitment=None, own_title="B's own")
    review.approve(submission=planning.submit(employer=b, by=b_owner), by=None)
    b.refresh_from_db()
    return b, own


def snapshot(employer):
    employer.refresh_from_db()
    return (
        employer.state,
        employer.withdrawn_at,
        list(employer.items.values_list("pk", "action", "status")),
        employer.submissions.count(),
    )


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_member_of_one_organisation_gets_404_on_every_page_of_another(
    client, site, employer, owner, other, method
):
    b, own = other
    before = snapshot(b)
    client.force_login(owner)
    pages = [*MEMBER_PAGES, ("own_edit", (own.pk,))]
    for name, args in pages:
        response = getattr(client, method)(url(name, b, *args), {"confirm": "yes", "remove": "yes"})
        assert response.status_code == 404, name
    assert snapshot(b) == before


def test_signed_out_visitors_are_sent_to_sign_in_from_every_member_page(client, site, other):
    b, own = other
    for name, args in [*MEMBER_PAGES, ("own_edit", (own.pk,))]:
        for method in ("get", "post"):
            response = getattr(client, method)(url(name, b, *args))
            assert response.status_code == 302, name
            assert response["Location"].startswith("/accounts/login/?next="), name


def test_an_own_commitment_of_another_employer_is_404_even_by_its_number(
    client, site, employer, owner, other
):
    _, own = other
    client.force_login(owner)
    response = client.post(url("own_edit", employer, own.pk), {"remove": "yes"})
    assert response.status_code == 404
    assert PlanItem.objects.filter(pk=own.pk).exists()


def test_dates_already_saved_come_back_in_the_form_a_date_field_can_show(
    client, site, employer, owner
):
    # A date field shows only an ISO date: any other format would come back empty and be lost.
    item = PlanItemFactory(employer=employer)
    planning.sign(
        employer=employer,
        signatory=planning.Signatory("Alex", "CEO", timezone.localdate(), agreed=True),
    )
    client.force_login(owner)
    actions = client.get(url("actions", employer)).content.decode()
    assert f'name="item-{item.pk}-due_by" value="{item.due_by.isoformat()}"' in actions
    signature = client.get(url("sign", employer)).content.decode()
    assert f'value="{timezone.localdate().isoformat()}"' in signature
