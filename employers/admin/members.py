"""Employers with their members' names and email addresses, for Data officers: the listing,
its CSV/XLSX export, each employer's page, and marking the lead employer (the council itself)."""

from django.db.models import Case, Exists, IntegerField, OuterRef, Prefetch, Q, Value, When
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.functional import cached_property
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.snippets.views.snippets import EditView, IndexView, InspectView

from core.exports import GuardedExportMixin
from employers.models import Employer
from organisations.models import Membership, Role

from .listing import EmployerTitleMixin, standing_label


def memberships():
    """Owners first, then by when they joined."""
    return (
        Membership.objects.select_related("user")
        .annotate(
            owner_first=Case(
                When(role=Role.OWNER, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("owner_first", "joined_at", "pk")
    )


def members_with_users():
    return Prefetch("organisation__memberships", queryset=memberships(), to_attr="members")


def members_of(employer: Employer) -> list[Membership]:
    organisation = employer.organisation
    if hasattr(organisation, "members"):
        return organisation.members
    return list(memberships().filter(organisation=organisation))


def member_summary(employer: Employer) -> str:
    """e.g. 'Olive Stone <olive@example.org> (Owner); eddie@example.org (Editor)'."""
    parts = []
    for membership in members_of(employer):
        user, role = membership.user, membership.get_role_display()
        name = user.get_full_name().strip()
        parts.append(f"{name} <{user.email}> ({role})" if name else f"{user.email} ({role})")
    return "; ".join(parts)


def member_emails(employer: Employer) -> str:
    return "; ".join(membership.user.email for membership in members_of(employer))


def districts(employer: Employer) -> str:
    return ", ".join(area.name for area in employer.organisation.areas.all())


class MembersIndexView(EmployerTitleMixin, GuardedExportMixin, IndexView):
    """Every employer with its members; CSV/XLSX export needs its own permission. No bulk
    actions, no add: employers sign up on the site."""

    page_title = "Employers and members"

    export_values = {
        "sector_name": lambda employer: employer.sector.name if employer.sector else "",
        "members": member_summary,
        "member_emails": member_emails,
        "districts": districts,
        "standing": standing_label,
    }

    @cached_property
    def columns(self):
        return [c for c in super().columns if not isinstance(c, BulkActionsCheckboxColumn)]

    def get_add_url(self):
        return None

    def get_edit_url(self, instance):
        # Each employer's name leads to its page; marking the lead employer is a button there.
        return None

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        query = self.search_query
        member = Membership.objects.filter(organisation=OuterRef("organisation")).filter(
            Q(user__email__icontains=query)
            | Q(user__first_name__icontains=query)
            | Q(user__last_name__icontains=query)
        )
        return queryset.filter(Q(organisation__name__icontains=query) | Q(Exists(member)))


class MembersInspectView(InspectView):
    template_name = "employers/admin/members_inspect.html"
    history_url_name = None

    def get_object(self, queryset=None):
        employers = Employer.objects.select_related("organisation", "sector").prefetch_related(
            members_with_users(), "organisation__areas"
        )
        return get_object_or_404(employers, pk=self.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        employer = self.object
        context.update(
            employer=employer,
            members=members_of(employer),
            districts=districts(employer),
            standing=standing_label(employer),
        )
        return context

    @cached_property
    def header_buttons(self):
        buttons = []
        if self.edit_url_name and self.user_has_permission("change"):
            buttons.append(
                HeaderButton(
                    "Unmark lead employer" if self.object.is_lead else "Mark as lead employer",
                    url=reverse(self.edit_url_name, args=[self.object.pk]),
                    icon_name="pick",
                    priority=10,
                )
            )
        return buttons

    @cached_property
    def header_more_buttons(self):
        # Not Wagtail's "Edit": the lead employer button above is what the edit form does.
        if not self.history_url_name:
            return []
        url = reverse(self.history_url_name, args=[self.object.pk])
        return [Button("History", url=url, icon_name="history", priority=30)]

    def get_fields_context(self):
        return []  # the template shows the employer


class LeadEmployerEditView(EditView):
    """The edit form holds one field, "lead employer"; saving goes back to the employer."""

    page_title = "Lead employer"
    inspect_url_name = None

    def get_success_url(self):
        return reverse(self.inspect_url_name, args=[self.object.pk])

    def get_success_message(self):
        name = self.object.organisation.name
        if self.object.is_lead:
            return f"{name} is now the lead employer, shown first in the list."
        return f"{name} is no longer the lead employer."

    def get_success_buttons(self):
        return []
