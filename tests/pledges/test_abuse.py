"""Abuse controls on the pledge form: rate limits per client IP and per email address on the real
cache, and the self-hosted proof-of-work challenge with its no-JavaScript path."""

import hashlib
import itertools

import pytest
from django.core import signing
from django.test import RequestFactory
from freezegun import freeze_time

from core import abuse
from mailings.models import OutboundEmail
from pledges import abuse as pledge_abuse
from pledges.models import Pledge
from tests.realparts import wait_for

from .factories import PledgeFactory, PledgeSuggestionFactory

_ips = itertools.count(1)


def fresh_ip() -> str:
    return f"198.51.100.{next(_ips) % 250 + 1}"


def solve(salt: str, bits: int) -> str:
    for nonce in itertools.count():
        digest = hashlib.sha256(f"{salt}{nonce}".encode()).digest()
        if abuse.leading_zero_bits(digest) >= bits:
            return str(nonce)
    raise AssertionError("unreachable")


def solved_challenge(client) -> dict:
    """Do what pledge-pow.js does: fetch a challenge and find the nonce."""
    challenge = client.get("/pledges/challenge/").json()
    return {
        "pow_challenge": challenge["challenge"],
        "pow_nonce": solve(challenge["salt"], challenge["difficulty"]),
    }


def pledge(client, page, form_data, *, n: int = 0, ip: str | None = None, **extra):
    """Submit a pledge; `n` varies the pledge text so repeats are new pledges."""
    data = dict(form_data, suggestion="own", own_text=f"Bake for my neighbours, week {n}")
    data.update(extra.pop("data", {}))
    return client.post(page.submit_url, data, REMOTE_ADDR=ip or "192.0.2.10", **extra)


@pytest.fixture(autouse=True)
def _easy_work(settings):
    # Enough bits to be a real check, few enough to solve quickly in a test.
    settings.PROOF_OF_WORK_BITS = 8
    settings.PLEDGE_LIMIT_PER_IP = 10
    settings.PLEDGE_LIMIT_PER_EMAIL = 3
    settings.PLEDGE_LIMIT_NO_JS_WEIGHT = 3


# Client IP ----------------------------------------------------------------------------------


def test_client_ip_behind_one_proxy_ignores_spoofed_entries(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", REMOTE_ADDR="10.0.0.1"
    )
    assert abuse.client_ip(request) == "203.0.113.7"


def test_client_ip_without_proxies_ignores_the_header(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="10.0.0.1")
    assert abuse.client_ip(request) == "10.0.0.1"


def test_client_ip_counts_ipv6_per_network():
    factory = RequestFactory()
    one = abuse.client_ip(factory.get("/", REMOTE_ADDR="2001:db8:1:2::1"))
    other = abuse.client_ip(factory.get("/", REMOTE_ADDR="2001:db8:1:2:ffff::9"))
    elsewhere = abuse.client_ip(factory.get("/", REMOTE_ADDR="2001:db8:1:3::1"))
    assert one == other == "2001:db8:1:2::/64"
    assert elsewhere != one


def test_client_ip_copes_with_a_short_or_broken_header(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    short = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="203.0.113.7", REMOTE_ADDR="10.0.0.1")
    assert abuse.client_ip(short) == "10.0.0.1"
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    broken = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="not an address")
    assert abuse.client_ip(broken) == "unknown"


# Rate limits --------------------------------------------------------------------------------


