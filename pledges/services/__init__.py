"""Pledges' operations: everything that changes a pledge's state. Views, tasks, the admin and
the demo call these; the rules live here. Making and confirming are offered here; moderation,
reminders and privacy as their own modules (pledges.services.moderation, …)."""

from .confirming import after_confirmation, confirm_pledge, record_outcome, set_visibility
from .making import PledgeDetails, make_pledge, queue_confirmation, queue_recorded
from .reminders import OUTCOME_ANSWERS

__all__ = [
    "OUTCOME_ANSWERS",
    "PledgeDetails",
    "after_confirmation",
    "confirm_pledge",
    "make_pledge",
    "queue_confirmation",
    "queue_recorded",
    "record_outcome",
    "set_visibility",
]
