"""The workplace pledge in figures: what the beat task last computed (employers.selectors.figures),
read from the cache only. Nothing is counted when the page is opened."""

import datetime

from django.core.exceptions import PermissionDenied
from django.urls import path
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from employers.selectors.figures import get_figures

from .permissions import VIEW_FIGURES

NOT_YET = "Figures are computed every 10 minutes."


def computed_at(figures: dict):
    try:
        return timezone.localtime(datetime.datetime.fromisoformat(figures["computed_at"]))
    except (KeyError, TypeError, ValueError):
        return None


class FiguresView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "employers/admin/figures.html"
    page_title = "Workplace pledge figures"
    header_icon = "table"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(VIEW_FIGURES):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        figures = get_figures()
        return super().get_context_data(
            figures=figures,
            computed_at=computed_at(figures) if figures else None,
            not_yet=NOT_YET,
            **kwargs,
        )


class FiguresViewSet(ViewSet):
    name = "employers_figures"
    url_prefix = "workplace-pledge/figures"
    icon = "table"
    menu_label = "Figures"
    menu_name = "workplace-pledge-figures"

    def get_urlpatterns(self):
        return [path("", FiguresView.as_view(), name="index")]

    @cached_property
    def menu_item_class(self):
        class FiguresMenuItem(MenuItem):
            def is_shown(self, request):
                return request.user.has_perm(VIEW_FIGURES)

        return FiguresMenuItem