def test_per_ip_limit_uses_the_real_ip_and_spoofing_does_not_reset_it(
    client, pledge_page, form_data, settings
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for n in range(10):
        response = pledge(
            client,
            pledge_page,
            form_data,
            n=n,
            data={"email": f"person{n}@example.org", **solved_challenge(client)},
            # A different spoofed "client" each time; our proxy appended the real address.
            HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 203.0.113.7",
        )
        assert response.status_code == 302, n
    limited = pledge(
        client,
        pledge_page,
        form_data,
        n=99,
        data={"email": "someone.new@example.org", **solved_challenge(client)},
        HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7",
    )
    assert limited.status_code == 429
    assert Pledge.objects.count() == 10
    # Another real address behind the same proxy has its own allowance.
    other = pledge(
        client,
        pledge_page,
        form_data,
        n=100,
        data={"email": "neighbour@example.org", **solved_challenge(client)},
        HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.8",
    )
    assert other.status_code == 302


def test_no_javascript_submissions_count_more_heavily(client, pledge_page, form_data):
    # Weight 3 against a limit of 10: three pledges without a solved challenge, not ten.
    for n in range(3):
        response = pledge(client, pledge_page, form_data, n=n, data={"email": f"p{n}@example.org"})
        assert response.status_code == 302
    response = pledge(client, pledge_page, form_data, n=3, data={"email": "p3@example.org"})
    assert response.status_code == 429
    assert Pledge.objects.count() == 3


def test_per_email_limit_counts_letter_case_alike_from_one_address(
    client, pledge_page, form_data, settings
):
    settings.PLEDGE_LIMIT_NO_JS_WEIGHT = 1  # the IP's own limit stays out of the way
    ip = fresh_ip()
    emails = ["Sam@Example.org", "sam@example.org", " SAM@example.org "]
    for n, email in enumerate(emails):
        response = pledge(client, pledge_page, form_data, n=n, ip=ip, data={"email": email})
        assert response.status_code == 302
    response = pledge(client, pledge_page, form_data, n=3, ip=ip, data={"email": "sam@example.org"})
    assert response.status_code == 429
    assert Pledge.objects.count() == 3
    # Somebody else, from the same address as the refused one, is unaffected.
    other = pledge(client, pledge_page, form_data, n=4, ip=ip, data={"email": "alex@example.org"})
    assert other.status_code == 302


def test_nobody_can_lock_someone_else_out_by_using_their_address(client, pledge_page, form_data):
    attacker = fresh_ip()
    for n in range(4):
        pledge(client, pledge_page, form_data, n=n, ip=attacker, data={"email": "sam@example.org"})
    assert pledge(client, pledge_page, form_data, n=9, ip=attacker).status_code == 429
    # Sam, at home, pledges at once and is asked to confirm.
    response = pledge(
        client, pledge_page, form_data, n=5, ip=fresh_ip(), data={"email": "sam@example.org"}
    )
    assert response.status_code == 302
    newest = Pledge.objects.filter(email="sam@example.org").latest("pk")
    assert OutboundEmail.objects.filter(key=f"pledge:{newest.pk}:confirm").exists()


def test_an_inbox_gets_a_few_confirmations_a_day_however_many_places_post(
    client, pledge_page, form_data, settings
):
    settings.PLEDGE_CONFIRMATIONS_PER_EMAIL = 2
    answers = [
        pledge(
            client, pledge_page, form_data, n=n, ip=fresh_ip(), data={"email": "sam@example.org"}
        )
        for n in range(5)
    ]
    # Every pledge is stored and answered alike; only two emails go to the address.
    assert {(r.status_code, r["Location"]) for r in answers} == {(302, answers[0]["Location"])}
    assert Pledge.objects.filter(email="sam@example.org").count() == 5
    assert OutboundEmail.objects.filter(to="sam@example.org").count() == 2
    pledge(client, pledge_page, form_data, n=6, ip=fresh_ip(), data={"email": "alex@example.org"})
    assert OutboundEmail.objects.filter(to="alex@example.org").count() == 1


def test_limited_response_is_429_with_a_clear_message_and_stores_nothing(
    client, pledge_page, form_data, settings
):
    settings.PLEDGE_LIMIT_PER_IP = 1
    settings.PLEDGE_LIMIT_NO_JS_WEIGHT = 1
    assert pledge(client, pledge_page, form_data, n=1).status_code == 302
    pledges, emails = Pledge.objects.count(), OutboundEmail.objects.count()

    response = pledge(client, pledge_page, form_data, n=2, data={"email": "other@example.org"})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "<title>Error:" in html
    assert 'role="alert"' in html
    assert "There is a problem" in html
    assert "a lot of pledges from you in a short time" in html
    # What the person typed is kept, so they can send it later.
    assert 'value="other@example.org"' in html
    assert "Bake for my neighbours, week 2" in html
    assert Pledge.objects.count() == pledges
    assert OutboundEmail.objects.count() == emails


def test_invalid_submissions_do_not_use_up_the_limit(client, pledge_page, form_data, settings):
    settings.PLEDGE_LIMIT_PER_IP = 3
    for _ in range(5):
        response = pledge(client, pledge_page, form_data, data={"email": "not-an-email"})
        assert response.status_code == 400
    assert pledge(client, pledge_page, form_data).status_code == 302


def test_limits_do_not_reveal_whether_an_address_has_pledged(client, pledge_page, form_data):
    """An address with a pledge already stored gets exactly the answers a new one gets."""
    PledgeFactory(email="known@example.org", text="Bake for my neighbours, week 0")

    def answers(email):
        results, ip = [], fresh_ip()
        for _ in range(4):
            response = pledge(client, pledge_page, form_data, ip=ip, data={"email": email})
            results.append((response.status_code, response.get("Location")))
        return results

    known = answers("known@example.org")
    new = answers("new@example.org")
    assert known == new
    assert [status for status, _ in known] == [302, 302, 302, 429]
    # The repeated pledge was stored once, the known one not again.
    assert Pledge.objects.filter(email="new@example.org").count() == 1
    assert Pledge.objects.filter(email="known@example.org").count() == 1


@pytest.mark.parametrize(
    ("backend", "work_counts"),
    [
        # Ours swallows the failed single-use check, so the work cannot be trusted: no-JS path.
        ("core.cache.ResilientRedisCache", False),
        ("django.core.cache.backends.redis.RedisCache", True),
    ],
)
def test_a_cache_outage_lets_pledges_through(settings, backend, work_counts):
    # Nothing listens on port 1: every cache call fails at once.
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "redis://127.0.0.1:1/0"}}
    assert (
        pledge_abuse.check_pledge_rate(ip="192.0.2.1", email="a@example.org", solved_work=False)
        is None
    )
    challenge = abuse.new_challenge()
    nonce = solve(challenge["salt"], challenge["difficulty"])
    # Never an error; the rate limits are off while the cache is down either way.
    assert abuse.verify_work(challenge=challenge["challenge"], nonce=nonce) is work_counts


