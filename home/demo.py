"""The demo campaign, built from code. Modelled on the Kent and Medway papers: what loneliness
and isolation are, why they matter, where to get support, local stories and a guide to download.
Running it again changes nothing: every object is looked up by a stable name before it is made."""

import datetime
import io
import json

from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import Page, Site

from core.demo import child_page, rich, stream
from core.models import CampaignSettings
from core.sites import site_address, sync_default_site
from employers import demo as employers_demo
from pledges import demo as pledges_demo

from .demo_files import placeholder_image, simple_pdf
from .models import CampaignPage, FeaturedPage, HomePage, StandardPage, StoryIndexPage, StoryPage

PHONE = "01632 960 123"  # a number Ofcom reserves for drama and examples
HOURS = "Monday to Friday, 9am to 5pm"


def signpost(name, description, phone="", website="", hours=""):
    return (
        "signpost",
        {
            "name": name,
            "description": description,
            "phone": phone,
            "website": website,
            "opening_hours": hours,
        },
    )


GUIDE_TEXT = [
    "Staying Connected is a short guide to keeping in touch with people and finding things to "
    "do near you. Everyone feels lonely sometimes. Small steps help.",
    "1. Say hello. A smile or a few words with a neighbour, a shop worker or someone at the bus "
    "stop can brighten both your days.",
    "2. Keep in touch. Put a regular phone call in the diary with a friend or relative.",
    "3. Join in. Walking groups, libraries, faith groups, community cafes and sports clubs "
    "welcome new people. Many are free.",
    "4. Volunteer. Giving a little time is one of the best ways to meet people and feel useful.",
    "5. Ask for help. Call the campaign phone line on " + PHONE + " (" + HOURS + ") and we will "
    "help you find something that suits you.",
    "If you are in crisis, call 999. Samaritans are free to call on 116 123, any time.",
]


