"""An owner withdraws the workplace pledge: it leaves the listing and its public page at once,
and its verification page says "withdrawn" from then on. A plan waiting for review is
withdrawn with it. The employer may pledge again later (a first pledge once more)."""

from django.db import transaction
from django.utils import timezone

from core import audit
from core.content import pages_changed
from employers.models import Decision, Employer, PlanState

from .errors import EmployerError


@transaction.atomic
def withdraw(*, employer: Employer, by) -> None:
    locked = Employer.objects.select_for_update().get(pk=employer.pk)
    pending = locked.submissions.filter(decision=Decision.PENDING)
    if locked.withdrawn_at is not None or (locked.pledged_since is None and not pending.exists()):
        raise EmployerError("There is no pledge to withdraw.")
    now = timezone.now()
    pending.update(decision=Decision.REJECTED, decided_at=now, message="Withdrawn by the employer.")
    if locked.pledged_since is not None:
        locked.withdrawn_at = now
    locked.next_event_at = None
    locked.state = PlanState.DRAFT
    locked.state_changed_at = now
    locked.save(update_fields=["withdrawn_at", "next_event_at", "state", "state_changed_at"])
    audit.record(Employer, [locked.pk], "employers.withdraw", by=by, noun="Employer")
    pages_changed()
    employer.withdrawn_at, employer.state = locked.withdrawn_at, locked.state
