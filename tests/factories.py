"""Factories for the tests: each test builds the data it needs (never the demo content)."""

import factory
import wagtail_factories
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Collection, Locale, Page, Site

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


def ensure_wagtail_base_rows() -> Page:
    """The rows Wagtail's migrations create (tree root, default locale, root collection).
    Transactional tests flush every table, so tests after them must put these back."""
    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    if not Collection.get_first_root_node():
        Collection.add_root(name="Root")
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(
            instance=Page(
                title="Root", slug="root", content_type=ContentType.objects.get_for_model(Page)
            )
        )
    return root


def make_site(**settings_fields) -> HomePage:
    """A site whose root is a fresh HomePage, with campaign settings filled in."""
    root = ensure_wagtail_base_rows()
    # Wagtail's welcome page (and the site pointing at it) make way for ours.
    Page.objects.filter(depth=2).delete()
    root.refresh_from_db()
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
