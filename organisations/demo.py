"""Helpers for features' demo content: an organisation with an owner, made through the services
once and found again on every later run. organisations has no demo of its own."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from .models import Organisation, Role
from .services import OrganisationDetails, create_organisation


def demo_user(
    email: str, *, password: str | None = None, first_name: str = "", last_name: str = ""
):
    """The account with this address, made if missing. With a password (set on every run) it
    can sign in: allauth wants a verified address, so it is marked verified."""
    User = get_user_model()
    email = email.strip().lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=password, first_name=first_name, last_name=last_name
        )
        if password is None:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    elif password is not None and not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    if password is not None:
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
    return user


def demo_organisation(*, owner, details: OrganisationDetails) -> Organisation:
    """The organisation of this name that `owner` owns, made through the services if missing
    (its details are not changed on later runs)."""
    existing = Organisation.objects.filter(
        name=details.name, memberships__user=owner, memberships__role=Role.OWNER
    ).first()
    if existing is not None:
        return existing
    return create_organisation(owner=owner, details=details)
