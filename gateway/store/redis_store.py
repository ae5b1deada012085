"""The Redis store: what the workers of a deployment share, in Redis (redis-py's asyncio client).

Keys, under a prefix (default ``gateway``) so that deployments can share one Redis::

    <p>:deployment          string   JSON Deployment: the secret forwarded requests carry, the reported pid
    <p>:worker:<id>         string   JSON WorkerRecord, expires (PX) unless its heartbeat refreshes it
    <p>:lock:<uri>          string   the worker owning a Singleton, expires unless its owner renews it
    <p>:state:<uri>         string   JSON by-value state of a persistent Singleton
    <p>:leases:<id>         zset     lease deadlines of a worker's objects (score: the owner's lease clock),
                                     expires with the worker's registration
    <p>:workers             set      the workers' ids; every heartbeat drops those whose registration expired

Redis does the expiry itself (``PX``/``PEXPIRE``); compare-and-set steps (renewing or freeing a lock only
while holding it, taking over from a dead owner) are Lua scripts, so no two workers ever both believe they
took a lock. A heartbeat is one pipelined round trip. Every failure to reach Redis becomes
:class:`~gateway.store.interface.StoreUnavailable` (naming the store, never its password) at once: the
client retries once, immediately (a pooled connection that a Redis restart broke), and never waits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Collection, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from .interface import Deployment, Heartbeat, StoreUnavailable, WorkerRecord

T = TypeVar("T")

#: Renew a lock only while holding it.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""

#: Take a lock that is free, already ours, or held by a worker found dead (ARGV[3], may be empty).
_ACQUIRE = """
local current = redis.call('GET', KEYS[1])
if (not current) or current == ARGV[1] or (ARGV[3] ~= '' and current == ARGV[3]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
return current
"""

#: Add this worker to the set of workers, drop those whose registration expired, answer the rest. (It reads
#: the worker keys it finds in the set: a single Redis, not Redis Cluster.)
_ALIVE = """
redis.call('SADD', KEYS[1], ARGV[2])
local alive = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. id) == 1 then table.insert(alive, id) else redis.call('SREM', KEYS[1], id) end
end
return alive
"""

#: Free a lock only while holding it.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def display_name(url: str) -> str:
    """``redis://host:port/db`` without user or password (what messages and logs show)."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    shown = f"[{host}]" if ":" in host else host
    port = parts.port or 6379
    db = parts.path.strip("/") or "0"
    return f"{parts.scheme}://{shown}:{port}/{db}"


def _text(value: object) -> str:
    """A reply as text (the client returns bytes; decode_responses stays off for the state values)."""
    return value.decode() if isinstance(value, bytes) else str(value)


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


