"""Employers and their plans, for reviewers: where each pledge stands, the approved plan, the
plan as its members are changing it, its submissions. Never the members or their addresses
(nor the organisation's contact email): in the listing, the filters, the search and each page."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.functional import cached_property
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.snippets.views.snippets import IndexView, InspectView

from employers.models import Decision, EmployerForReview
from employers.selectors.plans import plan_items

from .changes import plan_for_review, readable_date
from .listing import EmployerHistoryView, EmployerTitleMixin, standing_label

PLANS_SEARCH_FIELDS = ["organisation__name"]


class PlansIndexView(EmployerTitleMixin, IndexView):
    """Nothing to add, edit, delete or export here."""

    page_title = "Employers and plans"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.is_export = False

    @cached_property
    def columns(self):
        return [c for c in super().columns if not isinstance(c, BulkActionsCheckboxColumn)]

    def get_add_url(self):
        return None


class PlansHistoryView(EmployerHistoryView):
    names_members = False


class PlansInspectView(InspectView):
    template_name = "employers/admin/plan_inspect.html"
    history_url_name = None
    review_url_name = None  # a submission's review screen

    def get_object(self, queryset=None):
        employers = EmployerForReview.objects.select_related(
            "organisation", "sector"
        ).prefetch_related("organisation__areas")
        return get_object_or_404(employers, pk=self.pk)

    def get_fields_context(self):
        return []  # the template shows the employer

    @cached_property
    def submissions(self):
        return list(self.object.submissions.order_by("-submitted_at", "-pk"))

    @cached_property
    def waiting(self):
        return next((s for s in self.submissions if s.decision == Decision.PENDING), None)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        employer = self.object
        context.update(
            employer=employer,
            standing=standing_label(employer),
            districts=", ".join(area.name for area in employer.organisation.areas.all()),
            member_count=employer.organisation.memberships.count(),
            published=plan_for_review(employer.published) if employer.published else None,
            items=list(plan_items(employer)),
            signed_on=readable_date(employer.signed_on.isoformat() if employer.signed_on else ""),
            submissions=[
                (
                    submission,
                    reverse(self.review_url_name, args=[submission.pk])
                    if self.review_url_name
                    else "",
                )
                for submission in self.submissions
            ],
        )
        return context

    @cached_property
    def header_buttons(self):
        if not (self.waiting and self.review_url_name):
            return []
        url = reverse(self.review_url_name, args=[self.waiting.pk])
        return [HeaderButton("Review the plan sent", url=url, icon_name="tick-inverse")]

    @cached_property
    def header_more_buttons(self):
        if not self.history_url_name:
            return []
        url = reverse(self.history_url_name, args=[self.object.pk])
        return [Button("History", url=url, icon_name="history", priority=30)]
