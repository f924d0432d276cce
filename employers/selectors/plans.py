"""Reads of an employer's plan: what its members edit, and the copy a submission keeps and an
approval publishes."""

from django.db.models import Prefetch, QuerySet

from employers.models import Commitment, Employer, PlanItem, ProgressUpdate


def active_commitments() -> QuerySet[Commitment]:
    return Commitment.objects.filter(active=True).order_by("theme", "sort_order", "pk")


def plan_items(employer: Employer) -> QuerySet[PlanItem]:
    return employer.items.select_related("commitment").order_by("sort_order", "pk")


def items_with_updates(employer: Employer) -> QuerySet[PlanItem]:
    return plan_items(employer).prefetch_related(
        Prefetch("updates", queryset=ProgressUpdate.objects.order_by("-created_at", "-pk"))
    )


def missing_for_submission(employer: Employer, *, minimum: int) -> list[str]:
    """What stops the plan being submitted, in plain words (empty when it can go)."""
    items = list(plan_items(employer))
    problems = []
    if len(items) < minimum:
        problems.append(f"Choose at least {minimum} commitments (you have {len(items)}).")
    incomplete = [item.title for item in items if not item.is_complete]
    if incomplete:
        problems.append(
            "Say what you will do, who is responsible and by when for: "
            + "; ".join(incomplete)
            + "."
        )
    if not (employer.signed_by_name and employer.signed_by_role and employer.signed_on):
        problems.append("Ask a senior leader to sign the pledge.")
    return problems


def snapshot_of(employer: Employer) -> dict:
    """The plan as a reviewer reads it and the public page shows it once approved. Items keep
    their ids, so the public page can show the progress made on them since."""
    organisation = employer.organisation
    return {
        "organisation": organisation.name,
        "sector": employer.sector.name if employer.sector_id and employer.sector else "",
        "size_band": employer.get_size_band_display(),
        "signed_by": {
            "name": employer.signed_by_name,
            "role": employer.signed_by_role,
            "on": employer.signed_on.isoformat() if employer.signed_on else None,
        },
        "items": [
            {
                "id": item.pk,
                "title": item.title,
                "theme": item.commitment.get_theme_display() if item.commitment else "",
                "explanation": (
                    item.commitment.explanation if item.commitment else item.own_explanation
                ),
                "own": item.commitment_id is None,
                "action": item.action,
                "responsible": item.responsible,
                "due_by": item.due_by.isoformat() if item.due_by else None,
            }
            for item in plan_items(employer)
        ],
    }
