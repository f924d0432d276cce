"""The campaign's pages: home, campaign sections, standard pages and local stories."""

from datetime import datetime, time

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.http import HttpResponse
from django.utils import timezone
from django.utils.feedgenerator import Rss201rev2Feed
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import StreamField
from wagtail.models import Orderable
from wagtail.search import index

from core.middleware import mark_public
from core.models import BasePage

from .blocks import BaseStreamBlock


class PublicPage(BasePage):
    """A page anonymous visitors may be served from the page cache."""

    class Meta:
        abstract = True

    def serve(self, request, *args, **kwargs):
        return mark_public(super().serve(request, *args, **kwargs))


class HomePage(PublicPage):
    """The front page: what the campaign is, the main action, featured content and the counter."""

    hero_heading = models.CharField(
        max_length=120, help_text="The big headline, e.g. 'Together, no one needs to feel alone'."
    )
    hero_text = models.TextField(
        max_length=400, blank=True, help_text="One or two sentences under the headline."
    )
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="A warm picture of local people. Leave empty for a plain banner.",
    )
    hero_image_alt = models.CharField(
        max_length=250,
        blank=True,
        help_text="Describe the picture for people who cannot see it (empty if decorative).",
    )
    cta_text = models.CharField(
        max_length=60, blank=True, help_text="The main button, e.g. 'Make a pledge'."
    )
    cta_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Where the main button goes.",
    )
    message = StreamField(
        BaseStreamBlock(), blank=True, help_text="The campaign message under the banner."
    )
    featured_heading = models.CharField(max_length=120, blank=True, default="Find out more")

    content_panels = [
        *BasePage.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("hero_heading"),
                FieldPanel("hero_text"),
                FieldPanel("hero_image"),
                FieldPanel("hero_image_alt"),
                FieldPanel("cta_text"),
                FieldPanel("cta_page"),
            ],
            heading="Banner",
        ),
        FieldPanel("introduction"),
        FieldPanel("message"),
        MultiFieldPanel(
            [FieldPanel("featured_heading"), InlinePanel("featured_pages", max_num=6)],
            heading="Featured content",
        ),
    ]
    search_fields = [
        *BasePage.search_fields,
        index.SearchField("hero_text"),
        index.SearchField("message"),
    ]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "home.CampaignPage",
        "home.StandardPage",
        "home.StoryIndexPage",
        "pledges.PledgePage",
        "pledges.PledgeWallPage",
    ]
    max_count = 1

    class Meta:
        verbose_name = "home page"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        featured = self.featured_pages.select_related("page", "image").filter(page__live=True)
        context["featured"] = list(featured)
        return context


class FeaturedPage(Orderable):
    """A page highlighted on the home page, with its own short text and picture."""

    home = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured_pages")
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(
        max_length=120, blank=True, help_text="Leave empty for the page title."
    )
    text = models.CharField(max_length=250, blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    panels = [FieldPanel("page"), FieldPanel("title"), FieldPanel("text"), FieldPanel("image")]

    @property
    def display_title(self):
        return self.title or self.page.title


class CampaignPage(PublicPage):
    """A section of the campaign, built from blocks: what loneliness is, how to get support…"""

    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Optional picture at the top of the page (treated as decorative).",
    )
    body = StreamField(BaseStreamBlock(), help_text="The page's content, block by block.")

    content_panels = [
        *BasePage.content_panels,
        FieldPanel("introduction"),
        FieldPanel("hero_image"),
        FieldPanel("body"),
    ]
    search_fields = [*BasePage.search_fields, index.SearchField("body")]

    parent_page_types = ["home.HomePage", "home.CampaignPage"]
    subpage_types = [
        "home.CampaignPage",
        "home.StandardPage",
        "pledges.PledgePage",
        "pledges.PledgeWallPage",
    ]

    class Meta:
        verbose_name = "campaign page"


class StandardPage(PublicPage):
    """A plain page: the privacy notice, the accessibility statement, about the campaign."""

    body = StreamField(BaseStreamBlock(), help_text="The page's content, block by block.")
    last_reviewed = models.DateField(
        null=True, blank=True, help_text="Shown on statements such as the privacy notice."
    )

    content_panels = [
        *BasePage.content_panels,
        FieldPanel("introduction"),
        FieldPanel("body"),
        FieldPanel("last_reviewed"),
    ]
    search_fields = [*BasePage.search_fields, index.SearchField("body")]

    parent_page_types = ["home.HomePage", "home.CampaignPage", "home.StandardPage"]
    subpage_types = ["home.StandardPage"]

    class Meta:
        verbose_name = "standard page"


class StoryIndexPage(RoutablePageMixin, PublicPage):
    """The list of local stories, newest first, with pages and an RSS feed."""

    stories_per_page = models.PositiveSmallIntegerField(default=9)

    content_panels = [*BasePage.content_panels, FieldPanel("introduction")]
    settings_panels = [*BasePage.settings_panels, FieldPanel("stories_per_page")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["home.StoryPage"]
    max_count = 1

    class Meta:
        verbose_name = "story index page"

    def stories(self):
        return (
            StoryPage.objects.child_of(self)
            .live()
            .public()
            .select_related("image")
            .order_by("-date", "-pk")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        paginator = Paginator(self.stories(), self.stories_per_page or 9)
        try:
            context["stories"] = paginator.page(request.GET.get("page", 1))
        except (PageNotAnInteger, EmptyPage):
            context["stories"] = paginator.page(1)
        return context

    @path("")
    def index(self, request):
        response = self.render(request)
        shown = response.context_data["stories"].number
        # "?page=abc" shows page one, but only the real address of a page is kept.
        used = {"page": str(shown)} if request.GET.get("page") == str(shown) else {}
        return mark_public(response, params=used)

    @path("feed/", name="feed")
    def feed(self, request):
        feed = Rss201rev2Feed(
            title=self.title,
            link=self.get_full_url(request),
            description=self.introduction or self.title,
            language=settings.LANGUAGE_CODE,
        )
        for story in self.stories()[:20]:
            feed.add_item(
                title=story.title,
                link=story.get_full_url(request),
                description=story.introduction,
                pubdate=timezone.make_aware(datetime.combine(story.date, time.min)),
                unique_id=story.get_full_url(request),
            )
        response = HttpResponse(content_type="application/rss+xml; charset=utf-8")
        feed.write(response, "utf-8")
        return mark_public(response)


class StoryPage(PublicPage):
    """A local project or person: how they connect people, in their own words."""

    date = models.DateField(default=timezone.localdate, help_text="When the story was published.")
    place = models.CharField(
        max_length=100, blank=True, help_text="The town or area, e.g. 'Gillingham'."
    )
    image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    image_alt = models.CharField(
        max_length=250, blank=True, help_text="Describe the picture for people who cannot see it."
    )
    body = StreamField(BaseStreamBlock(), help_text="The story, block by block.")

    content_panels = [
        *BasePage.content_panels,
        FieldPanel("introduction"),
        MultiFieldPanel([FieldPanel("date"), FieldPanel("place")], heading="Details"),
        MultiFieldPanel([FieldPanel("image"), FieldPanel("image_alt")], heading="Picture"),
        FieldPanel("body"),
    ]
    search_fields = [*BasePage.search_fields, index.SearchField("body"), index.SearchField("place")]

    parent_page_types = ["home.StoryIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "story"
        verbose_name_plural = "stories"
