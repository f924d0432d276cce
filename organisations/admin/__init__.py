"""Organisations in Wagtail's admin, for staff: read-only (members change only through the
services, by the organisations' own owners)."""
