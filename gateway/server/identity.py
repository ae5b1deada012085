"""The identity table: object URI -> what serves it.

Two kinds of entry: a *well-known* one (a type and an activation mode, SingleCall or Singleton) and an
*instance* one (one live object: a client-activated object, a marshalled MarshalByRefObject, a lease). Every
instance entry and every Singleton instance has a lease tracked by the lease manager; when it expires the
object is disconnected and later calls get "No receiver for uri".

Each entry carries a *label*, the name metrics use for it: its URI, except for an object published at a
generated (random, per-instance) URI, which is labelled by its type, so that metric series stay bounded by
what the server publishes and not by how many objects it ever made. The table also counts its live
objects by kind as they come and go, for the metrics to read at scrape time.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from soap import clr_name_of
from wsdl import ServiceContract, contract_of

from ..model.lease import CURRENT_LIFETIME, LIFETIME_DEFAULTS, LeaseBase, LifetimeSettings
from ..model.objects import Lease, MarshalByRefObject, WellKnownObjectMode
from .lease_manager import LeaseManager

#: Kinds of live objects (the ``kind`` label of ``gateway_live_objects``).
SINGLETON = "singleton"
CLIENT_ACTIVATED = "client_activated"
MARSHALLED = "marshalled"
LEASE = "lease"
LIVE_KINDS = (SINGLETON, CLIENT_ACTIVATED, MARSHALLED, LEASE)


def normalize_uri(uri: str) -> str:
    """Object URIs are compared without a leading slash and case-sensitively, like .NET's."""
    return uri.lstrip("/")


@dataclass(eq=False)
class Identity:
    """A published object URI."""

    uri: str
    contract: ServiceContract
    #: the name of this entry in metrics (its URI unless set; see the module docstring)
    label: str = field(default="", kw_only=True)

    def __post_init__(self) -> None:
        if not self.label:
            self.label = self.uri

    @property
    def lease(self) -> Lease | None:
        raise NotImplementedError

    def target(self) -> object:
        raise NotImplementedError


@dataclass(eq=False)
class ServiceEntry(Identity):
    """A well-known object: a fresh instance per call (SingleCall) or one shared instance (Singleton)."""

    cls: type = object
    mode: WellKnownObjectMode = WellKnownObjectMode.SingleCall
    table: IdentityTable | None = None
    _instance: object | None = None
    _lease: Lease | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def lease(self) -> Lease | None:
        return self._lease

    def target(self) -> object:
        if self.mode is WellKnownObjectMode.SingleCall:
            return self.cls()
        instance = self._instance
        if instance is None:
            with self._lock:  # created once, even when the first calls race
                instance = self._instance
                if instance is None:
                    instance = self.cls()
                    if self.table is not None and isinstance(instance, MarshalByRefObject):
                        self._lease = self.table.start_lease(instance, self._drop_instance)
                    self._instance = instance
        return instance

    @property
    def has_instance(self) -> bool:
        """A Singleton whose instance exists now (it is created on the first call, dropped at lease expiry)."""
        return self._instance is not None

    def _drop_instance(self, lease: LeaseBase) -> None:
        """The Singleton's lease expired: the next call creates a new instance (as in .NET)."""
        with self._lock:
            if self._lease is lease:
                self._instance = None
                self._lease = None


@dataclass(eq=False)
class InstanceEntry(Identity):
    """One live object published at its own URI.

    ``kind`` is what the live-objects metric counts it as (``client_activated``, ``marshalled``, ``lease``),
    None for the server's own infrastructure (the activation service), which is not counted.
    """

    obj: object = None
    _lease: Lease | None = None
    kind: str | None = MARSHALLED

    @property
    def lease(self) -> Lease | None:
        return self._lease

    def target(self) -> object:
        return self.obj


