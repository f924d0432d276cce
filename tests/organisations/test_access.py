"""Every organisation URL, with every method, as each kind of visitor: someone signed out is
sent to sign in; a member of another organisation gets the 404 a missing organisation gets;
an editor gets 403 for what only owners may do; and none of them changes anything."""

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from mailings.models import OutboundEmail
from organisations import urls as organisation_urls
from organisations.models import Invite, Membership, Organisation, Role
from organisations.services import OrganisationDetails, create_organisation
from tests.factories import UserFactory

from .conftest import add_member
from .factories import InviteFactory

METHODS = ["get", "post"]
# URL name -> who may use it (None: any member).
ORGANISATION_URLS = {
    "overview": None,
    "edit": None,
    "members": None,
    "leave": None,
    "invite_member": Role.OWNER,
    "cancel_invite": Role.OWNER,
    "change_role": Role.OWNER,
    "remove_member": Role.OWNER,
    "hand_over": Role.OWNER,
    "delete": Role.OWNER,
}
# Bodies that would change something, were they allowed.
BODIES = {
    "edit": {"name": "Taken over"},
    "invite_member": {"email": "intruder@example.org", "role": "owner"},
    "change_role": {"role": "owner"},
}


def url_for(name: str, organisation, member, invite) -> str:
    kwargs = {"public_id": organisation.public_id}
    if name == "cancel_invite":
        kwargs["invite_id"] = invite.pk
    if name in ("change_role", "remove_member", "hand_over"):
        kwargs["member_id"] = member.pk
    return reverse(f"organisations:{name}", kwargs=kwargs)


@pytest.fixture
def organisation_b(db):
    owner = UserFactory(email="b.owner@example.org")
    organisation = create_organisation(owner=owner, details=OrganisationDetails(name="B Group"))
    member = add_member(organisation, "b.editor@example.org")
    invite = InviteFactory(organisation=organisation, email="b.invited@example.org")
    return organisation, member, invite


def snapshot() -> dict:
    return {
        "organisations": list(Organisation.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values()),
        "invites": list(Invite.objects.order_by("pk").values()),
        "emails": OutboundEmail.objects.count(),
    }


def test_the_walk_covers_every_organisation_url():
    names = {p.name for p in organisation_urls.urlpatterns if isinstance(p, URLPattern)}
    assert names == set(ORGANISATION_URLS) | {"list", "create", "invite"}


def test_a_member_of_another_organisation_gets_404_everywhere(
    client, site, organisation, owner, organisation_b
):
    """Olive owns "Riverside Trust"; "B Group" is not hers, and she cannot tell it exists."""
    b, b_member, b_invite = organisation_b
    client.force_login(owner)
    before = snapshot()
    missing = "A" * 22
    for name in ORGANISATION_URLS:
        for method in METHODS:
            url = url_for(name, b, b_member, b_invite)
            response = getattr(client, method)(url, BODIES.get(name, {}))
            assert response.status_code == 404, (name, method)
            assert "B Group" not in response.content.decode(), (name, method)
            # The same as for an organisation that does not exist.
            other = getattr(client, method)(url.replace(b.public_id, missing))
            assert other.status_code == 404, (name, method)
    assert snapshot() == before


def test_an_editor_is_refused_what_owners_do(client, site, organisation, editor):
    member = add_member(organisation, "third@example.org")
    invite = InviteFactory(organisation=organisation)
    client.force_login(editor)
    before = snapshot()
    for name, role in ORGANISATION_URLS.items():
        if role != Role.OWNER:
            continue
        for method in METHODS:
            url = url_for(name, organisation, member, invite)
            response = getattr(client, method)(url, BODIES.get(name, {}))
            assert response.status_code == 403, (name, method)
            assert "Only owners can do this" in response.content.decode()
    assert snapshot() == before


def test_an_editor_opens_what_any_member_may(client, site, organisation, editor):
    client.force_login(editor)
    for name, role in ORGANISATION_URLS.items():
        if role is None:
            url = url_for(name, organisation, None, None)
            assert client.get(url).status_code == 200, name


@pytest.mark.parametrize("method", METHODS)
def test_someone_signed_out_is_sent_to_sign_in_and_back(client, site, organisation, method):
    member = organisation.memberships.get()
    invite = InviteFactory(organisation=organisation)
    before = snapshot()
    urls = [url_for(name, organisation, member, invite) for name in ORGANISATION_URLS]
    urls += [reverse("organisations:list"), reverse("organisations:create")]
    for url in urls:
        body = BODIES["edit"] if method == "post" else {}
        response = getattr(client, method)(url, body)
        assert response.status_code == 302, url
        login, _, next_url = response["Location"].partition("?next=")
        assert login == reverse("account_login")
        assert next_url.replace("%2F", "/") == url
    assert snapshot() == before


def test_changes_need_the_csrf_token(site, organisation, owner, editor_membership):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    before = snapshot()
    for name in ("delete", "leave", "remove_member", "change_role", "edit", "invite_member"):
        url = url_for(name, organisation, editor_membership, None)
        response = client.post(url, BODIES.get(name, {}))
        assert response.status_code == 403, name
    assert snapshot() == before


def test_pages_are_private(client, site, organisation, owner):
    client.force_login(owner)
    response = client.get(reverse("organisations:overview", args=[organisation.public_id]))
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
    client.logout()
    client.cookies.clear()
    response = client.get(reverse("organisations:list"))
    assert "public" not in response.get("Cache-Control", "")
