"""The admin roles as the migrations make them, and how a response to a role reads."""

import importlib

from django.apps import apps as django_apps
from django.contrib.auth.models import Group

from tests.factories import UserFactory

OK, LOGIN, DENIED, NOT_FOUND = "ok", "login", "denied", "404"


def outcome(response) -> str:
    """OK, LOGIN (sent to sign in), DENIED (Wagtail's "no permission", back to the dashboard)
    or NOT_FOUND; anything else as its status and location."""
    location = response.get("Location", "")
    if response.status_code == 200:
        return OK
    if response.status_code == 302 and location.startswith(("/accounts/login/", "/admin/login/")):
        return LOGIN
    if response.status_code == 302 and location == "/admin/":
        return DENIED
    if response.status_code == 404:
        return NOT_FOUND
    return f"{response.status_code} {location}".strip()


def put_roles_back() -> dict[str, Group]:
    """The groups the roles' migrations make (pledges, core's personal data, employers), put
    back in case a flushing test removed them. Wagtail's own "Editors" and "Moderators" come
    from Wagtail's migrations."""
    migration = importlib.import_module("pledges.migrations.0005_pledge_admin_roles")
    migration.add_roles(django_apps)
    importlib.import_module("pledges.migrations.0007_data_officers_erase").grant(django_apps, None)
    importlib.import_module("pledges.migrations.0008_pledge_moderators_group").split_moderation(
        django_apps, None
    )
    importlib.import_module("core.migrations.0007_personal_data_roles").grant(django_apps)
    importlib.import_module("employers.migrations.0003_admin_roles").grant(django_apps)
    return {group.name: group for group in Group.objects.all()}


def member_of(groups: dict[str, Group], name: str, **fields):
    user = UserFactory(**fields)
    user.groups.add(groups[name])
    return user


def login(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client
