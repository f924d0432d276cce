"""The building blocks editors compose pages from. Each has an icon, a template, a preview and a
description so the comms team can pick the right one from Wagtail's block chooser."""

from urllib.parse import parse_qs, urlparse

from django.core.exceptions import ValidationError
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock


class LinkBlock(blocks.StructBlock):
    """A link to a page on this site or to another website."""

    page = blocks.PageChooserBlock(required=False, help_text="A page on this site…")
    url = blocks.URLBlock(required=False, help_text="…or the address of another website.")

    def clean(self, value):
        value = super().clean(value)
        if bool(value.get("page")) == bool(value.get("url")):
            raise blocks.StructBlockValidationError(
                {"page": ValidationError("Choose a page or enter a web address, not both.")}
            )
        return value

    class Meta:
        icon = "link"


class FooterLinkBlock(LinkBlock):
    text = blocks.CharBlock(max_length=60, help_text="The words people see, e.g. 'Privacy'.")

    class Meta:
        icon = "link"
        label = "Footer link"


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=120)
    level = blocks.ChoiceBlock(
        choices=[("h2", "Section heading"), ("h3", "Sub-heading")],
        default="h2",
        help_text="Use a section heading for main sections and a sub-heading inside them.",
    )

    class Meta:
        icon = "title"
        template = "blocks/heading.html"
        preview_value = {"text": "Why connection matters", "level": "h2"}
        description = "A heading that starts a new section of the page."


class RichTextBlock(blocks.RichTextBlock):
    class Meta:
        icon = "pilcrow"
        template = "blocks/rich_text.html"
        preview_value = (
            "<p>Loneliness is a feeling we all have at times. Small acts of kindness, like "
            "saying hello to a neighbour, make a real difference.</p>"
        )
        description = "Paragraphs of text with links, lists and sub-headings."


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    alt_text = blocks.CharBlock(
        max_length=250,
        required=False,
        help_text="Describe the picture for people who cannot see it. Leave empty only if it "
        "is purely decorative.",
    )
    caption = blocks.CharBlock(max_length=250, required=False)

    class Meta:
        icon = "image"
        template = "blocks/image.html"
        description = "A picture with a description for screen readers and an optional caption."

    def get_preview_value(self):
        # The preview shows the newest picture in the library (there is none in a new site).
        from wagtail.images import get_image_model

        image = get_image_model().objects.order_by("-created_at").first()
        return self.to_python(
            {
                "image": image.pk if image else None,
                "alt_text": "Neighbours talking over a garden fence",
                "caption": "Neighbours in Strood, summer 2026",
            }
        )


class CallToActionBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=60, help_text="A short instruction, e.g. 'Make a pledge'.")
    link = LinkBlock()
    style = blocks.ChoiceBlock(
        choices=[("primary", "Main action"), ("secondary", "Other action")], default="primary"
    )

    class Meta:
        icon = "pick"
        template = "blocks/call_to_action.html"
        preview_value = {"text": "Make a pledge", "link": {"url": "https://example.org/pledge"}}
        description = "A button that takes people to the next step."


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock(max_length=600)
    attribution = blocks.CharBlock(max_length=120, required=False)

    class Meta:
        icon = "openquote"
        template = "blocks/quote.html"
        preview_value = {
            "quote": "Joining the Tuesday walking group gave me something to look forward to.",
            "attribution": "Pat, Chatham",
        }
        description = "Words from a person, with who said them."


class StatisticBlock(blocks.StructBlock):
    figure = blocks.CharBlock(max_length=20, help_text="The number, e.g. '1 in 20' or '85'.")
    label = blocks.CharBlock(max_length=160, help_text="What it means, in plain words.")
    source = blocks.CharBlock(max_length=200, required=False, help_text="Where it comes from.")

    class Meta:
        icon = "order"
        template = "blocks/statistic.html"
        preview_value = {
            "figure": "1 in 20",
            "label": "adults in England feel lonely often or always",
            "source": "Office for National Statistics",
        }
        description = "One striking number with a short explanation."


class FAQItemBlock(blocks.StructBlock):
    question = blocks.CharBlock(max_length=200)
    answer = blocks.RichTextBlock(features=["bold", "italic", "link", "ul", "ol"])


class FAQBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120, required=False, default="Questions and answers")
    items = blocks.ListBlock(FAQItemBlock(), min_num=1)

    class Meta:
        icon = "help"
        template = "blocks/faq.html"
        preview_value = {
            "heading": "Questions and answers",
            "items": [
                {
                    "question": "Is loneliness the same as being alone?",
                    "answer": "<p>No. You can feel lonely in a crowd, and be alone without "
                    "feeling lonely.</p>",
                },
            ],
        }
        description = "Questions that open to show their answers (works without JavaScript)."


class SignpostBlock(blocks.StructBlock):
    name = blocks.CharBlock(max_length=120, help_text="The service, e.g. 'Connect Well'.")
    description = blocks.TextBlock(max_length=500, required=False)
    phone = blocks.CharBlock(max_length=40, required=False)
    website = blocks.URLBlock(required=False)
    opening_hours = blocks.CharBlock(max_length=200, required=False)

    class Meta:
        icon = "help"
        template = "blocks/signpost.html"
        preview_value = {
            "name": "Connect Well",
            "description": "Find local groups and activities, or ask for someone to call you.",
            "phone": "01634 333 333",
            "website": "https://example.org/connect-well",
            "opening_hours": "Monday to Friday, 9am to 5pm",
        }
        description = "Where to get support: a service with its phone number, website and hours."

    def clean(self, value):
        value = super().clean(value)
        if not value.get("phone") and not value.get("website"):
            raise blocks.StructBlockValidationError(
                {"phone": ValidationError("Give a phone number, a website, or both.")}
            )
        return value


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock()
    title = blocks.CharBlock(
        max_length=160, required=False, help_text="Leave empty to use the document's own title."
    )
    description = blocks.CharBlock(max_length=300, required=False)

    class Meta:
        icon = "doc-full"
        template = "blocks/document.html"
        description = "A file people can download, with its type and size."

    def get_preview_value(self):
        from wagtail.documents import get_document_model

        document = get_document_model().objects.order_by("-created_at").first()
        return self.to_python(
            {
                "document": document.pk if document else None,
                "title": "",
                "description": "Ideas for keeping in touch and finding things to do near you.",
            }
        )


VIDEO_HOSTS = {"www.youtube.com", "youtube.com", "youtu.be", "vimeo.com", "www.vimeo.com"}


def video_embed_url(url: str) -> str | None:
    """The privacy-enhanced player address for a YouTube or Vimeo link, or None."""
    parsed = urlparse(url)
    host = parsed.netloc.lower()
    if host in {"www.youtube.com", "youtube.com"}:
        video_id = parse_qs(parsed.query).get("v", [""])[0]
    elif host == "youtu.be":
        video_id = parsed.path.lstrip("/")
    elif host in {"vimeo.com", "www.vimeo.com"}:
        video_id = parsed.path.strip("/").split("/")[0]
        return f"https://player.vimeo.com/video/{video_id}?dnt=1" if video_id.isdigit() else None
    else:
        return None
    ok = video_id and all(ch.isalnum() or ch in "-_" for ch in video_id)
    return f"https://www.youtube-nocookie.com/embed/{video_id}" if ok else None


class VideoValue(blocks.StructValue):
    def embed_url(self):
        return video_embed_url(self.get("url") or "")


class VideoBlock(blocks.StructBlock):
    url = blocks.URLBlock(help_text="A YouTube or Vimeo link.")
    title = blocks.CharBlock(max_length=160, help_text="What the video is about.")
    transcript = blocks.RichTextBlock(
        required=False, features=["bold", "italic", "link"], help_text="What is said and shown."
    )

    def clean(self, value):
        value = super().clean(value)
        if not video_embed_url(value.get("url") or ""):
            raise blocks.StructBlockValidationError(
                {"url": ValidationError("Use a YouTube or Vimeo video link.")}
            )
        return value

    class Meta:
        icon = "media"
        template = "blocks/video.html"
        value_class = VideoValue
        preview_value = {
            "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "title": "How one coffee morning brought a street together",
        }
        description = "A YouTube or Vimeo video, played without tracking cookies."
