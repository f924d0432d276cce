"""Pledges staff take for people by phone, on paper or at events."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path
from django.utils.functional import cached_property
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from pledges.models import Pledge
from pledges.services.moderation import add_assisted_pledge

from .forms import AssistedPledgeForm
from .permissions import ADD, VIEW_PERSONAL_DATA


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
