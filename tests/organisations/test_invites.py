"""The invitation link: signed, carrying the invite's id and secret and never the address. GET
shows the invitation and a button; only the POST accepts it, for the invited address only.
A wrong link is a 404; an expired, used or cancelled one says so (410); someone signed in with
another address is told (403). Someone signed out signs in first and comes back."""

import datetime
import re
from urllib.parse import unquote

import pytest
from allauth.account.models import EmailAddress
from django.core import mail, signing
from django.urls import reverse
from freezegun import freeze_time

from core import tokens
from mailings.models import OutboundEmail
from organisations import services
from organisations.models import Invite, Membership, Role
from organisations.tokens import PURPOSE_NAME, make_invite_token, read_invite_token
from tests.factories import UserFactory

from .factories import InviteFactory

PAT = "pat@example.org"


@pytest.fixture
def invite(organisation, owner):
    return services.invite_member(organisation=organisation, email=PAT, role="editor", by=owner)


@pytest.fixture
def pat(db):
    return UserFactory(email=PAT)


def link(invite) -> str:
    return reverse("organisations:invite", args=[make_invite_token(invite)])


def body(response) -> str:
    return response.content.decode()


def joined(user, organisation) -> bool:
    return Membership.objects.filter(user=user, organisation=organisation).exists()


# --- The token ------------------------------------------------------------------------------


def test_the_token_carries_the_id_and_secret_not_the_address(invite):
    token = make_invite_token(invite)
    assert PAT not in token
    assert "pat" not in token.lower()
    assert signing.loads(token, salt=PURPOSE_NAME) == [invite.pk, invite.secret]
    assert read_invite_token(token) == invite


@pytest.mark.parametrize(
    "make",
    [
        lambda invite: "not-a-token",
        lambda invite: make_invite_token(invite)[:-3] + "abc",
        # Right id, wrong secret.
        lambda invite: signing.dumps([invite.pk, "wrong"], salt=PURPOSE_NAME, compress=True),
        # Another purpose's token with the same value.
        lambda invite: tokens.make_token(
            tokens.Purpose("pledges.manage", datetime.timedelta(days=9)), [invite.pk, invite.secret]
        ),
        lambda invite: signing.dumps(["1", invite.secret], salt=PURPOSE_NAME, compress=True),
        lambda invite: signing.dumps({"id": invite.pk}, salt=PURPOSE_NAME, compress=True),
    ],
)
def test_a_wrong_token_is_404(client, site, invite, pat, make):
    client.force_login(pat)
    url = reverse("organisations:invite", args=[make(invite)])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not joined(pat, invite.organisation)


def test_a_deleted_invitations_link_is_404(client, site, invite, pat):
    url = link(invite)
    Invite.objects.filter(pk=invite.pk).delete()
    client.force_login(pat)
    assert client.post(url).status_code == 404


# --- Accepting --------------------------------------------------------------------------------


def test_get_shows_the_invitation_and_never_accepts(client, site, invite, pat):
    client.force_login(pat)
    for _ in range(2):
        response = client.get(link(invite))
        assert response.status_code == 200
        html = body(response)
        assert "Join Riverside Trust" in html
        assert "Olive Owner has invited you" in html
        assert "Accept the invitation" in html
        assert 'method="post"' in html
        assert "csrfmiddlewaretoken" in html
    invite.refresh_from_db()
    assert invite.accepted_at is None
    assert not joined(pat, invite.organisation)


def test_post_accepts_and_goes_to_the_organisation(client, site, invite, pat):
    client.force_login(pat)
    response = client.post(link(invite), follow=True)
    organisation = invite.organisation
    assert response.redirect_chain[-1][0] == f"/organisations/{organisation.public_id}/"
    assert "You have joined Riverside Trust." in body(response)
    membership = Membership.objects.get(user=pat, organisation=organisation)
    assert membership.role == Role.EDITOR
    invite.refresh_from_db()
    assert invite.accepted_by == pat


