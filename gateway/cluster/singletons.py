"""Singleton ownership: one instance of each Singleton in the whole deployment, elected through the store.

The first worker that needs a Singleton takes its lock in the store (a lease-like lock: it expires unless
renewed) and creates the instance; every other worker forwards the Singleton's calls to it. The owner renews
its locks with each heartbeat; it knows how long its last renewal holds and stops claiming a lock it could
not renew in time (the store may then give it to another worker). When the owner dies, its lock expires
(within one heartbeat TTL) or, sooner, a worker that finds its port closed takes the lock over at once.

State: a new owner starts with a new instance, so a Singleton's state is lost on take-over, unless its class
declares persistent fields (:func:`gateway.persistent`): those are saved to the store after each call that
changed them and restored into the new instance.
"""

from __future__ import annotations

import asyncio
import logging
import time

from ..model.persistence import StateSchema, schema_of
from ..server.identity import ServiceEntry
from ..store.interface import ObjectStore

log = logging.getLogger("gateway.cluster")


class SingletonOwnership:
    """This worker's view of who owns each Singleton (``worker_id`` is this worker)."""

    def __init__(self, store: ObjectStore, worker_id: str, ttl: float, cache_seconds: float) -> None:
        self.store = store
        self.worker_id = worker_id
        self.ttl = ttl
        self.cache_seconds = cache_seconds
        self._owned: dict[str, tuple[ServiceEntry, float]] = {}  # uri -> (entry, claim valid until)
        self._known: dict[str, tuple[str, float]] = {}  # uri -> (owner, cached until)
        self._locks: dict[str, asyncio.Lock] = {}
        self._saved: dict[str, bytes] = {}  # uri -> the state last saved
        self._save_locks: dict[str, asyncio.Lock] = {}

    # -------------------------------------------------------------- who owns it

    def owns(self, entry: ServiceEntry) -> bool:
        """This worker holds the lock and its last renewal is still valid (no store access)."""
        claim = self._owned.get(entry.uri)
        return claim is not None and claim[1] > time.monotonic()

    def owned_uris(self) -> list[str]:
        return list(self._owned)

    async def owner_of(self, entry: ServiceEntry, dead: str | None = None) -> str:
        """The worker that serves ``entry``: this one if it holds the lock or takes it now (free, or held by
        ``dead``, a worker found gone), else the holder (cached for a heartbeat period)."""
        if dead is None:
            if self.owns(entry):
                return self.worker_id
            known = self._known.get(entry.uri)
            if known is not None and known[1] > time.monotonic():
                return known[0]
        lock = self._locks.setdefault(entry.uri, asyncio.Lock())
        async with lock:
            if dead is None:  # another request may have found out meanwhile
                if self.owns(entry):
                    return self.worker_id
                known = self._known.get(entry.uri)
                if known is not None and known[1] > time.monotonic():
                    return known[0]
            asked = time.monotonic()
            owner = await self.store.acquire(entry.uri, self.worker_id, self.ttl, replacing=dead)
            if owner != self.worker_id:
                self._known[entry.uri] = (owner, asked + self.cache_seconds)
                self._drop(entry)  # someone else has it (we may have lost it while the store was away)
                return owner
            self._known.pop(entry.uri, None)
            if entry.uri not in self._owned:
                await self._take(entry)
            self._owned[entry.uri] = (entry, asked + self.ttl)
            return owner

    async def _take(self, entry: ServiceEntry) -> None:
        """Became the owner: restore the persistent state into a new instance, if the class keeps one."""
        schema = schema_of(entry.cls)
        log.info("this worker (%s) now serves the Singleton /%s", self.worker_id, entry.uri)
        if schema is None or entry.instance is not None:
            return
        data = await self.store.load_state(entry.uri)
        if data is None:
            return
        instance = entry.cls()
        try:
            schema.restore(instance, data)
        except ValueError as exc:
            log.error("the saved state of /%s cannot be restored, starting afresh: %s", entry.uri, exc)
            return
        self._saved[entry.uri] = data
        entry.adopt(instance)

    def renewed(self, held: frozenset[str], asked: float) -> None:
        """A heartbeat renewed ``held`` (asked at monotonic ``asked``); any other lock of ours was lost."""
        for uri, (entry, _) in list(self._owned.items()):
            if uri in held:
                self._owned[uri] = (entry, asked + self.ttl)
            else:
                log.warning("this worker (%s) no longer owns the Singleton /%s", self.worker_id, uri)
                self._drop(entry)

    def _drop(self, entry: ServiceEntry) -> None:
        if self._owned.pop(entry.uri, None) is not None:
            entry.release_instance()
            self._saved.pop(entry.uri, None)

    def forget_owner(self, entry: ServiceEntry) -> None:
        self._known.pop(entry.uri, None)

    async def release_all(self) -> None:
        """Stopping: free every lock so that another worker takes over without waiting for expiry."""
        for uri in list(self._owned):
            await self.store.release(uri, self.worker_id)
        self._owned.clear()

    # -------------------------------------------------------------- persistent state

    async def save(self, entry: ServiceEntry, schema: StateSchema) -> None:
        """Save the instance's state if it changed since it was last saved (after each call)."""
        lock = self._save_locks.setdefault(entry.uri, asyncio.Lock())
        async with lock:  # encode under the lock: the last write is the latest state
            instance = entry.instance
            if instance is None:
                return
            data = schema.encode(instance)
            if self._saved.get(entry.uri) == data:
                return
            await self.store.save_state(entry.uri, data)
            self._saved[entry.uri] = data

    async def instance_dropped(self, entry: ServiceEntry) -> None:
        """The Singleton's lease expired (a new instance starts afresh, as in .NET): forget its saved state."""
        if schema_of(entry.cls) is not None and self.owns(entry):
            self._saved.pop(entry.uri, None)
            await self.store.delete_state(entry.uri)
