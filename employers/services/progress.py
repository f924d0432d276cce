"""Progress on an approved plan's actions, and whether the public page shows it. Progress is
the employer's own report: it needs no review."""

from dataclasses import dataclass

from django.db import transaction

from core.content import pages_changed
from employers.models import Employer, PlanItem, ProgressUpdate


@dataclass(frozen=True)
class Progress:
    status: str
    text: str


@transaction.atomic
def record_progress(*, item: PlanItem, progress: Progress, by) -> ProgressUpdate:
    """A dated update on one action, which also sets where the action stands."""
    update = ProgressUpdate.objects.create(
        item=item, text=progress.text, status=progress.status, created_by=by
    )
    PlanItem.objects.filter(pk=item.pk).update(status=progress.status)
    if item.employer.show_progress:
        pages_changed()
    return update


@transaction.atomic
def set_show_progress(*, employer: Employer, show: bool) -> None:
    if (
        Employer.objects.filter(pk=employer.pk)
        .exclude(show_progress=show)
        .update(show_progress=show)
    ):
        pages_changed()
    employer.show_progress = show
