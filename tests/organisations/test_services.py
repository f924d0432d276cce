"""The organisation services and their rules: who may do what, the last owner, one open
invitation per address, the invitation email sent once per send, and the audit trail."""

import datetime
import io
import threading

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from freezegun import freeze_time
from PIL import Image

from core import audit
from core.content import GENERATION_KEY
from mailings.models import OutboundEmail
from organisations import services
from organisations.logos import prepare_logo
from organisations.models import Invite, Membership, Organisation, Role
from organisations.services import OrganisationDetails, OrganisationError
from tests.factories import UserFactory

from .conftest import add_member
from .factories import AreaFactory, InviteFactory, MembershipFactory


def png(size=(40, 20), colour=(10, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def actions(organisation_id: int) -> list[str]:
    return list(
        audit.history(Organisation, [organisation_id])
        .order_by("timestamp", "pk")
        .values_list("action", flat=True)
    )


def refused(code: str):
    """Like pytest.raises, for an OrganisationError with this code and a message."""
    return _Refused(code)


class _Refused:
    def __init__(self, code):
        self.code = code

    def __enter__(self):
        self.raises = pytest.raises(OrganisationError)
        self.info = self.raises.__enter__()
        return self.info

    def __exit__(self, *exc):
        result = self.raises.__exit__(*exc)
        assert self.info.value.code == self.code, self.info.value.message
        assert self.info.value.message
        return result


# --- The organisation ---------------------------------------------------------------------------


def test_creating_an_organisation_makes_its_creator_the_owner(db):
    creator = UserFactory()
    north, south = AreaFactory(name="Northbank"), AreaFactory(name="Southbank")
    organisation = services.create_organisation(
        owner=creator,
        details=OrganisationDetails(
            name="  Riverside   Walking  Group ",
            website="https://walk.example.org",
            contact_email=" Hello@Walk.Example.org ",
            contact_phone="01632  960 123",
            company_number="sc 123456",
            charity_number="sc012345",
            areas=(north, south),
        ),
    )
    organisation.refresh_from_db()
    assert organisation.name == "Riverside Walking Group"
    assert organisation.contact_email == "hello@walk.example.org"
    assert organisation.contact_phone == "01632 960 123"
    assert (organisation.company_number, organisation.charity_number) == ("SC123456", "SC012345")
    assert set(organisation.areas.all()) == {north, south}
    assert len(organisation.public_id) >= 22
    membership = Membership.objects.get(organisation=organisation)
    assert (membership.user, membership.role) == (creator, Role.OWNER)
    assert actions(organisation.pk) == [services.CREATED]


def test_a_profile_that_breaks_the_models_rules_is_refused(db):
    with refused("invalid"):
        services.create_organisation(
            owner=UserFactory(), details=OrganisationDetails(name="X", company_number="123")
        )
    assert not Organisation.objects.exists()


def test_updating_saves_the_profile_and_retires_cached_pages(
    organisation, owner, django_capture_on_commit_callbacks
):
    area = AreaFactory()
    cache.set(GENERATION_KEY, 5, None)
    with django_capture_on_commit_callbacks(execute=True):
        services.update_organisation(
            organisation=organisation,
            details=OrganisationDetails(name="Riverside Trust CIC", areas=(area,)),
            by=owner,
        )
    organisation.refresh_from_db()
    assert organisation.name == "Riverside Trust CIC"
    assert list(organisation.areas.all()) == [area]
    assert cache.get(GENERATION_KEY) == 6
    assert actions(organisation.pk)[-1] == services.EDITED


def test_a_new_logo_replaces_the_old_file_and_removing_it_deletes_it(
    organisation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.set_logo(organisation=organisation, upload=io.BytesIO(png()))
    organisation.refresh_from_db()
    first = organisation.logo.name
    assert first.startswith("organisations/logos/")
    assert first.endswith(".png")
    assert (organisation.logo_width, organisation.logo_height) == (40, 20)
    assert default_storage.exists(first)

    details = OrganisationDetails(name=organisation.name, logo=prepare_logo(io.BytesIO(png())))
    with django_capture_on_commit_callbacks(execute=True):
        services.update_organisation(organisation=organisation, details=details)
    organisation.refresh_from_db()
    second = organisation.logo.name
    assert second != first
    assert default_storage.exists(second)
    assert not default_storage.exists(first)

    with django_capture_on_commit_callbacks(execute=True):
        services.update_organisation(
            organisation=organisation,
            details=OrganisationDetails(name=organisation.name, remove_logo=True),
        )
    organisation.refresh_from_db()
    assert not organisation.logo
    assert organisation.logo_width is None
    assert not default_storage.exists(second)


def test_a_refused_logo_is_an_organisation_error(organisation):
    with refused("not_an_image"):
        services.set_logo(organisation=organisation, upload=io.BytesIO(b"<svg></svg>"))
    organisation.refresh_from_db()
    assert not organisation.logo


def test_deleting_takes_members_invites_and_logo_with_it(
    organisation, owner, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.set_logo(organisation=organisation, upload=io.BytesIO(png()))
    organisation.refresh_from_db()
    logo = organisation.logo.name
    InviteFactory(organisation=organisation)
    organisation_id = organisation.pk
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_organisation(organisation=organisation, by=owner)
    assert not Organisation.objects.filter(pk=organisation_id).exists()
    assert not Membership.objects.filter(organisation_id=organisation_id).exists()
    assert not Invite.objects.filter(organisation_id=organisation_id).exists()
    assert not default_storage.exists(logo)
    # Who deleted it stays on record.
    assert actions(organisation_id)[-1] == services.DELETED


def test_only_an_owner_may_delete(organisation, editor, outsider):
    for who in (editor, outsider):
        with refused("not_owner"):
            services.delete_organisation(organisation=organisation, by=who)
    assert Organisation.objects.filter(pk=organisation.pk).exists()


# --- Invitations ------------------------------------------------------------------------------


def invite_emails(organisation) -> list[OutboundEmail]:
    return list(
        OutboundEmail.objects.filter(key__startswith=f"organisation:{organisation.pk}:invite:")
    )


def test_an_invitation_is_stored_and_emailed_once(
    organisation, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite = services.invite_member(
            organisation=organisation, email=" Pat@Example.ORG ", role=Role.EDITOR, by=owner
        )
    assert invite.email == "pat@example.org"
    assert invite.invited_by == owner
    assert (invite.times_sent, invite.last_sent_at is not None) == (1, True)
    expected = datetime.timedelta(days=7)
    assert abs((invite.expires_at - invite.created_at) - expected) < datetime.timedelta(seconds=5)
    (email,) = invite_emails(organisation)
    assert email.key == f"organisation:{organisation.pk}:invite:{invite.pk}:1"
    assert email.to == "pat@example.org"
    assert email.status == OutboundEmail.Status.SENT  # eager worker in unit tests
    assert "Riverside Trust" in email.subject
    assert "/organisations/invite/" in email.body_text
    assert "Olive Owner has invited you" in email.body_text
    assert [m.to for m in mail.outbox] == [["pat@example.org"]]
    assert actions(organisation.pk)[-1] == services.INVITED


def test_a_double_click_sends_one_email(organisation, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.invite_member(
            organisation=organisation, email="pat@example.org", role=Role.EDITOR, by=owner
        )
        second = services.invite_member(
            organisation=organisation, email="PAT@example.org", role=Role.EDITOR, by=owner
        )
    assert first.pk == second.pk
    assert Invite.objects.filter(organisation=organisation).count() == 1
    assert len(invite_emails(organisation)) == 1
    assert len(mail.outbox) == 1


def test_inviting_again_later_resends_the_same_invitation(
    organisation, owner, django_capture_on_commit_callbacks
):
    with freeze_time("2026-03-01 10:00"):
        invite = services.invite_member(
            organisation=organisation, email="pat@example.org", role=Role.EDITOR, by=owner
        )
    # Past its expiry, and in a new role: the same invitation, a fresh link, a second email.
    with freeze_time("2026-03-10 10:00"), django_capture_on_commit_callbacks(execute=True):
        again = services.invite_member(
            organisation=organisation, email="pat@example.org", role=Role.OWNER, by=owner
        )
    assert again.pk == invite.pk
    again.refresh_from_db()
    assert (again.role, again.times_sent) == (Role.OWNER, 2)
    assert again.expires_at.date() == datetime.date(2026, 3, 17)
    assert sorted(e.key for e in invite_emails(organisation)) == [
        f"organisation:{organisation.pk}:invite:{invite.pk}:1",
        f"organisation:{organisation.pk}:invite:{invite.pk}:2",
    ]


def test_an_existing_member_is_not_invited(organisation, owner, editor):
    with refused("already_member"):
        services.invite_member(
            organisation=organisation, email="EDDIE.Editor@example.org", role="editor", by=owner
        )
    assert not Invite.objects.exists()
    assert not OutboundEmail.objects.exists()


@pytest.mark.parametrize("email", ["not an address", "", "pat@example.org\x00", "a@b"])
def test_a_malformed_address_is_refused(organisation, owner, email):
    with refused("invalid_email"):
        services.invite_member(organisation=organisation, email=email, role="editor", by=owner)
    assert not Invite.objects.exists()


def test_only_owners_invite_and_only_in_known_roles(organisation, owner, editor, outsider):
    for who in (editor, outsider):
        with refused("not_owner"):
            services.invite_member(
                organisation=organisation, email="pat@example.org", role="editor", by=who
            )
    with refused("invalid_role"):
        services.invite_member(
            organisation=organisation, email="pat@example.org", role="admin", by=owner
        )
    assert not Invite.objects.exists()


def test_a_person_sends_a_limited_number_of_invitations_a_day(organisation, owner, settings):
    settings.ORGANISATION_INVITES_PER_DAY = 2
    for n in range(2):
        services.invite_member(
            organisation=organisation, email=f"p{n}@example.org", role="editor", by=owner
        )
    with refused("too_many_invites"):
        services.invite_member(
            organisation=organisation, email="p3@example.org", role="editor", by=owner
        )
    assert Invite.objects.count() == 2


def test_the_invitation_lifetime_is_a_setting(organisation, owner, settings):
    settings.ORGANISATION_INVITE_DAYS = 2
    invite = services.invite_member(
        organisation=organisation, email="pat@example.org", role="editor", by=owner
    )
    assert abs(invite.expires_at - invite.created_at - datetime.timedelta(days=2)) < (
        datetime.timedelta(seconds=5)
    )


def test_cancelling_an_invitation(organisation, owner, editor):
    invite = InviteFactory(organisation=organisation, email="pat@example.org")
    with refused("not_owner"):
        services.cancel_invite(invite=invite, by=editor)
    services.cancel_invite(invite=invite, by=owner)
    invite.refresh_from_db()
    cancelled_at = invite.cancelled_at
    assert cancelled_at is not None
    services.cancel_invite(invite=invite, by=owner)  # again: nothing changes
    invite.refresh_from_db()
    assert invite.cancelled_at == cancelled_at
    assert actions(organisation.pk).count(services.INVITE_CANCELLED) == 1
    # The address can be invited again: a new invitation.
    again = services.invite_member(
        organisation=organisation, email="pat@example.org", role="editor", by=owner
    )
    assert again.pk != invite.pk


def test_an_accepted_invitation_cannot_be_cancelled(organisation, owner):
    invite = InviteFactory(organisation=organisation, email="pat@example.org")
    services.accept_invite(invite=invite, user=UserFactory(email="pat@example.org"))
    with refused("used"):
        services.cancel_invite(invite=invite, by=owner)


def test_accepting_makes_a_member_in_the_invited_role(organisation):
    invite = InviteFactory(organisation=organisation, email="pat@example.org", role=Role.OWNER)
    # The account's address differs only in case.
    pat = UserFactory.build(email="Pat@Example.org")
    pat.save()
    membership = services.accept_invite(invite=invite, user=pat)
    assert (membership.organisation, membership.user, membership.role) == (
        organisation,
        pat,
        Role.OWNER,
    )
    invite.refresh_from_db()
    assert invite.accepted_by == pat
    assert invite.accepted_at is not None
    assert actions(organisation.pk)[-1] == services.JOINED


def test_an_invitation_works_once(organisation):
    invite = InviteFactory(organisation=organisation, email="pat@example.org")
    pat = UserFactory(email="pat@example.org")
    services.accept_invite(invite=invite, user=pat)
    with refused("used"):
        services.accept_invite(invite=invite, user=pat)
    assert Membership.objects.filter(organisation=organisation, user=pat).count() == 1


def test_an_invitation_is_only_for_its_address(organisation):
    invite = InviteFactory(organisation=organisation, email="pat@example.org")
    with refused("other_address"):
        services.accept_invite(invite=invite, user=UserFactory(email="pat@example.net"))
    invite.refresh_from_db()
    assert invite.accepted_at is None
    assert organisation.memberships.count() == 1


def test_an_expired_or_cancelled_invitation_is_refused(organisation, owner):
    pat = UserFactory(email="pat@example.org")
    with freeze_time("2026-03-01 10:00"):
        expiring = services.invite_member(
            organisation=organisation, email=pat.email, role="editor", by=owner
        )
    with freeze_time("2026-03-08 10:00:01"), refused("expired"):
        services.accept_invite(invite=expiring, user=pat)
    services.cancel_invite(invite=expiring, by=owner)
    with refused("cancelled"):
        services.accept_invite(invite=expiring, user=pat)
    assert not Membership.objects.filter(user=pat).exists()


def test_someone_already_a_member_uses_up_the_invitation_and_keeps_their_role(organisation, editor):
    invite = InviteFactory(organisation=organisation, email=editor.email, role=Role.OWNER)
    membership = services.accept_invite(invite=invite, user=editor)
    assert membership.role == Role.EDITOR
    invite.refresh_from_db()
    assert invite.accepted_at is not None


# --- Members ----------------------------------------------------------------------------------


def test_an_owner_removes_a_member(organisation, owner, editor_membership):
    services.remove_member(membership=editor_membership, by=owner)
    assert not Membership.objects.filter(pk=editor_membership.pk).exists()
    assert actions(organisation.pk)[-1] == services.REMOVED


def test_an_editor_removes_nobody(organisation, owner_membership, editor, editor_membership):
    other = add_member(organisation, "third@example.org")
    for membership in (owner_membership, other):
        with refused("not_owner"):
            services.remove_member(membership=membership, by=editor)
    assert organisation.memberships.count() == 3


def test_the_last_owner_is_not_removed_or_demoted(organisation, owner, owner_membership):
    with refused("last_owner"):
        services.remove_member(membership=owner_membership, by=owner)
    with refused("last_owner"):
        services.change_role(membership=owner_membership, role=Role.EDITOR, by=owner)
    owner_membership.refresh_from_db()
    assert owner_membership.role == Role.OWNER


def test_with_two_owners_one_may_step_down_or_be_removed(organisation, owner, owner_membership):
    second = add_member(organisation, "second.owner@example.org", role=Role.OWNER)
    services.change_role(membership=owner_membership, role=Role.EDITOR, by=owner)
    owner_membership.refresh_from_db()
    assert owner_membership.role == Role.EDITOR
    # The one owner left may not be removed by anyone.
    with refused("last_owner"):
        services.remove_member(membership=second, by=second.user)
    third = add_member(organisation, "third.owner@example.org", role=Role.OWNER)
    services.remove_member(membership=second, by=third.user)
    assert not Membership.objects.filter(pk=second.pk).exists()


def test_changing_roles(organisation, owner, editor, editor_membership):
    services.change_role(membership=editor_membership, role=Role.OWNER, by=owner)
    editor_membership.refresh_from_db()
    assert editor_membership.role == Role.OWNER
    assert actions(organisation.pk)[-1] == services.ROLE_CHANGED
    with refused("invalid_role"):
        services.change_role(membership=editor_membership, role="boss", by=owner)


def test_roles_are_changed_by_owners_of_that_organisation_only(
    organisation, owner, editor_membership
):
    elsewhere = MembershipFactory(role=Role.OWNER)
    with refused("not_owner"):
        services.change_role(membership=editor_membership, role=Role.OWNER, by=elsewhere.user)
    # Owning one organisation gives no say over another's members.
    with refused("not_owner"):
        services.change_role(membership=elsewhere, role=Role.EDITOR, by=owner)
    elsewhere.refresh_from_db()
    editor_membership.refresh_from_db()
    assert (elsewhere.role, editor_membership.role) == (Role.OWNER, Role.EDITOR)


def test_handing_over_ownership(organisation, owner, owner_membership, editor_membership):
    services.hand_over_ownership(
        organisation=organisation, to_membership=editor_membership, by=owner
    )
    owner_membership.refresh_from_db()
    editor_membership.refresh_from_db()
    assert (owner_membership.role, editor_membership.role) == (Role.EDITOR, Role.OWNER)
    assert actions(organisation.pk)[-1] == services.HANDED_OVER
    # The former owner can no longer hand anything over.
    with refused("not_owner"):
        services.hand_over_ownership(
            organisation=organisation, to_membership=owner_membership, by=owner
        )


def test_ownership_is_handed_to_someone_else_in_the_organisation(
    organisation, owner, owner_membership
):
    with refused("yourself"):
        services.hand_over_ownership(
            organisation=organisation, to_membership=owner_membership, by=owner
        )
    stranger = MembershipFactory()
    with refused("not_member"):
        services.hand_over_ownership(organisation=organisation, to_membership=stranger, by=owner)
    stranger.refresh_from_db()
    assert stranger.role == Role.EDITOR


def test_members_leave_but_the_last_owner_stays(organisation, owner_membership, editor_membership):
    services.leave(membership=editor_membership)
    assert not Membership.objects.filter(pk=editor_membership.pk).exists()
    assert actions(organisation.pk)[-1] == services.LEFT
    with refused("last_owner"):
        services.leave(membership=owner_membership)
    assert Membership.objects.filter(pk=owner_membership.pk).exists()


def test_one_of_two_owners_may_leave(organisation, owner_membership):
    add_member(organisation, "second.owner@example.org", role=Role.OWNER)
    services.leave(membership=owner_membership)
    assert organisation.memberships.filter(role=Role.OWNER).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_owners_leaving_at_once_leave_one_owner(organisation):
    """Each leave locks the organisation first, so the second sees the first's result."""
    second = add_member(organisation, "second.owner@example.org", role=Role.OWNER)
    first = organisation.memberships.get(user__email="olive.owner@example.org")
    barrier = threading.Barrier(2)
    results = {}

    def leave(membership):
        try:
            barrier.wait(timeout=5)
            services.leave(membership=membership)
            results[membership.pk] = "left"
        except OrganisationError as error:
            results[membership.pk] = error.code
        finally:
            connection.close()

    threads = [threading.Thread(target=leave, args=(m,)) for m in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=15)
    assert sorted(results.values()) == ["last_owner", "left"]
    assert organisation.memberships.filter(role=Role.OWNER).count() == 1
