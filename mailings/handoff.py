"""Handing outbox emails to the worker as Celery tasks. If the broker is down, the emails wait
in the outbox for the beat sweep: nothing here raises into the caller.

The tasks are found by name on the Celery app (mailings/apps.py imports mailings.tasks, which
registers them): the tasks call the sweep, which calls this, so importing them here would make a
circle. Their `.delay`, unlike `send_task`, still runs them at once under task_always_eager.
"""

import logging

from celery import current_app

from .pacing import batch_size

logger = logging.getLogger(__name__)

SEND_EMAIL = "mailings.tasks.send_email"
SEND_EMAILS = "mailings.tasks.send_emails"
BATCH_SIZE = 50


def enqueue_delivery(email_id: int) -> bool:
    """Hand an email to the worker. If the broker is down the row waits for the sweep."""
    send_email = current_app.tasks[SEND_EMAIL]
    try:
        send_email.delay(email_id)
    except Exception as exc:  # noqa: BLE001 - whatever the broker says, the sweep retries
        logger.warning("could not queue email %s: %s", email_id, type(exc).__name__)
        return False
    return True


def enqueue_delivery_batches(email_ids: list[int]) -> int:
    """One task per batch of emails; returns how many emails were handed over. If the broker
    is down the rest wait for the sweep. With a sending rate, batches are what the rate
    allows in a few seconds (mailings.pacing.batch_size)."""
    send_emails = current_app.tasks[SEND_EMAILS]
    size = batch_size(most=BATCH_SIZE)
    handed_over = 0
    for start in range(0, len(email_ids), size):
        chunk = email_ids[start : start + size]
        try:
            send_emails.delay(chunk)
        except Exception as exc:  # noqa: BLE001 - whatever the broker says, the sweep retries
            logger.warning("could not queue %s emails: %s", len(chunk), type(exc).__name__)
            break
        handed_over += len(chunk)
    return handed_over
