"""Pledges in Wagtail's admin: suggestions and the reminder schedule (Editors); the
moderation queue (Pledge moderators, who never see personal data); all pledges with personal
data and export (Data officers); and pledges taken by phone, on paper or at events (Pledge
takers)."""

from django.contrib.auth.models import Permission
from django.db.models import Case, IntegerField, Value, When
from django.urls import path
from wagtail import hooks
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from core.admin import SnippetViewSet

from .admin.assisted import AssistedEntryViewSet
from .admin.listing import (
    ModerationFilterSet,
    PersonalDataFilterSet,
    PledgeHistoryView,
    consent_summary,
)
from .admin.moderation import (
    MODERATION_SEARCH_FIELDS,
    ApproveBulkAction,
    ModerationIndexView,
    ModerationInspectView,
    RejectBulkAction,
)
from .admin.permissions import moderation_policy, personal_data_policy
from .admin.personal_data import ErasePledgeView, PersonalDataIndexView, PersonalDataInspectView
from .models import Pledge, PledgeForModeration, PledgeSuggestion, ReminderStep
from .services.moderation import APPROVED_ACTION, ASSISTED_ACTION, ERASED_ACTION, REJECTED_ACTION

# Before any viewset is registered, or Wagtail would make default policies for these models.
register_permission_policy(PledgeForModeration, moderation_policy, exact_class=True)
register_permission_policy(Pledge, personal_data_policy, exact_class=True)


class PledgeSuggestionViewSet(SnippetViewSet):
    model = PledgeSuggestion
    icon = "list-ul"
    menu_label = "Suggestions"
    list_display = ["text", "category", "sort_order", "active"]
    list_filter = ["category", "active"]
    search_fields = ["text"]
    search_backend_name = None


class ReminderStepViewSet(SnippetViewSet):
    model = ReminderStep
    icon = "time"
    menu_label = "Reminder schedule"
    list_display = ["subject", "days_after_confirmation", "asks_outcome", "active"]


class PledgeListingViewSet(SnippetViewSet):
    """What both pledge listings share: read-only, not in the reference index (which would add
    work to every pledge saved)."""

    add_to_reference_index = False
    history_view_class = PledgeHistoryView
    copy_view_enabled = False
    inspect_view_enabled = True
    search_backend_name = None
    list_per_page = 50

    def get_permissions_to_register(self):
        return Permission.objects.filter(
            content_type__app_label="pledges", codename__in=self.role_permissions
        )


