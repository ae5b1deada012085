"""What the workers of one deployment share, behind one small interface: :class:`ObjectStore`.

Several worker processes (``uvicorn --workers N``, several hosts behind a load balancer) serve one
deployment. Each object still lives in one worker; what they must agree on is kept in a store:

* **workers**: each registers the internal address other workers forward calls to (:class:`WorkerRecord`),
  refreshed by a heartbeat and gone when it stops or stops refreshing; and the deployment record (the
  secret forwarded requests carry);
* **locks**: which worker owns each Singleton (a lease-like lock: it expires unless its owner renews it);
* **state**: the by-value state of Singletons whose class declares it persistent (JSON bytes);
* **lease index**: each worker's lease deadlines, so its sweep is one range query.

Two implementations: :class:`~gateway.store.embedded.EmbeddedStore` (in-process, what a single process
has always done; nothing to install) and :class:`~gateway.store.redis_store.RedisStore`. Nothing read from a
store is ever unpickled or used to choose a class by name: records are JSON with fixed fields, states are
decoded against the types the class declares in code.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from ..model.errors import RemotingException


class StoreUnavailable(RemotingException):
    """The store could not be reached: what needs it (Singletons, objects owned by other workers) fails with
    this until it is back; the message names the store, never its credentials."""

    def __init__(self, store: str, reason: object) -> None:
        detail = str(reason) or type(reason).__name__
        super().__init__(f"the object store {store} is unavailable ({detail}); calls that need it fail until "
                         "it is back")
        self.store = store


class StoreDataError(ValueError):
    """A value read from the store is not what this version writes (another program, or a corrupt key)."""


def _record(data: bytes | str, what: str, fields: dict[str, type | tuple[type, ...]]) -> dict[str, Any]:
    """A JSON object with exactly the expected kinds of values (anything else is a StoreDataError)."""
    try:
        raw = json.loads(data)
    except ValueError as exc:
        raise StoreDataError(f"{what} is not JSON: {exc}") from None
    if not isinstance(raw, dict) or any(
        not isinstance(raw.get(k), t) or isinstance(raw.get(k), bool) for k, t in fields.items()
    ):
        raise StoreDataError(f"{what} has unexpected fields: {str(raw)[:200]}")
    return raw


@dataclass(frozen=True)
class WorkerRecord:
    """One worker of the deployment: where other workers forward the calls it owns."""

    worker_id: str
    address: str  # http://host:port of its internal listener
    pid: int
    host: str
    started: float  # wall-clock time it started (for people reading the store)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes | str) -> WorkerRecord:
        raw = _record(data, "a worker record", {
            "worker_id": str, "address": str, "pid": int, "host": str, "started": (int, float),
        })
        return cls(raw["worker_id"], raw["address"], raw["pid"], raw["host"], float(raw["started"]))


@dataclass(frozen=True)
class Deployment:
    """What every worker of a deployment agrees on: set by the first worker, read by the others."""

    #: carried by forwarded requests between workers (the internal listeners refuse others)
    secret: str
    #: the process id the deployment reports as its server's (its first worker's), see
    #: :func:`gateway.server_process_id`
    pid: int

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes | str) -> Deployment:
        raw = _record(data, "the deployment record", {"secret": str, "pid": int})
        return cls(raw["secret"], raw["pid"])


@dataclass(frozen=True)
class Heartbeat:
    """The answer to :meth:`ObjectStore.heartbeat`."""

    #: the worker's registration was still there (False: it is new, it expired, or the store lost its data)
    was_registered: bool
    #: the locks among those renewed that this worker still holds
    held: frozenset[str]
    #: the deployment's record (the proposal, if none was set)
    deployment: Deployment
    #: the ids of every worker of the deployment that is alive (this one included)
    workers: frozenset[str] = frozenset()


class ObjectStore(Protocol):
    """The store one deployment's workers share. Every method may raise :class:`StoreUnavailable`."""

    @property
    def name(self) -> str:
        """What messages call it: ``embedded``, ``redis://host:port/db`` (never a password)."""
        ...

    @property
    def shared(self) -> bool:
        """True when several workers may use it: the app then runs the scale-out runtime (forwarding,
        Singleton election); False for the default embedded store, where a process keeps today's behaviour."""
        ...

    async def open(self) -> None:
        """Connect (and check the store answers)."""

    async def close(self) -> None: ...

    # -------------------------------------------------------------- deployment and workers

    async def heartbeat(
        self, worker: WorkerRecord, ttl: float, locks: Collection[str], proposal: Deployment
    ) -> Heartbeat:
        """Register or refresh ``worker`` for ``ttl`` seconds, renew the ``locks`` it holds for as long, keep
        its lease index alive, read the deployment record (``proposal`` is set if there is none: every
        worker proposes the one it knows, so a store that lost its data gets the same one back) and the
        workers alive; one round trip."""
        ...

    async def worker(self, worker_id: str) -> WorkerRecord | None: ...

    async def remove_worker(self, worker_id: str) -> None:
        """Forget a worker that stopped (or was found dead) and its lease index."""

    # -------------------------------------------------------------- locks (Singleton ownership)

    async def acquire(self, name: str, owner: str, ttl: float, replacing: str | None = None) -> str:
        """Take the lock ``name`` for ``owner`` if it is free (or already ``owner``'s, or held by
        ``replacing``, a worker found dead); returns the owner afterwards."""
        ...

    async def owner(self, name: str) -> str | None: ...

    async def release(self, name: str, owner: str) -> None:
        """Free ``name`` if ``owner`` still holds it."""

    # -------------------------------------------------------------- persistent Singleton state

    async def load_state(self, name: str) -> bytes | None: ...

    async def save_state(self, name: str, data: bytes) -> None: ...

    async def delete_state(self, name: str) -> None: ...

    # -------------------------------------------------------------- lease index

    async def update_leases(self, worker_id: str, add: Mapping[str, float], remove: Collection[str]) -> None:
        """Set the deadlines of ``add`` (key -> deadline on the owner's lease clock), drop ``remove``."""

    async def due_leases(self, worker_id: str, until: float, limit: int) -> list[str]:
        """Up to ``limit`` keys of ``worker_id``'s index whose deadline is ``<= until``, earliest first."""
        ...

    async def lease_count(self, worker_id: str) -> int: ...
