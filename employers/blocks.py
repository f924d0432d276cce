"""A block that brings the workplace pledge into any page: how many employers have pledged, a
few of them, and the ways in (the listing and signing up)."""

from wagtail import blocks

from .selectors.figures import get_figures
from .selectors.listing import listed


class WorkplacePledgeValue(blocks.StructValue):
    def current(self) -> int | None:
        """From the figures the beat task keeps (None before it first ran)."""
        figures = get_figures()
        return figures["current"] if figures else None

    def employers(self):
        count = self.get("count") or 0
        if not count:
            return []
        return list(
            listed()
            .select_related("organisation")
            .order_by("-is_lead", "-approved_at", "pk")[:count]
        )


class WorkplacePledgeBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120, default="The workplace pledge")
    text = blocks.TextBlock(
        required=False,
        max_length=400,
        default="Employers across the area commit to lead on loneliness, support their people "
        "and build a sociable workplace.",
    )
    count = blocks.IntegerBlock(
        min_value=0, max_value=12, default=6, help_text="How many employers to name (0 for none)."
    )

    class Meta:
        icon = "group"
        template = "blocks/workplace_pledge.html"
        value_class = WorkplacePledgeValue
        preview_value = {"heading": "The workplace pledge", "count": 6}
        description = "The employers who have signed the workplace pledge, and how to join them."
