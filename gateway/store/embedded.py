"""The embedded store: the :class:`~gateway.store.interface.ObjectStore` kept in this process's memory.

The default. A single process needs nothing shared, so an application with the default store does not run
the scale-out runtime at all (``shared`` is False): no listener, no heartbeat, no lookups, exactly the
behaviour a process always had. ``EmbeddedStore(shared=True)`` is the same store shared by several
applications of one process (each one a "worker"): it is how the scale-out runtime is tested without Redis.
Expiry is read from an injectable clock, as leases are.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Collection, Mapping

from ..model.lease import Clock
from .interface import Deployment, Heartbeat, WorkerRecord


class EmbeddedStore:
    """Dictionaries with expiry. Used from one event loop (its methods never block)."""

    def __init__(self, *, shared: bool = False, clock: Clock = time.monotonic) -> None:
        self._shared = shared
        self.clock = clock
        self._values: dict[str, tuple[object, float | None]] = {}  # key -> (value, expires at)
        self._indexes: dict[str, dict[str, float]] = {}

    @property
    def name(self) -> str:
        return "embedded"

    @property
    def shared(self) -> bool:
        return self._shared

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    # -------------------------------------------------------------- plumbing

    def _get(self, key: str) -> object | None:
        item = self._values.get(key)
        if item is None:
            return None
        value, expires = item
        if expires is not None and expires <= self.clock():
            del self._values[key]
            return None
        return value

    def _set(self, key: str, value: object, ttl: float | None = None) -> None:
        self._values[key] = (value, None if ttl is None else self.clock() + ttl)

    # -------------------------------------------------------------- deployment and workers

    async def heartbeat(
        self, worker: WorkerRecord, ttl: float, locks: Collection[str], proposal: Deployment
    ) -> Heartbeat:
        key = f"worker:{worker.worker_id}"
        was = self._get(key) is not None
        self._set(key, worker, ttl)
        held = frozenset(name for name in locks if self._renew(name, worker.worker_id, ttl))
        current = self._get("deployment")
        if not isinstance(current, Deployment):
            self._set("deployment", proposal)
            current = proposal
        alive = frozenset(key.split(":", 1)[1] for key in list(self._values)
                          if key.startswith("worker:") and self._get(key) is not None)
        return Heartbeat(was, held, current, alive)

    def _renew(self, name: str, owner: str, ttl: float) -> bool:
        key = f"lock:{name}"
        if self._get(key) != owner:
            return False
        self._set(key, owner, ttl)
        return True

    async def worker(self, worker_id: str) -> WorkerRecord | None:
        value = self._get(f"worker:{worker_id}")
        return value if isinstance(value, WorkerRecord) else None

    async def remove_worker(self, worker_id: str) -> None:
        self._values.pop(f"worker:{worker_id}", None)
        self._indexes.pop(worker_id, None)

    # -------------------------------------------------------------- locks

    async def acquire(self, name: str, owner: str, ttl: float, replacing: str | None = None) -> str:
        key = f"lock:{name}"
        current = self._get(key)
        if current is None or current == owner or (replacing is not None and current == replacing):
            self._set(key, owner, ttl)
            return owner
        return str(current)

    async def owner(self, name: str) -> str | None:
        value = self._get(f"lock:{name}")
        return None if value is None else str(value)

    async def release(self, name: str, owner: str) -> None:
        if self._get(f"lock:{name}") == owner:
            self._values.pop(f"lock:{name}", None)

    # -------------------------------------------------------------- state

    async def load_state(self, name: str) -> bytes | None:
        value = self._get(f"state:{name}")
        return value if isinstance(value, bytes) else None

    async def save_state(self, name: str, data: bytes) -> None:
        self._set(f"state:{name}", bytes(data))

    async def delete_state(self, name: str) -> None:
        self._values.pop(f"state:{name}", None)

    # -------------------------------------------------------------- lease index

    async def update_leases(self, worker_id: str, add: Mapping[str, float], remove: Collection[str]) -> None:
        index = self._indexes.setdefault(worker_id, {})
        for key in remove:
            index.pop(key, None)
        index.update(add)

    async def due_leases(self, worker_id: str, until: float, limit: int) -> list[str]:
        index = self._indexes.get(worker_id, {})
        ordered = sorted(index.items(), key=lambda item: item[1])
        cut = bisect.bisect_right([deadline for _, deadline in ordered], until)
        return [key for key, _ in ordered[: min(cut, limit)]]

    async def lease_count(self, worker_id: str) -> int:
        return len(self._indexes.get(worker_id, {}))
