"""The Celery application. Exactly one beat process runs the schedule below (see README)."""

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campaign_site.settings.dev")

app = Celery("campaign_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def check_database_connections(task=None, **kwargs):
    """Before each task, as before each request: drop a connection that is broken or older than
    CONN_MAX_AGE (see CELERY_DB_REUSE_MAX). Not for tasks run in the caller's process."""
    if task is not None and getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


app.conf.beat_schedule = {
    # Re-queues outbox rows that were never queued (broker down) or are due a retry.
    "mailings-sweep-outbox": {
        "task": "mailings.tasks.sweep_outbox",
        "schedule": 60.0,
    },
    "pledges-refresh-counters": {
        "task": "pledges.tasks.refresh_counters",
        "schedule": 60.0,
    },
    # Reminders are rows with a due time, not ETA tasks: this sweep finds and queues them.
    "pledges-send-due-reminders": {
        "task": "pledges.tasks.send_due_reminders",
        "schedule": 300.0,
    },
    "pledges-apply-retention": {
        "task": "pledges.tasks.apply_retention",
        "schedule": crontab(hour=2, minute=41),
    },
    "mailings-purge-sent-email": {
        "task": "mailings.tasks.purge_old_email",
        "schedule": crontab(hour=3, minute=17),
    },
}
