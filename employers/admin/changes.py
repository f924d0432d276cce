"""A submitted plan as a reviewer reads it, and what changed compared with the plan approved
before it: commitments added, dropped or changed (what, who, by when), the organisation's
details and the signatory. Reads the snapshots only (employers.selectors.plans.snapshot_of)."""

import datetime
from dataclasses import dataclass, field

from django.utils.formats import date_format

# What the reviewer is shown of each commitment, in the order shown.
ITEM_FIELDS = {
    "title": "Commitment",
    "explanation": "What it means",
    "action": "What they will do",
    "responsible": "Who is responsible",
    "due_by": "By when",
}
DETAIL_FIELDS = {
    "organisation": "Organisation",
    "sector": "Sector",
    "size_band": "Size",
}
SIGNATORY_FIELDS = {
    "name": "Signed by",
    "role": "Their role",
    "on": "Signed on",
}
DATE_FIELDS = {"due_by", "on"}


def readable_date(value) -> str:
    """An ISO date from a snapshot as '3 December 2027'; anything else as it is."""
    if not value:
        return ""
    try:
        return date_format(datetime.date.fromisoformat(str(value)), "j F Y")
    except ValueError:
        return str(value)


def _text(name: str, value) -> str:
    if name in DATE_FIELDS:
        return readable_date(value)
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Difference:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class ItemChange:
    """One commitment: "added", "removed" or "changed" (with what changed)."""

    title: str
    change: str
    differences: tuple[Difference, ...] = ()


@dataclass(frozen=True)
class PlanChanges:
    details: tuple[Difference, ...] = ()
    items: tuple[ItemChange, ...] = ()
    unchanged: int = 0  # commitments exactly as approved

    @property
    def any(self) -> bool:
        return bool(self.details or self.items)


@dataclass(frozen=True)
class PlanLine:
    """One commitment of a submitted plan, for the review screen."""

    title: str
    theme: str
    explanation: str
    own: bool
    action: str
    responsible: str
    due_by: str
    change: str = ""  # "added" or "changed" compared with the approved plan, if compared


@dataclass(frozen=True)
class PlanForReview:
    organisation: str
    sector: str
    size_band: str
    signed_by_name: str
    signed_by_role: str
    signed_on: str
    lines: list[PlanLine] = field(default_factory=list)


def _differences(before: dict, after: dict, labels: dict[str, str]) -> tuple[Difference, ...]:
    return tuple(
        Difference(label, _text(name, before.get(name)), _text(name, after.get(name)))
        for name, label in labels.items()
        if _text(name, before.get(name)) != _text(name, after.get(name))
    )


def _pair_items(before: list[dict], after: list[dict]):
    """(old, new) pairs: the same plan item (its id), else the same title; None where a
    commitment is new or dropped."""
    unmatched = list(before)
    pairs = []
    for item in after:
        match = next((old for old in unmatched if old.get("id") == item.get("id")), None)
        if match is None:
            match = next((old for old in unmatched if old.get("title") == item.get("title")), None)
        if match is not None:
            unmatched.remove(match)
        pairs.append((match, item))
    pairs += [(old, None) for old in unmatched]
    return pairs


def compare(before: dict, after: dict) -> PlanChanges:
    """What changed from the plan `before` (as approved) to `after` (as submitted)."""
    details = _differences(before, after, DETAIL_FIELDS) + _differences(
        before.get("signed_by") or {}, after.get("signed_by") or {}, SIGNATORY_FIELDS
    )
    items, unchanged = [], 0
    for old, new in _pair_items(before.get("items") or [], after.get("items") or []):
        if old is None:
            items.append(ItemChange(new.get("title", ""), "added"))
        elif new is None:
            items.append(ItemChange(old.get("title", ""), "removed"))
        elif differences := _differences(old, new, ITEM_FIELDS):
            items.append(ItemChange(new.get("title", ""), "changed", differences))
        else:
            unchanged += 1
    return PlanChanges(details=details, items=tuple(items), unchanged=unchanged)


def plan_for_review(snapshot: dict, changes: PlanChanges | None = None) -> PlanForReview:
    signed = snapshot.get("signed_by") or {}
    marked = {i.title: i.change for i in changes.items if i.change != "removed"} if changes else {}
    return PlanForReview(
        organisation=snapshot.get("organisation", ""),
        sector=snapshot.get("sector", ""),
        size_band=snapshot.get("size_band", ""),
        signed_by_name=signed.get("name") or "",
        signed_by_role=signed.get("role") or "",
        signed_on=readable_date(signed.get("on")),
        lines=[
            PlanLine(
                title=item.get("title", ""),
                theme=item.get("theme", ""),
                explanation=item.get("explanation", ""),
                own=bool(item.get("own")),
                action=item.get("action", ""),
                responsible=item.get("responsible", ""),
                due_by=readable_date(item.get("due_by")),
                change=marked.get(item.get("title", ""), ""),
            )
            for item in snapshot.get("items") or []
        ],
    )
