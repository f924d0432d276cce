"""Every way into the admin asks for the second factor, whatever made the person an admin user;
there is no other staff surface and no second password reset."""

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.management import call_command

from mailings.models import OutboundEmail
from tests.factories import UserFactory, make_site

ADMIN_PAGES = [
    "/admin/",
    "/admin/pages/",
    "/admin/snippets/pledges/pledge/",
    "/admin/snippets/pledges/pledge/?export=xlsx",
    "/admin/snippets/mailings/outboundemail/",
    "/admin/personal-data/",
    "/admin/users/",
    "/admin/account/",
]


@pytest.fixture
def site(db):
    return make_site()


def group_with(*codenames):
    group = Group.objects.create(name="Data officers (test)")
    group.permissions.add(*Permission.objects.filter(codename__in=codenames))
    return group


@pytest.fixture
def admin_users(db):
    """People who reach the admin in each of the ways it can be given."""
    data_officer = UserFactory(email="officer@example.org")  # a group only: is_staff unset
    data_officer.groups.add(group_with("access_admin", "view_personal_data", "export_pledges"))
    return {
        "group member": data_officer,
        "superuser": UserFactory(email="super@example.org", is_superuser=True),
        "staff flag": UserFactory(email="flag@example.org", is_staff=True, is_superuser=True),
    }


def with_mfa(user):
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return user


@pytest.mark.parametrize("who", ["group member", "superuser", "staff flag"])
def test_everyone_who_can_use_the_admin_must_set_up_a_second_factor(
    site, client, settings, admin_users, who
):
    settings.STAFF_MFA_REQUIRED = True
    client.force_login(admin_users[who])
    for url in ADMIN_PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/2fa/totp/activate/?next=%2Fadmin%2F")
    # Signing out still works before it is set up.
    assert client.post("/admin/logout/").status_code == 302


def test_the_export_is_reached_once_a_second_factor_is_set_up(site, client, settings, admin_users):
    settings.STAFF_MFA_REQUIRED = True
    client.force_login(with_mfa(admin_users["group member"]))
    response = client.get("/admin/snippets/pledges/pledge/?export=xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="pledges.xlsx"'


def test_people_who_cannot_use_the_admin_are_not_asked_for_one(site, client, settings):
    settings.STAFF_MFA_REQUIRED = True
    client.force_login(UserFactory(email="resident@example.org"))
    response = client.get("/admin/")
    # Wagtail's own refusal (back to the sign-in page), not an invitation to set up MFA.
    assert response.status_code == 302
    assert not response["Location"].startswith("/accounts/2fa/")


@pytest.mark.parametrize(
    "url", ["/django-admin/", "/django-admin/accounts/user/", "/django-admin/login/"]
)
def test_there_is_no_django_admin(site, client, admin_users, url):
    client.force_login(admin_users["staff flag"])
    assert client.get(url).status_code == 404


def test_wagtails_password_reset_is_allauths(site, client):
    UserFactory(email="editor@example.org")
    for method in (client.get, client.post):
        response = method("/admin/password_reset/", {"email": "editor@example.org"})
        assert response.status_code == 302
        assert response["Location"] == "/accounts/password/reset/"
    assert client.get("/admin/password_reset/done/").status_code == 404
    assert mail.outbox == []
    assert not OutboundEmail.objects.exists()
    # The one reset there is goes through the outbox.
    client.post("/accounts/password/reset/", {"email": "editor@example.org"})
    (email,) = OutboundEmail.objects.all()
    assert email.to == "editor@example.org"
    assert email.key.startswith("account:password_reset")
    assert mail.outbox == []  # written by the worker, not the web process


def test_a_lost_second_factor_can_be_removed(admin_users, capsys):
    user = with_mfa(admin_users["superuser"])
    call_command("remove_authenticators", user.email.upper())
    assert not Authenticator.objects.filter(user=user).exists()
    assert "Removed 1 authenticator" in capsys.readouterr().out
