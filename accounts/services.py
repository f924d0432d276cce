"""A person's own account: what it holds, as their download or a Data officer's look-up shows
it, and deleting it. Apps above may refuse a deletion that would leave something of theirs
without anyone to run it (an organisation's last owner): they register a check here."""

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from core.personal_data import HeldItem

# Each returns a reason to refuse (plain words, for the person), or "".
_deletion_checks: list[Callable[[object], str]] = []


class AccountError(Exception):
    """A deletion refused, with the reason to show."""


def register_deletion_check(check: Callable[[object], str]) -> None:
    """Called from an app's ready(): `check(user)` says why the account may not go yet."""
    if check not in _deletion_checks:
        _deletion_checks.append(check)


def reasons_not_to_delete(user) -> list[str]:
    return [reason for check in _deletion_checks if (reason := check(user))]


@transaction.atomic
def delete_account(*, user) -> None:
    """Delete the account and what hangs on it (memberships); records that name it keep no link
    to it. Staff accounts are the council's to remove, in the admin."""
    if user.is_staff or user.is_superuser:
        raise AccountError("Staff accounts are removed by an administrator of the site.")
    reasons = reasons_not_to_delete(user)
    if reasons:
        raise AccountError(" ".join(reasons))
    user.delete()


# --- The account's part of a person's data (registered in apps.py) ------------------------------


def _account(address: str):
    return get_user_model().objects.filter(email__iexact=address).first()


def _day(moment) -> str:
    return date_format(timezone.localtime(moment), "j F Y") if moment else "-"


def find_for_address(address: str) -> list[HeldItem]:
    user = _account(address)
    if user is None:
        return []
    details = [
        ("Name", user.get_full_name() or "-"),
        ("Created", _day(user.date_joined)),
        ("Last signed in", _day(user.last_login)),
        ("Staff", "Yes: removed by an administrator, not here" if user.is_staff else "No"),
    ]
    return [HeldItem(title=f"Account {user.pk}", details=tuple(details))]


def export_for_address(address: str) -> dict | None:
    user = _account(address)
    if user is None:
        return None
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined": user.date_joined.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
        "authenticator_app": Authenticator.objects.filter(user=user).exists(),
    }


def erase_for_address(address: str, *, by=None) -> int:
    """Delete the account with this address, unless it is a member of staff's (their accounts
    are the council's records, removed in the admin). Memberships go with it."""
    user = _account(address)
    if user is None or user.is_staff or user.is_superuser:
        return 0
    user.delete()
    return 1
