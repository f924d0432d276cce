"""The organisation forms fuzzed through their views: generated OrganisationForm and InviteForm
data (Hypothesis `from_form`), random fields, NUL bytes, invalid UTF-8, huge and malformed
bodies, broken multipart uploads and random invitation tokens. Whatever arrives, the answer is
never a 5xx, and what is refused changes nothing.

The test client re-raises any exception a view lets escape, so a crash fails loudly."""

from urllib.parse import quote_from_bytes

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.extra.django import from_form

from mailings.models import OutboundEmail
from organisations.forms import InviteForm, OrganisationForm
from organisations.models import Invite, Membership, Organisation
from organisations.tokens import make_invite_token
from tests.factories import UserFactory

from .factories import AreaFactory

pytestmark = pytest.mark.filterwarnings("ignore::django.core.cache.CacheKeyWarning")

FUZZ = hypothesis_settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FUZZ_EACH = hypothesis_settings(FUZZ, max_examples=20)

text = st.one_of(
    st.just(""),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20).map(lambda t: f"\x00{t}"),
    st.sampled_from(
        [
            "</text><script>alert(1)</script>",
            "https://example.org/a path",
            "javascript:alert(1)",
            "SC123456",
            "01234567",
            "1234567-1",
            "NIC100001",
            "+44 1632 960123",
            "\u202e\u200bhidden",
            "a" * 400,
            "Sam@Example.org",
        ]
    ),
)


def as_post(form) -> dict:
    """A generated (bound) form's data as a browser would send it."""
    data = {}
    for name, value in form.data.items():
        if value is True:
            data[name] = "on"
        elif value is False or value is None:
            continue
        elif isinstance(value, list | tuple):
            data[name] = [str(getattr(v, "pk", v)) for v in value]
        else:
            data[name] = str(getattr(value, "pk", value))
    return data


def counts() -> dict:
    return {
        "organisations": Organisation.objects.count(),
        "memberships": Membership.objects.count(),
        "invites": Invite.objects.count(),
        "emails": OutboundEmail.objects.count(),
    }


@pytest.fixture
def areas(db):
    return [AreaFactory(name="Old Town"), AreaFactory(name="Eastfield")]


def plausible(*good: str, junk: bool, empty: bool = True) -> st.SearchStrategy[str]:
    """What people type (empty or well formed), or that mixed with junk."""
    fine = st.sampled_from(["", *good] if empty else list(good))
    return st.one_of(fine, text) if junk else fine


def organisation_forms(areas, *, junk: bool, **kwargs):
    pks = [str(area.pk) for area in areas]
    chosen = st.lists(st.sampled_from(pks), max_size=2, unique=True)
    return from_form(
        OrganisationForm,
        form_kwargs=kwargs,
        name=plausible("Riverside Trust", "Café & Co", "St Mary's", "Ümit", junk=junk, empty=False),
        website=plausible(
            "https://example.org", "example.org/about", "http://a.example", junk=junk
        ),
        contact_email=plausible("hello@example.org", "Info@Example.ORG", junk=junk),
        contact_phone=plausible("01632 960 123", "+44 (0)1632 960123", junk=junk),
        company_number=plausible("01234567", "sc123456", "OC 123456", junk=junk),
        charity_number=plausible("1234567", "sc012345", "NIC100001", "1234567-1", junk=junk),
        areas=st.one_of(chosen, st.lists(st.sampled_from([*pks, "0", "x", "-1"])))
        if junk
        else chosen,
        logo=st.none(),
    )


def fuzz_through(client, url, forms, *, on_valid, on_invalid) -> dict:
    """Post each generated form; returns how many were valid and invalid."""
    seen = {True: 0, False: 0}

    @FUZZ_EACH
    @given(form=forms)
    def check(form):
        valid = form.is_valid()
        seen[valid] += 1
        event("valid" if valid else "invalid")
        before = counts()
        response = client.post(url, as_post(form))
        assert response.status_code < 500
        (on_valid if valid else on_invalid)(form, response)
        if not valid:
            assert counts() == before

    check()
    return seen


