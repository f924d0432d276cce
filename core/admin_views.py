"""One screen for a Data officer: type an email address, see what every app holds for it, download
it all as one JSON file, or erase it all (core/personal_data.py) after a confirmation page.

The address travels only in POST bodies, never in a URL (browser history, referrers, logs). GET
shows the empty form and never changes anything; every POST carries the CSRF token."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from .forms import PlainTextFormMixin
from .personal_data import (
    NotAnAddress,
    erase_person,
    export_person,
    find_person,
    normalise_address,
    personal_data_sections,
)

# Given to Data officers by migration 0007_personal_data_roles.
LOOK_UP = "core.look_up_personal_data"
ERASE = "core.erase_personal_data"

LOOKUP_URL = "personal_data:lookup"
LOOKUP_TEMPLATE = "core/admin/personal_data.html"

INVALID_ADDRESS = "Enter an email address in the correct format, like name@example.com."


class AddressForm(PlainTextFormMixin, forms.Form):
    email = forms.EmailField(
        label="Email address",
        help_text="The address the person gave us. Capital letters and spaces around it do not "
        "matter.",
        error_messages={"required": "Enter an email address.", "invalid": INVALID_ADDRESS},
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_email(self):
        try:
            return normalise_address(self.cleaned_data["email"])
        except NotAnAddress:
            raise forms.ValidationError(INVALID_ADDRESS, code="invalid") from None


class PersonalDataMixin(WagtailAdminTemplateMixin):
    page_title = "Personal data"
    header_icon = "user"
    permissions_required: tuple[str, ...] = (LOOK_UP,)

    def dispatch(self, request, *args, **kwargs):
        # Before the method is looked at: a GET of a POST-only page says no to those who may
        # not use it, and 405 only to those who may.
        if not request.user.has_perms(self.permissions_required):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        if self.page_title == PersonalDataMixin.page_title:
            return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]
        return [
            *self.breadcrumbs_items,
            {"url": reverse(LOOKUP_URL), "label": PersonalDataMixin.page_title},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            lookup_url=reverse(LOOKUP_URL),
            download_url=reverse("personal_data:download"),
            erase_url=reverse("personal_data:erase"),
            may_erase=self.request.user.has_perm(ERASE),
            **kwargs,
        )

    def address_or_refusal(self, request):
        """The address posted, normalised, and None; or None and the look-up page showing why
        the address was refused (400), having looked up and changed nothing."""
        form = AddressForm(request.POST)
        if form.is_valid():
            return form.cleaned_data["email"], None
        context = self.get_context_data(form=form)
        return None, TemplateResponse(request, LOOKUP_TEMPLATE, context, status=400)


class PersonalDataView(PersonalDataMixin, TemplateView):
    """The look-up: GET shows the form; POST shows what every app holds for the address."""

    template_name = LOOKUP_TEMPLATE

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", AddressForm())
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        address, refusal = self.address_or_refusal(request)
        if refusal:
            return refusal
        found = find_person(address)
        return self.render_to_response(
            self.get_context_data(
                form=AddressForm(initial={"email": address}),
                address=address,
                found=found,
                holds_anything=any(entry.items for entry in found),
            )
        )


class DownloadPersonalDataView(PersonalDataMixin, View):
    """Everything every app holds for the address, as one JSON file."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        address, refusal = self.address_or_refusal(request)
        if refusal:
            return refusal
        response = JsonResponse(export_person(address), json_dumps_params={"indent": 2})
        response["Content-Disposition"] = 'attachment; filename="personal-data.json"'
        return response


class ErasePersonalDataView(PersonalDataMixin, TemplateView):
    """Erasure for someone who asked by phone, email or letter, in every app at once: the first
    POST shows what will go and asks to confirm; only the confirming POST erases."""

    template_name = "core/admin/personal_data_erase.html"
    page_title = "Erase personal data"
    header_icon = "bin"
    http_method_names = ["post"]
    permissions_required = (LOOK_UP, ERASE)

    def post(self, request, *args, **kwargs):
        address, refusal = self.address_or_refusal(request)
        if refusal:
            return refusal
        if request.POST.get("confirm") != "yes":
            return self.render_to_response(
                self.get_context_data(address=address, found=find_person(address))
            )
        erased = erase_person(address, by=request.user)
        labels = {section.key: section.label for section in personal_data_sections()}
        summary = "; ".join(f"{labels.get(key, key)}: {count}" for key, count in erased.items())
        # The message is kept in a cookie or the session until shown: it names no address.
        messages.success(request, f"Everything held about that address was erased ({summary}).")
        return redirect(LOOKUP_URL)


class PersonalDataViewSet(ViewSet):
    name = "personal_data"
    url_prefix = "personal-data"
    url_namespace = "personal_data"
    icon = "user"
    menu_label = "Personal data"
    menu_name = "personal-data"
    menu_order = 310  # after Pledges
    add_to_admin_menu = True

    def get_urlpatterns(self):
        return [
            path("", PersonalDataView.as_view(), name="lookup"),
            path("download/", DownloadPersonalDataView.as_view(), name="download"),
            path("erase/", ErasePersonalDataView.as_view(), name="erase"),
        ]

    @cached_property
    def menu_item_class(self):
        class PersonalDataMenuItem(MenuItem):
            def is_shown(self, request):
                return request.user.has_perm(LOOK_UP)

        return PersonalDataMenuItem
