"""Keeping bulk and automated pledges out: rate limits per client IP and per email address, and a
self-hosted proof-of-work challenge. Nothing here talks to a third party.

How the pieces fit:
- The pledge page is cached for everyone, so it cannot carry a challenge of its own. On page
  load static/js/pledge-pow.js fetches a fresh one from views.pow_challenge (never cached),
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

import hashlib
import ipaddress
import logging
import re
import secrets
from dataclasses import dataclass

from allauth import app_settings as allauth_settings
from allauth.core.internal.httpkit import get_client_ip
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from redis.exceptions import RedisError

from core.cache import CacheUnavailable, count_hits

logger = logging.getLogger(__name__)

# The cache being down: Redis errors, file-cache errors, and core.cache's "incr while down".
CACHE_ERRORS = (RedisError, OSError, CacheUnavailable)
POW_SIGNING_SALT = "pledges.pow"
NONCE = re.compile(r"[0-9]{1,20}")
# A signed challenge is about 100 characters; anything far longer is not one of ours.
MAX_CHALLENGE_LENGTH = 500

LIMITED_MESSAGE = (
    "We have had a lot of pledges from you in a short time, so we cannot take this one just "
    "now. Please wait a while and try again later. Your answers are still filled in below."
)


# Client IP ----------------------------------------------------------------------------------


def client_ip(request: HttpRequest) -> str:
    """The visitor's address as our own proxies saw it (allauth reads X-Forwarded-For from the
    right, skipping only the TRUSTED_PROXY_COUNT entries our proxies added, so a spoofed entry
    on the left is never used). IPv6 visitors are counted per network (a /64 by default, the
    block one household or phone usually gets, as allauth's own rate limits do), so rotating
    addresses inside it does not reset the count."""
    try:
        ip = get_client_ip(request)
    except ImproperlyConfigured:
        # Fewer X-Forwarded-For entries than proxies: the request did not come through them.
        ip = request.META.get("REMOTE_ADDR")
        logger.warning("X-Forwarded-For has fewer entries than TRUSTED_PROXY_COUNT")
    if not ip:
        return "unknown"
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        prefix = allauth_settings.RATE_LIMIT_IPV6_PREFIX
        return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
    return str(address)


# Rate limits --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limited:
    """A submission refused for now; `retry_after` is in seconds (for the Retry-After header)."""

    retry_after: int
    message: str = LIMITED_MESSAGE


def email_bucket(email: str) -> str:
    # Keyed on a keyed hash so the cache never holds email addresses.
    normalised = email.strip().lower()
    return salted_hmac("pledges.rate.email", normalised, algorithm="sha256").hexdigest()


def check_pledge_rate(*, ip: str, email: str, solved_work: bool) -> Limited | None:
    """Count one pledge submission against its IP, and against its email address from that IP;
    return `Limited` when either is over its limit. Submissions without solved proof of work
    (no JavaScript, or a bot) weigh PLEDGE_LIMIT_NO_JS_WEIGHT against the IP limit instead of 1."""
    weight = 1 if solved_work else max(1, settings.PLEDGE_LIMIT_NO_JS_WEIGHT)
    # One message and one Retry-After for both limits, so the answer never tells anyone that
    # somebody else has been using an address.
    limited = Limited(
        retry_after=max(settings.PLEDGE_LIMIT_IP_SECONDS, settings.PLEDGE_LIMIT_EMAIL_SECONDS)
    )
    try:
        # Both counters in one round trip. A submission over the IP limit also counts against
        # its email address: either way it is refused.
        ip_count, email_count = count_hits(
            [
                (f"pledges:rate:ip:{ip}", weight, settings.PLEDGE_LIMIT_IP_SECONDS),
                (
                    f"pledges:rate:email:{email_bucket(email)}:{ip}",
                    1,
                    settings.PLEDGE_LIMIT_EMAIL_SECONDS,
                ),
            ]
        )
    except CACHE_ERRORS:
        logger.warning("Pledge rate limits skipped: the cache is unavailable")
        return None
    if ip_count > settings.PLEDGE_LIMIT_PER_IP or email_count > settings.PLEDGE_LIMIT_PER_EMAIL:
        return limited
    return None


def may_send_confirmation(*, email: str) -> bool:
    """Count one confirmation email to `email`; False once the address has had
    PLEDGE_CONFIRMATIONS_PER_EMAIL of them today (from anyone, anywhere). Fails open."""
    try:
        (count,) = count_hits(
            [(f"pledges:confirmations:{email_bucket(email)}", 1, CONFIRMATIONS_WINDOW_SECONDS)]
        )
    except CACHE_ERRORS:
        return True
    return count <= settings.PLEDGE_CONFIRMATIONS_PER_EMAIL


CONFIRMATIONS_WINDOW_SECONDS = 24 * 3600


# Proof of work ------------------------------------------------------------------------------


def new_challenge() -> dict:
    """A fresh challenge for the browser: find a nonce so that sha256(salt + nonce) starts with
    `difficulty` zero bits. The signed `challenge` carries the salt and difficulty; the
    signature's timestamp is its expiry (PLEDGE_POW_SECONDS)."""
    salt = secrets.token_hex(16)
    difficulty = settings.PLEDGE_POW_BITS
    return {
        "challenge": signing.dumps({"salt": salt, "bits": difficulty}, salt=POW_SIGNING_SALT),
        "salt": salt,
        "difficulty": difficulty,
        "expires_in": settings.PLEDGE_POW_SECONDS,
    }


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte:
            return bits + 8 - byte.bit_length()
        bits += 8
    return bits


def verify_work(*, challenge: str, nonce: str) -> bool:
    """True for a genuine, unexpired, unused challenge with a nonce that does the work. Anything
    else is False, never an error: the submission then takes the no-JavaScript path."""
    if not challenge or len(challenge) > MAX_CHALLENGE_LENGTH or not NONCE.fullmatch(nonce):
        return False
    try:
        payload = signing.loads(
            challenge, salt=POW_SIGNING_SALT, max_age=settings.PLEDGE_POW_SECONDS
        )
    except (signing.BadSignature, ValueError):
        return False  # forged, altered or expired (SignatureExpired is a BadSignature)
    salt = payload.get("salt") if isinstance(payload, dict) else None
    bits = payload.get("bits") if isinstance(payload, dict) else None
    if not isinstance(salt, str) or not isinstance(bits, int):
        return False
    # A challenge issued before the difficulty was raised no longer counts.
    if bits < settings.PLEDGE_POW_BITS:
        return False
    digest = hashlib.sha256(f"{salt}{nonce}".encode()).digest()
    if leading_zero_bits(digest) < bits:
        return False
    try:
        # Single use: the salt is remembered until the challenge would have expired anyway.
        return cache.add(f"pledges:pow:used:{salt}", 1, timeout=settings.PLEDGE_POW_SECONDS)
    except CACHE_ERRORS:
        logger.warning("Proof-of-work reuse check skipped: the cache is unavailable")
        return True
