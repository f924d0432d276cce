"""The Celery broker transport: kombu's Redis transport, with one client object per channel.

kombu builds a new `redis.Redis` object (and its table of ~200 response callbacks) for every
message it publishes, which is about a quarter of the cost of queueing a task. A redis-py
client is thread-safe and only wraps the channel's connection pool, so the channel keeps one.
Selected by CELERY_BROKER_TRANSPORT when the broker is Redis.
"""

from kombu.transport import redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(redis.Channel):
    _sync_client = None

    def _create_client(self, asynchronous=False):
        if asynchronous:  # the worker's event loop has a pool of its own
            return super()._create_client(asynchronous=True)
        if self._pool is None and getattr(self.connection, "client", None) is None:
            # The channel is closing after the connection was lost (kombu then tries to put
            # unacknowledged messages back): say so as a connection error, which the worker
            # recovers from, rather than failing to build a pool with no address.
            raise RedisConnectionError("the broker connection is closed")
        client = self._sync_client
        # Built again whenever kombu replaces the pool (after a fork or a lost connection).
        if client is None or client.connection_pool is not self.pool:
            client = self._sync_client = super()._create_client()
        return client


class Transport(redis.Transport):
    Channel = Channel
