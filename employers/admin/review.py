"""The review queue: plans sent to the council, waiting ones first and oldest first; the review
screen (the plan as submitted, what changed since the approved one, the signatory and a
renewal's self-review); and the three decisions, each a POST that calls employers.services.review.

Reviewers never see the employer's members or their addresses here: the submission's own
"submitted by" is not shown, and the history names members without their addresses."""

import django_filters
from django import forms
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn
from wagtail.admin.widgets.button import Button
from wagtail.snippets.views.snippets import IndexView, InspectView

from employers.models import (
    Decision,
    RenewalReview,
    Sector,
    SizeBand,
    Submission,
    SubmissionKind,
)
from employers.selectors.settings import employer_settings
from employers.services import review
from employers.services.errors import EmployerError

from .changes import compare, plan_for_review
from .forms import ApproveForm, RejectForm, RequestChangesForm
from .listing import EmployerHistoryView, EmployerTitleMixin, standing_label

# Never the members' names or addresses: reviewers find a submission by the employer's name.
REVIEW_SEARCH_FIELDS = ["employer__organisation__name"]


def review_queryset():
    # Waiting submissions first, oldest first: the queue is worked from the front.
    return (
        Submission.objects.select_related("employer__organisation", "employer__sector")
        .annotate(
            waiting=Case(
                When(decision=Decision.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("waiting", "submitted_at", "pk")
    )


class SubmissionFilterSet(WagtailFilterSet):
    decision = django_filters.ChoiceFilter(
        label="Decision", choices=Decision.choices, empty_label="All", widget=forms.RadioSelect
    )
    kind = django_filters.ChoiceFilter(
        label="Kind", choices=SubmissionKind.choices, empty_label="All", widget=forms.RadioSelect
    )
    sector = django_filters.ModelChoiceFilter(
        label="Sector", field_name="employer__sector", queryset=Sector.objects.all()
    )
    size_band = django_filters.ChoiceFilter(
        label="Size",
        field_name="employer__size_band",
        choices=SizeBand.choices,
        empty_label="All",
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Submission
        fields = []


def employer_name(submission: Submission) -> str:
    return submission.employer.organisation.name


class ReviewQueueIndexView(EmployerTitleMixin, IndexView):
    """Nothing to add, edit, delete or export here: a submission is decided on its page."""

    page_title = "Review queue"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.is_export = False

    @cached_property
    def columns(self):
        return [c for c in super().columns if not isinstance(c, BulkActionsCheckboxColumn)]

    def get_add_url(self):
        return None


class SubmissionHistoryView(EmployerHistoryView):
    """A submission's history is its employer's: every submission and decision."""

    names_members = False

    def employer_pk(self) -> int:
        return self.object.employer_id


class SubmissionReviewView(InspectView):
    """The review screen. With the reviewer's permission and while the submission waits, it
    offers Approve, Ask for changes and Refuse, each a form that posts to its own address."""

    template_name = "employers/admin/review.html"
    decision_url_names: dict[str, str] = {}
    employer_url_name = None
    employer_history_url_name = None

    def get_object(self, queryset=None):
        submissions = Submission.objects.select_related(
            "employer__organisation", "employer__sector", "decided_by"
        ).prefetch_related("employer__organisation__areas")
        return get_object_or_404(submissions, pk=self.pk)

    def get_page_title(self):
        return "Review"

    def get_page_subtitle(self):
        return f"{employer_name(self.object)}: {self.object.get_kind_display()}"

    def get_fields_context(self):
        return []  # the template shows the plan

    def compared_with(self) -> dict | None:
        """The plan approved before this one: what is published while this one waits; for a
        decided one, the last approved before it. None for a first pledge."""
        submission = self.object
        if submission.kind == SubmissionKind.FIRST:
            return None
        if submission.decision == Decision.PENDING:
            return submission.employer.published or None
        earlier = (
            Submission.objects.filter(
                employer_id=submission.employer_id,
                decision=Decision.APPROVED,
                submitted_at__lt=submission.submitted_at,
            )
            .order_by("-submitted_at", "-pk")
            .values_list("snapshot", flat=True)
            .first()
        )
        return earlier or None

    @cached_property
    def may_decide(self) -> bool:
        return self.object.decision == Decision.PENDING and self.user_has_permission("review")

    def decision_forms(self, bound=None) -> dict:
        blank = {"approve": ApproveForm(), "changes": RequestChangesForm(), "reject": RejectForm()}
        return blank | (bound or {})

    def get_context_data(self, bound_forms=None, **kwargs):
        context = super().get_context_data(**kwargs)
        submission = self.object
        employer = submission.employer
        before = self.compared_with()
        changes = compare(before, submission.snapshot) if before is not None else None
        context.update(
            submission=submission,
            employer=employer,
            plan=plan_for_review(submission.snapshot, changes),
            changes=changes,
            compares=submission.kind != SubmissionKind.FIRST,
            standing=standing_label(employer),
            districts=", ".join(area.name for area in employer.organisation.areas.all()),
            decided_by=self.decided_by(),
            may_decide=self.may_decide,
            # The workplace pledge settings may ask only the self-review and what changed of a
            # renewal: the whole plan is then folded away (the same queue and decisions).
            light=submission.kind == SubmissionKind.RENEWAL
            and employer_settings(self.request).renewal_review == RenewalReview.LIGHT,
        )
        if self.may_decide:
            decision_forms = self.decision_forms(bound_forms)
            context["decisions"] = [
                {
                    "name": name,
                    "form": decision_forms[name],
                    "url": reverse(self.decision_url_names[name], args=[submission.pk]),
                }
                for name in ("approve", "changes", "reject")
            ]
        return context

    def decided_by(self) -> str:
        user = self.object.decided_by
        if user is None:
            return ""
        return user.get_full_name().strip() or user.get_username()

    @cached_property
    def header_more_buttons(self):
        buttons = []
        employer_pk = self.object.employer_id
        if self.employer_url_name:
            url = reverse(self.employer_url_name, args=[employer_pk])
            buttons.append(Button("The employer", url=url, icon_name="info-circle", priority=10))
        if self.employer_history_url_name:
            url = reverse(self.employer_history_url_name, args=[employer_pk])
            buttons.append(Button("History", url=url, icon_name="history", priority=20))
        return buttons


class DecisionView(SubmissionReviewView):
    """One decision on a waiting submission, posted from the review screen. A form with a
    problem shows the review screen again with the problem beside the field, nothing changed."""

    http_method_names = ["post"]
    permission_required = "review"
    any_permission_required = None
    name = ""
    form_class: type[forms.Form] = ApproveForm
    index_url_name = None
    inspect_url_name = None

    def decide(self, data) -> None:
        raise NotImplementedError

    def success_message(self) -> str:
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        form = self.form_class(request.POST)
        if not form.is_valid():
            problems = [error for errors in form.errors.values() for error in errors]
            messages.error(request, " ".join(problems) or "Check the form below.")
            context = self.get_context_data(bound_forms={self.name: form})
            return self.render_to_response(context, status=400)
        try:
            self.decide(form.cleaned_data)
        except EmployerError as refused:
            messages.error(request, str(refused))
            return redirect(reverse(self.inspect_url_name, args=[self.object.pk]))
        messages.success(request, self.success_message())
        return redirect(self.index_url_name)


class ApproveView(DecisionView):
    name = "approve"
    form_class = ApproveForm

    def decide(self, data):
        review.approve(submission=self.object, by=self.request.user)

    def success_message(self):
        return (
            f"Approved: {employer_name(self.object)}'s workplace pledge is published. Its "
            "members have been emailed."
        )


class RequestChangesView(DecisionView):
    name = "changes"
    form_class = RequestChangesForm

    def decide(self, data):
        review.request_changes(
            submission=self.object, by=self.request.user, message=data["message"]
        )

    def success_message(self):
        return (
            f"Sent back to {employer_name(self.object)} with your message. Its members have "
            "been emailed."
        )


class RejectView(DecisionView):
    name = "reject"
    form_class = RejectForm

    def decide(self, data):
        review.reject(submission=self.object, by=self.request.user, reason=data["reason"])

    def success_message(self):
        return f"Not approved: {employer_name(self.object)}'s members have been emailed the reason."