class RedisStore:
    """An :class:`~gateway.store.interface.ObjectStore` in Redis at ``url`` (``redis://``, ``rediss://``,
    ``unix://``). ``timeout`` bounds connecting and each command (seconds)."""

    def __init__(self, url: str, *, prefix: str = "gateway", timeout: float = 2.0) -> None:
        self.url = url
        self.prefix = prefix
        self.timeout = timeout
        self._name = display_name(url)
        self._client: aioredis.Redis | None = None
        self._index_ttl_ms = 60_000

    @property
    def name(self) -> str:
        return self._name

    @property
    def shared(self) -> bool:
        return True

    def _key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    @property
    def client(self) -> aioredis.Redis:
        client = self._client
        if client is None:
            client = self._client = aioredis.Redis.from_url(
                self.url, socket_connect_timeout=self.timeout, socket_timeout=self.timeout,
                retry=Retry(NoBackoff(), 1), health_check_interval=0,
            )
            self._renew = client.register_script(_RENEW)
            self._acquire = client.register_script(_ACQUIRE)
            self._release = client.register_script(_RELEASE)
            self._alive = client.register_script(_ALIVE)
        return client

    async def _do(self, action: Awaitable[T]) -> T:
        try:
            return await action
        except (RedisError, OSError, TimeoutError) as exc:
            raise StoreUnavailable(self._name, exc) from None

    async def open(self) -> None:
        await self._do(self.client.ping())

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    # -------------------------------------------------------------- deployment and workers

    async def heartbeat(
        self, worker: WorkerRecord, ttl: float, locks: Collection[str], proposal: Deployment
    ) -> Heartbeat:
        ms = _ms(ttl)
        self._index_ttl_ms = ms
        names = list(locks)

        async def run() -> list[Any]:
            async with self.client.pipeline(transaction=False) as pipe:
                pipe.set(self._key("worker", worker.worker_id), worker.to_json(), px=ms, get=True)
                for name in names:
                    await self._renew(keys=[self._key("lock", name)], args=[worker.worker_id, ms], client=pipe)
                pipe.pexpire(self._key("leases", worker.worker_id), ms)
                pipe.set(self._key("deployment"), proposal.to_json(), nx=True)
                pipe.get(self._key("deployment"))
                await self._alive(keys=[self._key("workers")], args=[self._key("worker", ""), worker.worker_id],
                                  client=pipe)
                return list(await pipe.execute())

        results = await self._do(run())
        held = frozenset(name for name, renewed in zip(names, results[1:-4], strict=True) if renewed)
        stored = results[-2]
        return Heartbeat(results[0] is not None, held,
                         proposal if stored is None else Deployment.from_json(_text(stored)),
                         frozenset(_text(member) for member in results[-1]))

    async def worker(self, worker_id: str) -> WorkerRecord | None:
        value = await self._do(self.client.get(self._key("worker", worker_id)))
        return None if value is None else WorkerRecord.from_json(value)

    async def remove_worker(self, worker_id: str) -> None:
        async def run() -> None:
            async with self.client.pipeline(transaction=False) as pipe:
                pipe.delete(self._key("worker", worker_id), self._key("leases", worker_id))
                pipe.srem(self._key("workers"), worker_id)
                await pipe.execute()

        await self._do(run())

    # -------------------------------------------------------------- locks

    async def acquire(self, name: str, owner: str, ttl: float, replacing: str | None = None) -> str:
        client = self.client
        value = await self._do(self._acquire(keys=[self._key("lock", name)], args=[owner, _ms(ttl), replacing or ""],
                                             client=client))
        return _text(value)

    async def owner(self, name: str) -> str | None:
        value = await self._do(self.client.get(self._key("lock", name)))
        return None if value is None else _text(value)

    async def release(self, name: str, owner: str) -> None:
        client = self.client
        await self._do(self._release(keys=[self._key("lock", name)], args=[owner], client=client))

    # -------------------------------------------------------------- state

    async def load_state(self, name: str) -> bytes | None:
        value = await self._do(self.client.get(self._key("state", name)))
        return None if value is None else (value if isinstance(value, bytes) else str(value).encode())

    async def save_state(self, name: str, data: bytes) -> None:
        await self._do(self.client.set(self._key("state", name), data))

    async def delete_state(self, name: str) -> None:
        await self._do(self.client.delete(self._key("state", name)))

    # -------------------------------------------------------------- lease index

    async def update_leases(self, worker_id: str, add: Mapping[str, float], remove: Collection[str]) -> None:
        if not add and not remove:
            return
        key = self._key("leases", worker_id)

        async def run() -> None:
            async with self.client.pipeline(transaction=False) as pipe:
                if remove:
                    pipe.zrem(key, *remove)
                if add:
                    pipe.zadd(key, dict(add))
                pipe.pexpire(key, self._index_ttl_ms)
                await pipe.execute()

        await self._do(run())

    async def due_leases(self, worker_id: str, until: float, limit: int) -> list[str]:
        found = await self._do(self.client.zrangebyscore(self._key("leases", worker_id), "-inf", until, 0, limit))
        return [_text(member) for member in found]

    async def lease_count(self, worker_id: str) -> int:
        return int(await self._do(self.client.zcard(self._key("leases", worker_id))))
