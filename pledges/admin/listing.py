"""What both pledge listings share: the consents' summary, the filters, the columns, the
inspect page's fields and the history."""

import django_filters
from django import forms
from django.urls import reverse
from django.utils.functional import cached_property
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.widgets import BooleanRadioSelect
from wagtail.admin.widgets.button import Button
from wagtail.log_actions import registry as log_registry
from wagtail.snippets.views.snippets import HistoryView

from pledges.models import Pledge, PledgeForModeration


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
    listings show the same record (kept under the moderation model, see pledges.services.moderation)."""

    any_permission_required = ["view"]
    header_buttons = []

    def get_edit_url(self, instance):
        return None  # nobody edits pledges here

    def get_base_queryset(self):
        entries = log_registry.get_logs_for_instance(PledgeForModeration(pk=self.object.pk))
        return self._annotate_queryset(entries.latest_by_uuid_and_action())
