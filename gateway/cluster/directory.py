"""The worker directory: which worker an object URI names, and where that worker listens.

Objects published by a worker (client-activated objects, objects returned by reference, their leases) get
URIs that start with the worker's id (``<worker id>/<random>.rem``), so finding an owner needs no lookup per
object: only the owner's internal address, read from the store once and then cached for a heartbeat
period. A worker that refuses connections is gone: it is removed from the store at once, so that every
other worker answers "No receiver" for its objects without trying it again.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

from ..store.interface import ObjectStore, StoreDataError, WorkerRecord
from .forwarder import Address

log = logging.getLogger("gateway.cluster")


def worker_of(uri: str) -> str | None:
    """The worker id an object URI starts with (``<id>/<token>.rem``), or None for other URIs."""
    head, sep, _ = uri.partition("/")
    if not sep or len(head) != 36 or head.count("-") != 4:
        return None
    return head


def parse_address(url: str) -> Address | None:
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname or parts.port is None:
        return None
    return parts.hostname, parts.port


class WorkerDirectory:
    """Addresses of the other workers, cached for ``cache_seconds``."""

    def __init__(self, store: ObjectStore, cache_seconds: float) -> None:
        self.store = store
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[Address | None, float]] = {}

    async def address_of(self, worker_id: str) -> Address | None:
        """Where ``worker_id`` listens, or None when it is not (or no longer) registered.

        Only addresses are cached: "not registered" is asked again each time (a worker that has just started
        may register a moment after its first objects exist; calls to objects of a dead worker are rare)."""
        cached = self._cache.get(worker_id)
        now = time.monotonic()
        if cached is not None and cached[1] > now and cached[0] is not None:
            return cached[0]
        try:
            record: WorkerRecord | None = await self.store.worker(worker_id)
        except StoreDataError as exc:
            log.warning("worker %s: %s", worker_id, exc)
            record = None
        address = parse_address(record.address) if record is not None else None
        if address is None:
            self._cache.pop(worker_id, None)
        else:
            self._cache[worker_id] = (address, now + self.cache_seconds)
        return address

    async def gone(self, worker_id: str) -> None:
        """``worker_id`` refused a connection: forget it here and in the store."""
        self._cache.pop(worker_id, None)
        log.warning("worker %s does not answer: removed from the deployment", worker_id)
        await self.store.remove_worker(worker_id)
