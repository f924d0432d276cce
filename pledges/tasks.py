"""Thin Celery tasks for pledges: each calls one service."""

from celery import shared_task

from . import counters, privacy


@shared_task
def refresh_counters() -> int:
    return counters.refresh_counters()["total"]


@shared_task
def apply_retention() -> dict:
    return privacy.apply_retention()
