"""Addresses that must get no more email: unsubscribed, bounced or erased."""

from .models import OutboundEmail, Suppression, address_hash


def suppressed_among(addresses) -> set[str]:
    """Which of these addresses (as given) are suppressed, in one query."""
    hashes = {address: address_hash(address) for address in addresses}
    suppressed = set(
        Suppression.objects.filter(address_hash__in=set(hashes.values())).values_list(
            "address_hash", flat=True
        )
    )
    return {address for address, hashed in hashes.items() if hashed in suppressed}


def is_suppressed(address: str) -> bool:
    return Suppression.objects.filter(address_hash=address_hash(address)).exists()


def suppress(*, address: str, reason: str) -> Suppression:
    """Stop all email to an address at once, including emails already waiting to be sent."""
    suppression, _ = Suppression.objects.get_or_create(
        address_hash=address_hash(address), defaults={"reason": reason}
    )
    OutboundEmail.objects.filter(
        to__iexact=address.strip(), status=OutboundEmail.Status.PENDING
    ).update(status=OutboundEmail.Status.CANCELLED)
    return suppression
