"""The pledges admin: a moderation queue that never shows personal data, a listing with
personal data and export for Data officers, and a form for pledges taken by phone, on paper or
at events. Who may do what is decided by the permission policies at the top."""

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.widgets import BooleanRadioSelect
from wagtail.admin.widgets.button import Button, HeaderButton, ListingButton
from wagtail.log_actions import registry as log_registry
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.views.snippets import HistoryView, IndexView, InspectView

from core.admin import RolePermissionPolicy
from core.exports import GuardedExportMixin

from .admin_forms import ApproveForm, AssistedPledgeForm, RejectForm
from .models import Pledge, PledgeForModeration
from .moderation import (
    ADD,
    ERASE,
    EXPORT,
    MODERATE,
    VIEW_PERSONAL_DATA,
    add_assisted_pledge,
    approve_pledges,
    reject_pledges,
)
from .privacy import erase_pledge

# --- Who may do what -----------------------------------------------------------------------


# The role permissions live on Pledge, whichever model the listing shows.
moderation_policy = RolePermissionPolicy(
    PledgeForModeration, {"view": MODERATE, "moderate": MODERATE}, auth_model=Pledge
)
personal_data_policy = RolePermissionPolicy(
    Pledge, {"view": VIEW_PERSONAL_DATA, "export": EXPORT, "erase": ERASE}
)


# --- Consents, as listed and exported ---------------------------------------------------------


def consent_summary(pledge: Pledge) -> str:
    """e.g. 'Privacy notice (storing the pledge) v2026-11 phone, confirmed; Reminder emails
    v2026-11 online, withdrawn'. Uses the prefetched consents."""
    parts = []
    for consent in pledge.consents.all():
        if consent.withdrawn_at:
            state = "withdrawn"
        elif consent.confirmed_at:
            state = "confirmed"
        else:
            state = "not confirmed"
        parts.append(
            f"{consent.get_purpose_display()} v{consent.wording_version} {consent.source}, {state}"
        )
    return "; ".join(parts)


# --- Filters ---------------------------------------------------------------------------------


class ConfirmedFilterMixin(django_filters.FilterSet):
    confirmed = django_filters.BooleanFilter(
        label="Confirmed",
        field_name="confirmed_at",
        lookup_expr="isnull",
        exclude=True,
        widget=BooleanRadioSelect,
    )


class ModerationFilterSet(ConfirmedFilterMixin, WagtailFilterSet):
    class Meta:
        model = PledgeForModeration
        fields = ["moderation", "area", "kind"]


class PersonalDataFilterSet(ConfirmedFilterMixin, WagtailFilterSet):
    outcome = django_filters.ChoiceFilter(
        label="Outcome",
        choices=[
            ("none", "Not answered"),
            *((v, label) for v, label in Pledge.Outcome.choices if v),
        ],
        method="filter_outcome",
        empty_label="All",
        widget=forms.RadioSelect,
    )
    made = django_filters.DateFromToRangeFilter(
        label="Made between", field_name="created_at", widget=DateRangePickerWidget
    )

    class Meta:
        model = Pledge
        fields = ["area", "kind", "channel", "moderation"]

    def filter_outcome(self, queryset, name, value):
        return queryset.filter(outcome="" if value == "none" else value)


class PledgeColumnMixin:
    @cached_property
    def columns(self):
        columns = super().columns
        for column in columns:
            if getattr(column, "name", None) == "text":
                column.label = "Pledge"
        return columns


# --- Moderation --------------------------------------------------------------------------------

# Never the email address: moderators must not be able to find a pledge by it.
MODERATION_SEARCH_FIELDS = ["text", "first_name", "organisation_name"]


def moderation_url(action: str, pledge_ids, next_url: str) -> str:
    """The confirmation page of a moderation bulk action, also used for a single pledge."""
    url = reverse("wagtail_bulk_action", args=["pledges", "pledgeformoderation", action])
    query = [("id", pk) for pk in pledge_ids] + [("next", next_url)]
    return f"{url}?{urlencode(query)}"


