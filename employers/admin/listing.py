"""What the workplace pledge's listings share: where an employer's pledge stands, the filters,
and the history (kept under the employer, whichever listing shows it: employers.services)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic.history import ActionColumn, HistoryFilterSet
from wagtail.admin.widgets import BooleanRadioSelect
from wagtail.log_actions import registry as log_registry
from wagtail.snippets.views.snippets import HistoryView

from core.models import Area
from employers.models import Employer, PlanState, Sector, SizeBand
from employers.selectors.listing import listed
from employers.selectors.standing import standing_of

# The actions the council's staff take (their names show in every history); the rest are the
# employer's members' (submit, withdraw) or the site's own (lapse).
STAFF_ACTIONS = {
    "employers.approved",
    "employers.changes",
    "employers.rejected",
    "wagtail.edit",
}
SYSTEM = "The site (automatically)"
A_MEMBER = "A member of the organisation"


def standing_label(employer: Employer) -> str:
    standing = standing_of(employer, timezone.now())
    return standing.standing.value.capitalize() if standing else "Never approved"


STANDINGS = [
    ("current", "Current (renewal due included)"),
    ("lapsed", "Lapsed"),
    ("withdrawn", "Withdrawn"),
    ("never", "Never approved"),
]


def filter_standing(queryset, value: str):
    now = timezone.now()
    if value == "current":
        return queryset.filter(pk__in=listed(now).values("pk"))
    if value == "lapsed":
        return queryset.filter(
            Q(lapsed_at__isnull=False) | Q(valid_until__lte=now),
            pledged_since__isnull=False,
            withdrawn_at__isnull=True,
        )
    if value == "withdrawn":
        return queryset.filter(withdrawn_at__isnull=False)
    if value == "never":
        return queryset.filter(approved_at__isnull=True)
    return queryset


class EmployerFilterSet(WagtailFilterSet):
    """The filters both employer listings offer (nothing here is about members)."""

    state = django_filters.ChoiceFilter(
        label="Plan", choices=PlanState.choices, empty_label="All", widget=forms.RadioSelect
    )
    standing = django_filters.ChoiceFilter(
        label="Pledge",
        choices=STANDINGS,
        method="filter_standing",
        empty_label="All",
        widget=forms.RadioSelect,
    )
    sector = django_filters.ModelChoiceFilter(label="Sector", queryset=Sector.objects.all())
    size_band = django_filters.ChoiceFilter(
        label="Size", choices=SizeBand.choices, empty_label="All", widget=forms.RadioSelect
    )
    district = django_filters.ModelChoiceFilter(
        label="District", field_name="organisation__areas", queryset=Area.objects.all()
    )
    is_lead = django_filters.BooleanFilter(label="Lead employer", widget=BooleanRadioSelect)

    class Meta:
        model = Employer
        fields = []

    def filter_standing(self, queryset, name, value):
        return filter_standing(queryset, value)


EMPLOYER_COLUMNS = [
    Column("sector", label="Sector", sort_key="sector__name"),
    Column("get_size_band_display", label="Size", sort_key="size_band"),
    Column("get_state_display", label="Plan", sort_key="state"),
    Column("standing", label="Pledge", accessor=standing_label),
    DateColumn("pledged_since", label="Pledged since", sort_key="pledged_since"),
    DateColumn("valid_until", label="Until", sort_key="valid_until"),
]


class EmployerTitleMixin:
    """Listings whose first column is the employer's name say so."""

    @cached_property
    def columns(self):
        columns = super().columns
        for column in columns:
            if getattr(column, "sort_key", None) in EMPLOYER_NAME_KEYS:
                column.label = "Employer"
        return columns


EMPLOYER_NAME_KEYS = ("organisation__name", "employer__organisation__name")


def who_did_it(entry) -> str:
    """Who made a history entry, for reviewers: the council's staff by name; an employer's
    members by their name at most, never their email address."""
    user = entry.user
    if entry.user_id is None:
        return SYSTEM
    if entry.action in STAFF_ACTIONS and user is not None:
        return user.get_full_name().strip() or user.get_username()
    name = user.get_full_name().strip() if user is not None else ""
    return name or A_MEMBER


class NoUserFilterSet(HistoryFilterSet):
    """The history's filters without "User", whose choices are the people's addresses."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters.pop("user", None)


class EmployerHistoryView(HistoryView):
    """An employer's history: submitted, approved, sent back, refused, withdrawn, lapsed, made
    the lead employer; who did it and when. Kept under the employer (employers.services), and
    shown by each listing that may see the employer. With `names_members = False`, members are
    named without their addresses (for reviewers)."""

    any_permission_required = ["view"]
    header_buttons: list = []
    names_members = True

    def employer_pk(self) -> int:
        return self.object.pk

    def get_edit_url(self, instance):
        return None  # the history belongs to the employer, edited nowhere here

    def get_base_queryset(self):
        entries = log_registry.get_logs_for_instance(Employer(pk=self.employer_pk()))
        return self._annotate_queryset(entries.latest_by_uuid_and_action())

    @cached_property
    def filterset_class(self):
        return HistoryFilterSet if self.names_members else NoUserFilterSet

    @cached_property
    def columns(self):
        columns = super().columns
        if self.names_members:
            return columns
        return [
            column
            if isinstance(column, ActionColumn | DateColumn)
            else Column("user", label="User", accessor=who_did_it, width="25%")
            for column in columns
        ]
