"""Every public form fuzzed: generated pledge forms (Hypothesis `from_form`), random text, NUL
bytes, invalid UTF-8, very long values, 1 MB bodies, unknown fields and wrong content types.
Whatever arrives, the answer is never a 5xx, and bad input stores nothing.

The test client re-raises any exception a view lets escape, so a crash fails the test loudly
with its traceback, not only as a status code."""

import itertools
import json
from urllib.parse import quote_from_bytes

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.extra.django import from_form

from mailings.models import OutboundEmail
from pledges.forms import PledgeForm
from pledges.models import Pledge
from pledges.tokens import make_token

from .factories import AreaFactory, PledgeFactory, PledgeSuggestionFactory

# Long junk URLs make long page-cache keys; Redis takes them (memcached would not), so the
# warning is noise here.
pytestmark = pytest.mark.filterwarnings("ignore::django.core.cache.CacheKeyWarning")

FUZZ = hypothesis_settings(
    max_examples=50,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure here is reproducible
    # The database and page are shared by every example on purpose; each example checks what
    # it changed itself.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Every endpoint gets 25 form-shaped and 25 raw bodies, keeping the whole file well under 30 s.
FUZZ_EACH = hypothesis_settings(FUZZ, max_examples=25)

_addresses = itertools.count(1)


def next_ip() -> str:
    """A new client address per request, so rate limits (ours and allauth's) stay out of the
    way of what is being fuzzed."""
    n = next(_addresses)
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


@pytest.fixture(autouse=True)
def _generous_limits(settings):
    settings.PLEDGE_LIMIT_PER_IP = 10**9
    settings.PLEDGE_LIMIT_PER_EMAIL = 10**9


@pytest.fixture
def choices(db):
    AreaFactory(name="Chatham")
    AreaFactory(name="Rochester")
    PledgeSuggestionFactory(text="Say hello to a neighbour")
    PledgeSuggestionFactory(text="Host a coffee morning")


def as_post(form) -> dict:
    """A generated (bound) form's data as a browser would send it."""
    data = {}
    for name, value in form.data.items():
        if value is True:
            data[name] = "on"
        elif value is False or value is None:
            continue
        else:
            data[name] = str(value)
    return data


# The pledge form, generated from the form itself --------------------------------------------


@pytest.mark.parametrize("kind", [Pledge.Kind.INDIVIDUAL, Pledge.Kind.ORGANISATION])
def test_generated_pledge_forms_are_stored_only_when_valid(client, pledge_page, choices, kind):
    pledge_page.kind = kind
    pledge_page.save_revision().publish()
    forms = from_form(
        PledgeForm,
        form_kwargs={"kind": kind},
        # Mostly empty, like a real browser; sometimes junk, which must not matter.
        website=st.just("") | st.text(max_size=20),
        pow_challenge=st.just("") | st.text(max_size=40),
        pow_nonce=st.just("") | st.text(max_size=25),
    )

    @FUZZ
    @given(form=forms)
    def check(form):
        valid = form.is_valid()
        event("valid form" if valid else "invalid form")
        pledges, emails = Pledge.objects.count(), OutboundEmail.objects.count()
        response = client.post(pledge_page.submit_url, as_post(form), REMOTE_ADDR=next_ip())
        assert response.status_code < 500
        if valid:
            assert response.status_code == 302, form.errors
            assert Pledge.objects.filter(
                email=form.cleaned_data["email"].strip().lower(), kind=kind
            ).exists()
        else:
            assert response.status_code == 400, form.errors
            assert Pledge.objects.count() == pledges
            assert OutboundEmail.objects.count() == emails

    check()


# Raw requests to every public form ----------------------------------------------------------

FIELD_NAMES = [
    "suggestion",
    "own_text",
    "first_name",
    "email",
    "area",
    "organisation_name",
    "website",
    "pow_challenge",
    "pow_nonce",
    "action",
    "show",
    "outcome",
    "login",
    "password",
    "password1",
    "password2",
    "remember",
    "q",
    "page",
]
nasty_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50).map(lambda t: f"\x00{t}\x00"),
    st.sampled_from(
        [
            "\x00",
            "a" * 100_000,
            "<script>alert(1)</script>",
            "'; DROP TABLE pledges_pledge; --",
            "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),
            "&" * 500,
            "%" * 50,
            "\u202e\u200b\ufeff",
            "1e9999",
            "-1",
            "0",
        ]
    ),
)
form_fields = st.dictionaries(
    st.sampled_from(FIELD_NAMES) | st.text(min_size=1, max_size=30), nasty_text, max_size=12
)
raw_bodies = st.one_of(
    # Arbitrary bytes posted as a form: invalid UTF-8, stray %, = and & in any order.
    st.binary(max_size=3000).map(lambda b: ("application/x-www-form-urlencoded", b)),
    # Percent-encoded bytes that decode to invalid UTF-8 or NUL.
    st.lists(st.tuples(st.sampled_from(FIELD_NAMES), st.binary(max_size=200)), max_size=8).map(
        lambda pairs: (
            "application/x-www-form-urlencoded",
            "&".join(f"{k}={quote_from_bytes(v)}" for k, v in pairs).encode(),
        )
    ),
    # Wrong content types for a form post.
    st.tuples(
        st.sampled_from(
            [
                "application/json",
                "text/plain",
                "multipart/form-data",
                "multipart/form-data; boundary=",
                "multipart/form-data; boundary=xyz",
                "application/x-www-form-urlencoded; charset=utf-16",
                "application/x-www-form-urlencoded; charset=no-such-charset",
                "application/octet-stream",
                "",
            ]
        ),
        st.binary(max_size=500),
    ),
)