class IdentityTable:
    """Maps object URIs to entries; one table per application, safe to use from worker threads."""

    def __init__(self, lease_manager: LeaseManager, lifetime: LifetimeSettings | None = None) -> None:
        self.lifetime = lifetime or LIFETIME_DEFAULTS
        self.app_guid = str(uuid.uuid4())
        self.leases = lease_manager
        self._entries: dict[str, Identity] = {}
        self._services: list[ServiceEntry] = []  # the well-known entries (never removed), apart from instances
        self._by_object: dict[int, InstanceEntry] = {}
        self._activated: dict[str, type] = {}
        self._revision = 0
        self._on_expiry: dict[int, Callable[[LeaseBase], None]] = {}
        self._live: dict[str, int] = dict.fromkeys(LIVE_KINDS, 0)
        self._lock = threading.RLock()

    # ------------------------------------------------------------ well-known and activated types

    def register(self, cls: type, uri: str, mode: WellKnownObjectMode) -> ServiceEntry:
        _check_mbr(cls)
        key = _check_uri(uri)
        entry = ServiceEntry(key, contract_of(cls), cls, mode, self)
        with self._lock:
            if key in self._entries:
                raise ValueError(f"an object is already registered at {uri!r}")
            self._entries[key] = entry
            self._services.append(entry)
            self._revision += 1
        return entry

    def register_activated(self, cls: type, type_name: str | None = None) -> str:
        _check_mbr(cls)
        name = type_name or clr_name_of(cls).full_name
        name = name.split(",", 1)[0].strip()
        with self._lock:
            self._activated[name] = cls
            self._revision += 1
        return name

    def activated_type(self, type_name: str) -> type | None:
        return self._activated.get(type_name.split(",", 1)[0].strip())

    def activated_types(self) -> dict[str, type]:
        """The types clients may activate, by the CLR name they activate them by (a copy)."""
        with self._lock:
            return dict(self._activated)

    @property
    def revision(self) -> int:
        """Bumped by every registration (well-known or client-activated, not published instances): pages
        that describe what is registered are cached under it and so never outlive a registration."""
        return self._revision

    # ------------------------------------------------------------ instances

    def publish(self, obj: object, uri: str | None = None, kind: str | None = MARSHALLED) -> InstanceEntry:
        """Publish a live object (or return its existing entry); starts its lease.

        ``kind`` is what the live-objects metric counts it as (None: not counted).
        """
        if not isinstance(obj, MarshalByRefObject):
            raise TypeError(f"{type(obj)!r} must be a subclass of gateway.MarshalByRefObject to be published")
        with self._lock:
            existing = self._by_object.get(id(obj))
            if existing is not None and existing.obj is obj:
                if uri is not None and normalize_uri(uri) != existing.uri:
                    raise ValueError(f"object is already published at /{existing.uri}")
                return existing
            contract = contract_of(type(obj))
            if uri is None:
                key = f"{self.app_guid}/{secrets.token_hex(16)}.rem"
                label = f"(instance) {contract.clr.full_name}"
            else:
                key = label = _check_uri(uri)
            if key in self._entries:
                raise ValueError(f"an object is already registered at {uri!r}")
            entry = InstanceEntry(key, contract, obj, kind=kind, label=label)
            self._entries[key] = entry
            self._by_object[id(obj)] = entry
            if kind is not None:
                self._live[kind] = self._live.get(kind, 0) + 1
        entry._lease = self.start_lease(obj, lambda _lease: self._disconnect_expired(obj))
        return entry

    def start_lease(self, obj: MarshalByRefObject, on_expired: Callable[[LeaseBase], None]) -> Lease | None:
        token = CURRENT_LIFETIME.set(self.lifetime)
        try:
            lease = obj.InitializeLifetimeService()
        finally:
            CURRENT_LIFETIME.reset(token)
        if lease is None:
            return None
        if hasattr(obj, "__dict__"):
            obj.__dict__["_remoting_lease"] = lease
        with self._lock:
            self._on_expiry[id(lease)] = on_expired
        self.leases.track(lease)
        return lease

    def lease_expired(self, lease: LeaseBase) -> None:
        """Called by the lease manager."""
        with self._lock:
            action = self._on_expiry.pop(id(lease), None)
        if action is not None:
            action(lease)
        if lease.published_uri is not None:
            self.remove(lease.published_uri)

    def disconnect(self, obj: object) -> bool:
        """Stop serving ``obj`` (``RemotingServices.Disconnect``): later calls get "No receiver"."""
        with self._lock:
            entry = self._by_object.pop(id(obj), None)
            if entry is None or entry.obj is not obj:
                return False
            self._entries.pop(entry.uri, None)
            if entry.kind is not None:
                self._live[entry.kind] -= 1
            lease = entry._lease
            entry._lease = None
            if lease is not None:
                self._on_expiry.pop(id(lease), None)
        if lease is not None:
            self.leases.forget(lease)
            lease.expire()
            if lease.published_uri is not None:
                self.remove(lease.published_uri)
        if hasattr(obj, "__dict__"):
            obj.__dict__.pop("_remoting_lease", None)
        return True

    def _disconnect_expired(self, obj: object) -> None:
        self.disconnect(obj)

    def remove(self, uri: str) -> None:
        with self._lock:
            entry = self._entries.get(normalize_uri(uri))
        if isinstance(entry, InstanceEntry):
            self.disconnect(entry.obj)

    # ------------------------------------------------------------ lookup

    def lookup(self, uri: str) -> Identity | None:
        return self._entries.get(normalize_uri(uri))

    def entry_for(self, obj: object) -> InstanceEntry | None:
        entry = self._by_object.get(id(obj))
        return entry if entry is not None and entry.obj is obj else None

    def entries(self) -> list[Identity]:
        with self._lock:
            return list(self._entries.values())

    def well_known(self) -> list[ServiceEntry]:
        """The well-known entries, in registration order (without walking the instances, however many)."""
        with self._lock:
            return list(self._services)

    def instance_count(self) -> int:
        return len(self._by_object)

    def live_objects(self) -> dict[str, int]:
        """Live objects by kind (see :data:`LIVE_KINDS`): counted as they come and go, so this is cheap."""
        with self._lock:
            counts = dict(self._live)
        counts[SINGLETON] = sum(1 for e in self.well_known() if e.has_instance)
        return counts


def _check_mbr(cls: type) -> None:
    if not isinstance(cls, type) or not issubclass(cls, MarshalByRefObject):
        raise TypeError(f"{cls!r} must be a subclass of gateway.MarshalByRefObject to be published")


def _check_uri(uri: str) -> str:
    key = normalize_uri(uri)
    if not key.endswith((".rem", ".soap")):
        raise ValueError(f"object URI {uri!r} must end in .rem or .soap")
    return key
