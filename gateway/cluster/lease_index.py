"""The lease index in the store: each worker's lease deadlines, so that its sweep is one range query.

The lease manager records a deadline when it starts watching a lease and drops it when the lease ends;
those changes are collected here without waiting (they may come from worker threads) and written in one
round trip just before the next sweep reads the index. Renewals are not written at all: a lease found due in
the index but renewed since is recorded again by the sweep (see
:class:`~gateway.server.lease_manager.LeaseManager`). If the store lost the index (a Redis restart without
persistence, or this worker's registration expired), the heartbeat asks for everything to be recorded again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from ..store.interface import ObjectStore

#: Most keys one sweep reads (the rest are found by the next sweep).
SWEEP_BATCH = 100_000


class StoreLeaseIndex:
    """A :class:`~gateway.server.lease_manager.LeaseIndex` kept in ``store`` under ``worker_id``."""

    def __init__(self, store: ObjectStore, worker_id: str, everything: Callable[[], dict[str, float]]) -> None:
        self.store = store
        self.worker_id = worker_id
        self._everything = everything
        self._lock = threading.Lock()
        self._add: dict[str, float] = {}
        self._remove: set[str] = set()
        self._resync = False

    def record(self, key: str, deadline: float) -> None:
        with self._lock:
            self._add[key] = deadline
            self._remove.discard(key)

    def discard(self, key: str) -> None:
        with self._lock:
            self._add.pop(key, None)
            self._remove.add(key)

    def resync(self) -> None:
        """Record every lease again at the next flush (the store lost them)."""
        with self._lock:
            self._resync = True

    async def flush(self) -> None:
        """Write what changed since the last flush (kept for the next one if the store is away)."""
        with self._lock:
            add, remove, resync = self._add, self._remove, self._resync
            self._add, self._remove, self._resync = {}, set(), False
        if resync:
            add = {**self._everything(), **add}
        try:
            await self.store.update_leases(self.worker_id, add, remove)
        except Exception:
            with self._lock:  # newer changes win over the ones that failed
                self._add = {**{k: v for k, v in add.items() if k not in self._remove}, **self._add}
                self._remove = (remove | self._remove) - self._add.keys()
                self._resync = self._resync or resync
            raise

    async def due(self, now: float) -> list[str]:
        await self.flush()
        return await self.store.due_leases(self.worker_id, now, SWEEP_BATCH)

    def pending(self) -> int:
        with self._lock:
            return len(self._add) + len(self._remove)
