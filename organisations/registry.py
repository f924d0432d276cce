"""What features offer an organisation, registered from their `ready()`: the organisation's
overview lists each as a link for its members (employers: "Workplace pledge").

organisations knows no feature: it keeps the labels and callables features give it."""

from collections.abc import Callable
from dataclasses import dataclass

from .models import Organisation


@dataclass(frozen=True)
class OrganisationFeature:
    key: str
    label: str
    # The feature's page for this organisation, or None when it has nothing to offer it.
    url_for: Callable[[Organisation], str | None]
    order: int = 100


@dataclass(frozen=True)
class FeatureLink:
    key: str
    label: str
    url: str


_features: dict[str, OrganisationFeature] = {}


def register_organisation_feature(
    *, key: str, label: str, url_for: Callable[[Organisation], str | None], order: int = 100
) -> None:
    """Registering the same key again replaces it."""
    _features[key] = OrganisationFeature(key=key, label=label, url_for=url_for, order=order)


def unregister_organisation_feature(key: str) -> None:
    _features.pop(key, None)


def organisation_features() -> list[OrganisationFeature]:
    """Every registered feature, in order (then by key)."""
    return sorted(_features.values(), key=lambda feature: (feature.order, feature.key))


def feature_links(organisation: Organisation) -> list[FeatureLink]:
    """The links the organisation's overview shows: each feature with a page for it."""
    links = []
    for feature in organisation_features():
        url = feature.url_for(organisation)
        if url:
            links.append(FeatureLink(key=feature.key, label=feature.label, url=url))
    return links