ONE_MB = 1024 * 1024
NASTY_BODIES = {
    "1 MB field": b"own_text=" + b"x" * ONE_MB,
    "1 MB of invalid UTF-8": b"first_name=" + b"\xff\xfe" * (ONE_MB // 2),
    "over the upload limit": b"own_text=" + b"y" * (3 * ONE_MB),
    "too many fields": b"&".join(b"f%d=1" % n for n in range(20_000)),
    "NUL bytes": b"email=a%00@example.org&first_name=\x00&own_text=%00",
    "invalid UTF-8": b"first_name=%ff%fe%fd&email=\xc3\x28@example.org&suggestion=\xa0\xa1",
    "JSON as a form": json.dumps({"email": "a@example.org"}).encode(),
}


def post_fields(client, url, fields):
    return client.post(url, fields, REMOTE_ADDR=next_ip())


def post_raw(client, url, content_type, body):
    return client.generic("POST", url, body, content_type=content_type, REMOTE_ADDR=next_ip())


@pytest.fixture
def pledge(db):
    return PledgeFactory(confirmed_at=timezone.now(), reminders_wanted=True)


def public_form_urls(pledge_page, pledge) -> dict:
    return {
        "pledge form": pledge_page.submit_url,
        # Browsers post to the submit URL; the page's own address takes a POST too.
        "pledge page": pledge_page.url,
        "confirm": reverse("pledges:confirm", args=[make_token(pledge, "confirm")]),
        "manage": reverse("pledges:manage", args=[make_token(pledge, "manage")]),
        "unsubscribe": reverse("pledges:unsubscribe", args=[make_token(pledge, "unsubscribe")]),
        "login": reverse("account_login"),
        "signup": reverse("account_signup"),
        "password reset": reverse("account_reset_password"),
        "outcome": reverse("pledges:outcome", args=[make_token(pledge, "outcome"), "done"]),
    }


ENDPOINTS = [
    "pledge form",
    "pledge page",
    "confirm",
    "manage",
    "unsubscribe",
    "outcome",
    "login",
    "signup",
    "password reset",
]


def assert_nothing_made(before: dict) -> None:
    """Junk never creates a pledge, an email or an account."""
    assert Pledge.objects.count() == before["pledges"]
    assert OutboundEmail.objects.count() == before["emails"]
    assert get_user_model().objects.count() == before["users"]


def counts() -> dict:
    return {
        "pledges": Pledge.objects.count(),
        "emails": OutboundEmail.objects.count(),
        "users": get_user_model().objects.count(),
    }


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_public_form_survives_junk(client, pledge_page, choices, pledge, endpoint):
    url = public_form_urls(pledge_page, pledge)[endpoint]

    for name, body in NASTY_BODIES.items():
        before = counts()
        response = post_raw(client, url, "application/x-www-form-urlencoded", body)
        assert response.status_code < 500, name
        assert_nothing_made(before)

    @FUZZ_EACH
    @given(fields=form_fields)
    def random_fields(fields):
        before = counts()
        response = post_fields(client, url, fields)
        assert response.status_code < 500
        if endpoint != "confirm":
            # Only the confirm button succeeds whatever its body (the token is the credential).
            assert response.status_code != 302
        assert_nothing_made(before)

    @FUZZ_EACH
    @given(body=raw_bodies)
    def raw(body):
        before = counts()
        response = post_raw(client, url, *body)
        assert response.status_code < 500
        assert_nothing_made(before)

    random_fields()
    raw()


@FUZZ
@given(query=st.binary(max_size=400))
def test_search_never_crashes(client, choices, query):
    # Raw bytes in the query string, percent-encoded as a browser would (and sometimes not).
    for query_string in (quote_from_bytes(query, safe="=&"), query.decode("latin-1")):
        response = client.get("/search/", QUERY_STRING=query_string, REMOTE_ADDR=next_ip())
        assert response.status_code < 500


@FUZZ
@given(q=nasty_text, page=nasty_text)
def test_search_terms_never_crash(client, choices, q, page):
    response = client.get("/search/", {"q": q, "page": page}, REMOTE_ADDR=next_ip())
    assert response.status_code < 500


@FUZZ
@given(token=st.text(min_size=1, max_size=300).filter(lambda t: "/" not in t))
def test_random_tokens_are_404(client, choices, token):
    for name in ("confirm", "manage", "unsubscribe"):
        url = f"/pledges/{name}/{quote_from_bytes(token.encode())}/"
        response = client.post(url, REMOTE_ADDR=next_ip())
        assert response.status_code == 404


def test_a_huge_multipart_upload_is_refused_cleanly(client, pledge_page, choices):
    boundary = "fuzzboundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="own_text"\r\n\r\n'.encode()
        + b"z" * (3 * ONE_MB)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = post_raw(
        client, pledge_page.submit_url, f"multipart/form-data; boundary={boundary}", body
    )
    assert response.status_code == 400
    assert Pledge.objects.count() == 0


def test_the_challenge_endpoint_ignores_what_it_is_sent(client):
    response = client.get("/pledges/challenge/?" + "x=%00%ff&" * 1000)
    assert response.status_code == 200
    assert client.generic("POST", "/pledges/challenge/", b"\xff" * 100).status_code == 405
