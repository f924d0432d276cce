"""The workplace pledge in Wagtail's admin, one "Workplace pledge" menu:

- the review queue, and employers with their plans (Moderators, who never see an employer's
  members or their addresses);
- employers with their members' names and emails, their export and the lead employer (Data
  officers);
- the figures (all three roles);
- the commitments, sectors and check-in emails (Editors). The workplace pledge settings are a
  site setting (Settings menu).

Submissions and employers change only through employers.services: nobody adds, edits or
deletes them here (the one exception: the "lead employer" mark, by Data officers)."""

from django.contrib.auth.models import Permission
from django.urls import path
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.log_actions import LogFormatter
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from core.admin import SnippetViewSet

from .admin.figures import FiguresViewSet
from .admin.forms import LeadEmployerForm
from .admin.listing import EMPLOYER_COLUMNS, EmployerFilterSet, EmployerHistoryView
from .admin.members import (
    LeadEmployerEditView,
    MembersIndexView,
    MembersInspectView,
    member_summary,
    members_with_users,
)
from .admin.permissions import members_policy, plans_policy, review_policy
from .admin.plans import PLANS_SEARCH_FIELDS, PlansHistoryView, PlansIndexView, PlansInspectView
from .admin.review import (
    REVIEW_SEARCH_FIELDS,
    ApproveView,
    RejectView,
    RequestChangesView,
    ReviewQueueIndexView,
    SubmissionFilterSet,
    SubmissionHistoryView,
    SubmissionReviewView,
    review_queryset,
)
from .models import (
    CheckInStep,
    Commitment,
    Employer,
    EmployerForReview,
    Sector,
    Submission,
    SubmissionKind,
)

# Before any viewset is registered, or Wagtail would make default policies for these models.
register_permission_policy(Submission, review_policy, exact_class=True)
register_permission_policy(EmployerForReview, plans_policy, exact_class=True)
register_permission_policy(Employer, members_policy, exact_class=True)


# --- The comms team's content -------------------------------------------------------------------


class CommitmentViewSet(SnippetViewSet):
    model = Commitment
    icon = "list-ul"
    menu_label = "Commitments"
    menu_name = "workplace-pledge-commitments"
    list_display = [
        "title",
        Column("get_theme_display", label="Theme", sort_key="theme"),
        BooleanColumn("active", label="Offered"),
        Column("sort_order", label="Order", sort_key="sort_order"),
    ]
    list_filter = ["theme", "active"]
    search_fields = ["title", "explanation"]
    search_backend_name = None


class SectorViewSet(SnippetViewSet):
    model = Sector
    icon = "tag"
    menu_label = "Sectors"
    menu_name = "workplace-pledge-sectors"
    list_display = ["name", Column("sort_order", label="Order", sort_key="sort_order")]
    search_fields = ["name"]
    search_backend_name = None


class CheckInStepViewSet(SnippetViewSet):
    model = CheckInStep
    icon = "time"
    menu_label = "Check-in emails"
    menu_name = "workplace-pledge-check-ins"
    list_display = ["subject", "months_after_approval", BooleanColumn("active", label="Sent")]


# --- Reviewers -----------------------------------------------------------------------------------


class WorkplaceListingViewSet(SnippetViewSet):
    """What the review queue and the employer listings share: read-only, not in the reference
    index (which would add work to every save), nothing to copy."""

    add_to_reference_index = False
    index_template_name = "employers/admin/listing_index.html"
    copy_view_enabled = False
    inspect_view_enabled = True
    search_backend_name = None
    list_per_page = 50
    role_permissions: list[str] = []

    def get_permissions_to_register(self):
        # What the group editor offers (Settings > Groups).
        return Permission.objects.filter(
            content_type__app_label="employers", codename__in=self.role_permissions
        )


def url_name_of(model, view: str) -> str:
    return model.snippet_viewset.get_url_name(view)


class ReviewQueueViewSet(WorkplaceListingViewSet):
    model = Submission
    icon = "tick-inverse"
    menu_label = "Review queue"
    menu_name = "workplace-pledge-review"
    index_view_class = ReviewQueueIndexView
    inspect_view_class = SubmissionReviewView
    history_view_class = SubmissionHistoryView
    filterset_class = SubmissionFilterSet
    search_fields = REVIEW_SEARCH_FIELDS
    role_permissions = ["review_submission"]
    list_display = [
        "employer__organisation__name",
        Column("get_kind_display", label="Kind", sort_key="kind"),
        Column("get_decision_display", label="Decision", sort_key="decision"),
        Column("sector", label="Sector", accessor="employer.sector"),
        Column("size", label="Size", accessor="employer.get_size_band_display"),
        DateColumn("submitted_at", label="Sent", sort_key="submitted_at"),
        DateColumn("decided_at", label="Decided", sort_key="decided_at"),
    ]
    decisions = {"approve": ApproveView, "changes": RequestChangesView, "reject": RejectView}
    decision_paths = {"approve": "approve", "changes": "request-changes", "reject": "reject"}

    def get_queryset(self, request):
        return review_queryset()

    def review_kwargs(self) -> dict:
        return {
            "decision_url_names": {name: self.get_url_name(name) for name in self.decisions},
            "employer_url_name": url_name_of(EmployerForReview, "inspect"),
            "employer_history_url_name": url_name_of(EmployerForReview, "history"),
        }

    def get_inspect_view_kwargs(self, **kwargs):
        return super().get_inspect_view_kwargs(**self.review_kwargs(), **kwargs)

    def get_urlpatterns(self):
        decision_views = [
            path(
                f"{self.decision_paths[name]}/<int:pk>/",
                self.construct_view(
                    view_class,
                    **self.get_inspect_view_kwargs(inspect_url_name=self.get_url_name("inspect")),
                ),
                name=name,
            )
            for name, view_class in self.decisions.items()
        ]
        return [*super().get_urlpatterns(), *decision_views]


