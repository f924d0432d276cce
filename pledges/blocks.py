"""Blocks that bring pledges into any page: the pledge form, the latest pledges from the wall,
and the counter with the campaign's target."""

from wagtail import blocks

from .selectors import wall
from .selectors.counters import counter_summary


class PledgeFormValue(blocks.StructValue):
    def pledge_page(self):
        page = self.get("page")
        return page.specific if page and page.live else None

    def form(self):
        page = self.pledge_page()
        return page.form_class()(kind=page.kind) if page else None

    def action(self) -> str:
        """Where the form posts: the pledge page's own address for submissions."""
        page = self.pledge_page()
        return page.submit_url if page and page.pk else ""


class PledgeFormBlock(blocks.StructBlock):
    page = blocks.PageChooserBlock(
        page_type="pledges.PledgePage",
        help_text="The pledge form page whose form to show. Pledges are sent to that page.",
    )
    heading = blocks.CharBlock(
        max_length=120,
        required=False,
        default="Make your pledge",
        help_text="Leave empty to use the pledge page's title.",
    )

    class Meta:
        icon = "form"
        template = "blocks/pledge_form.html"
        value_class = PledgeFormValue
        preview_value = {"heading": "Make your pledge"}
        description = "The pledge form from a pledge page, so people can pledge without leaving."

    def get_preview_value(self):
        from .models import PledgePage

        page = PledgePage.objects.live().first() or PledgePage(
            title="Make a pledge",
            live=True,
            privacy_notice="<p>We use your details only for your pledge and the reminders you "
            "ask for.</p>",
        )
        return self.normalize({"heading": "Make your pledge", "page": page})


class PledgeWallValue(blocks.StructValue):
    def latest(self):
        return wall.latest_pledges(limit=self.get("count") or 6)

    def linked_wall(self):
        """The chosen wall page, or the site's wall (named apart from the `wall_page` field)."""
        page = self.get("wall_page")
        if page and page.live:
            return page
        from .models import PledgeWallPage

        return PledgeWallPage.objects.live().public().first()


class PledgeWallBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120, default="What people are pledging")
    count = blocks.IntegerBlock(
        min_value=1, max_value=12, default=6, help_text="How many of the newest pledges to show."
    )
    wall_page = blocks.PageChooserBlock(
        page_type="pledges.PledgeWallPage",
        required=False,
        help_text="The wall to link to. Leave empty for the site's pledge wall.",
    )

    class Meta:
        icon = "list-ul"
        template = "blocks/pledge_wall.html"
        value_class = PledgeWallValue
        preview_value = {"heading": "What people are pledging", "count": 3}
        description = "The newest pledges from the pledge wall, with a link to see them all."


class PledgeCounterBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=120, required=False, default="Pledges so far")
    show_completed = blocks.BooleanBlock(
        required=False, default=True, help_text="Also show how many people say they did it."
    )
    show_target = blocks.BooleanBlock(
        required=False,
        default=True,
        help_text="Show progress towards the target set in the campaign settings.",
    )
    show_areas = blocks.BooleanBlock(
        required=False, default=False, help_text="Show how many pledges come from each area."
    )

    class Meta:
        icon = "order"
        template = "blocks/pledge_counter.html"
        preview_value = {
            "heading": "Pledges so far",
            "show_completed": True,
            "show_target": True,
            "show_areas": True,
        }
        description = "How many pledges people have made, progress to the target, and by area."

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        # Counted by beat every minute and read from the cache: never recomputed per request.
        context["pledge_counter"] = counter_summary((parent_context or {}).get("request"))
        return context
