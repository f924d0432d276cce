"""The relay: committed emails reach the worker from a background thread, in batches, and the
request that committed them never publishes (nor waits for the broker) itself."""

import threading

import pytest
from django.db import transaction

from mailings import relay as relay_module
from mailings.models import OutboundEmail
from mailings.relay import Relay
from mailings.services import queue_email
from tests.realparts import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

CONTEXT = {"subject": "Hello", "name": "Sam", "paragraphs": ["Thank you."]}


@pytest.fixture
def published(monkeypatch, settings):
    """A relay thread as in production (not eager), with the publishing recorded."""
    from campaign_site.celery import app

    settings.OUTBOX_RELAY_SECONDS = 0.05
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    calls = []
    lock = threading.Lock()

    def record(email_ids):
        with lock:
            calls.append((threading.current_thread().name, list(email_ids)))

    monkeypatch.setattr(relay_module, "publish", record)
    fresh = Relay()
    monkeypatch.setattr("mailings.queueing.relay", fresh)
    yield calls
    fresh.flush()


def test_a_burst_of_commits_is_handed_over_together_from_the_relay_thread(published):
    emails = []
    for n in range(12):
        with transaction.atomic():
            emails.append(queue_email(to=f"r{n}@example.org", template="notice",
                                      context=CONTEXT, key=f"relay:{n}"))  # fmt: skip
    # The committing thread handed the ids over and returned: it published nothing itself.
    assert all(name == "outbox-relay" for name, _ in published)
    wait_for(lambda: sum(len(ids) for _, ids in published) == 12, what="the relay to publish")
    handed = [pk for _, ids in published for pk in ids]
    assert sorted(handed) == sorted(email.pk for email in emails)  # each once
    assert len(published) < 12, "a burst travels in a few tasks, not one each"
    assert {name for name, _ in published} == {"outbox-relay"}


def test_a_rolled_back_email_is_never_handed_over(published):
    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():  # noqa: PT012 - the raise rolls it back
        queue_email(to="no@example.org", template="notice", context=CONTEXT, key="relay:gone")
        raise Abandon
    with transaction.atomic():
        kept = queue_email(to="yes@example.org", template="notice", context=CONTEXT,
                           key="relay:kept")  # fmt: skip
    wait_for(lambda: published, what="the relay to publish")
    assert [pk for _, ids in published for pk in ids] == [kept.pk]
    assert not OutboundEmail.objects.filter(key="relay:gone").exists()


def test_waiting_ids_are_published_on_flush_at_exit(monkeypatch, settings):
    """On a normal exit (atexit) whatever is still waiting is published at once."""
    from campaign_site.celery import app

    settings.OUTBOX_RELAY_SECONDS = 60  # the thread would wait a minute
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    calls = []
    monkeypatch.setattr(relay_module, "publish", lambda ids: calls.append(list(ids)))
    relay = Relay()
    relay.hand_over(7)
    relay.hand_over(8)
    assert calls == []
    relay.flush()
    assert calls == [[7, 8]]
