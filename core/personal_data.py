"""One person's data across the whole site, by email address.

Each app that holds personal data says, from its `AppConfig.ready()`, how to find, export and
erase what it holds for one address (`register_personal_data`). A Data officer's look-up,
download and erasure (core/admin_views.py) and a resident's download from their manage link
then reach every app with one request. core knows no app: it keeps the callables apps give it.

What each app gives:
- `find(address) -> list[HeldItem]`: what it holds, as the Data officer's screen lists it;
- `export(address)`: the data itself, JSON-ready (Django's JSON encoder: dates may stay dates);
- `erase(address, *, by) -> int`: erase it, in the caller's transaction, and say how many
  records went. `by` is the member of staff erasing it for someone who asked, or None when the
  person did it themselves. Work that must wait for the commit (retiring cached pages,
  forgetting cached images) is queued with `transaction.on_commit`, as anywhere else.

Every app receives the address as `normalise_address` makes it: no surrounding spaces, lower
case, and a well-formed address (never "", which would match every anonymised record)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from .forms import CONTROL


@dataclass(frozen=True)
class HeldItem:
    """One thing an app holds about a person, as the Data officer's screen lists it: a title,
    a few (label, value) details and, if the admin has one, the page that shows it in full."""

    title: str
    details: tuple[tuple[str, str], ...] = ()
    url: str = ""


@dataclass(frozen=True)
class PersonalDataSection:
    """What one app holds about people, and how to find, export and erase it by address."""

    key: str
    label: str
    description: str
    find: Callable[[str], list[HeldItem]]
    export: Callable[[str], object]
    erase: Callable[..., int]
    order: int = 100


@dataclass(frozen=True)
class Found:
    section: PersonalDataSection
    items: list[HeldItem]


class NotAnAddress(ValueError):
    """What was given is not a well-formed email address: nothing was looked up."""


_sections: dict[str, PersonalDataSection] = {}


def register_personal_data(
    *,
    key: str,
    label: str,
    description: str,
    find: Callable[[str], list[HeldItem]],
    export: Callable[[str], object],
    erase: Callable[..., int],
    order: int = 100,
) -> None:
    """Called from an app's `ready()`. `key` names the app's section in every export; registering
    the same key again replaces it."""
    _sections[key] = PersonalDataSection(
        key=key,
        label=label,
        description=description,
        find=find,
        export=export,
        erase=erase,
        order=order,
    )


def unregister_personal_data(key: str) -> None:
    _sections.pop(key, None)


def personal_data_sections() -> list[PersonalDataSection]:
    """Every registered section, in order (then by key)."""
    return sorted(_sections.values(), key=lambda section: (section.order, section.key))


def normalise_address(address: str) -> str:
    """The address as every app stores and looks it up. Raises NotAnAddress."""
    normalised = (address or "").strip().lower()
    if CONTROL.search(normalised):  # Django accepts them inside a quoted local part
        raise NotAnAddress("Not a well-formed email address.")
    try:
        validate_email(normalised)
    except ValidationError:
        raise NotAnAddress("Not a well-formed email address.") from None
    return normalised


def find_person(address: str) -> list[Found]:
    """What every app holds for the address, a section per app (empty sections included)."""
    address = normalise_address(address)
    return [Found(section, list(section.find(address))) for section in personal_data_sections()]


def export_person(address: str) -> dict:
    """Everything every app holds for the address, as one JSON-ready document: the address, when
    it was made, and a section per app under its key."""
    address = normalise_address(address)
    return {
        "address": address,
        "exported_at": timezone.now().isoformat(),
        "sections": {
            section.key: {"label": section.label, "data": section.export(address)}
            for section in personal_data_sections()
        },
    }


def erase_person(address: str, *, by=None) -> dict[str, int]:
    """Erase what every app holds for the address, in one transaction: all apps or none. Returns
    how many records each section erased, by key. What apps queued for after the commit runs
    once it is committed (and not at all if any app failed)."""
    address = normalise_address(address)
    with transaction.atomic():
        return {section.key: section.erase(address, by=by) for section in personal_data_sections()}
