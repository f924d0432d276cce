"""Everything that changes an organisation, its members or its invitations. Views, features,
the admin and the demo call these; the rules live here.

Each operation is one transaction, and each that touches membership locks the organisation's
row first, so two at once (two owners leaving together, a double click on "Invite") run one
after the other and the rules hold: an organisation never loses its last owner through its
members' own actions, and an address has one open invitation. A refused operation raises
OrganisationError, whose message is written to be shown to the person. Changes to membership
are recorded in the organisation's history (core.audit), naming members by number only."""

import datetime
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from core import audit
from core.content import pages_changed
from core.forms import CONTROL
from core.models import Area
from mailings.services import queue_email

from .emails import INVITE_EMAIL, invite_context, invite_email_key
from .logos import LogoRefused, PreparedLogo, prepare_logo
from .models import Invite, Membership, Organisation, Role
from .tokens import invite_lifetime

# Inviting an address again this soon after its last email sends nothing new (a double click,
# an impatient second try).
RESEND_AFTER = timedelta(minutes=5)
INVALID_EMAIL = "Enter an email address in the correct format, like name@example.com."

# Audit actions (labels registered in wagtail_hooks.py).
CREATED = "organisations.create"
EDITED = "organisations.edit"
INVITED = "organisations.invite"
INVITE_CANCELLED = "organisations.cancel_invite"
JOINED = "organisations.join"
REMOVED = "organisations.remove_member"
ROLE_CHANGED = "organisations.change_role"
HANDED_OVER = "organisations.hand_over"
LEFT = "organisations.leave"
DELETED = "organisations.delete"
ERASED = "organisations.erase_member"
LOG_ACTIONS = {
    CREATED: ("Create organisation", "Organisation created"),
    EDITED: ("Edit organisation", "Organisation's details changed"),
    INVITED: ("Invite member", "Member invited"),
    INVITE_CANCELLED: ("Cancel invitation", "Invitation cancelled"),
    JOINED: ("Join organisation", "Invitation accepted"),
    REMOVED: ("Remove member", "Member removed"),
    ROLE_CHANGED: ("Change member's role", "Member's role changed"),
    HANDED_OVER: ("Hand over ownership", "Ownership handed over"),
    LEFT: ("Leave organisation", "Member left"),
    DELETED: ("Delete organisation", "Organisation deleted"),
    ERASED: ("Erase member's data", "Member erased at their request"),
}


