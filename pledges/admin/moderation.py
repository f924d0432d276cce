"""The moderation queue: pledge text, name shown, area and state, never personal data; approve
and reject in bulk or one at a time."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from wagtail.admin.widgets.button import HeaderButton, ListingButton
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.views.snippets import IndexView, InspectView

from pledges.models import Pledge, PledgeForModeration
from pledges.services.moderation import approve_pledges, reject_pledges

from .forms import ApproveForm, RejectForm
from .listing import ModerationFilterSet, PledgeColumnMixin, PledgeInspectMixin
from .permissions import moderation_policy

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
    done = ""  # what the action did, for the success message: "approved"

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

    def get_success_message(self, num_parent_objects, num_child_objects):
        if num_parent_objects == 1:
            return f"1 pledge {self.done}."
        return f"{num_parent_objects} pledges {self.done}."


class ApproveBulkAction(ModerationBulkAction):
    display_name = "Approve"
    action_type = "approve"
    done = "approved"
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


class RejectBulkAction(ModerationBulkAction):
    display_name = "Reject"
    action_type = "reject"
    done = "rejected"
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
