"""The organisation pages, through the views: creating and editing the profile (with a logo),
members and invitations, leaving and deleting with a confirmation step, the features'
links, and attacker text shown as text on every page and in the invitation email."""

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from mailings.services import render_email
from organisations.emails import INVITE_EMAIL, invite_context
from organisations.models import Invite, Membership, Organisation, Role
from organisations.registry import register_organisation_feature, unregister_organisation_feature
from organisations.services import OrganisationDetails, create_organisation
from organisations.tokens import make_invite_token
from tests.factories import UserFactory

from .conftest import add_member
from .factories import AreaFactory, InviteFactory


def url(name, organisation, **kwargs) -> str:
    return reverse(f"organisations:{name}", kwargs={"public_id": organisation.public_id, **kwargs})


def html_of(response) -> str:
    return response.content.decode()


def png_upload(name="logo.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (120, 60), (0, 90, 80)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


# --- Creating and editing ---------------------------------------------------------------------


def test_someone_adds_an_organisation_and_becomes_its_owner(client, site, db):
    person = UserFactory()
    area = AreaFactory(name="Millbrook")
    AreaFactory(name="Closed district", active=False)
    client.force_login(person)
    page = html_of(client.get(reverse("organisations:create")))
    assert "Millbrook" in page
    assert "Closed district" not in page
    assert 'enctype="multipart/form-data"' in page
    response = client.post(
        reverse("organisations:create"),
        {
            "name": "Millbrook Lunch Club",
            "website": "millbrook.example.org",
            "company_number": "sc 123456",
            "charity_number": "sc012345",
            "areas": [str(area.pk)],
            "logo": png_upload(),
        },
        follow=True,
    )
    organisation = Organisation.objects.get()
    assert response.redirect_chain[-1][0] == url("overview", organisation)
    html = html_of(response)
    assert "Millbrook Lunch Club has been added." in html
    assert "You are an owner of this organisation." in html
    assert organisation.website == "https://millbrook.example.org"
    assert (organisation.company_number, organisation.charity_number) == ("SC123456", "SC012345")
    assert organisation.logo.name.startswith("organisations/logos/")
    assert "logo" not in organisation.logo.name.rsplit("/", 1)[1]
    assert f'src="{organisation.logo.url}"' in html
    assert Membership.objects.get().role == Role.OWNER
    # The list of the person's organisations.
    listing = html_of(client.get(reverse("organisations:list")))
    assert "Millbrook Lunch Club" in listing
    assert "(owner)" in listing


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the name of the organisation."),
        ({"name": "Visit www.spam.example"}, "name", "The name cannot include a web address."),
        ({"name": "Mail me@spam.example"}, "name", "The name cannot include an email address."),
        ({"name": "<b>Bold</b>"}, "name", "The name cannot include the characters &lt; and &gt;."),
        ({"name": "Ok", "website": "javascript:alert(1)"}, "website", "Enter a web address"),
        ({"name": "Ok", "website": "ftp://files.example"}, "website", "Enter a web address"),
        ({"name": "Ok", "company_number": "12345"}, "company_number", "Companies House number"),
        ({"name": "Ok", "charity_number": "ABC"}, "charity_number", "Enter a charity number"),
        ({"name": "Ok", "contact_phone": "call me"}, "contact_phone", "Enter a phone number"),
        ({"name": "Ok", "contact_email": "nope"}, "contact_email", "in the correct format"),
        ({"name": "Ok", "areas": ["999999"]}, "areas", "Choose districts from the list."),
        ({"name": "Bad\x00name"}, "name", "Remove the unusual characters"),
    ],
)
def test_the_form_says_what_is_wrong_beside_each_field(client, site, db, data, field, message):
    AreaFactory(name="Millbrook")
    client.force_login(UserFactory())
    response = client.post(reverse("organisations:create"), data)
    assert response.status_code == 400
    html = html_of(response)
    assert "There is a problem" in html
    summary_target = f"id_{field}_0" if field == "areas" else f"id_{field}"
    assert f'href="#{summary_target}"' in html
    assert f'id="id_{field}_error"' in html
    assert message in html
    assert not Organisation.objects.exists()


def test_an_editor_edits_the_profile_and_replaces_then_removes_the_logo(
    client, site, organisation, editor
):
    client.force_login(editor)
    page = html_of(client.get(url("edit", organisation)))
    assert 'value="Riverside Trust"' in page
    assert "Remove the current logo" not in page
    response = client.post(
        url("edit", organisation),
        {"name": "Riverside Trust CIC", "logo": png_upload()},
        follow=True,
    )
    assert "Your changes have been saved." in html_of(response)
    organisation.refresh_from_db()
    assert organisation.name == "Riverside Trust CIC"
    assert organisation.logo

    page = html_of(client.get(url("edit", organisation)))
    assert "Remove the current logo" in page
    assert 'alt="The current logo of Riverside Trust CIC"' in page
    both = client.post(
        url("edit", organisation),
        {"name": "Riverside Trust CIC", "logo": png_upload(), "remove_logo": "on"},
    )
    assert both.status_code == 400
    client.post(url("edit", organisation), {"name": "Riverside Trust CIC", "remove_logo": "on"})
    organisation.refresh_from_db()
    assert not organisation.logo


