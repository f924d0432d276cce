"""Keeping bulk and automated pledges out: rate limits per client IP and per email address, and
the proof of work (the mechanisms are core.abuse; the rules for pledges are here).

How the pieces fit:
- The pledge page is cached for everyone, so it cannot carry a challenge of its own. On page
  load static/js/pledge-pow.js fetches a fresh one (core.abuse.challenge_view, never cached),
  finds a nonce in the background and puts both in hidden fields.
- A solved challenge is optional: the form must work without JavaScript. A submission without a
  valid solution is still accepted, but it weighs more against its IP's limit (see
  `PLEDGE_LIMIT_NO_JS_WEIGHT`), so a bot that skips the work gets only a few pledges through.
- Limits count submissions, never whether an address has pledged before: a repeat of the same
  pledge gives the same response as the first until the limit is reached, for anyone.
- The per-email limit counts an address's submissions from one client IP (network): someone
  typing another person's address cannot lock that person out, who pledges from elsewhere. What
  protects an inbox from being flooded is a separate cap on confirmation emails per address
  (`PLEDGE_CONFIRMATIONS_PER_EMAIL` a day): past it, pledges are still stored and answered
  the same, but no more confirmation emails go to that address that day.
- The cache (Redis) being down must never stop a real pledge, so every check here fails open.
"""

from dataclasses import dataclass

from django.conf import settings

from core.abuse import address_bucket, over_limits

LIMITED_MESSAGE = (
    "We have had a lot of pledges from you in a short time, so we cannot take this one just "
    "now. Please wait a while and try again later. Your answers are still filled in below."
)
CONFIRMATIONS_WINDOW_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Limited:
    """A submission refused for now; `retry_after` is in seconds (for the Retry-After header)."""

    retry_after: int
    message: str = LIMITED_MESSAGE


def email_bucket(email: str) -> str:
    return address_bucket("pledges.rate.email", email)


def check_pledge_rate(*, ip: str, email: str, solved_work: bool) -> Limited | None:
    """Count one pledge submission against its IP, and against its email address from that IP;
    return `Limited` when either is over its limit. Submissions without solved proof of work
    (no JavaScript, or a bot) weigh PLEDGE_LIMIT_NO_JS_WEIGHT against the IP limit instead of 1."""
    weight = 1 if solved_work else max(1, settings.PLEDGE_LIMIT_NO_JS_WEIGHT)
    # Both counters in one round trip. A submission over the IP limit also counts against its
    # email address: either way it is refused.
    over = over_limits(
        [
            (
                f"pledges:rate:ip:{ip}",
                weight,
                settings.PLEDGE_LIMIT_IP_SECONDS,
                settings.PLEDGE_LIMIT_PER_IP,
            ),
            (
                f"pledges:rate:email:{email_bucket(email)}:{ip}",
                1,
                settings.PLEDGE_LIMIT_EMAIL_SECONDS,
                settings.PLEDGE_LIMIT_PER_EMAIL,
            ),
        ],
        what="Pledge rate limits",
    )
    if not over:
        return None
    # One message and one Retry-After for both limits, so the answer never tells anyone that
    # somebody else has been using an address.
    return Limited(
        retry_after=max(settings.PLEDGE_LIMIT_IP_SECONDS, settings.PLEDGE_LIMIT_EMAIL_SECONDS)
    )


def may_send_confirmation(*, email: str) -> bool:
    """Count one confirmation email to `email`; False once the address has had
    PLEDGE_CONFIRMATIONS_PER_EMAIL of them today (from anyone, anywhere). Fails open."""
    over = over_limits(
        [
            (
                f"pledges:confirmations:{email_bucket(email)}",
                1,
                CONFIRMATIONS_WINDOW_SECONDS,
                settings.PLEDGE_CONFIRMATIONS_PER_EMAIL,
            )
        ],
        what="The confirmation email cap",
    )
    return not over
