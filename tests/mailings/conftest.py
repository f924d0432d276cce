"""Real parts for the outbox tests: an SMTP sink on loopback, a Celery worker on Redis, and this
process's Celery app pointed at the worker's broker and queue (not eager)."""

import os
import uuid

import pytest
import redis
from celery.signals import after_task_publish

from campaign_site.celery import app as celery_app
from tests.realparts import (
    Publisher,
    RecordingHandler,
    Worker,
    delete_queue_keys,
    reset_publisher_caches,
    start_smtp_sink,
    start_worker,
)

# Not REDIS_URL's database: the suite clears the cache (FLUSHDB) around every test.
BROKER_URL = os.environ.get("MAILINGS_TEST_BROKER_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture(scope="module")
def smtp_server():
    controller = start_smtp_sink()
    yield controller
    controller.stop()


@pytest.fixture
def smtp_sink(smtp_server) -> RecordingHandler:
    """The sink's handler, emptied for this test."""
    smtp_server.handler.reset()
    yield smtp_server.handler
    smtp_server.handler.reset()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed worker test shows what the worker did and logged."""
    report = yield
    worker = getattr(item, "funcargs", {}).get("celery_worker")
    if report.failed and isinstance(worker, Worker):
        report.sections.append(("celery worker", worker.explain()))
    return report


@pytest.fixture(scope="module")
def celery_worker(django_db_setup, smtp_server, tmp_path_factory):
    """A real worker on Redis, reading the test database and sending through the SMTP sink."""
    from django.db import connection

    if connection.settings_dict["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail("the worker tests need PostgreSQL (set DATABASE_URL)")
    try:
        redis.Redis.from_url(BROKER_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis at {BROKER_URL} is not reachable: {exc}")

    queue = f"mailings-test-{uuid.uuid4().hex[:12]}"
    worker = start_worker(
        broker_url=BROKER_URL,
        queue=queue,
        smtp_port=smtp_server.port,
        folder=tmp_path_factory.mktemp("worker"),
    )
    try:
        yield worker
    finally:
        worker.stop()
        delete_queue_keys(queue, BROKER_URL)


@pytest.fixture
def publisher(celery_worker, monkeypatch):
    keys = ("broker_url", "task_default_queue", "task_always_eager")
    saved = {key: celery_app.conf[key] for key in keys}
    pub = Publisher(monkeypatch, celery_worker.queue)
    pub.use_broker(BROKER_URL)
    after_task_publish.connect(pub.record, weak=False)
    yield pub
    after_task_publish.disconnect(pub.record)
    celery_app.conf.update(saved)
    reset_publisher_caches()
