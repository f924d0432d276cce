"""Settings for the Celery worker that the outbox tests start (see conftest.py): the test settings,
except that tasks run in the worker, never eagerly, and email goes over SMTP to the test's sink."""

import os

from campaign_site.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
# The queue is unique to one test run, so parallel runs on the same Redis do not take each
# other's tasks; retries and the sweep publish to it too.
CELERY_TASK_DEFAULT_QUEUE = os.environ["MAILINGS_TEST_QUEUE"]
CELERY_IMPORTS = ["tests.mailings.worker_probe"]
# The tests use no remote control; without it the worker leaves no pidbox keys in Redis.
CELERY_WORKER_ENABLE_REMOTE_CONTROL = False

EMAIL_BACKEND = os.environ.get(
    "MAILINGS_TEST_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ["MAILINGS_TEST_SMTP_PORT"])
EMAIL_HOST_USER = ""
EMAIL_HOST_PASSWORD = ""
EMAIL_USE_TLS = False
EMAIL_USE_SSL = False
EMAIL_TIMEOUT = 5
# A short time limit shows a batch handing back what it could not send in time.
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("MAILINGS_TEST_SOFT_TIME_LIMIT", "60"))
