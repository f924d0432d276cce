"""The Celery application. Exactly one beat process runs the schedule below (see README)."""

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import celeryd_init, setup_logging, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campaign_site.settings.dev")

app = Celery("campaign_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_the_sites_logging(**kwargs):
    """Workers log like the web processes: one line per event, personal data removed
    (settings.LOGGING), rather than Celery's own set-up. Configured again here, before Celery
    swaps sys.stdout for a proxy that logs to the "celery" logger: a handler bound to that
    proxy loses Celery's own records (connection lost, unrecoverable errors) without a trace."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


# Publishing (the relay thread, web requests) gives up on a dead broker after one quick retry:
# the outbox sweep hands the emails over later. A worker must instead wait for the broker to
# come back: with those options it gave up reconnecting after a Redis restart, and exited.
PUBLISHING_ONLY_OPTIONS = ("max_retries", "interval_start", "interval_step", "interval_max")


@celeryd_init.connect
def wait_for_the_broker(conf=None, **kwargs):
    conf.broker_transport_options = {
        key: value
        for key, value in conf.broker_transport_options.items()
        if key not in PUBLISHING_ONLY_OPTIONS
    }


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
    # Check-ins, renewal reminders and lapses: rows with a due time, swept like reminders.
    "employers-send-due-events": {
        "task": "employers.tasks.send_due_events",
        "schedule": 300.0,
    },
    "employers-refresh-figures": {
        "task": "employers.tasks.refresh_figures",
        "schedule": 600.0,
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
