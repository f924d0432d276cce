"""The workplace pledge's forms fuzzed through their views: random and hostile values in every
field of the join form, the actions, the signature, the self-review, progress and the listing's
filters. Whatever arrives, the answer is never a 5xx, what was typed is escaped wherever it is
shown, and a refused form changes nothing. (The test client re-raises anything a view lets
escape, so a crash fails loudly.)"""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from employers.models import Employer, PlanItem
from organisations.models import Role

from .factories import EmployerFactory, PlanItemFactory, member

pytestmark = pytest.mark.filterwarnings("ignore::django.core.cache.CacheKeyWarning")

FUZZ = hypothesis_settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SCRIPT = "</text><script>alert(1)</script>"

text = st.one_of(
    st.just(""),
    st.text(max_size=40),
    st.text(max_size=10).map(lambda t: f"\x00{t}"),
    st.sampled_from(
        [
            SCRIPT,
            "https://spam.example",
            "Call me on sam@example.org",
            "\u202e\u200bhidden",
            "a" * 3000,
            "2027-13-45",
            "31/12/2027",
            "-1",
            "99999999999999999999",
            "250+",
        ]
    ),
)


@pytest.fixture
def setup(db, client):
    from tests.factories import make_site

    make_site()
    employer = EmployerFactory()
    owner = member(employer, Role.OWNER)
    item = PlanItemFactory(employer=employer)
    client.force_login(owner)
    return employer, item


def url(name, employer):
    return reverse(f"employers:{name}", args=[employer.organisation.public_id])


@FUZZ
@given(
    data=st.dictionaries(
        st.sampled_from(
            [
                "name",
                "website",
                "sector",
                "size_band",
                "employees",
                "areas",
                "contact_phone",
                "company_number",
            ]
        ),
        text,
    )
)
def test_the_join_form_never_fails(client, setup, data):
    before = Employer.objects.count()
    response = client.post("/employers/join/", data)
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert Employer.objects.count() == before
        assert "<script>alert(1)" not in response.content.decode()


@FUZZ
@given(action=text, responsible=text, due=text)
def test_the_actions_never_fail_and_keep_only_what_is_valid(
    client, setup, action, responsible, due
):
    employer, item = setup
    stored = PlanItem.objects.get(pk=item.pk)
    response = client.post(
        url("actions", employer),
        {
            f"item-{item.pk}-action": action,
            f"item-{item.pk}-responsible": responsible,
            f"item-{item.pk}-due_by": due,
        },
    )
    assert response.status_code in (302, 400)
    after = PlanItem.objects.get(pk=item.pk)
    if response.status_code == 400:
        assert "<script>alert(1)" not in response.content.decode()
        assert (after.action, after.responsible, after.due_by) == (
            stored.action,
            stored.responsible,
            stored.due_by,
        )


@FUZZ
@given(name=text, role=text, signed_on=text, agreed=st.sampled_from(["", "on", "\x00"]))
def test_the_signature_never_fails(client, setup, name, role, signed_on, agreed):
    employer, _ = setup
    response = client.post(
        url("sign", employer),
        {"name": name, "role": role, "signed_on": signed_on, "agreed": agreed},
    )
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert "<script>alert(1)" not in response.content.decode()


@FUZZ
@given(status=text, update=text, which=text)
def test_progress_never_fails(client, setup, status, update, which):
    employer, item = setup
    Employer.objects.filter(pk=employer.pk).update(pledged_since="2026-01-01T00:00:00Z")
    response = client.post(
        url("progress", employer),
        {
            "item": which or str(item.pk),
            f"progress-{item.pk}-status": status,
            f"progress-{item.pk}-text": update,
        },
    )
    assert response.status_code in (302, 400, 404)


@FUZZ
@given(params=st.dictionaries(st.sampled_from(["sector", "size", "area", "after", "format"]), text))
def test_the_listing_and_verification_never_fail(client, setup, params):
    response = client.get("/employers/", params)
    assert response.status_code in (200, 400, 404)
    assert "<script>alert(1)" not in response.content.decode()
    employer, _ = setup
    verify = client.get(f"/employers/verify/{employer.organisation.public_id}/", params)
    assert verify.status_code == 404  # never approved


def test_a_hostile_organisation_name_is_text_on_every_page(client, setup):
    employer, _ = setup
    type(employer.organisation).objects.filter(pk=employer.organisation_id).update(name=SCRIPT)
    for name in ("plan", "profile", "commitments", "actions", "sign", "submit"):
        html = client.get(url(name, employer)).content.decode()
        assert "<script>alert(1)" not in html, name
        assert "&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html, name
