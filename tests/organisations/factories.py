"""Organisations, members and invitations for the tests, built straight in the database (the
services have tests of their own)."""

import datetime

import factory
from django.utils import timezone

from core.models import Area
from organisations.models import Invite, Membership, Organisation, Role
from tests.factories import UserFactory


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"District {n}")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Riverside Trust {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.EDITOR


class InviteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invite

    organisation = factory.SubFactory(OrganisationFactory)
    email = factory.Sequence(lambda n: f"invited{n}@example.org")
    role = Role.EDITOR
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
