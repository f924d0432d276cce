"""A small but realistic site for the browser tests, built with the factories.

Every block type appears somewhere except video: its player would load from another origin.
"""

import json

from core.models import CampaignSettings
from home.models import FeaturedPage
from tests.factories import CampaignPageFactory, StoryIndexPageFactory, StoryPageFactory, make_site


def stream(*blocks) -> str:
    """A StreamField value from (block type, value) pairs."""
    return json.dumps([{"type": kind, "value": value} for kind, value in blocks])


def link_to(page) -> dict:
    return {"page": page.pk, "url": ""}


def build_site() -> dict[str, str]:
    """Create the pages; return the path of each page the tests visit, by name."""
    home = make_site(
        strapline="Small acts of kindness, together",
        contact_email="hello@example.org",
        facebook_url="https://www.facebook.com/example",
        footer_text="Better Together is run by the council with local charities.",
    )
    campaign = CampaignPageFactory(
        parent=home,
        title="What loneliness is",
        slug="what-loneliness-is",
        show_in_menus=True,
        introduction="Loneliness can affect anyone, at any age. Here is what helps.",
    )
    stories = StoryIndexPageFactory(
        parent=home,
        slug="stories",
        show_in_menus=True,
        introduction="People across our towns share how they found company and friendship.",
    )
    story = StoryPageFactory(
        parent=stories,
        title="The Tuesday walking group",
        slug="tuesday-walking-group",
        introduction="A gentle walk by the river that welcomes everyone, whatever their pace.",
        body=stream(
            ("paragraph", "<p>We meet at the library at ten every Tuesday, rain or shine.</p>"),
            ("quote", {
                "quote": "I came for the walk and stayed for the people.\n"
                "Now Tuesday is my favourite day.",
                "attribution": "Pat, Chatham",
            }),
            ("heading", {"text": "How to join", "level": "h2"}),
            ("paragraph", '<p>Just turn up, or <a href="mailto:walks@example.org">email the '
             "group</a> and someone will meet you at the door.</p>"),
            ("call_to_action", {
                "text": "Find out more", "link": link_to(campaign), "style": "secondary",
            }),
        ),
    )  # fmt: skip
    StoryPageFactory(
        parent=stories,
        title="Coffee mornings at St Mary's",
        slug="coffee-mornings",
        introduction="Tea, cake and a friendly face every Friday morning.",
        place="Gillingham",
    )

    campaign.body = stream(
        ("heading", {"text": "Why connection matters", "level": "h2"}),
        ("paragraph", "<p>Loneliness is a feeling we all have at times. Small acts of kindness "
         "make a real difference.</p><ul><li>Say hello to a neighbour</li>"
         "<li>Join a local group</li><li>Call a friend you have not spoken to in a while</li>"
         "</ul>"),
        ("statistic", {
            "figure": "1 in 20",
            "label": "adults in England feel lonely often or always",
            "source": "Office for National Statistics",
        }),
        ("quote", {
            "quote": "Joining the walking group gave me something to look forward to.",
            "attribution": "Pat, Chatham",
        }),
        ("heading", {"text": "Getting support", "level": "h3"}),
        ("signpost", {
            "name": "Connect Well",
            "description": "Find local groups and activities, or ask for someone to call you.",
            "phone": "01632 960 456",
            "website": "https://example.org/connect-well",
            "opening_hours": "Monday to Friday, 9am to 5pm",
        }),
        ("faq", {"heading": "Questions and answers", "items": [
            {"question": "Is loneliness the same as being alone?",
             "answer": "<p>No. You can feel lonely in a crowd, and be alone without feeling "
             "lonely.</p>"},
            {"question": "Who can I talk to?",
             "answer": '<p>Call our support line, or <a href="/stories/">read how others found '
             "company</a>.</p>"},
        ]}),
        ("call_to_action", {
            "text": "Read local stories", "link": link_to(stories), "style": "primary",
        }),
        # No stories chosen: the block shows the newest ones.
        ("story_teasers", {"heading": "Stories from our community", "stories": [], "count": 2}),
    )  # fmt: skip
    campaign.save()

    home.introduction = "Better Together helps people across our towns feel less alone."
    home.cta_text = "Find out what helps"
    home.cta_page = campaign
    home.message = stream(
        ("heading", {"text": "You are not on your own", "level": "h2"}),
        ("paragraph", "<p>One conversation can change someone's week. Here is how you can "
         "help, and where to turn if you need someone yourself.</p>"),
        ("statistic", {
            "figure": "45%",
            "label": "of adults feel lonely at least some of the time",
            "source": "Campaign to End Loneliness",
        }),
        ("call_to_action", {
            "text": "Read local stories", "link": link_to(stories), "style": "secondary",
        }),
        ("story_teasers", {
            "heading": "Stories from our community", "stories": [story.pk], "count": 3,
        }),
    )  # fmt: skip
    home.save()
    FeaturedPage.objects.create(
        home=home, page=campaign, text="What loneliness feels like, and small things that help."
    )
    FeaturedPage.objects.create(
        home=home, page=stories, title="Local stories", text="People here, in their own words."
    )

    # Footer links point at pages, so they can only be set once the pages exist.
    campaign_settings = CampaignSettings.objects.get()
    campaign_settings.footer_links = json.dumps([
        {"type": "link", "value": {"text": "About the campaign", "page": campaign.pk, "url": ""}},
        {"type": "link", "value": {
            "text": "Accessibility", "page": None, "url": "https://example.org/accessibility",
        }},
    ])  # fmt: skip
    campaign_settings.save()

    return {
        "home": "/",
        "campaign": campaign.url,
        "story": story.url,
        "search": "/search/?q=walking",
        "login": "/accounts/login/",
        "not_found": "/no-such-page/",
    }
