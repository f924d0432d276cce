"""The one StreamBlock every page body uses, composed from the foundation blocks and the
features' blocks (home is the only content app that may import feature apps)."""

from wagtail import blocks

from core.blocks import (
    CallToActionBlock,
    DocumentBlock,
    FAQBlock,
    HeadingBlock,
    ImageBlock,
    QuoteBlock,
    RichTextBlock,
    SignpostBlock,
    StatisticBlock,
    VideoBlock,
)
from employers.blocks import WorkplacePledgeBlock
from pledges.blocks import PledgeCounterBlock, PledgeFormBlock, PledgeWallBlock


class StoryTeaserListBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120, default="Stories from our community")
    stories = blocks.ListBlock(
        blocks.PageChooserBlock(page_type="home.StoryPage"),
        required=False,
        help_text="Choose stories, or leave empty to show the newest ones.",
    )
    count = blocks.IntegerBlock(
        min_value=1, max_value=12, default=3, help_text="How many of the newest stories to show."
    )

    class Meta:
        icon = "group"
        template = "blocks/story_teasers.html"
        preview_value = {"heading": "Stories from our community", "count": 3}
        description = "Short previews of local stories, linking to each one."


class BaseStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = RichTextBlock()
    image = ImageBlock()
    call_to_action = CallToActionBlock()
    quote = QuoteBlock()
    statistic = StatisticBlock()
    faq = FAQBlock()
    signpost = SignpostBlock()
    document = DocumentBlock()
    video = VideoBlock()
    story_teasers = StoryTeaserListBlock()
    pledge_form = PledgeFormBlock()
    pledge_wall = PledgeWallBlock()
    pledge_counter = PledgeCounterBlock()
    workplace_pledge = WorkplacePledgeBlock()