# Proof of work ------------------------------------------------------------------------------


def test_challenge_endpoint_gives_a_fresh_uncacheable_challenge(client):
    first = client.get("/pledges/challenge/")
    second = client.get("/pledges/challenge/")
    assert first.status_code == 200
    assert first["Content-Type"] == "application/json"
    cache_control = first["Cache-Control"]
    assert "no-store" in cache_control
    assert "private" in cache_control
    assert "public" not in cache_control
    assert "X-Cache" not in second
    body = first.json()
    assert set(body) == {"challenge", "salt", "difficulty", "expires_in"}
    assert body["difficulty"] == 8
    assert body["salt"] != second.json()["salt"]
    assert client.post("/pledges/challenge/").status_code == 405


def test_form_page_loads_the_script_but_carries_no_challenge(client, pledge_page):
    html = client.get(pledge_page.url).content.decode()
    assert 'data-pow-url="/pledges/challenge/"' in html
    assert 'src="/static/js/pledge-pow.js" defer' in html
    assert '<input type="hidden" name="pow_challenge" value="">' in html
    assert '<input type="hidden" name="pow_nonce" value="">' in html


def test_a_valid_solution_is_accepted_once():
    challenge = abuse.new_challenge()
    nonce = solve(challenge["salt"], challenge["difficulty"])
    assert abuse.verify_work(challenge=challenge["challenge"], nonce=nonce) is True
    assert abuse.verify_work(challenge=challenge["challenge"], nonce=nonce) is False


def test_a_wrong_nonce_does_not_burn_the_challenge():
    challenge = abuse.new_challenge()
    nonce = solve(challenge["salt"], challenge["difficulty"])
    wrong = next(
        str(n)
        for n in itertools.count()
        if abuse.leading_zero_bits(hashlib.sha256(f"{challenge['salt']}{n}".encode()).digest())
        < challenge["difficulty"]
    )
    assert abuse.verify_work(challenge=challenge["challenge"], nonce=wrong) is False
    assert abuse.verify_work(challenge=challenge["challenge"], nonce=nonce) is True


@pytest.mark.parametrize(
    "nonce", ["", "-1", "1.0", "１２", "1" * 21, "12\x00", "0x10", " 12", "<script>"]
)
def test_malformed_nonces_are_refused(nonce):
    challenge = abuse.new_challenge()
    assert abuse.verify_work(challenge=challenge["challenge"], nonce=nonce) is False


