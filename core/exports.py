"""Spreadsheet exports from the admin open safely, whatever is stored: no cell runs as a
formula, and no cell holds a character XLSX cannot (which made the export fail)."""

import re

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from wagtail.admin.views.mixins import SpreadsheetExportMixin

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
