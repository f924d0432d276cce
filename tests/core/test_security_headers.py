import pytest

from tests.factories import CampaignPageFactory, make_site


@pytest.fixture
def campaign_page(db):
    home = make_site()
    return CampaignPageFactory(parent=home, title="Get support")


def test_public_page_sends_security_headers(client, campaign_page):
    response = client.get(campaign_page.url)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_hsts_on_secure_requests(client, settings, campaign_page):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get(campaign_page.url, secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_forms_and_admin_are_not_cached(client, campaign_page):
    for url in ("/accounts/login/", "/admin/login/", "/accounts/signup/"):
        response = client.get(url, follow=True)
        cache_control = response["Cache-Control"]
        assert "private" in cache_control or "no-store" in cache_control, url
        assert "public" not in cache_control, url


def test_no_stack_trace_outside_debug(client, campaign_page, settings, monkeypatch):
    from home.models import CampaignPage

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(CampaignPage, "get_context", explode)
    client.raise_request_exception = False
    response = client.get(campaign_page.url)
    assert response.status_code == 500
    html = response.content.decode()
    assert "secret internals" not in html
    assert "Traceback" not in html
    assert "Sorry, there is a problem" in html
    assert "01632 960 123" in html


def test_404_page_is_in_site_design_with_phone_line(client, campaign_page):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert "01632 960 123" in html
    assert 'class="skip-link"' in html


def test_no_page_may_use_camera_microphone_or_location(client, campaign_page):
    for url in (campaign_page.url, "/accounts/login/", "/healthz"):
        policy = client.get(url)["Permissions-Policy"]
        for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
            assert feature in policy, url


def test_the_admin_has_its_own_content_security_policy(client, campaign_page):
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_superuser=True))
    policy = client.get("/admin/")["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["connect-src"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'self'"]
    assert "'unsafe-eval'" not in policy
    # The public site's stricter policy is unchanged.
    public = client.get(campaign_page.url)["Content-Security-Policy"]
    assert "'unsafe-inline'" not in public