def test_an_expired_challenge_is_refused(settings):
    with freeze_time("2026-06-01 12:00:00"):
        challenge = abuse.new_challenge()
    nonce = solve(challenge["salt"], challenge["difficulty"])
    with freeze_time("2026-06-01 12:00:00") as frozen:
        frozen.tick(settings.PROOF_OF_WORK_SECONDS + 1)
        assert abuse.verify_work(challenge=challenge["challenge"], nonce=nonce) is False
        frozen.move_to("2026-06-01 12:01:00")
        assert abuse.verify_work(challenge=challenge["challenge"], nonce=nonce) is True


def test_forged_and_downgraded_challenges_are_refused(settings):
    salt = "a" * 32
    forged = signing.dumps(
        {"salt": salt, "bits": 8}, key="not-our-key", salt=abuse.POW_SIGNING_SALT
    )
    assert abuse.verify_work(challenge=forged, nonce=solve(salt, 8)) is False
    # Genuinely signed, but easier than the site now asks for.
    easy = signing.dumps({"salt": salt, "bits": 1}, salt=abuse.POW_SIGNING_SALT)
    easy_nonce = next(
        str(n)
        for n in itertools.count()
        if abuse.leading_zero_bits(hashlib.sha256(f"{salt}{n}".encode()).digest()) == 1
    )
    assert abuse.verify_work(challenge=easy, nonce=easy_nonce) is False
    for junk in [
        "",
        "x" * 501,
        "not:a:challenge",
        signing.dumps(["list"], salt=abuse.POW_SIGNING_SALT),
    ]:
        assert abuse.verify_work(challenge=junk, nonce="1") is False


def bad_work(client, variant: str) -> dict:
    """A submission's hidden fields for each way the work can be wrong."""
    if variant == "missing":
        return {}
    good = solved_challenge(client)
    if variant == "wrong nonce":
        return {**good, "pow_nonce": str(int(good["pow_nonce"]) + 1)}
    if variant == "forged":
        salt = "b" * 32
        return {
            "pow_challenge": signing.dumps(
                {"salt": salt, "bits": 8}, key="not-our-key", salt=abuse.POW_SIGNING_SALT
            ),
            "pow_nonce": solve(salt, 8),
        }
    if variant == "garbage":
        return {"pow_challenge": "\x00" * 600, "pow_nonce": "９" * 30}
    raise AssertionError(variant)


@pytest.mark.parametrize("variant", ["missing", "wrong nonce", "forged", "garbage"])
def test_failed_work_takes_the_no_javascript_path(
    client, pledge_page, form_data, settings, variant
):
    """The pledge is still taken (never a 500), but it weighs as much as a no-JS one."""
    settings.PLEDGE_LIMIT_PER_IP = 3
    work = bad_work(client, variant)
    if variant == "wrong nonce":
        # Skip past any nonce that happens to satisfy the work as well.
        salt = signing.loads(work["pow_challenge"], salt=abuse.POW_SIGNING_SALT)["salt"]
        while (
            abuse.leading_zero_bits(hashlib.sha256(f"{salt}{work['pow_nonce']}".encode()).digest())
            >= 8
        ):
            work["pow_nonce"] = str(int(work["pow_nonce"]) + 1)
    first = pledge(client, pledge_page, form_data, n=1, data=work)
    assert first.status_code == 302
    # Had the work counted, this solved one would be the second of three; instead it is over.
    second = pledge(
        client,
        pledge_page,
        form_data,
        n=2,
        data={"email": "b@example.org", **solved_challenge(client)},
    )
    assert second.status_code == 429
    assert Pledge.objects.count() == 1


def test_solved_work_counts_once_and_a_reused_challenge_counts_heavily(
    client, pledge_page, form_data, settings
):
    settings.PLEDGE_LIMIT_PER_IP = 3
    work = solved_challenge(client)
    # Another visitor (another address) uses the solution first.
    assert (
        pledge(client, pledge_page, form_data, n=1, ip="192.0.2.50", data=work).status_code == 302
    )
    # Replaying it from here takes the no-JS path: weight 3 of 3.
    assert (
        pledge(
            client, pledge_page, form_data, n=2, data={"email": "r@example.org", **work}
        ).status_code
        == 302
    )
    assert (
        pledge(
            client,
            pledge_page,
            form_data,
            n=3,
            data={"email": "s@example.org", **solved_challenge(client)},
        ).status_code
        == 429
    )
    # From a fresh address, solved submissions weigh 1 each: three fit.
    for n in range(3):
        response = pledge(
            client,
            pledge_page,
            form_data,
            n=10 + n,
            ip="192.0.2.60",
            data={"email": f"t{n}@example.org", **solved_challenge(client)},
        )
        assert response.status_code == 302