def test_a_used_invitation_is_410_for_anyone_else(client, site, invite, pat):
    client.force_login(pat)
    client.post(link(invite))
    # Pat again: straight to the organisation.
    response = client.get(link(invite))
    assert response.status_code == 302
    client.force_login(UserFactory(email="pat.twin@example.org"))
    for method in ("get", "post"):
        response = getattr(client, method)(link(invite))
        assert response.status_code == 410
        assert "This invitation has been used" in body(response)
    client.logout()
    assert client.get(link(invite)).status_code == 410
    assert invite.organisation.memberships.count() == 2


def test_an_expired_invitation_is_410(client, site, organisation, owner, pat):
    with freeze_time("2026-03-01 10:00"):
        invite = services.invite_member(
            organisation=organisation, email=PAT, role="editor", by=owner
        )
        url = link(invite)
    client.force_login(pat)
    with freeze_time("2026-03-09 10:00"):
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 410
            assert "has expired" in body(response)
            assert "Ask someone at Riverside Trust to send you a new one." in body(response)
    assert not joined(pat, organisation)


def test_a_cancelled_invitation_is_410(client, site, invite, owner, pat):
    services.cancel_invite(invite=invite, by=owner)
    client.force_login(pat)
    for method in ("get", "post"):
        response = getattr(client, method)(link(invite))
        assert response.status_code == 410
        assert "was cancelled" in body(response)
    assert not joined(pat, invite.organisation)


def test_another_address_is_403_and_told_to_sign_out(client, site, invite):
    other = UserFactory(email="someone@example.net")
    client.force_login(other)
    for method in ("get", "post"):
        response = getattr(client, method)(link(invite))
        assert response.status_code == 403
        html = body(response)
        assert "This invitation is for someone else" in html
        assert "Sign out" in html
        assert PAT not in html  # the invited address is not shown to whoever holds the link
    assert not joined(other, invite.organisation)


def test_someone_signed_out_sees_the_invitation_and_is_asked_to_sign_in(client, site, invite):
    url = link(invite)
    response = client.get(url)
    assert response.status_code == 200
    html = body(response)
    assert "Join Riverside Trust" in html
    nexts = dict(re.findall(r'href="/accounts/(login|signup)/\?next=([^"]+)"', html))
    assert {page: unquote(value) for page, value in nexts.items()} == {"login": url, "signup": url}
    assert "Accept the invitation" not in html
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    invite.refresh_from_db()
    assert invite.accepted_at is None


def test_signing_in_brings_them_back_to_accept(client, site, invite, pat):
    pat.set_password("a-long-test-password")
    pat.save()
    EmailAddress.objects.create(user=pat, email=PAT, verified=True, primary=True)
    url = link(invite)
    response = client.post(
        f"/accounts/login/?next={url}", {"login": PAT, "password": "a-long-test-password"}
    )
    assert response.status_code == 302
    assert response["Location"] == url
    assert client.post(url).status_code == 302
    assert joined(pat, invite.organisation)


def test_someone_already_a_member_is_told_so(client, site, organisation, owner, editor):
    invite = InviteFactory(organisation=organisation, email=editor.email)
    client.force_login(editor)
    html = body(client.get(link(invite)))
    assert "You are already a member of Riverside Trust." in html


# --- The email --------------------------------------------------------------------------------


def test_the_invitation_reaches_the_outbox_once_and_its_link_works(
    client, site, organisation, owner, pat, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    url = reverse("organisations:invite_member", args=[organisation.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, {"email": "Pat@Example.org", "role": "editor"})
        again = client.post(url, {"email": "pat@example.org", "role": "editor"})
    assert (first.status_code, again.status_code) == (302, 302)
    invite = Invite.objects.get()
    (email,) = OutboundEmail.objects.all()
    assert email.key == f"organisation:{organisation.pk}:invite:{invite.pk}:1"
    assert email.to == PAT
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Join Riverside Trust on Better Together"
    (action,) = re.findall(r"http://testserver(/organisations/invite/[^\s]+/)", message.body)
    html = message.alternatives[0][0]
    assert f'href="http://testserver{action}"' in html

    client.force_login(pat)
    assert client.get(action).status_code == 200
    assert client.post(action).status_code == 302
    assert joined(pat, organisation)
