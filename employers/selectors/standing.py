"""Where an employer's pledge stands today, in the words the verification page and the badge
use. A pure reading of the employer's dates: nothing here queries or writes."""

import datetime
from dataclasses import dataclass
from enum import StrEnum

from employers.models import Employer, months_later

# Renewal is due from this many months before the end date (when the first reminder goes).
RENEWAL_DUE_MONTHS = 2


class Standing(StrEnum):
    CURRENT = "current"
    RENEWAL_DUE = "renewal due"
    LAPSED = "lapsed"
    WITHDRAWN = "withdrawn"


EXPLANATIONS = {
    Standing.CURRENT: "This employer's workplace pledge is current.",
    Standing.RENEWAL_DUE: (
        "This employer's workplace pledge is current, and due for renewal before it ends."
    ),
    Standing.LAPSED: "This employer's workplace pledge has lapsed: it was not renewed in time.",
    Standing.WITHDRAWN: "This employer has withdrawn its workplace pledge.",
}


@dataclass(frozen=True)
class PledgeStanding:
    standing: Standing
    since: datetime.datetime  # when it began to stand so
    until: datetime.datetime | None  # when it ends (None once lapsed or withdrawn)
    pledged_since: datetime.datetime

    @property
    def explanation(self) -> str:
        return EXPLANATIONS[self.standing]

    @property
    def is_public(self) -> bool:
        """Shown in the listing and on the public page."""
        return self.standing in (Standing.CURRENT, Standing.RENEWAL_DUE)


def standing_of(employer: Employer, now: datetime.datetime) -> PledgeStanding | None:
    """None if the employer has never had a pledge approved (there is nothing to verify)."""
    if employer.pledged_since is None or employer.valid_until is None:
        return None
    start = employer.approved_at or employer.pledged_since
    pledged = employer.pledged_since
    if employer.withdrawn_at is not None:
        return PledgeStanding(Standing.WITHDRAWN, employer.withdrawn_at, None, pledged)
    if now >= employer.valid_until:
        return PledgeStanding(Standing.LAPSED, employer.valid_until, None, pledged)
    due_from = months_later(employer.valid_until, -RENEWAL_DUE_MONTHS)
    if now >= due_from:
        return PledgeStanding(Standing.RENEWAL_DUE, due_from, employer.valid_until, pledged)
    return PledgeStanding(Standing.CURRENT, start, employer.valid_until, pledged)
