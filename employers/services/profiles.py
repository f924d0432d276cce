"""An organisation becomes an employer on the site: its employer profile (sector, size) beside
the organisation's own. One transaction makes both when someone starts from nothing."""

from dataclasses import dataclass

from django.db import transaction
from django.utils.text import slugify

from core.content import pages_changed
from employers.models import Employer, Sector
from organisations.models import Organisation
from organisations.services import OrganisationDetails, create_organisation

from .errors import EmployerError


@dataclass(frozen=True)
class EmployerProfile:
    sector: Sector | None
    size_band: str
    employees: int | None = None


def _unique_slug(name: str) -> str:
    base = slugify(name)[:150] or "employer"
    slug, n = base, 1
    while Employer.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def add_employer(*, organisation: Organisation, profile: EmployerProfile) -> Employer:
    """The organisation's employer profile (its workplace pledge starts as a draft)."""
    if Employer.objects.filter(organisation=organisation).exists():
        raise EmployerError("This organisation has already started the workplace pledge.")
    return Employer.objects.create(
        organisation=organisation,
        slug=_unique_slug(organisation.name),
        sector=profile.sector,
        size_band=profile.size_band,
        employees=profile.employees,
    )


@transaction.atomic
def start_employer(
    *, user, organisation: OrganisationDetails, profile: EmployerProfile
) -> Employer:
    """A new organisation, its first owner, and its employer profile, together."""
    made = create_organisation(owner=user, details=organisation)
    return add_employer(organisation=made, profile=profile)


@transaction.atomic
def update_profile(*, employer: Employer, profile: EmployerProfile) -> None:
    Employer.objects.filter(pk=employer.pk).update(
        sector=profile.sector, size_band=profile.size_band, employees=profile.employees
    )
    if employer.approved_at:
        pages_changed()  # the listing filters and shows them
