"""A malformed request anywhere a visitor can reach is a 4xx page in the site's design, never a
5xx: bodies in the wrong character set, broken multipart bodies, too many fields, junk in the
query string, with or without a CSRF cookie."""

import pytest
from django.test import Client

from pledges.models import Pledge
from pledges.tokens import make_token
from tests.factories import CampaignPageFactory, make_site
from tests.pledges.factories import AreaFactory, PledgeFactory, PledgePageFactory

BODIES = {
    "latin-1 form": ("application/x-www-form-urlencoded; charset=latin-1", "login=caf\xe9"),
    "utf-16 form": ("application/x-www-form-urlencoded; charset=utf-16", "login=x"),
    "unknown charset": ("application/x-www-form-urlencoded; charset=nonsense", "login=x"),
    "broken multipart": ("multipart/form-data; boundary=", "--\r\nnonsense"),
    "multipart without boundary": ("multipart/form-data", "--x\r\n\r\n"),
    "too many fields": ("application/x-www-form-urlencoded", "&".join(["a=1"] * 10_001)),
}


@pytest.fixture
def public_urls(db):
    home = make_site()
    campaign = CampaignPageFactory(parent=home, slug="get-support")
    pledge_page = PledgePageFactory(parent=home)
    pledge = PledgeFactory(area=AreaFactory(), email="sam@example.org")
    return {
        "home": "/",
        "campaign page": campaign.url,
        "search": "/search/",
        "pledge page": pledge_page.url,
        "pledge submit": pledge_page.submit_url,
        "confirm": f"/pledges/confirm/{make_token(pledge, 'confirm')}/",
        "manage": f"/pledges/manage/{make_token(pledge, 'manage')}/",
        "unsubscribe": f"/pledges/unsubscribe/{make_token(pledge, 'unsubscribe')}/",
        "outcome": f"/pledges/outcome/{make_token(pledge, 'outcome')}/done/",
        "login": "/accounts/login/",
        "signup": "/accounts/signup/",
        "password reset": "/accounts/password/reset/",
        "admin login": "/admin/login/",
    }


def test_malformed_bodies_get_a_4xx_page_in_the_site_design(public_urls):
    for csrf_cookie in (False, True):
        client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        if csrf_cookie:
            client.cookies["csrftoken"] = "a" * 32
        for body, (content_type, data) in BODIES.items():
            for name, url in public_urls.items():
                response = client.generic("POST", url, data.encode("latin-1"), content_type)
                where = (body, csrf_cookie, name, response.status_code)
                # Views that never read the body (the confirm button) may simply do their job.
                assert response.status_code < 500, where
                if response.status_code in (400, 403):
                    html = response.content.decode()
                    assert 'class="skip-link"' in html, where  # the site's own page
                    assert "01632 960 123" in html, where  # with the phone line
    assert not Pledge.objects.exclude(email="sam@example.org").exists()


def test_junk_query_strings_are_never_a_5xx(public_urls):
    client = Client(raise_request_exception=False)
    for query in ["?q=%ff%fe", "?page=%00", "?area=%c0%af&kind=%ed%a0%80", "?" + "x=1&" * 2000]:
        for name, url in public_urls.items():
            response = client.get(url + query)
            assert response.status_code < 500, (query[:20], name, response.status_code)


def test_an_expired_form_says_so_in_the_site_design(public_urls):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "a@example.org", "password": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "This form has expired" in html
    assert 'class="skip-link"' in html
