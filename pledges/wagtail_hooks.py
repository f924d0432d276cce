"""Pledges in Wagtail's admin: suggestions, areas and the reminder schedule."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Area, PledgeSuggestion, ReminderStep


class PledgeSuggestionViewSet(SnippetViewSet):
    model = PledgeSuggestion
    icon = "list-ul"
    menu_label = "Suggestions"
    list_display = ["text", "category", "sort_order", "active"]
    list_filter = ["category", "active"]
    search_fields = ["text"]
    search_backend_name = None


class AreaViewSet(SnippetViewSet):
    model = Area
    icon = "site"
    menu_label = "Areas"
    list_display = ["name", "sort_order", "active"]
    list_filter = ["active"]


class ReminderStepViewSet(SnippetViewSet):
    model = ReminderStep
    icon = "time"
    menu_label = "Reminder schedule"
    list_display = ["subject", "days_after_confirmation", "asks_outcome", "active"]


class PledgesViewSetGroup(SnippetViewSetGroup):
    menu_label = "Pledges"
    menu_icon = "pick"
    menu_order = 300
    items = (PledgeSuggestionViewSet, AreaViewSet, ReminderStepViewSet)


register_snippet(PledgesViewSetGroup)
