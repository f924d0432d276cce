"""Loaded by the test worker (CELERY_IMPORTS in worker_settings): writes one JSON line per finished
task to MAILINGS_TEST_EVENTS, so the tests know what the worker did without reading its logs
(which redact task ids, as they look like tokens). It observes and changes nothing."""

import json
import os

from celery.signals import task_postrun, worker_ready


def _write(**event) -> None:
    # One short append per event: lines from the pool's processes do not interleave.
    with open(os.environ["MAILINGS_TEST_EVENTS"], "a", encoding="utf-8") as events:
        events.write(json.dumps(event) + "\n")


@worker_ready.connect
def _ready(**kwargs):
    _write(event="ready", pid=os.getpid())


@task_postrun.connect
def _finished(task_id=None, task=None, args=None, retval=None, state=None, **kwargs):
    retval = retval if isinstance(retval, str | int | dict | None) else type(retval).__name__
    _write(
        event="task",
        id=task_id,
        task=task.name,
        args=list(args or ()),
        state=state,
        retval=retval,
        pid=os.getpid(),
    )