def test_a_refused_logo_is_explained_and_nothing_changes(client, site, organisation, owner):
    client.force_login(owner)
    svg = SimpleUploadedFile("logo.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/png")
    response = client.post(url("edit", organisation), {"name": "Changed", "logo": svg})
    assert response.status_code == 400
    assert "The logo must be a PNG, JPEG or WebP image." in html_of(response)
    organisation.refresh_from_db()
    assert organisation.name == "Riverside Trust"


# --- Members ----------------------------------------------------------------------------------


def test_owners_see_the_invitation_form_and_waiting_invitations(
    client, site, organisation, owner, editor
):
    InviteFactory(organisation=organisation, email="waiting@example.org")
    client.force_login(owner)
    html = html_of(client.get(url("members", organisation)))
    assert "Invite someone" in html
    assert "waiting@example.org" in html
    assert "eddie.editor@example.org" in html
    assert "You are the only owner." in html
    client.force_login(editor)
    html = html_of(client.get(url("members", organisation)))
    assert "Invite someone" not in html
    assert "waiting@example.org" not in html
    assert "Change role" not in html


def test_inviting_an_existing_member_is_explained_beside_the_address(
    client, site, organisation, owner, editor
):
    client.force_login(owner)
    response = client.post(
        url("invite_member", organisation), {"email": editor.email.upper(), "role": "editor"}
    )
    assert response.status_code == 400
    html = html_of(response)
    assert "eddie.editor@example.org is already a member of Riverside Trust." in html
    assert 'href="#id_email"' in html
    assert not Invite.objects.exists()
    assert mail.outbox == []


def test_an_invitation_with_no_role_chosen_is_explained(client, site, organisation, owner):
    client.force_login(owner)
    response = client.post(url("invite_member", organisation), {"email": "pat@example.org"})
    assert response.status_code == 400
    assert 'href="#id_role_0"' in html_of(response)
    assert "Choose a role." in html_of(response)


def test_owners_cancel_invitations(client, site, organisation, owner):
    invite = InviteFactory(organisation=organisation, email="pat@example.org")
    client.force_login(owner)
    response = client.post(url("cancel_invite", organisation, invite_id=invite.pk), follow=True)
    assert "The invitation to pat@example.org has been cancelled." in html_of(response)
    invite.refresh_from_db()
    assert invite.cancelled_at is not None
    other = InviteFactory()
    assert client.post(url("cancel_invite", organisation, invite_id=other.pk)).status_code == 404


def test_changing_a_role_removing_and_handing_over(
    client, site, organisation, owner, owner_membership, editor_membership
):
    client.force_login(owner)
    member = add_member(organisation, "third@example.org")
    response = client.post(
        url("change_role", organisation, member_id=member.pk), {"role": "owner"}, follow=True
    )
    assert "third@example.org is now an owner." in html_of(response)
    member.refresh_from_db()
    assert member.role == Role.OWNER

    # Removing asks first; GET changes nothing.
    confirm = client.get(url("remove_member", organisation, member_id=member.pk))
    assert "Remove third@example.org from Riverside Trust?" in html_of(confirm)
    assert Membership.objects.filter(pk=member.pk).exists()
    client.post(url("remove_member", organisation, member_id=member.pk))
    assert not Membership.objects.filter(pk=member.pk).exists()

    confirm = client.get(url("hand_over", organisation, member_id=editor_membership.pk))
    assert "you will become an editor" in html_of(confirm)
    editor_membership.refresh_from_db()
    assert editor_membership.role == Role.EDITOR
    client.post(url("hand_over", organisation, member_id=editor_membership.pk))
    editor_membership.refresh_from_db()
    owner_membership.refresh_from_db()
    assert (editor_membership.role, owner_membership.role) == (Role.OWNER, Role.EDITOR)


def test_a_member_of_another_organisation_is_not_found_here(client, site, organisation, owner):
    other = create_organisation(owner=UserFactory(), details=OrganisationDetails(name="Other"))
    stranger = add_member(other, "stranger@example.org")
    client.force_login(owner)
    for name in ("change_role", "remove_member", "hand_over"):
        assert client.post(url(name, organisation, member_id=stranger.pk)).status_code == 404
    stranger.refresh_from_db()
    assert stranger.role == Role.EDITOR


