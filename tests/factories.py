"""Factories for the tests: each test builds the data it needs (never the demo content)."""

import factory
import wagtail_factories
from django.contrib.auth import get_user_model
from wagtail.models import Page, Site

from core.models import CampaignSettings
from home.models import CampaignPage, HomePage, StandardPage, StoryIndexPage, StoryPage


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    password = factory.django.Password("a-long-test-password")


class HomePageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = HomePage

    title = "Home"
    hero_heading = "Together, no one needs to feel alone"
    hero_text = "Small acts of kindness bring people together."


class CampaignPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = CampaignPage

    title = factory.Sequence(lambda n: f"Campaign page {n}")
    introduction = "What loneliness is and why it matters."
    body = '[{"type": "paragraph", "value": "<p>Say hello to a neighbour.</p>"}]'


class StandardPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = StandardPage

    title = factory.Sequence(lambda n: f"Standard page {n}")
    body = '[{"type": "paragraph", "value": "<p>How we use your information.</p>"}]'


class StoryIndexPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = StoryIndexPage

    title = "Local stories"


class StoryPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = StoryPage

    title = factory.Sequence(lambda n: f"Story {n}")
    introduction = "A walking group that welcomes everyone."
    place = "Chatham"
    body = '[{"type": "paragraph", "value": "<p>We meet every Tuesday.</p>"}]'


def make_site(**settings_fields) -> HomePage:
    """A site whose root is a fresh HomePage, with campaign settings filled in."""
    # Wagtail's welcome page (and the site pointing at it) make way for ours.
    Page.objects.filter(depth=2).delete()
    root = Page.get_first_root_node()
    home = HomePageFactory(parent=root, slug="home")
    Site.objects.all().delete()
    Site.objects.create(
        is_default_site=True, hostname="localhost", port=80, root_page=home, site_name="Test"
    )
    campaign = CampaignSettings.for_site(Site.objects.get(is_default_site=True))
    fields = {
        "campaign_name": "Better Together",
        "hashtag": "TestTogether",
        "phone_number": "01632 960 123",
        "phone_opening_hours": "Monday to Friday, 9am to 5pm",
        **settings_fields,
    }
    for name, value in fields.items():
        setattr(campaign, name, value)
    campaign.save()
    home.refresh_from_db()
    return home
