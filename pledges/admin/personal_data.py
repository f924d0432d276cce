"""All pledges with the personal data Data officers need, their export, and erasing one."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import HeaderButton
from wagtail.snippets.views.snippets import IndexView, InspectView

from core.exports import GuardedExportMixin
from pledges.models import Pledge
from pledges.services.privacy import erase_pledge

from .listing import PledgeColumnMixin, PledgeInspectMixin, consent_summary
from .permissions import ADD, personal_data_policy


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
