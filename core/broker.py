"""The Celery broker transport: kombu's Redis transport, with one client object per channel.

kombu builds a new `redis.Redis` object (and its table of ~200 response callbacks) for every
message it publishes, which is about a quarter of the cost of queueing a task from a web
request. A redis-py client is thread-safe and only wraps the channel's connection pool, so
the channel keeps one. Selected by CELERY_BROKER_TRANSPORT when the broker is Redis.
"""

from kombu.transport import redis


class Channel(redis.Channel):
    _sync_client = None

    def _create_client(self, asynchronous=False):
        if asynchronous:  # the worker's event loop has a pool of its own
            return super()._create_client(asynchronous=True)
        # Built again whenever kombu replaces the pool (after a fork or a lost connection).
        pool = self.pool
        if self._sync_client is None or self._sync_client.connection_pool is not pool:
            self._sync_client = super()._create_client()
        return self._sync_client


class Transport(redis.Transport):
    Channel = Channel
