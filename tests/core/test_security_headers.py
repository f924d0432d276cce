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
