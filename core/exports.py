"""Spreadsheet exports from the admin: only for those given the permission to export (seeing a
listing is not enough), and safe to open whatever is stored: no cell runs as a formula, and no
cell holds a character XLSX cannot (which made the export fail)."""

import re
from collections import OrderedDict
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.utils.functional import cached_property
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from wagtail.admin.views.generic.models import IndexView
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.coreutils import multigetattr


class GuardedExportMixin(IndexView):
    """For a listing whose export holds personal data: the CSV/XLSX links and files need the
    policy's "export" action. `export_values` names columns worked out from an item rather
    than read from it (e.g. a summary of related records)."""

    export_values: dict[str, Callable] = {}

    def dispatch(self, request, *args, **kwargs):
        if self.is_export and not self.user_has_permission("export"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def show_export_buttons(self):
        return bool(self.list_export) and self.user_has_permission("export")

    def to_row_dict(self, item):
        return OrderedDict(
            (
                field,
                self.export_values[field](item)
                if field in self.export_values
                else multigetattr(item, field),
            )
            for field in self.list_export
        )


# A cell starting with one of these is run as a formula by Excel, LibreOffice or Sheets
# (the full-width forms too, in some locales). A leading quote makes it plain text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")

# What an XLSX cell cannot hold (control characters other than tab and line breaks): openpyxl
# refuses them. CSV cells get the same treatment, so both files say the same thing.
UNSTORABLE: re.Pattern = ILLEGAL_CHARACTERS_RE
REPLACEMENT = "\ufffd"


def spreadsheet_safe(value):
    """A cell value that every spreadsheet program opens as the plain text it is."""
    if not isinstance(value, str):
        return value
    value = UNSTORABLE.sub(REPLACEMENT, value)
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def make_every_export_safe() -> None:
    """Every admin export (snippet listings, Wagtail's reports and redirects) writes its cells
    through SpreadsheetExportMixin.preprocess_field_value, and Wagtail has no setting for what
    a cell may hold: so each cell is made safe there, whatever is stored. Called once, when the
    app is ready."""
    original = SpreadsheetExportMixin.preprocess_field_value
    if original.__module__ == __name__:  # made safe already
        return

    def preprocess_field_value(self, field, value, export_format):
        return spreadsheet_safe(original(self, field, value, export_format))

    SpreadsheetExportMixin.preprocess_field_value = preprocess_field_value