class DemoBuilder:
    def __init__(self, stdout=None):
        self.stdout = stdout

    def log(self, message):
        if self.stdout:
            self.stdout.write(message)

    @transaction.atomic
    def build(self) -> HomePage:
        images = {
            name: self.image(name, seed)
            for seed, name in enumerate(
                [
                    "Neighbours chatting",
                    "Coffee morning",
                    "Walking group",
                    "Community garden",
                    "Share card",
                ]
            )
        }
        guide = self.document()
        home = self.home_page(images)
        stories_index = self.child(
            home,
            StoryIndexPage,
            "stories",
            title="Local stories",
            introduction="People and projects in our area bringing others together.",
            show_in_menus=True,
        )
        stories = self.stories(stories_index, images)
        what = self.child(home, CampaignPage, "what-is-loneliness", **self.what_is_loneliness())
        self.child(home, CampaignPage, "why-it-matters", **self.why_it_matters())
        support = self.child(home, CampaignPage, "get-support", **self.get_support(guide))
        about = self.child(home, StandardPage, "about", **self.about())
        privacy = self.child(home, StandardPage, "privacy", **self.privacy())
        accessibility = self.child(home, StandardPage, "accessibility", **self.accessibility())
        pledge_page, _wall = pledges_demo.build(home=home, privacy=privacy, activities=support)
        employers_demo.build()
        self.child(home, CampaignPage, "workplace-pledge", **self.workplace_pledge())
        self.featured(
            home,
            [
                (what, images["Neighbours chatting"]),
                (support, images["Walking group"]),
                (stories_index, images["Community garden"]),
            ],
        )
        # Older demo sites pointed the main button at support; the campaign's main action is a pledge.
        if home.cta_page_id in (None, support.pk):
            home.cta_page = pledge_page
            home.cta_text = "Make a pledge"
            home.save_revision().publish()
        self.settings(home, privacy, accessibility, about, images["Share card"])
        self.log(f"Demo content ready: {1 + 10 + len(stories)} pages.")
        return home

    # Files -------------------------------------------------------------------------------------

    def image(self, title: str, seed: int) -> Image:
        existing = Image.objects.filter(title=title).first()
        if existing:
            return existing
        slug = title.lower().replace(" ", "-")
        picture = ImageFile(io.BytesIO(placeholder_image(seed)), name=f"demo-{slug}.png")
        return Image.objects.create(title=title, file=picture)

    def document(self) -> Document:
        title = "Staying Connected guide"
        existing = Document.objects.filter(title=title).first()
        if existing:
            return existing
        document = Document(title=title)
        document.file.save(
            "staying-connected-guide.pdf",
            ContentFile(simple_pdf("Staying Connected", GUIDE_TEXT)),
            save=False,
        )
        document.save()
        return document

    # Pages -------------------------------------------------------------------------------------

    def home_page(self, images) -> HomePage:
        home = HomePage.objects.first()
        if home:
            return home
        root = Page.get_first_root_node()
        home = HomePage(
            title="Home",
            slug="home-page",
            hero_heading="Together, no one needs to feel alone",
            hero_text="Loneliness can affect anyone, at any age. Small acts of kindness bring "
            "people together. Make a pledge to connect with someone this month.",
            hero_image=images["Neighbours chatting"],
            hero_image_alt="",
            cta_text="Make a pledge",
            introduction="Better Together is our campaign to help people in every part of "
            "Riverside feel connected: to neighbours, to local groups and to support when "
            "they need it.",
            message=stream(
                (
                    "statistic",
                    {
                        "figure": "1 in 14",
                        "label": "adults in England feel lonely often or always",
                        "source": "Office for National Statistics",
                    },
                ),
                (
                    "paragraph",
                    rich(
                        "You can be lonely in a crowded room. Loneliness is a feeling that we do "
                        "not have the connection we want. It is not only older people who feel it: "
                        "young people, new parents, carers and people who have moved home often do.",
                        "The good news is that small things help: saying hello to a neighbour, "
                        "hosting a coffee morning or volunteering at a community event.",
                    ),
                ),
                (
                    "pledge_wall",
                    {"heading": "What people are pledging", "count": 3, "wall_page": None},
                ),
                (
                    "story_teasers",
                    {"heading": "Stories from our community", "stories": [], "count": 3},
                ),
            ),
        )
        root.add_child(instance=home)
        home.save_revision().publish()
        # The welcome page Wagtail makes on install is replaced by ours.
        site = Site.objects.filter(is_default_site=True).first()
        old_root = site.root_page if site else None
        if site:
            site.root_page = home
            site.site_name = "Better Together"
            site.save()
        else:
            hostname, port = site_address()
            Site.objects.create(
                hostname=hostname,
                port=port,
                root_page=home,
                is_default_site=True,
                site_name="Better Together",
            )
        if old_root and old_root.pk != home.pk and old_root.specific_class is Page:
            old_root.delete()
        sync_default_site()
        return home

    def child(self, parent, model, slug, **fields):
        return child_page(parent, model, slug, **fields)

    def what_is_loneliness(self):
        return {
            "title": "What is loneliness?",
            "show_in_menus": True,
            "introduction": "Loneliness and social isolation are not the same thing. Knowing "
            "the difference helps us find the right kind of help.",
            "body": stream(
                ("heading", {"text": "Loneliness is a feeling", "level": "h2"}),
                (
                    "paragraph",
                    rich(
                        "Loneliness is an unwelcome feeling of lack or loss of companionship. It "
                        "happens when the relationships we have do not match the ones we want.",
                        "Social isolation is different: it means having few contacts with other "
                        "people. You can be lonely in a crowded room, and you can spend a lot of time "
                        "alone without feeling lonely.",
                    ),
                ),
                ("heading", {"text": "Different kinds of loneliness", "level": "h2"}),
                (
                    "paragraph",
                    "<ul><li><b>Emotional loneliness</b>: missing one particular "
                    "person, such as a partner, sister or best friend.</li><li><b>Social "
                    "loneliness</b>: missing a wider group of friends or neighbours.</li><li>"
                    "<b>Situational loneliness</b>: at certain times, like weekends, bank holidays "
                    "or Christmas.</li><li><b>Chronic loneliness</b>: feeling lonely all or most "
                    "of the time.</li></ul>",
                ),
                (
                    "quote",
                    {
                        "quote": "You can be lonely in a crowded room, but you will not be "
                        "socially isolated.",
                        "attribution": "Kent County Council report",
                    },
                ),
                (
                    "faq",
                    {
                        "heading": "Questions people ask",
                        "items": [
                            {
                                "question": "Is loneliness only something older people feel?",
                                "answer": rich(
                                    "No. Young people, students, new parents, carers and people "
                                    "who have just moved home or lost their job often feel "
                                    "lonely too."
                                ),
                            },
                            {
                                "question": "What can trigger loneliness?",
                                "answer": rich(
                                    "Life changes such as bereavement, retirement, illness, "
                                    "becoming a carer, moving home or a relationship ending."
                                ),
                            },
                        ],
                    },
                ),
            ),
        }

    def why_it_matters(self):
        return {
            "title": "Why it matters",
            "show_in_menus": True,
            "introduction": "Feeling lonely for a long time is bad for our health, and it is "
            "something a whole community can help with.",
            "body": stream(
                (
                    "statistic",
                    {
                        "figure": "15",
                        "label": "cigarettes a day: long-term loneliness "
                        "can be as harmful to health",
                        "source": "Holt-Lunstad, 2010",
                    },
                ),
                (
                    "paragraph",
                    rich(
                        "Loneliness is linked to poorer mental and physical health, and to people "
                        "needing care sooner. Building community helps everyone, not only people "
                        "who feel lonely.",
                        "That is why this campaign asks residents, community groups and employers "
                        "to make small pledges to connect with others.",
                    ),
                ),
            ),
        }

    def workplace_pledge(self):
        return {
            "title": "For employers",
            "show_in_menus": True,
            "introduction": "Sign the workplace pledge on loneliness: lead on it, support your "
            "people and build a sociable workplace.",
            "body": stream(
                (
                    "paragraph",
                    rich(
                        "Many of us spend more waking hours at work than anywhere else. Employers "
                        "can help colleagues stay connected, and notice when someone is not.",
                        "Choose your commitments from our list, or add your own, and say what you "
                        "will do for each over the next year. A senior leader signs the pledge; "
                        "the council reviews it, and you get a badge for your website that anyone "
                        "can check.",
                    ),
                ),
                ("workplace_pledge", {"heading": "Employers who have pledged", "count": 6}),
            ),
        }

    def get_support(self, guide):
        return {
            "title": "Get support",
            "show_in_menus": True,
            "introduction": "Whatever you are going through, you do not have to do it alone. "
            "Here is who can help, and how to reach them.",
            "body": stream(
                signpost(
                    "Better Together phone line",
                    "Talk to someone who can help you find local groups, activities and services.",
                    PHONE,
                    "",
                    HOURS,
                ),
                signpost(
                    "Connect Well",
                    "A directory of local activities and services, with people who can refer you.",
                    "01632 960 456",
                    "https://connectwell.example.org",
                    HOURS,
                ),
                signpost(
                    "Samaritans",
                    "Free, confidential support if you are struggling to "
                    "cope. Any time, day or night.",
                    "116 123",
                    "https://www.samaritans.org",
                    "24 hours a day, every day",
                ),
                ("heading", {"text": "Staying Connected guide", "level": "h2"}),
                (
                    "document",
                    {
                        "document": guide.pk,
                        "title": "Staying Connected guide",
                        "description": "Simple ideas for keeping in touch and finding "
                        "things to do near you.",
                    },
                ),
            ),
        }

    def about(self):
        return {
            "title": "About the campaign",
            "show_in_menus": False,
            "introduction": "Better Together is a long-term campaign by the council and local "
            "partners to tackle loneliness and social isolation.",
            "body": stream(
                (
                    "paragraph",
                    rich(
                        "The campaign follows the recommendations of the council's scrutiny committee: "
                        "one place online and one phone number for support, a campaign that lasts, and "
                        "measurable results reported to a monitoring panel."
                    ),
                )
            ),
        }

    def privacy(self):
        return {
            "title": "Privacy notice",
            "show_in_menus": False,
            "last_reviewed": datetime.date(2026, 11, 1),
            "introduction": "How we collect, use and protect your personal information.",
            "body": stream(
                (
                    "paragraph",
                    rich(
                        "We collect only what we need: for a pledge, your first name, email address and "
                        "area. We use them to confirm your pledge, to send the reminders you asked for, "
                        "and to count pledges by area.",
                        "You can see, change or delete your information at any time using the link in "
                        "any email we send you. We delete personal information we no longer need.",
                        "The council is the data controller. Contact the data protection officer at "
                        "dpo@example.org.",
                    ),
                )
            ),
        }

    def accessibility(self):
        return {
            "title": "Accessibility statement",
            "show_in_menus": False,
            "last_reviewed": datetime.date(2026, 11, 1),
            "introduction": "We want as many people as possible to be able to use this website.",
            "body": stream(
                (
                    "paragraph",
                    rich(
                        "You should be able to zoom in up to 400% without text spilling off the screen, "
                        "navigate the whole website using just a keyboard or speech recognition "
                        "software, and listen to it using a screen reader.",
                        "This website aims to meet the Web Content Accessibility Guidelines version 2.2 "
                        "AA standard. If you find a problem, call " + PHONE + " and we will help.",
                    ),
                )
            ),
        }

    def stories(self, index, images):
        data = [
            (
                "tuesday-walkers",
                "The Tuesday walkers",
                "Chatham",
                "Walking group",
                "A weekly walk that started with three neighbours now welcomes thirty.",
                "It started with three of us who had all lost our husbands the same year.",
            ),
            (
                "community-cafe",
                "A cafe where everyone knows your name",
                "Gillingham",
                "Coffee morning",
                "How one community cafe made a pay-it-forward board for lonely customers.",
                "People come in for a cup of tea and stay for the conversation.",
            ),
            (
                "garden-share",
                "Growing friendships at the community garden",
                "Rochester",
                "Community garden",
                "Volunteers of every age meet every Saturday to grow food together.",
                "I moved here knowing nobody. Now I know half the street.",
            ),
        ]
        pages = []
        for offset, (slug, title, place, image_name, intro, quote) in enumerate(data):
            pages.append(
                self.child(
                    index,
                    StoryPage,
                    slug,
                    title=title,
                    place=place,
                    introduction=intro,
                    date=datetime.date(2026, 10, 1) + datetime.timedelta(days=7 * offset),
                    image=images[image_name],
                    image_alt="",
                    body=stream(
                        (
                            "paragraph",
                            rich(
                                intro,
                                "Anyone can join: just come along, or call the "
                                "campaign phone line to find out more.",
                            ),
                        ),
                        ("quote", {"quote": quote, "attribution": f"A volunteer in {place}"}),
                    ),
                )
            )
        return pages

    def featured(self, home, items):
        if home.featured_pages.exists():
            return
        for order, (page, image) in enumerate(items):
            FeaturedPage.objects.create(
                home=home,
                page=page,
                image=image,
                sort_order=order,
                text=page.specific.introduction[:250],
            )

    def settings(self, home, privacy, accessibility, about, share_image):
        site = Site.objects.get(root_page=home)
        campaign = CampaignSettings.for_site(site)
        if campaign.hashtag:
            return
        campaign.campaign_name = "Better Together"
        campaign.strapline = "Riverside's campaign against loneliness"
        campaign.hashtag = "RiversideTogether"
        campaign.phone_number = PHONE
        campaign.phone_opening_hours = HOURS
        campaign.contact_email = "hello@example.org"
        campaign.share_image = share_image
        campaign.facebook_url = "https://www.facebook.com/example"
        campaign.x_url = "https://x.com/example"
        campaign.instagram_url = "https://www.instagram.com/example"
        campaign.footer_text = "Better Together is run by Riverside Council with local partners."
        campaign.footer_links = json.dumps(
            [
                {"type": "link", "value": {"text": text, "page": page.pk, "url": ""}}
                for text, page in (
                    ("About the campaign", about),
                    ("Privacy", privacy),
                    ("Accessibility", accessibility),
                )
            ]
        )
        campaign.save()
