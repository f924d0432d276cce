"""Another site cannot make a visitor's browser post the pledge form (it has no CSRF token, so
its page can be cached for everyone): what the browser says about where the post came from
decides, and nothing is stored from a refused post."""

import pytest
from django.test import Client

from mailings.models import OutboundEmail
from pledges.models import Pledge

OURS = "http://testserver"


@pytest.fixture
def client():
    return Client(enforce_csrf_checks=True)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "null"},
        {"Origin": "https://evil.example"},
        {"Origin": "http://testserver.evil.example"},
        {"Origin": "https://testserver"},  # another scheme is another origin
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site", "Origin": OURS},
        {"Sec-Fetch-Site": "same-origin", "Origin": "null"},
    ],
)
def test_posts_from_elsewhere_are_refused(client, pledge_page, form_data, headers):
    response = client.post(pledge_page.submit_url, form_data, headers=headers)
    assert response.status_code == 403
    assert "We could not accept the form from where it was sent" in response.content.decode()
    assert not Pledge.objects.exists()
    assert not OutboundEmail.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": OURS, "Sec-Fetch-Site": "same-origin"},
        {"Origin": OURS},
        {"Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "none"},
        {},  # not a browser: nothing to forge; the rate limits and proof of work apply
    ],
)
def test_posts_from_our_own_pages_are_taken(client, pledge_page, form_data, headers):
    response = client.post(pledge_page.submit_url, form_data, headers=headers)
    assert response.status_code == 302
    assert Pledge.objects.count() == 1


def test_the_public_address_behind_a_proxy_counts_as_ours(client, pledge_page, form_data, settings):
    settings.SITE_URL = "https://campaign.example.org"
    headers = {"Origin": "https://campaign.example.org", "Sec-Fetch-Site": "same-origin"}
    assert client.post(pledge_page.submit_url, form_data, headers=headers).status_code == 302