def test_generated_organisation_forms_make_an_organisation_only_when_valid(client, site, areas):
    client.force_login(UserFactory())
    url = reverse("organisations:create")

    def made(form, response):
        assert response.status_code == 302, form.errors
        assert Organisation.objects.filter(name=form.cleaned_data["name"]).exists()

    def refused(form, response):
        assert response.status_code == 400, form.errors

    plain = fuzz_through(
        client, url, organisation_forms(areas, junk=False), on_valid=made, on_invalid=refused
    )
    mixed = fuzz_through(
        client, url, organisation_forms(areas, junk=True), on_valid=made, on_invalid=refused
    )
    assert plain[True] > 0
    assert mixed[False] > 0


def test_generated_edits_save_only_when_valid(client, site, areas, organisation, editor):
    client.force_login(editor)
    url = reverse("organisations:edit", args=[organisation.public_id])

    def saved(form, response):
        assert response.status_code == 302, form.errors
        assert Organisation.objects.get(pk=organisation.pk).name == form.cleaned_data["name"]

    def refused(form, response):
        assert response.status_code == 400, form.errors

    for junk in (False, True):
        before = Organisation.objects.values().get(pk=organisation.pk)
        fuzz_through(
            client,
            url,
            organisation_forms(areas, junk=junk, organisation=organisation),
            on_valid=saved,
            on_invalid=refused,
        )
        assert Organisation.objects.filter(pk=organisation.pk).exists()
        if not junk:
            assert Organisation.objects.values().get(pk=organisation.pk) != before


def test_generated_invitations_are_stored_only_when_valid(
    client, site, organisation, owner, settings
):
    settings.ORGANISATION_INVITES_PER_DAY = 10**6
    client.force_login(owner)
    url = reverse("organisations:invite_member", args=[organisation.public_id])

    def stored(form, response):
        # A member's own address is explained on the page instead.
        if form.cleaned_data["email"] == owner.email:
            assert response.status_code == 400
        else:
            assert response.status_code == 302, form.errors
            assert Invite.objects.filter(email=form.cleaned_data["email"]).exists()

    def refused(form, response):
        assert response.status_code == 400, form.errors

    for junk in (False, True):
        forms = from_form(
            InviteForm,
            email=plausible("pat@example.org", "Sam@Example.ORG", owner.email, junk=junk)
            | st.emails().map(str),
            role=st.sampled_from(["editor", "owner", "", "admin"] if junk else ["editor", "owner"]),
        )
        seen = fuzz_through(client, url, forms, on_valid=stored, on_invalid=refused)
        assert seen[True] > 0 if not junk else seen[False] > 0


# --- Raw requests -------------------------------------------------------------------------------

FIELD_NAMES = [
    "name",
    "website",
    "contact_email",
    "contact_phone",
    "company_number",
    "charity_number",
    "areas",
    "logo",
    "remove_logo",
    "email",
    "role",
]
nasty = st.one_of(
    text,
    st.sampled_from(
        [
            "\x00",
            "a" * 100_000,
            "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),
            "%" * 50,
            "1e9999",
        ]
    ),
)
form_fields = st.dictionaries(
    st.sampled_from(FIELD_NAMES) | st.text(min_size=1, max_size=20), nasty, max_size=10
)
raw_bodies = st.one_of(
    st.binary(max_size=2000).map(lambda b: ("application/x-www-form-urlencoded", b)),
    st.lists(st.tuples(st.sampled_from(FIELD_NAMES), st.binary(max_size=100)), max_size=6).map(
        lambda pairs: (
            "application/x-www-form-urlencoded",
            "&".join(f"{k}={quote_from_bytes(v)}" for k, v in pairs).encode(),
        )
    ),
    st.tuples(
        st.sampled_from(
            [
                "multipart/form-data",
                "multipart/form-data; boundary=",
                "multipart/form-data; boundary=xyz",
                "application/json",
                "application/x-www-form-urlencoded; charset=no-such-charset",
                "",
            ]
        ),
        st.binary(max_size=500),
    ),
)
ONE_MB = 1024 * 1024
NASTY_BODIES = {
    "1 MB field": b"name=" + b"x" * ONE_MB,
    "over the upload limit": b"name=" + b"y" * (3 * ONE_MB),
    "too many fields": b"&".join(b"areas=%d" % n for n in range(20_000)),
    "NUL bytes": b"name=%00&email=a%00@example.org&role=%00",
    "invalid UTF-8": b"name=%ff%fe&email=\xc3\x28@example.org&areas=\xa0",
}


