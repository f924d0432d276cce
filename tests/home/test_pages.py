"""Every page type can be created under its allowed parents, renders and previews."""

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from core import content
from home.models import CampaignPage, HomePage, StandardPage, StoryIndexPage, StoryPage
from pledges.models import PledgePage, PledgeWallPage
from tests.factories import (
    CampaignPageFactory,
    StandardPageFactory,
    StoryIndexPageFactory,
    StoryPageFactory,
    UserFactory,
    make_site,
)


class PageTypeTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.campaign = CampaignPageFactory(parent=cls.home, title="What is loneliness?")
        cls.standard = StandardPageFactory(parent=cls.home, title="Privacy notice")
        cls.index = StoryIndexPageFactory(parent=cls.home)
        cls.story = StoryPageFactory(parent=cls.index, title="The Tuesday walkers")

    def setUp(self):
        self.user = UserFactory(email="editor@example.org", is_staff=True, is_superuser=True)
        self.client.force_login(self.user)

    def test_parent_and_child_types_are_constrained(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
        self.assertAllowedSubpageTypes(
            HomePage, {CampaignPage, StandardPage, StoryIndexPage, PledgePage, PledgeWallPage}
        )
        self.assertAllowedParentPageTypes(StoryPage, {StoryIndexPage})
        self.assertAllowedSubpageTypes(StoryPage, set())
        self.assertAllowedParentPageTypes(StoryIndexPage, {HomePage})
        self.assertCanNotCreateAt(HomePage, StoryPage)
        self.assertCanNotCreateAt(StoryIndexPage, CampaignPage)

    def test_campaign_page_can_be_created_with_blocks(self):
        data = nested_form_data(
            {
                "title": "Why it matters",
                "slug": "why-it-matters",
                "introduction": "Loneliness affects our health.",
                "body": streamfield(
                    [
                        ("heading", {"text": "Health", "level": "h2"}),
                        ("paragraph", rich_text("<p>Long-term loneliness harms health.</p>")),
                        (
                            "statistic",
                            {
                                "figure": "1 in 14",
                                "label": "adults feel lonely often",
                                "source": "ONS",
                            },
                        ),
                        ("quote", {"quote": "It changed my week.", "attribution": "Pat"}),
                    ]
                ),
            }
        )
        self.assertCanCreate(self.home, CampaignPage, data)
        page = CampaignPage.objects.get(slug="why-it-matters")
        block_types = [block.block_type for block in page.body]
        assert block_types == ["heading", "paragraph", "statistic", "quote"]

    def test_standard_page_can_be_created(self):
        data = nested_form_data(
            {
                "title": "Accessibility statement",
                "slug": "accessibility",
                "body": streamfield([("paragraph", rich_text("<p>We aim for WCAG 2.2 AA.</p>"))]),
            }
        )
        self.assertCanCreate(self.home, StandardPage, data)

    def test_story_page_can_be_created(self):
        data = nested_form_data(
            {
                "title": "Community garden",
                "slug": "community-garden",
                "date": "2026-10-01",
                "place": "Rochester",
                "body": streamfield([("paragraph", rich_text("<p>Every Saturday.</p>"))]),
            }
        )
        self.assertCanCreate(self.index, StoryPage, data)

    def test_only_one_home_page_and_one_story_index(self):
        assert not HomePage.can_create_at(Page.get_first_root_node())
        assert not StoryIndexPage.can_create_at(self.home)

    def test_every_page_renders(self):
        for page in (self.home, self.campaign, self.standard, self.index, self.story):
            with self.subTest(page=page.title):
                self.assertPageIsRenderable(page)

    def test_every_page_previews(self):
        body = streamfield([("paragraph", rich_text("<p>Draft words.</p>"))])
        previews = [
            (
                self.home,
                {
                    "hero_heading": "Draft headline",
                    "message": body,
                    "featured_pages": inline_formset([]),
                },
            ),
            (self.campaign, {"body": body}),
            (self.standard, {"body": body}),
            (self.index, {"stories_per_page": 9}),
            (self.story, {"body": body, "date": "2026-10-01"}),
        ]
        for page, fields in previews:
            with self.subTest(page=page.title):
                data = nested_form_data({"title": page.title, "slug": page.slug, **fields})
                self.assertPageIsPreviewable(page, post_data=data)

    def test_campaign_page_shows_phone_line_and_share_links(self):
        self.client.logout()
        response = self.client.get(self.campaign.url)
        html = response.content.decode()
        assert "01632 960 123" in html
        assert 'href="tel:01632960123"' in html
        assert "hashtags=TestTogether" in html
        assert '<script src="http' not in html

    def test_story_index_lists_stories_paginated_with_rss(self):
        self.client.logout()
        for number in range(11):
            StoryPageFactory(parent=self.index, title=f"Extra story {number}")
        self.index.stories_per_page = 5
        self.index.save_revision().publish()
        first = self.client.get(self.index.url)
        assert len(first.context["stories"]) == 5
        self.assertContains(first, 'rel="next"')
        last = self.client.get(self.index.url + "?page=3")
        assert len(last.context["stories"]) == 2
        junk = self.client.get(self.index.url + "?page=<script>")
        assert junk.status_code == 200
        feed = self.client.get(self.index.url + "feed/")
        assert feed["Content-Type"] == "application/rss+xml; charset=utf-8"
        self.assertContains(feed, "<title>The Tuesday walkers</title>")

    def test_open_graph_and_twitter_tags(self):
        self.client.logout()
        html = self.client.get(self.story.url).content.decode()
        assert '<meta property="og:title" content="The Tuesday walkers">' in html
        assert 'property="og:url"' in html
        assert 'name="twitter:card"' in html
        assert '<meta property="og:description"' in html


class QueryCountTests(WagtailPageTestCase):
    """Pages are rendered with a fixed number of queries, however much content they hold."""

    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.index = StoryIndexPageFactory(parent=cls.home)
        for number in range(3):
            StoryPageFactory(parent=cls.index, title=f"Story {number}")
            CampaignPageFactory(parent=cls.home, title=f"Section {number}", show_in_menus=True)

    def queries_for(self, url, *, cold=True):
        if cold:
            # Nothing in the shared cache, nothing kept by this process (core.content).
            cache.clear()
            content.forget()
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url)
        assert response.status_code == 200
        return len(queries)

    def test_story_index_queries_do_not_grow_with_stories(self):
        for number in range(10):
            StoryPageFactory(parent=self.index, title=f"Page two {number}")
        before = self.queries_for(self.index.url)
        for number in range(6):
            StoryPageFactory(parent=self.index, title=f"More {number}")
        after = self.queries_for(self.index.url)
        assert before == after
        assert after <= 20

    def test_home_page_queries_do_not_grow_with_menu_items(self):
        before = self.queries_for(self.home.url)
        for number in range(4):
            CampaignPageFactory(parent=self.home, title=f"Extra {number}", show_in_menus=True)
        after = self.queries_for(self.home.url)
        assert before == after
        assert after <= 20

    def test_cached_page_needs_no_queries(self):
        self.queries_for(self.home.url)
        assert self.queries_for(self.home.url, cold=False) == 0


class StoryTeaserTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.index = StoryIndexPageFactory(parent=cls.home)
        cls.stories = [
            StoryPageFactory(parent=cls.index, title=f"Teaser story {n}", date=f"2026-10-0{n + 1}")
            for n in range(4)
        ]

    def page_with_teasers(self, value):
        return CampaignPageFactory(
            parent=self.home,
            body=f'[{{"type": "story_teasers", "value": {value}}}]',
        )

    def test_newest_stories_are_shown_when_none_are_chosen(self):
        page = self.page_with_teasers('{"heading": "Stories", "stories": [], "count": 2}')
        html = self.client.get(page.url).content.decode()
        assert "Teaser story 3" in html
        assert "Teaser story 2" in html
        assert "Teaser story 1" not in html

    def test_chosen_stories_are_shown_in_the_chosen_order(self):
        first, second = self.stories[0].pk, self.stories[2].pk
        page = self.page_with_teasers(
            f'{{"heading": "Stories", "stories": [{second}, {first}], "count": 3}}'
        )
        html = self.client.get(page.url).content.decode()
        assert html.index("Teaser story 2") < html.index("Teaser story 0")
        assert "Teaser story 3" not in html
