"""The organisations listing (filters: districts, whether it has an owner) and each one's page.
Nothing here changes an organisation: RolePermissionPolicy refuses add, edit and delete to
everyone."""

import django_filters  # type: ignore[import-untyped]
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.functional import cached_property
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic import HistoryView, IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import BooleanRadioSelect

from organisations.models import Membership, Organisation, Role
from organisations.personal_data import invite_state
from organisations.selectors import members_of, unanswered_invites

from .permissions import organisation_policy


class OrganisationFilterSet(WagtailFilterSet):
    has_owner = django_filters.BooleanFilter(
        label="Has an owner", method="filter_has_owner", widget=BooleanRadioSelect
    )

    class Meta:
        model = Organisation
        fields = ["areas"]

    def filter_has_owner(self, queryset, name, value):
        has_owner = Exists(Membership.objects.filter(organisation=OuterRef("pk"), role=Role.OWNER))
        return queryset.filter(has_owner if value else ~has_owner)


class OrganisationIndexView(IndexView):
    @cached_property
    def add_url(self):
        return None

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .annotate(
                members=Count("memberships", distinct=True),
                owners=Count("memberships", filter=Q(memberships__role=Role.OWNER), distinct=True),
            )
        )


class OrganisationInspectView(InspectView):
    template_name = "organisations/admin/inspect.html"

    def get_areas_display_value(self):
        return ", ".join(area.name for area in self.object.areas.all()) or "-"

    def get_logo_display_value(self):
        return "Yes" if self.object.logo else "No"

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        return "-" if value is None or value == "" else value

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shows_members = organisation_policy.user_has_permission(self.request.user, "view_members")
        context["shows_members"] = shows_members
        if shows_members:
            context["members"] = members_of(self.object)
            context["invites"] = [
                (invite, invite_state(invite)) for invite in unanswered_invites(self.object)
            ]
        else:
            context["member_count"] = self.object.memberships.count()
        return context


class OrganisationHistoryView(HistoryView):
    # The history names the members who made each change: for those who may see members.
    any_permission_required = ["view_members"]
    header_buttons: list = []

    def get_edit_url(self, instance):
        return None


class OrganisationViewSet(ModelViewSet):
    model = Organisation
    icon = "group"
    menu_label = "Organisations"
    menu_order = 320
    add_to_admin_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = OrganisationIndexView
    inspect_view_class = OrganisationInspectView
    history_view_class = OrganisationHistoryView
    filterset_class = OrganisationFilterSet
    search_fields = ["name", "company_number", "charity_number"]
    search_backend_name = None
    # Needed to build the add and edit views, which nobody may use.
    form_fields = ["name"]
    list_per_page = 50
    list_display = [
        "name",
        Column("members", label="Members", sort_key="members"),
        Column("owners", label="Owners", sort_key="owners"),
        DateColumn("created_at", label="Added", sort_key="created_at"),
    ]
    inspect_view_fields = [
        "name",
        "website",
        "contact_email",
        "contact_phone",
        "company_number",
        "charity_number",
        "areas",
        "logo",
        "created_at",
        "updated_at",
    ]

    def get_permissions_to_register(self):
        return super().get_permissions_to_register().filter(codename="view_organisation")