def test_the_last_owner_is_told_why_they_cannot_step_down(
    client, site, organisation, owner, owner_membership
):
    client.force_login(owner)
    response = client.post(
        url("change_role", organisation, member_id=owner_membership.pk),
        {"role": "editor"},
        follow=True,
    )
    assert "You are the only owner of Riverside Trust." in html_of(response)
    owner_membership.refresh_from_db()
    assert owner_membership.role == Role.OWNER
    page = html_of(client.get(url("leave", organisation)))
    assert "You cannot leave Riverside Trust yet" in page
    assert "<form" not in page.split("<main", 1)[1]
    # Posted all the same (an old tab): refused, with why.
    response = client.post(url("leave", organisation))
    assert response.status_code == 409
    assert "You are the only owner of Riverside Trust." in html_of(response)
    assert Membership.objects.filter(pk=owner_membership.pk).exists()


def test_an_editor_leaves_after_a_confirmation(client, site, organisation, editor):
    client.force_login(editor)
    assert "Leave Riverside Trust?" in html_of(client.get(url("leave", organisation)))
    assert organisation.memberships.filter(user=editor).exists()
    response = client.post(url("leave", organisation), follow=True)
    assert "You have left Riverside Trust." in html_of(response)
    assert not organisation.memberships.filter(user=editor).exists()
    assert client.get(url("overview", organisation)).status_code == 404


def test_an_owner_deletes_after_a_confirmation(client, site, organisation, owner):
    client.force_login(owner)
    page = html_of(client.get(url("delete", organisation)))
    assert "It cannot be undone." in page
    assert Organisation.objects.filter(pk=organisation.pk).exists()
    response = client.post(url("delete", organisation), follow=True)
    assert "Riverside Trust has been deleted." in html_of(response)
    assert not Organisation.objects.filter(pk=organisation.pk).exists()


# --- Features ---------------------------------------------------------------------------------


@pytest.fixture
def features():
    register_organisation_feature(
        key="test_pledge", label="Workplace pledge", url_for=lambda o: f"/pledge/{o.pk}/"
    )
    register_organisation_feature(key="test_none", label="Not for you", url_for=lambda o: None)
    register_organisation_feature(
        key="test_first", label="Listings", url_for=lambda o: "/listings/", order=1
    )
    yield
    for key in ("test_pledge", "test_none", "test_first"):
        unregister_organisation_feature(key)


def test_the_overview_links_to_what_features_offer(client, site, organisation, editor, features):
    client.force_login(editor)
    html = html_of(client.get(url("overview", organisation)))
    assert f'<a href="/pledge/{organisation.pk}/">Workplace pledge</a>' in html
    assert "Not for you" not in html
    assert html.index("Listings") < html.index("Workplace pledge")


# --- Attacker text ----------------------------------------------------------------------------

NAME = "</text><script>alert(1)</script>"


def test_a_name_with_markup_is_text_on_every_page_and_in_the_email(client, site, db):
    """The form refuses < and >; a name stored some other way is still only ever text."""
    owner = UserFactory(first_name="<img src=x onerror=alert(2)>")
    organisation = create_organisation(owner=owner, details=OrganisationDetails(name="x"))
    Organisation.objects.filter(pk=organisation.pk).update(name=NAME)
    organisation.refresh_from_db()
    member = add_member(organisation, "member@example.org")
    invite = InviteFactory(organisation=organisation, email="pat@example.org", invited_by=owner)
    client.force_login(owner)
    pages = [
        reverse("organisations:list"),
        url("overview", organisation),
        url("edit", organisation),
        url("members", organisation),
        url("leave", organisation),
        url("delete", organisation),
        url("remove_member", organisation, member_id=member.pk),
        url("hand_over", organisation, member_id=member.pk),
    ]
    invite_page = reverse("organisations:invite", args=[make_invite_token(invite)])
    for page in pages:
        html = html_of(client.get(page))
        assert "<script>alert(1)</script>" not in html, page
        assert "&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html, page
    for who in (None, UserFactory(email="pat@example.org"), UserFactory()):
        client.logout()
        if who:
            client.force_login(who)
        html = html_of(client.get(invite_page))
        assert "<script>alert(1)</script>" not in html
        assert "<img src=x" not in html
        # Someone signed in with another address is not told whose invitation it is.
        assert ("&lt;script&gt;" in html) == (who is None or who.email == "pat@example.org")
    # The error pages of a used-up invitation too.
    Invite.objects.filter(pk=invite.pk).update(cancelled_at=invite.expires_at)
    html = html_of(client.get(invite_page))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html

    subject, text, html = render_email(INVITE_EMAIL, invite_context(invite))
    assert "<script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert NAME in subject
    assert NAME in text
