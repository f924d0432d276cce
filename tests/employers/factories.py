"""Employers and their plans for the tests, built straight in the database (the services have
tests of their own). `approved_employer` goes through the real services."""

import datetime

import factory
from django.utils import timezone

from employers.models import Commitment, Employer, PlanItem, Sector, SizeBand, Theme
from organisations.models import Membership, Role
from tests.factories import UserFactory
from tests.organisations.factories import OrganisationFactory


class SectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sector
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Sector {n}")


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment

    title = factory.Sequence(lambda n: f"Commitment {n}")
    explanation = "What it means."
    examples = "One example\nAnother example"
    theme = Theme.PEOPLE


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employer

    organisation = factory.SubFactory(OrganisationFactory)
    slug = factory.Sequence(lambda n: f"employer-{n}")
    sector = factory.SubFactory(SectorFactory)
    size_band = SizeBand.SMALL


class PlanItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanItem

    employer = factory.SubFactory(EmployerFactory)
    commitment = factory.SubFactory(CommitmentFactory)
    action = "Start a lunchtime walking group"
    responsible = "HR manager"
    due_by = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=90))


def member(employer: Employer, role: str = Role.OWNER, **user):
    """A user who is a member of the employer's organisation."""
    person = UserFactory(**user)
    Membership.objects.create(organisation=employer.organisation, user=person, role=role)
    return person


def ready_plan(employer: Employer, commitments: int = 3) -> list[PlanItem]:
    """A plan that may be submitted: enough complete items and a signature."""
    items = [PlanItemFactory(employer=employer, sort_order=n) for n in range(commitments)]
    employer.signed_by_name = "Alex Morgan"
    employer.signed_by_role = "Chief executive"
    employer.signed_on = timezone.localdate()
    employer.save(update_fields=["signed_by_name", "signed_by_role", "signed_on"])
    return items