class PlansViewSet(WorkplaceListingViewSet):
    """Employers and their plans, for reviewers: no member, no address."""

    model = EmployerForReview
    icon = "clipboard-list"
    menu_label = "Employers and plans"
    menu_name = "workplace-pledge-plans"
    index_view_class = PlansIndexView
    inspect_view_class = PlansInspectView
    history_view_class = PlansHistoryView
    filterset_class = EmployerFilterSet
    search_fields = PLANS_SEARCH_FIELDS
    list_display = ["organisation__name", *EMPLOYER_COLUMNS]

    def get_queryset(self, request):
        return EmployerForReview.objects.select_related("organisation", "sector")

    def get_inspect_view_kwargs(self, **kwargs):
        return super().get_inspect_view_kwargs(
            review_url_name=url_name_of(Submission, "inspect"), **kwargs
        )


# --- Data officers -------------------------------------------------------------------------------


class MembersViewSet(WorkplaceListingViewSet):
    """Every employer with its members' names and email addresses, and export (CSV, XLSX)."""

    model = Employer
    icon = "user"
    menu_label = "Employers and members"
    menu_name = "workplace-pledge-members"
    index_view_class = MembersIndexView
    inspect_view_class = MembersInspectView
    history_view_class = EmployerHistoryView
    edit_view_class = LeadEmployerEditView
    filterset_class = EmployerFilterSet
    search_fields = ["organisation__name"]  # and the members' names and addresses: the view
    role_permissions = [
        "view_employer_members",
        "export_employers",
        "mark_lead_employer",
        "view_employer_figures",
    ]
    edit_handler = ObjectList(
        [
            FieldPanel(
                "is_lead",
                heading="Lead employer",
                help_text="The council itself: shown first in the public list of employers. "
                "There is one lead employer.",
            )
        ],
        base_form_class=LeadEmployerForm,
    )
    list_display = [
        "organisation__name",
        *EMPLOYER_COLUMNS,
        Column("members", label="Members", accessor=member_summary),
    ]
    list_export = [
        "pk",
        "organisation.name",
        "sector_name",
        "get_size_band_display",
        "employees",
        "districts",
        "is_lead",
        "get_state_display",
        "standing",
        "pledged_since",
        "approved_at",
        "valid_until",
        "lapsed_at",
        "withdrawn_at",
        "signed_by_name",
        "signed_by_role",
        "signed_on",
        "members",
        "member_emails",
    ]
    export_headings = {
        "pk": "Employer number",
        "organisation.name": "Organisation",
        "sector_name": "Sector",
        "get_size_band_display": "Size",
        "employees": "Employees",
        "districts": "Districts",
        "is_lead": "Lead employer",
        "get_state_display": "Plan",
        "standing": "Pledge",
        "pledged_since": "Pledged since (UTC)",
        "approved_at": "Last approved at (UTC)",
        "valid_until": "Valid until (UTC)",
        "lapsed_at": "Lapsed at (UTC)",
        "withdrawn_at": "Withdrawn at (UTC)",
        "signed_by_name": "Signed by",
        "signed_by_role": "Signatory's role",
        "signed_on": "Signed on",
        "members": "Members",
        "member_emails": "Members' emails",
    }
    export_filename = "employers"

    def get_queryset(self, request):
        return Employer.objects.select_related("organisation", "sector").prefetch_related(
            members_with_users(), "organisation__areas"
        )


class WorkplacePledgeViewSetGroup(SnippetViewSetGroup):
    menu_label = "Workplace pledge"
    menu_name = "workplace-pledge"
    menu_icon = "tasks"
    menu_order = 310
    items = (
        ReviewQueueViewSet,
        PlansViewSet,
        MembersViewSet,
        FiguresViewSet,
        CommitmentViewSet,
        SectorViewSet,
        CheckInStepViewSet,
    )


register_snippet(WorkplacePledgeViewSetGroup)


# --- History -------------------------------------------------------------------------------------

KINDS = dict(SubmissionKind.choices)


def _with_kind(message: str):
    class Formatter(LogFormatter):
        def format_message(self, log_entry):
            kind = KINDS.get((log_entry.data or {}).get("kind", ""))
            return f"{message} ({kind.lower()})" if kind else message

    return Formatter


LOG_ACTIONS = {
    "employers.submit": ("Send workplace pledge for review", "Sent for review"),
    "employers.approved": ("Approve workplace pledge", "Approved"),
    "employers.changes": ("Ask for changes to workplace pledge", "Sent back for changes"),
    "employers.rejected": ("Refuse workplace pledge", "Not approved"),
    "employers.withdraw": ("Withdraw workplace pledge", "Withdrawn by the employer"),
    "employers.lapse": ("Workplace pledge lapses", "Lapsed: not renewed in time"),
}


@hooks.register("register_log_actions")
def register_employer_log_actions(actions):
    for action, (label, message) in LOG_ACTIONS.items():
        formatter = _with_kind(message)
        formatter.label = label
        actions.register_action(action)(formatter)