def multipart(parts: list[tuple[str, str | None, bytes]]) -> tuple[str, bytes]:
    boundary = "fuzzboundary"
    body = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if filename:
            body += b"Content-Type: image/png\r\n"
        body += b"\r\n" + content + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", body


MULTIPART_BODIES = {
    "empty logo": multipart([("name", None, b"Ok"), ("logo", "logo.png", b"")]),
    "svg logo": multipart([("name", None, b"Ok"), ("logo", "logo.png", b"<svg/>")]),
    "huge logo": multipart(
        [("name", None, b"Ok"), ("logo", "a.png", b"\x89PNG" + b"z" * 3 * ONE_MB)]
    ),
    "odd filename": multipart([("name", None, b"Ok"), ("logo", "../../etc/\x00passwd", b"x")]),
    "logo as text": multipart([("name", None, b"Ok"), ("logo", None, b"not a file")]),
    "unterminated": ("multipart/form-data; boundary=b", b"--b\r\nContent-Disposition: form-da"),
}


@pytest.mark.parametrize("endpoint", ["create", "edit", "invite_member", "change_role", "accept"])
def test_every_organisation_form_survives_junk(
    client, site, organisation, owner, editor_membership, owner_membership, endpoint
):
    client.force_login(owner)
    invite = Invite.objects.create(
        organisation=organisation, email=owner.email, expires_at=organisation.created_at
    )
    url = {
        "create": reverse("organisations:create"),
        "edit": reverse("organisations:edit", args=[organisation.public_id]),
        "invite_member": reverse("organisations:invite_member", args=[organisation.public_id]),
        "change_role": reverse(
            "organisations:change_role", args=[organisation.public_id, editor_membership.pk]
        ),
        "accept": reverse("organisations:invite", args=[make_invite_token(invite)]),
    }[endpoint]

    def post_raw(content_type, body):
        return client.generic("POST", url, body, content_type=content_type)

    for name, body in NASTY_BODIES.items():
        assert post_raw("application/x-www-form-urlencoded", body).status_code < 500, name
    for name, (content_type, body) in MULTIPART_BODIES.items():
        assert post_raw(content_type, body).status_code < 500, name

    @FUZZ_EACH
    @given(fields=form_fields)
    def random_fields(fields):
        assert client.post(url, fields).status_code < 500

    @FUZZ_EACH
    @given(body=raw_bodies)
    def raw(body):
        assert post_raw(*body).status_code < 500

    random_fields()
    raw()
    # The owner is still the owner, whatever change_role was sent.
    owner_membership.refresh_from_db()
    assert owner_membership.is_owner


@FUZZ
@given(token=st.text(min_size=1, max_size=300).filter(lambda t: "/" not in t))
def test_random_tokens_are_404(client, db, token):
    url = f"/organisations/invite/{quote_from_bytes(token.encode())}/"
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404


@FUZZ
@given(public_id=st.text(min_size=1, max_size=60).filter(lambda t: "/" not in t))
def test_random_organisation_ids_are_404_for_a_member(client, organisation, owner, public_id):
    client.force_login(owner)
    if public_id == organisation.public_id:
        return
    url = f"/organisations/{quote_from_bytes(public_id.encode())}/members/"
    assert client.get(url).status_code == 404
