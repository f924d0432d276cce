"""Keeping bulk and automated submissions out of any public form: the client IP behind our
own proxies, rate limits counted on the cache, and a self-hosted proof-of-work challenge.
Nothing here talks to a third party, and the cache (Redis) being down never stops a real
submission: every check fails open.

Proof of work: a cached page cannot carry a challenge of its own, so the page's script fetches
a fresh one (`challenge_view`, never cached), finds a nonce in a Web Worker and puts both in
the form's hidden fields (`ProofOfWorkField`). A solved challenge is optional, the form must
work without JavaScript: a feature weighs an unsolved submission more against its limits."""

import hashlib
import ipaddress
import logging
import re
import secrets

from allauth import app_settings as allauth_settings
from allauth.core.internal.httpkit import get_client_ip
from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, JsonResponse
from django.utils.crypto import salted_hmac
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from redis.exceptions import RedisError

from .cache import CacheUnavailable, count_hits

logger = logging.getLogger(__name__)

# The cache being down: Redis errors, file-cache errors, and core.cache's "incr while down".
CACHE_ERRORS = (RedisError, OSError, CacheUnavailable)
POW_SIGNING_SALT = "abuse.pow"
NONCE = re.compile(r"[0-9]{1,20}")
# A signed challenge is about 100 characters; anything far longer is not one of ours.
MAX_CHALLENGE_LENGTH = 500


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


def address_bucket(namespace: str, email: str) -> str:
    """A keyed hash of an email address, so the cache never holds addresses."""
    normalised = email.strip().lower()
    return salted_hmac(namespace, normalised, algorithm="sha256").hexdigest()


def over_limits(limits: list[tuple[str, int, int, int]], *, what: str) -> bool | None:
    """Count hits against several limits in one round trip: each (key, weight, window seconds,
    most allowed). True when any is over; None when the cache is down (the caller lets the
    submission through, `what` names it in the warning)."""
    try:
        counts = count_hits([(key, weight, window) for key, weight, window, _ in limits])
    except CACHE_ERRORS:
        logger.warning("%s skipped: the cache is unavailable", what)
        return None
    return any(count > most for count, (*_, most) in zip(counts, limits, strict=True))


# Proof of work ------------------------------------------------------------------------------


def new_challenge() -> dict:
    """A fresh challenge for the browser: find a nonce so that sha256(salt + nonce) starts with
    `difficulty` zero bits. The signed `challenge` carries the salt and difficulty; the
    signature's timestamp is its expiry (PROOF_OF_WORK_SECONDS)."""
    salt = secrets.token_hex(16)
    difficulty = settings.PROOF_OF_WORK_BITS
    return {
        "challenge": signing.dumps({"salt": salt, "bits": difficulty}, salt=POW_SIGNING_SALT),
        "salt": salt,
        "difficulty": difficulty,
        "expires_in": settings.PROOF_OF_WORK_SECONDS,
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
            challenge, salt=POW_SIGNING_SALT, max_age=settings.PROOF_OF_WORK_SECONDS
        )
    except (signing.BadSignature, ValueError):
        return False  # forged, altered or expired (SignatureExpired is a BadSignature)
    salt = payload.get("salt") if isinstance(payload, dict) else None
    bits = payload.get("bits") if isinstance(payload, dict) else None
    if not isinstance(salt, str) or not isinstance(bits, int):
        return False
    # A challenge issued before the difficulty was raised no longer counts.
    if bits < settings.PROOF_OF_WORK_BITS:
        return False
    digest = hashlib.sha256(f"{salt}{nonce}".encode()).digest()
    if leading_zero_bits(digest) < bits:
        return False
    try:
        # Single use: the salt is remembered until the challenge would have expired anyway.
        return cache.add(f"abuse:pow:used:{salt}", 1, timeout=settings.PROOF_OF_WORK_SECONDS)
    except CACHE_ERRORS:
        logger.warning("Proof-of-work reuse check skipped: the cache is unavailable")
        return True


@never_cache  # each visitor needs their own challenge; the form's page itself is cached for all
@require_GET
def challenge_view(request):
    """A fresh proof-of-work challenge for static/js/pledge-pow.js."""
    return JsonResponse(new_challenge())


class ProofOfWorkField(forms.CharField):
    """A hidden field that never fails validation: a missing or wrong value only means the
    submission takes the no-JavaScript path, and an error here could not be shown or fixed."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def clean(self, value):
        return value if isinstance(value, str) and len(value) <= MAX_CHALLENGE_LENGTH else ""
