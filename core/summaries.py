"""The sections of the comms team's weekly summary email.

Each app says, from its `AppConfig.ready()`, what the weekly email tells about it
(`register_summary_section`): a key, a title, and a callable that takes the period's start and
end (aware datetimes, end excluded) and returns what the section shows, as a template context
(a dict) or as plain text. The email puts the sections in order. core knows no app: it keeps the
callables apps give it."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SummarySection:
    key: str
    title: str
    build: Callable[[datetime.datetime, datetime.datetime], dict | str]
    order: int = 100


_sections: dict[str, SummarySection] = {}


def register_summary_section(
    *,
    key: str,
    title: str,
    build: Callable[[datetime.datetime, datetime.datetime], dict | str],
    order: int = 100,
) -> None:
    """Registering the same key again replaces the section."""
    _sections[key] = SummarySection(key=key, title=title, build=build, order=order)


def unregister_summary_section(key: str) -> None:
    _sections.pop(key, None)


def summary_sections() -> list[SummarySection]:
    """Every registered section, in order (then by key)."""
    return sorted(_sections.values(), key=lambda section: (section.order, section.key))
