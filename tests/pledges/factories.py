import factory
import wagtail_factories

from core.models import Area
from pledges.models import Pledge, PledgePage, PledgeSuggestion


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Area {n}")


class PledgeSuggestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PledgeSuggestion

    text = factory.Sequence(lambda n: f"Say hello to neighbour number {n}")
    category = PledgeSuggestion.Category.NEIGHBOURS
    ideas = "Knock with a cake."


class PledgePageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = PledgePage

    title = "Make a pledge"
    slug = "pledge"
    privacy_notice = "<p>We use your email only for this pledge.</p>"
    privacy_version = "2026-11"


class PledgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pledge

    text = factory.Sequence(lambda n: f"Host coffee morning {n}")
    first_name = "Sam"
    email = factory.Sequence(lambda n: f"resident{n}@example.org")
    area = factory.SubFactory(AreaFactory)
    moderation = Pledge.Moderation.APPROVED