class OrganisationError(Exception):
    """A refused operation. `message` says why, to the person who tried; `code` names the rule
    (e.g. "last_owner", "expired") for callers that answer differently."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class OrganisationDetails:
    """An organisation's profile as its members give it (already checked by OrganisationForm).
    `logo`: a new logo (None keeps the current one); `remove_logo`: remove the current one."""

    name: str
    website: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    company_number: str = ""
    charity_number: str = ""
    areas: tuple[Area, ...] = ()
    logo: PreparedLogo | None = None
    remove_logo: bool = False


def invites_per_day() -> int:
    """Invitation emails one person may send in a day (ORGANISATION_INVITES_PER_DAY, 50 unless
    set): the organisation's name goes to any address typed in, so it is kept to what a real
    team needs."""
    return getattr(settings, "ORGANISATION_INVITES_PER_DAY", 50)


# --- Helpers ----------------------------------------------------------------------------------


def _record(organisation_id: int, action: str, *, by, **data) -> None:
    audit.record(Organisation, [organisation_id], action, by=by, noun="Organisation", data=data)


def _locked(organisation: Organisation) -> Organisation:
    try:
        return Organisation.objects.select_for_update().get(pk=organisation.pk)
    except Organisation.DoesNotExist:
        raise OrganisationError("This organisation no longer exists.", code="gone") from None


def _owner(organisation: Organisation, user) -> Membership:
    membership = (
        Membership.objects.filter(organisation=organisation, user=user).first()
        if getattr(user, "is_authenticated", False)
        else None
    )
    if membership is None or not membership.is_owner:
        raise OrganisationError(
            f"Only an owner of {organisation.name} can do this.", code="not_owner"
        )
    return membership


def _current(membership: Membership, organisation: Organisation) -> Membership:
    current = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=membership.pk, organisation=organisation)
        .first()
    )
    if current is None:
        raise OrganisationError(
            f"That person is no longer a member of {organisation.name}.", code="not_member"
        )
    return current


def _owners(organisation: Organisation) -> int:
    return Membership.objects.filter(organisation=organisation, role=Role.OWNER).count()


def _check_role(role: str) -> Role:
    if role not in Role.values:
        raise OrganisationError("Choose owner or editor.", code="invalid_role")
    return Role(role)


def normalise_email(email: str) -> str:
    """An address as invitations store it: no spaces around it, lower case, well formed."""
    address = (email or "").strip().lower()
    if CONTROL.search(address):
        raise OrganisationError(INVALID_EMAIL, code="invalid_email")
    try:
        validate_email(address)
    except ValidationError:
        raise OrganisationError(INVALID_EMAIL, code="invalid_email") from None
    return address


def _logo_storage():
    return Organisation._meta.get_field("logo").storage


def _delete_file_after_commit(name: str) -> None:
    if name:
        storage = _logo_storage()
        transaction.on_commit(lambda: storage.delete(name))


def _apply_profile(organisation: Organisation, details: OrganisationDetails) -> None:
    organisation.name = " ".join(details.name.split())
    organisation.website = details.website.strip()
    organisation.contact_email = details.contact_email.strip().lower()
    organisation.contact_phone = " ".join(details.contact_phone.split())
    organisation.company_number = "".join(details.company_number.split()).upper()
    organisation.charity_number = "".join(details.charity_number.split()).upper()
    try:
        organisation.full_clean(exclude=["logo"], validate_unique=False)
    except ValidationError as error:
        raise OrganisationError(" ".join(error.messages), code="invalid") from None


def _store_logo(organisation: Organisation, logo: PreparedLogo) -> None:
    old = organisation.logo.name
    organisation.logo.save(PreparedLogo.new_name(), ContentFile(logo.content), save=False)
    organisation.logo_width, organisation.logo_height = logo.width, logo.height
    organisation.save(update_fields=["logo", "logo_width", "logo_height", "updated_at"])
    _delete_file_after_commit(old)


def _drop_logo(organisation: Organisation) -> None:
    old = organisation.logo.name
    if not old:
        return
    organisation.logo.name = ""
    organisation.logo_width = organisation.logo_height = None
    organisation.save(update_fields=["logo", "logo_width", "logo_height", "updated_at"])
    _delete_file_after_commit(old)


def _prepared(upload) -> PreparedLogo:
    if isinstance(upload, PreparedLogo):
        return upload
    try:
        return prepare_logo(upload)
    except LogoRefused as refused:
        raise OrganisationError(refused.message, code=refused.code) from None


# --- The organisation -------------------------------------------------------------------------


@transaction.atomic
def create_organisation(*, owner, details: OrganisationDetails) -> Organisation:
    """A new organisation, with `owner` as its first member and owner."""
    organisation = Organisation()
    _apply_profile(organisation, details)
    organisation.save(force_insert=True)
    organisation.areas.set(details.areas)
    Membership.objects.create(organisation=organisation, user=owner, role=Role.OWNER)
    if details.logo is not None:
        _store_logo(organisation, details.logo)
    _record(organisation.pk, CREATED, by=owner)
    return organisation


@transaction.atomic
def update_organisation(
    *, organisation: Organisation, details: OrganisationDetails, by=None
) -> Organisation:
    """Save the profile; a logo in `details` replaces the current one, `remove_logo` removes
    it. Features' public pages may show the name and logo, so cached pages are retired."""
    current = _locked(organisation)
    _apply_profile(current, details)
    current.save()
    current.areas.set(details.areas)
    if details.logo is not None:
        _store_logo(current, details.logo)
    elif details.remove_logo:
        _drop_logo(current)
    _record(current.pk, EDITED, by=by)
    pages_changed()
    return current


@transaction.atomic
def set_logo(*, organisation: Organisation, upload) -> Organisation:
    """Replace the logo with `upload`: a PreparedLogo (from LogoField) or an uploaded file,
    which is checked and drawn again here (OrganisationError if refused)."""
    logo = _prepared(upload)
    current = _locked(organisation)
    _store_logo(current, logo)
    pages_changed()
    return current


@transaction.atomic
def remove_logo(*, organisation: Organisation) -> Organisation:
    current = _locked(organisation)
    _drop_logo(current)
    pages_changed()
    return current