class ModerationIndexView(PledgeColumnMixin, IndexView):
    """The moderation queue: waiting pledges first. Only Approve and Reject as bulk actions."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.is_export = False  # nothing to export from here

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.user_has_permission("moderate"):
            next_url = self.request.get_full_path()
            if instance.moderation != Pledge.Moderation.APPROVED:
                buttons.append(
                    ListingButton(
                        "Approve",
                        url=moderation_url("approve", [instance.pk], next_url),
                        attrs={"aria-label": f"Approve pledge: {instance.text}"},
                        priority=1,
                    )
                )
            if instance.moderation != Pledge.Moderation.REJECTED:
                buttons.append(
                    ListingButton(
                        "Reject",
                        url=moderation_url("reject", [instance.pk], next_url),
                        attrs={"aria-label": f"Reject pledge: {instance.text}"},
                        priority=2,
                    )
                )
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["moderation_bulk_buttons"] = (
            [
                ListingButton(
                    action.display_name,
                    reverse(
                        "wagtail_bulk_action",
                        args=["pledges", "pledgeformoderation", action.action_type],
                    ),
                    attrs={"aria-label": action.aria_label, "data-bulk-action-button": ""},
                    priority=action.action_priority,
                    classname=" ".join(action.classes | {"bulk-action-btn"}),
                )
                for action in (ApproveBulkAction, RejectBulkAction)
            ]
            if self.user_has_permission("moderate")
            else []
        )
        return context


class PledgeInspectMixin:
    labels = {
        "text": "Pledge",
        "display_name": "Name shown",
        "is_confirmed": "Confirmed",
        "consents": "Consents",
        "show_on_wall": "Wants it on the wall",
    }
    history_url_name = None

    def get_field_label(self, field_name, field):
        return self.labels.get(field_name) or super().get_field_label(field_name, field)

    def get_is_confirmed_display_value(self):
        return "Yes" if self.object.is_confirmed else "No (waiting for the person to confirm)"

    def get_show_on_wall_display_value(self):
        return "Yes" if self.object.show_on_wall else "No"

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        return "-" if value is None or value == "" else value

    def get_reminders_wanted_display_value(self):
        return "Yes" if self.object.reminders_wanted else "No"

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if self.history_url_name:
            url = reverse(self.history_url_name, args=[self.object.pk])
            buttons.append(Button("History", url=url, icon_name="history", priority=30))
        return buttons


class PledgeHistoryView(HistoryView):
    """Who approved, rejected or added a pledge, and when: for anyone who may see it. Both
    listings show the same record (kept under the moderation model, see moderation._audit)."""

    any_permission_required = ["view"]
    header_buttons = []

    def get_edit_url(self, instance):
        return None  # nobody edits pledges here

    def get_base_queryset(self):
        entries = log_registry.get_logs_for_instance(PledgeForModeration(pk=self.object.pk))
        return self._annotate_queryset(entries.latest_by_uuid_and_action())


class ModerationInspectView(PledgeInspectMixin, InspectView):
    @cached_property
    def header_buttons(self):
        if not self.user_has_permission("moderate"):
            return []
        here = self.request.path
        buttons = []
        if self.object.moderation != Pledge.Moderation.APPROVED:
            buttons.append(
                HeaderButton(
                    "Approve",
                    url=moderation_url("approve", [self.object.pk], here),
                    icon_name="check",
                    priority=10,
                )
            )
        if self.object.moderation != Pledge.Moderation.REJECTED:
            buttons.append(
                HeaderButton(
                    "Reject",
                    url=moderation_url("reject", [self.object.pk], here),
                    icon_name="cross",
                    priority=20,
                )
            )
        return buttons


class ModerationBulkAction(SnippetBulkAction):
    """Approve or reject the chosen pledges, after a confirmation page (a link alone never
    changes anything). Used for one pledge too."""

    models = [PledgeForModeration]
    template_name = "pledges/admin/confirm_moderation.html"

    @classmethod
    def get_queryset(cls, model, object_ids):
        return list(model.objects.filter(pk__in=[i for i in object_ids if str(i).isdigit()]))

    def get_all_objects_in_listing_query(self, parent_id):
        # "Select all in listing" means the listing as filtered and searched, not every pledge.
        filters = ModerationFilterSet(
            self.request.GET, queryset=PledgeForModeration.objects.all(), request=self.request
        )
        if not filters.is_valid():
            return []
        queryset = filters.qs
        if query := self.request.GET.get("q", "").strip():
            match = Q()
            for field in MODERATION_SEARCH_FIELDS:
                match |= Q(**{f"{field}__icontains": query})
            queryset = queryset.filter(match)
        return list(queryset.values_list("pk", flat=True))

    def dispatch(self, request, *args, **kwargs):
        if not moderation_policy.user_has_permission(request.user, "moderate"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def check_perm(self, obj):
        return moderation_policy.user_has_permission(self.request.user, "moderate")

    def object_context(self, obj):
        return {"item": obj}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            action_label=self.display_name,
            explanation=self.explanation,
            action_button_text=f"Yes, {self.display_name.lower()}",
            no_action_button_text="No, go back",
            action_button_class=" ".join(self.classes),
        )
        return context

    def get_execution_context(self):
        return {"by": self.request.user, "data": self.cleaned_form.cleaned_data}


class ApproveBulkAction(ModerationBulkAction):
    display_name = "Approve"
    action_type = "approve"
    aria_label = "Approve the selected pledges"
    action_priority = 10
    classes = set()
    form_class = ApproveForm
    explanation = (
        "Approved pledges appear on the pledge wall once confirmed, if the person chose to "
        "show them."
    )

    @classmethod
    def execute_action(cls, objects, by=None, data=None, **kwargs):
        return approve_pledges(pledges=objects, by=by), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        if num_parent_objects == 1:
            return "1 pledge approved."
        return f"{num_parent_objects} pledges approved."


class RejectBulkAction(ModerationBulkAction):
    display_name = "Reject"
    action_type = "reject"
    aria_label = "Reject the selected pledges"
    action_priority = 20
    classes = {"serious"}
    form_class = RejectForm
    explanation = (
        "Rejected pledges leave the pledge wall and stop counting towards the totals. "
        "The person is not told."
    )

    @classmethod
    def execute_action(cls, objects, by=None, data=None, **kwargs):
        return reject_pledges(pledges=objects, reason=data["reason"], by=by), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        if num_parent_objects == 1:
            return "1 pledge rejected."
        return f"{num_parent_objects} pledges rejected."


# --- Personal data, for Data officers -------------------------------------------------------


class PersonalDataIndexView(GuardedExportMixin, PledgeColumnMixin, IndexView):
    """Pledges with the personal data Data officers need; CSV/XLSX export needs its own
    permission. No bulk actions: nothing here changes a pledge."""

    # The consents column is a summary of the related records, not an attribute.
    export_values = {"consents": consent_summary}

    @cached_property
    def columns(self):
        return [c for c in super().columns if not isinstance(c, BulkActionsCheckboxColumn)]

    def get_add_url(self):
        if self.request.user.has_perm(ADD):
            return reverse("pledges_assisted:add")
        return None

    @cached_property
    def add_item_label(self):
        return "Add a pledge for someone"


class PersonalDataInspectView(PledgeInspectMixin, InspectView):
    erase_url_name = None

    def get_consents_display_value(self):
        return consent_summary(self.object) or "-"

    @cached_property
    def header_buttons(self):
        if not (self.erase_url_name and self.user_has_permission("erase")):
            return []
        return [
            HeaderButton(
                "Delete pledge and personal data",
                url=reverse(self.erase_url_name, args=[self.object.pk]),
                icon_name="bin",
                priority=10,
            )
        ]


class ErasePledgeView(WagtailAdminTemplateMixin, TemplateView):
    """Erasure for someone who asks by phone, email or letter: what the manage link's "Delete"
    does, done by a Data officer after a confirmation page."""

    template_name = "pledges/admin/confirm_erase.html"
    page_title = "Delete pledge and personal data"
    header_icon = "bin"
    index_url_name = None

    def dispatch(self, request, *args, **kwargs):
        if not personal_data_policy.user_has_permission(request.user, "erase"):
            raise PermissionDenied
        self.pledge = get_object_or_404(Pledge.objects.select_related("area"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            pledge=self.pledge, cancel_url=reverse(self.index_url_name), **kwargs
        )

    def post(self, request, *args, **kwargs):
        number = self.pledge.pk
        erase_pledge(pledge=self.pledge, by=request.user)
        messages.success(request, f"Pledge {number} and the personal data with it were deleted.")
        return redirect(self.index_url_name)


# --- Assisted entry ---------------------------------------------------------------------------


class AssistedPledgeView(WagtailAdminTemplateMixin, FormView):
    """A pledge taken by phone, on paper or at an event. After saving, the form is ready for
    the next one."""

    template_name = "pledges/admin/assisted_pledge.html"
    form_class = AssistedPledgeForm
    page_title = "Add a pledge for someone"
    header_icon = "plus"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(ADD):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            action_url=self.request.path,
            submit_button_label="Add pledge",
            submit_button_active_label="Adding…",
        )
        return context

    def form_valid(self, form):
        details = form.details()
        pledge, created = add_assisted_pledge(
            details=details,
            privacy_version=form.cleaned_data["privacy_version"],
            channel=form.cleaned_data["channel"],
            by=self.request.user,
        )
        if not self.request.user.has_perm(VIEW_PERSONAL_DATA):
            # Whether this address had pledged before is personal data: without the Data
            # officer role, the answer is the same either way and says only what was typed in.
            messages.success(
                self.request,
                f"Pledge recorded: “{pledge.text}”."
                + (
                    " Pledges in someone's own words go to a moderator before they can appear "
                    "on the wall."
                    if details.suggestion is None
                    else ""
                ),
            )
        elif created:
            waiting = pledge.moderation == Pledge.Moderation.PENDING
            messages.success(
                self.request,
                f"Pledge added: “{pledge.text}”. It counts from now"
                + (
                    " and goes to a moderator before it can appear on the wall." if waiting else "."
                ),
            )
        else:
            messages.warning(
                self.request,
                "This email address already has this pledge, so nothing new was added"
                + (
                    "."
                    if pledge.is_confirmed
                    else ". It is waiting for them to confirm it by email."
                ),
            )
        return redirect(self.request.path)

    def form_invalid(self, form):
        messages.error(self.request, "The pledge could not be added. Check the form below.")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class AssistedEntryViewSet(ViewSet):
    name = "pledges_assisted"
    url_prefix = "pledges/assisted-entry"
    url_namespace = "pledges_assisted"
    icon = "plus"
    menu_label = "Add a pledge for someone"
    menu_name = "pledges-assisted-entry"

    def get_urlpatterns(self):
        return [path("", AssistedPledgeView.as_view(), name="add")]

    @cached_property
    def menu_item_class(self):
        class AssistedEntryMenuItem(MenuItem):
            def is_shown(self, request):
                return request.user.has_perm(ADD)

        return AssistedEntryMenuItem
