import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import call_command

from mailings.models import OutboundEmail
from tests.factories import UserFactory, make_site

User = get_user_model()


@pytest.fixture
def site(db):
    return make_site()


def test_email_is_the_identifier(db):
    user = User.objects.create_user(email="Jo@Example.ORG", password="a-long-password-1")
    assert user.email == "jo@example.org"
    assert User.USERNAME_FIELD == "email"
    assert not hasattr(user, "username") or user.username is None


def test_ensure_admin_prints_a_password_once_and_it_works(site, client, capsys):
    call_command("ensure_admin")
    first = capsys.readouterr().out
    password = re.search(r"password: (\S+)", first).group(1)
    call_command("ensure_admin")
    second = capsys.readouterr().out
    assert password not in second
    assert User.objects.filter(is_superuser=True).count() == 1
    response = client.post("/accounts/login/", {"login": "admin@example.org", "password": password})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_login_page_is_in_the_site_design(site, client):
    response = client.get("/accounts/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="skip-link"' in html
    assert "01632 960 123" in html
    assert '<label for="id_login"' in html


def test_wagtail_admin_login_goes_through_allauth(site, client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    response = client.get("/admin/login/?next=/admin/pages/")
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fpages%2F"
    response = client.get("/admin/login/?next=https://evil.example.org/")
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_signup_requires_email_verification_sent_through_outbox(site, client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new.person@example.org",
            "password1": "correct-horse-battery",
            "password2": "correct-horse-battery",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.org")
    assert not EmailAddress.objects.get(user=user).verified
    email = OutboundEmail.objects.get(to="new.person@example.org")
    assert email.key.startswith("account:email_confirmation")
    assert "/accounts/confirm-email/" in email.body_text
    # Unverified people cannot sign in.
    client.logout()
    response = client.post(
        "/accounts/login/", {"login": "new.person@example.org", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session


def test_failed_logins_are_rate_limited_on_the_shared_cache(site, client, settings):
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    user = UserFactory(email="staff@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    limited = []
    for _ in range(7):
        response = client.post(
            "/accounts/login/", {"login": "staff@example.org", "password": "wrong-password"}
        )
        limited.append("Too many failed login attempts" in response.content.decode())
    # Five tries per address in five minutes, then refused.
    assert limited == [False] * 5 + [True] * 2
    # Even the right password is refused while the limit holds.
    response = client.post(
        "/accounts/login/", {"login": "staff@example.org", "password": "a-long-test-password"}
    )
    assert "_auth_user_id" not in client.session


def test_staff_must_set_up_mfa_when_required(site, client, settings):
    settings.STAFF_MFA_REQUIRED = True
    staff = UserFactory(email="editor@example.org", is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate/")
    settings.STAFF_MFA_REQUIRED = False
    assert client.get("/admin/").status_code == 200


def test_signup_refuses_control_characters_in_the_address(site, client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": '"a\x0bb"@example.org',
            "password1": "correct-horse-battery",
            "password2": "correct-horse-battery",
        },
    )
    assert response.status_code == 200
    assert "Remove the unusual characters" in response.content.decode()
    assert not User.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_the_staff_sign_in_page_offers_no_sign_up(site, client):
    for url in ("/accounts/login/?next=/admin/", "/accounts/login/?next=/admin/pages/"):
        html = client.get(url).content.decode().lower()
        assert "sign up" not in html, url
        assert "signup" not in html, url
        assert "sign in" in html
        assert "forgot" in html


def test_employers_are_offered_an_account_and_a_sign_in_code(site, client):
    html = client.get("/accounts/login/?next=/employers/join/").content.decode()
    assert 'href="/accounts/signup/?next=/employers/join/"' in html
    assert 'href="/accounts/login/code/?next=/employers/join/"' in html
    assert "Forgot" in html