class ModerationViewSet(PledgeListingViewSet):
    """The moderation queue. Pledge text, name shown, area and state: never an email address,
    in the listing, the inspect page, the filters or the search."""

    model = PledgeForModeration
    icon = "tick-inverse"
    menu_label = "Moderation queue"
    menu_name = "pledge-moderation"
    index_view_class = ModerationIndexView
    index_template_name = "pledges/admin/moderation_index.html"
    inspect_view_class = ModerationInspectView
    filterset_class = ModerationFilterSet
    search_fields = MODERATION_SEARCH_FIELDS
    role_permissions = []  # listed once, with the other pledge roles below
    list_display = [
        "text",
        Column("display_name", label="Name shown"),
        Column("area", label="Area", sort_key="area__name"),
        Column("get_kind_display", label="Kind", sort_key="kind"),
        BooleanColumn("is_confirmed", label="Confirmed"),
        Column("get_moderation_display", label="Moderation", sort_key="moderation"),
        DateColumn("created_at", label="Made", sort_key="created_at"),
    ]
    inspect_view_fields = [
        "text",
        "display_name",
        "kind",
        "organisation_type",
        "area",
        "suggestion",
        "show_on_wall",
        "is_confirmed",
        "moderation",
        "moderation_reason",
        "moderated_at",
        "created_at",
    ]

    def get_queryset(self, request):
        # Waiting pledges first, oldest first: the queue is worked from the front.
        return (
            PledgeForModeration.objects.select_related("area")
            .annotate(
                waiting=Case(
                    When(moderation=Pledge.Moderation.PENDING, then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            )
            .order_by("waiting", "created_at", "pk")
        )


class PersonalDataViewSet(PledgeListingViewSet):
    """Every pledge with the personal data Data officers need, and export (CSV, XLSX)."""

    model = Pledge
    icon = "user"
    menu_label = "All pledges (personal data)"
    menu_name = "pledges-personal-data"
    index_view_class = PersonalDataIndexView
    index_template_name = "pledges/admin/personal_data_index.html"
    inspect_view_class = PersonalDataInspectView
    filterset_class = PersonalDataFilterSet
    search_fields = ["text", "first_name", "organisation_name", "email"]
    # What the group editor offers for pledges (Settings > Groups).
    role_permissions = [
        "moderate_pledge",
        "view_personal_data",
        "export_pledges",
        "add_pledge",
        "erase_pledge",
    ]
    list_display = [
        "text",
        Column("first_name", label="First name"),
        Column("organisation_name", label="Organisation"),
        Column("email", label="Email"),
        Column("area", label="Area", sort_key="area__name"),
        Column("get_kind_display", label="Kind", sort_key="kind"),
        Column("get_channel_display", label="Channel", sort_key="channel"),
        BooleanColumn("is_confirmed", label="Confirmed"),
        Column("get_outcome_display", label="Outcome", sort_key="outcome"),
        Column("consent_summary", label="Consents", accessor=consent_summary),
        DateColumn("created_at", label="Made", sort_key="created_at"),
    ]
    list_export = [
        "pk",
        "created_at",
        "confirmed_at",
        "get_kind_display",
        "text",
        "first_name",
        "organisation_name",
        "get_organisation_type_display",
        "email",
        "area.name",
        "get_age_band_display",
        "heard_from",
        "get_channel_display",
        "show_on_wall",
        "reminders_wanted",
        "consents",
        "get_moderation_display",
        "moderation_reason",
        "get_outcome_display",
        "outcome_at",
        "anonymised_at",
    ]
    export_headings = {
        "pk": "Pledge number",
        "created_at": "Made at (UTC)",
        "confirmed_at": "Confirmed at (UTC)",
        "get_kind_display": "Kind",
        "text": "Pledge",
        "first_name": "First name",
        "organisation_name": "Organisation name",
        "get_organisation_type_display": "Organisation type",
        "email": "Email",
        "area.name": "Area",
        "get_age_band_display": "Age band",
        "heard_from": "Heard about us from",
        "get_channel_display": "Channel",
        "show_on_wall": "Show on wall",
        "reminders_wanted": "Wants reminders",
        "consents": "Consents",
        "get_moderation_display": "Moderation",
        "moderation_reason": "Moderation reason",
        "get_outcome_display": "Outcome",
        "outcome_at": "Outcome at (UTC)",
        "anonymised_at": "Anonymised at (UTC)",
    }
    export_filename = "pledges"
    inspect_view_fields = [
        "text",
        "kind",
        "first_name",
        "organisation_name",
        "organisation_type",
        "email",
        "area",
        "age_band",
        "heard_from",
        "channel",
        "show_on_wall",
        "reminders_wanted",
        "consents",
        "is_confirmed",
        "confirmed_at",
        "moderation",
        "moderation_reason",
        "outcome",
        "outcome_at",
        "created_at",
        "anonymised_at",
    ]

    def get_queryset(self, request):
        return Pledge.objects.select_related("area").prefetch_related("consents")

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path(
                "erase/<int:pk>/",
                ErasePledgeView.as_view(index_url_name=self.get_url_name("list")),
                name="erase",
            ),
        ]

    def get_inspect_view_kwargs(self, **kwargs):
        return super().get_inspect_view_kwargs(erase_url_name=self.get_url_name("erase"), **kwargs)


class PledgesViewSetGroup(SnippetViewSetGroup):
    menu_label = "Pledges"
    menu_icon = "pick"
    menu_order = 300
    items = (
        ModerationViewSet,
        PersonalDataViewSet,
        AssistedEntryViewSet,
        PledgeSuggestionViewSet,
        ReminderStepViewSet,
    )


register_snippet(PledgesViewSetGroup)


hooks.register("register_bulk_action", ApproveBulkAction)
hooks.register("register_bulk_action", RejectBulkAction)


@hooks.register("register_log_actions")
def register_pledge_log_actions(actions):
    actions.register_action(APPROVED_ACTION, "Approve pledge", "Pledge approved")
    actions.register_action(REJECTED_ACTION, "Reject pledge", "Pledge rejected")
    actions.register_action(ASSISTED_ACTION, "Add pledge for someone", "Pledge added by staff")
    actions.register_action(ERASED_ACTION, "Erase pledge", "Pledge and personal data erased")