@transaction.atomic
def delete_organisation(*, organisation: Organisation, by) -> None:
    """Delete the organisation with its members, invitations and everything features keep
    for it. Owners only."""
    current = _locked(organisation)
    _owner(current, by)
    organisation_id, logo = current.pk, current.logo.name
    try:
        current.delete()
    except (ProtectedError, RestrictedError):
        raise OrganisationError(
            f"{current.name} cannot be deleted yet. Contact us and we will help.",
            code="protected",
        ) from None
    _delete_file_after_commit(logo)
    _record(organisation_id, DELETED, by=by)
    pages_changed()


# --- Invitations ------------------------------------------------------------------------------


@transaction.atomic
def invite_member(*, organisation: Organisation, email: str, role: str, by) -> Invite:
    """Invite an address to join in a role, by email. Inviting an address that already has an
    open (or expired, unanswered) invitation updates its role, gives it a fresh expiry and
    sends it again, unless it was sent in the last few minutes; an existing member is refused.
    Owners only, and a person sends at most `invites_per_day()` invitation emails a day."""
    address = normalise_email(email)
    role = _check_role(role)
    current = _locked(organisation)
    _owner(current, by)
    if Membership.objects.filter(organisation=current, user__email__iexact=address).exists():
        raise OrganisationError(
            f"{address} is already a member of {current.name}.", code="already_member"
        )
    now = timezone.now()
    invite = (
        Invite.objects.select_for_update()
        .filter(
            organisation=current, email=address, accepted_at__isnull=True, cancelled_at__isnull=True
        )
        .first()
    )
    sent_recently = bool(
        invite and invite.last_sent_at and now - invite.last_sent_at < RESEND_AFTER
    )
    if not sent_recently:
        _check_daily_limit(by, now)
    if invite is None:
        invite = Invite.objects.create(
            organisation=current,
            email=address,
            role=role,
            invited_by=by,
            expires_at=now + invite_lifetime(),
        )
    else:
        invite.role = role
        invite.invited_by = by
        invite.expires_at = now + invite_lifetime()
        invite.save(update_fields=["role", "invited_by", "expires_at"])
    if not sent_recently:
        invite.times_sent += 1
        invite.last_sent_at = now
        invite.save(update_fields=["times_sent", "last_sent_at"])
        invite.organisation = current
        queue_email(
            to=invite.email,
            template=INVITE_EMAIL,
            key=invite_email_key(invite),
            context=invite_context(invite),
        )
        _record(current.pk, INVITED, by=by, invite=invite.pk, role=str(role))
    return invite


def _check_daily_limit(by, now: datetime.datetime) -> None:
    sent = Invite.objects.filter(invited_by=by, last_sent_at__gt=now - timedelta(days=1)).count()
    if sent >= invites_per_day():
        raise OrganisationError(
            "You have sent as many invitations as we allow in a day. Try again tomorrow.",
            code="too_many_invites",
        )


@transaction.atomic
def cancel_invite(*, invite: Invite, by) -> None:
    """Cancel an invitation that has not been accepted: its link stops working. Owners only."""
    current = _locked(invite.organisation)
    _owner(current, by)
    fresh = Invite.objects.select_for_update().filter(pk=invite.pk, organisation=current).first()
    if fresh is None or fresh.cancelled_at is not None:
        return
    if fresh.accepted_at is not None:
        raise OrganisationError(f"{fresh.email} has already accepted this invitation.", code="used")
    fresh.cancelled_at = timezone.now()
    fresh.save(update_fields=["cancelled_at"])
    _record(current.pk, INVITE_CANCELLED, by=by, invite=fresh.pk)


def invite_problem(invite: Invite, user=None) -> OrganisationError | None:
    """Why this invitation cannot be accepted (by `user`, if given), or None if it can."""
    name = invite.organisation.name
    if invite.cancelled_at is not None:
        return OrganisationError(
            f"This invitation to join {name} was cancelled. Ask someone at {name} to invite "
            "you again if you still need to join.",
            code="cancelled",
        )
    if invite.accepted_at is not None:
        return OrganisationError(
            f"This invitation to join {name} has already been used.", code="used"
        )
    if invite.expires_at <= timezone.now():
        return OrganisationError(
            f"This invitation to join {name} has expired. Ask someone at {name} to send you a "
            "new one.",
            code="expired",
        )
    if user is not None and (user.email or "").strip().lower() != invite.email.lower():
        return OrganisationError(
            "This invitation was sent to a different email address from the one you signed "
            "in with. Sign out, then sign in or create an account with the address the "
            "invitation was sent to.",
            code="other_address",
        )
    return None