def test_work_from_an_expired_challenge_takes_the_no_javascript_path(
    client, pledge_page, form_data, settings
):
    settings.PLEDGE_LIMIT_PER_IP = 3
    with freeze_time("2026-06-01 12:00:00"):
        work = solved_challenge(client)
    with freeze_time("2026-06-01 12:31:00"):
        assert pledge(client, pledge_page, form_data, n=1, data=work).status_code == 302
        response = pledge(
            client,
            pledge_page,
            form_data,
            n=2,
            data={"email": "u@example.org", **solved_challenge(client)},
        )
        assert response.status_code == 429


def test_new_suggestion_pledges_are_limited_too(client, pledge_page, form_data, settings):
    """Limits apply to suggested pledges as much as to written ones."""
    settings.PLEDGE_LIMIT_PER_IP = 3
    suggestions = [PledgeSuggestionFactory() for _ in range(2)]
    first = client.post(
        pledge_page.submit_url,
        dict(form_data, suggestion=str(suggestions[0].pk)),
        REMOTE_ADDR="192.0.2.70",
    )
    second = client.post(
        pledge_page.submit_url,
        dict(form_data, suggestion=str(suggestions[1].pk)),
        REMOTE_ADDR="192.0.2.70",
    )
    assert (first.status_code, second.status_code) == (302, 429)


# The real script in a real browser -----------------------------------------------------------


def fill_pledge_form(tab, suggestion_text: str, area_name: str, email: str) -> None:
    tab.get_by_label(suggestion_text).check()
    tab.get_by_label("First name").fill("Sam")
    tab.get_by_label("Email address").fill(email)
    tab.get_by_label("Where do you live or work?").select_option(label=area_name)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_browser_solves_the_challenge_and_the_form_works_without_javascript(
    live_server, pledge_page, area, suggestion, settings
):
    from playwright.sync_api import sync_playwright

    # One solved pledge fits this limit; an unsolved one (weight 2) would be refused.
    settings.PLEDGE_LIMIT_PER_IP = 1
    settings.PLEDGE_LIMIT_NO_JS_WEIGHT = 2
    settings.PROOF_OF_WORK_BITS = 12
    url = live_server.url + pledge_page.url
    blocked = []
    # The ORM is only used outside Playwright's block: its event loop makes Django refuse it.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            tab = browser.new_page()
            tab.set_default_timeout(15_000)
            tab.on("console", lambda m: blocked.append(m.text) if m.type == "error" else None)
            tab.goto(url)
            # pledge-pow.js fetched a challenge (CSP allows connect-src 'self') and solved it.
            # Polled from here: wait_for_function evaluates a string, which our CSP forbids.
            wait_for(
                lambda: tab.locator("input[name='pow_nonce']").input_value() != "",
                timeout=20,
                what="the proof of work to be solved",
            )
            fill_pledge_form(tab, "Say hello to a neighbour", "Chatham", "js@example.org")
            with tab.expect_navigation():
                tab.get_by_role("button", name="Make my pledge").click()
            with_js = tab.url

            # Without JavaScript the form still works; it only weighs more (hence the higher
            # limit for this second pledge from the same address).
            settings.PLEDGE_LIMIT_PER_IP = 10
            context = browser.new_context(java_script_enabled=False)
            no_js = context.new_page()
            no_js.goto(url)
            fill_pledge_form(no_js, "Say hello to a neighbour", "Chatham", "nojs@example.org")
            with no_js.expect_navigation():
                no_js.get_by_role("button", name="Make my pledge").click()
            without_js = no_js.url
        finally:
            browser.close()

    assert with_js.endswith("/check-your-email/")
    assert without_js.endswith("/check-your-email/")
    assert not blocked, blocked
    assert set(Pledge.objects.values_list("email", flat=True)) == {
        "js@example.org",
        "nojs@example.org",
    }
