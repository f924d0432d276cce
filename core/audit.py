"""Audit entries in Wagtail's log (what the admin's History screens show), for changes made
through a feature's services rather than Wagtail's own edit views.

Entries name an item by number only ("Pledge 42"): its words may be erased later, the record
of who did what stays. Each feature names its actions in its own namespace ("pledges.approve")
and registers their labels with Wagtail's `register_log_actions` hook."""

import uuid
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from wagtail.models import ModelLogEntry


def _content_type(model: type[models.Model]) -> ContentType:
    # A proxy model (a role's view of a model) keeps its own history.
    return ContentType.objects.get_for_model(model, for_concrete_model=False)


def record(
    model: type[models.Model],
    pks: Iterable[int],
    action: str,
    *,
    by,
    noun: str,
    data: dict | None = None,
) -> None:
    """One audit entry per item, in one query (a moderator may act on hundreds at once)."""
    content_type = _content_type(model)
    user = by if getattr(by, "is_authenticated", False) else None
    now, batch = timezone.now(), uuid.uuid4()
    ModelLogEntry.objects.bulk_create(
        ModelLogEntry(
            content_type=content_type,
            object_id=str(pk),
            label=f"{noun} {pk}",
            action=action,
            data=data or {},
            user=user,
            timestamp=now,
            uuid=batch,
        )
        for pk in pks
    )


def history(model: type[models.Model], pks: Iterable[int]) -> QuerySet[ModelLogEntry]:
    return ModelLogEntry.objects.filter(
        content_type=_content_type(model), object_id__in=[str(pk) for pk in pks]
    )


def forget_history(model: type[models.Model], pks: Iterable[int]) -> None:
    """Delete the record of erased items (what was done to them, and why)."""
    history(model, pks).delete()


def scrub_history(model: type[models.Model], pks: Iterable[int]) -> None:
    """Keep who did what, without the reasons given (anonymised items)."""
    history(model, pks).exclude(data={}).update(data={})