@transaction.atomic
def accept_invite(*, invite: Invite, user) -> Membership:
    """Join the organisation in the invited role. Only an account with the invited address
    (any case) may, once, before the invitation expires or is cancelled. Someone who is
    already a member keeps their role; the invitation is used up all the same."""
    current = _locked(invite.organisation)
    fresh = Invite.objects.select_for_update().filter(pk=invite.pk).first()
    if fresh is None:
        raise OrganisationError("This invitation no longer exists.", code="gone")
    fresh.organisation = current
    problem = invite_problem(fresh, user)
    if problem is not None:
        raise problem
    membership, created = Membership.objects.get_or_create(
        organisation=current, user=user, defaults={"role": fresh.role}
    )
    fresh.accepted_at, fresh.accepted_by = timezone.now(), user
    fresh.save(update_fields=["accepted_at", "accepted_by"])
    if created:
        _record(current.pk, JOINED, by=user, invite=fresh.pk, membership=membership.pk)
    return membership


# --- Members ----------------------------------------------------------------------------------


def _last_owner_error(organisation: Organisation, *, yourself: bool) -> OrganisationError:
    if yourself:
        message = (
            f"You are the only owner of {organisation.name}. Make someone else an owner first, "
            "or delete the organisation."
        )
    else:
        message = (
            f"This is the only owner of {organisation.name}. Make someone else an owner first."
        )
    return OrganisationError(message, code="last_owner")


@transaction.atomic
def remove_member(*, membership: Membership, by) -> None:
    """Take someone out of the organisation. Owners only; the last owner stays."""
    current = _locked(membership.organisation)
    remover = _owner(current, by)
    target = _current(membership, current)
    if target.is_owner and _owners(current) == 1:
        raise _last_owner_error(current, yourself=target.pk == remover.pk)
    target.delete()
    _record(current.pk, REMOVED, by=by, membership=membership.pk)


@transaction.atomic
def change_role(*, membership: Membership, role: str, by) -> Membership:
    """Make a member an owner or an editor. Owners only; the last owner stays one."""
    role = _check_role(role)
    current = _locked(membership.organisation)
    changer = _owner(current, by)
    target = _current(membership, current)
    if target.role == role:
        return target
    if target.is_owner and _owners(current) == 1:
        raise _last_owner_error(current, yourself=target.pk == changer.pk)
    target.role = role
    target.save(update_fields=["role"])
    _record(current.pk, ROLE_CHANGED, by=by, membership=target.pk, role=str(role))
    return target


@transaction.atomic
def hand_over_ownership(*, organisation: Organisation, to_membership: Membership, by) -> Membership:
    """Make another member the owner and the owner handing over an editor, in one step."""
    current = _locked(organisation)
    giver = _owner(current, by)
    taker = _current(to_membership, current)
    if taker.pk == giver.pk:
        raise OrganisationError("Choose someone other than yourself.", code="yourself")
    taker.role = Role.OWNER
    taker.save(update_fields=["role"])
    giver.role = Role.EDITOR
    giver.save(update_fields=["role"])
    _record(current.pk, HANDED_OVER, by=by, membership=taker.pk, previous_owner=giver.pk)
    return taker


@transaction.atomic
def leave(*, membership: Membership) -> None:
    """Leave an organisation. The last owner cannot: they hand over or delete it first."""
    current = _locked(membership.organisation)
    mine = _current(membership, current)
    if mine.is_owner and _owners(current) == 1:
        raise _last_owner_error(current, yourself=True)
    mine.delete()
    _record(current.pk, LEFT, by=mine.user, membership=membership.pk)


# --- One person's data (core.personal_data; find and export in personal_data.py) -------------


@transaction.atomic
def erase_for_address(address: str, *, by=None) -> int:
    """Erase what organisations hold about an address: the memberships of the account with it
    and every invitation sent to it. A Data officer's erasure never fails: an organisation whose
    only owner this was is left with its other members (or none) and no owner. Returns how
    many records went."""
    memberships = list(
        Membership.objects.select_related("organisation").filter(user__email__iexact=address)
    )
    organisation_ids = sorted({m.organisation_id for m in memberships})
    # Locked in one order, as every service locks them, so this never deadlocks with them.
    list(Organisation.objects.select_for_update().filter(pk__in=organisation_ids).order_by("pk"))
    for membership in memberships:
        membership.delete()
        _record(membership.organisation_id, ERASED, by=by, membership=membership.pk)
    invites, _ = Invite.objects.filter(email__iexact=address).delete()
    return len(memberships) + invites
