"""What every app may use: the campaign's site-wide settings, the list of areas and the abstract
BasePage."""

# Wagtail's base classes carry no types, so the Django plugin cannot work out the types of the
# fields declared on them: they are spelled out (and not evaluated at run time).
from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.validators import RegexValidator
from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from .blocks import FooterLinkBlock

if TYPE_CHECKING:
    from wagtail.images.models import Image

hashtag_validator = RegexValidator(
    r"^[A-Za-z][A-Za-z0-9_]{0,99}$",
    "Use letters, numbers and underscores only, starting with a letter, without the # sign.",
)


@register_setting(icon="site")
class CampaignSettings(BaseSiteSetting):
    """The campaign's brand and contact details, shown on every page and in every email."""

    campaign_name: models.CharField[str, str] = models.CharField(
        max_length=120,
        default="Better Together",
        help_text="The campaign's name, for example 'A Better Medway – Together'.",
    )
    strapline: models.CharField[str, str] = models.CharField(
        max_length=200,
        blank=True,
        help_text="A short line shown under the campaign name in the header.",
    )
    hashtag: models.CharField[str, str] = models.CharField(
        max_length=100,
        blank=True,
        validators=[hashtag_validator],
        help_text="The campaign hashtag without '#', used in share links, e.g. MedwayTogether.",
    )
    phone_number: models.CharField[str, str] = models.CharField(
        max_length=40,
        blank=True,
        help_text="The single phone number for support, shown on every page.",
    )
    phone_opening_hours: models.CharField[str, str] = models.CharField(
        max_length=200,
        blank=True,
        help_text="When the phone line is open, e.g. 'Monday to Friday, 9am to 5pm'.",
    )
    contact_email: models.EmailField[str, str] = models.EmailField(
        blank=True, help_text="A public email address for questions about the campaign."
    )
    logo: models.ForeignKey[Image | None, Image | None] = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Shown in the header. Leave empty to show the campaign name as text.",
    )
    share_image: models.ForeignKey[Image | None, Image | None] = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The default picture shown when a page is shared on social media (1200×630).",
    )
    facebook_url: models.URLField[str, str] = models.URLField(
        blank=True, help_text="The campaign's Facebook page."
    )
    x_url: models.URLField[str, str] = models.URLField(blank=True, verbose_name="X (Twitter) URL")
    instagram_url: models.URLField[str, str] = models.URLField(
        blank=True, verbose_name="Instagram URL"
    )
    linkedin_url: models.URLField[str, str] = models.URLField(
        blank=True, verbose_name="LinkedIn URL"
    )
    youtube_url: models.URLField[str, str] = models.URLField(blank=True, verbose_name="YouTube URL")
    footer_links = StreamField(
        [("link", FooterLinkBlock())],
        blank=True,
        help_text="Links in the footer, such as the privacy notice and accessibility statement.",
    )
    footer_text: models.CharField[str, str] = models.CharField(
        max_length=300,
        blank=True,
        help_text="A short line at the foot of every page, e.g. who runs the campaign.",
    )
    panels = [
        MultiFieldPanel(
            [
                FieldPanel("campaign_name"),
                FieldPanel("strapline"),
                FieldPanel("hashtag"),
                FieldPanel("logo"),
                FieldPanel("share_image"),
            ],
            heading="Brand",
        ),
        MultiFieldPanel(
            [
                FieldPanel("phone_number"),
                FieldPanel("phone_opening_hours"),
                FieldPanel("contact_email"),
            ],
            heading="Contact",
        ),
        MultiFieldPanel(
            [
                FieldPanel("facebook_url"),
                FieldPanel("x_url"),
                FieldPanel("instagram_url"),
                FieldPanel("linkedin_url"),
                FieldPanel("youtube_url"),
            ],
            heading="Social media",
        ),
        MultiFieldPanel([FieldPanel("footer_links"), FieldPanel("footer_text")], heading="Footer"),
    ]

    class Meta:
        verbose_name = "Campaign settings"
        # Platform-wide roles that belong to no single app (given by migration 0004).
        permissions = [
            (
                "look_up_personal_data",
                "Can look up and download everything the site holds about an email address",
            ),
            (
                "erase_personal_data",
                "Can erase everything the site holds about an email address when the person asks",
            ),
        ]

    def prepare_for_reading(self) -> None:
        """Resolve every page the footer links choose, in one query, before the settings are
        kept for many pages (core.site_settings)."""
        for link in self.footer_links:
            link.value.get("page")

    @property
    def phone_href(self) -> str:
        return "tel:" + "".join(ch for ch in self.phone_number if ch.isdigit() or ch == "+")

    @property
    def social_links(self) -> list[tuple[str, str]]:
        links = [
            ("Facebook", self.facebook_url),
            ("X (Twitter)", self.x_url),
            ("Instagram", self.instagram_url),
            ("LinkedIn", self.linkedin_url),
            ("YouTube", self.youtube_url),
        ]
        return [(name, url) for name, url in links if url]


class Area(models.Model):
    """A district or town of the campaign: people choose one when they pledge, employers say where
    they employ people, listings where they run, so everything can be counted by area."""

    name = models.CharField(max_length=80, unique=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True, help_text="Untick to stop offering this area.")

    panels = [FieldPanel("name"), FieldPanel("sort_order"), FieldPanel("active")]

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class BasePage(Page):
    """Fields every public page shares: a summary for listings, search and share cards."""

    introduction: models.TextField[str, str] = models.TextField(
        blank=True,
        max_length=500,
        help_text="One or two plain sentences shown under the title, in listings and when shared.",
    )
    share_image: models.ForeignKey[Image | None, Image | None] = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Picture shown when this page is shared (1200×630). Defaults to the campaign's.",
    )

    search_fields = [*Page.search_fields, index.SearchField("introduction")]
    promote_panels = [*Page.promote_panels, FieldPanel("share_image")]

    class Meta:
        abstract = True

    @property
    def summary(self) -> str:
        return self.search_description or self.introduction

    # Routing and view restrictions from what each process keeps (core.routing), instead of
    # reading the page tree on every request.
    def route(self, request, path_components):
        if not path_components:
            return super().route(request, path_components)
        from .routing import child_page

        subpage = child_page(parent=self, slug=path_components[0])
        subpage._cached_parent_obj = self  # as Wagtail does: the parent is known
        return subpage.route(request, path_components[1:])

    def get_view_restrictions(self):
        if self.pk is None:  # a preview of a page not saved yet
            return super().get_view_restrictions()
        from .routing import view_restrictions

        return view_restrictions(self)
