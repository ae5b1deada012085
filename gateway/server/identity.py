"""The identity table: object URI -> what serves it.

Two kinds of entry: a *well-known* one (a type and an activation mode, SingleCall or Singleton) and an
*instance* one (one live object: a client-activated object, a marshalled MarshalByRefObject, a lease). Every
instance entry and every Singleton instance has a lease tracked by the lease manager; when it expires the
object is disconnected and later calls get "No receiver for uri".

Each entry carries a *label*, the name metrics use for it: its URI, except for an object published at a
generated (random, per-instance) URI, which is labelled by its type, so that metric series stay bounded by
what the server publishes and not by how many objects it ever made. The table also counts its live
objects by kind as they come and go, for the metrics to read at scrape time.

Registration checks what would otherwise fail only when the first call arrives (or never show at all): the
mode's type, a class rather than an instance, a constructor the server can call without arguments, types
that cannot cross the wire; a method without type hints is published, with a :class:`RegistrationWarning`.
"""

from __future__ import annotations

import inspect
import secrets
import threading
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

from soap import Kind, SoapEncodeError, clr_name_of
from wsdl import Operation, ServiceContract, contract_of, literal_name_clashes

from ..model.lease import CURRENT_LIFETIME, LIFETIME_DEFAULTS, LeaseBase, LifetimeSettings
from ..model.objects import Lease, MarshalByRefObject, WellKnownObjectMode
from .lease_manager import LeaseManager

#: Kinds of live objects (the ``kind`` label of ``gateway_live_objects``).
SINGLETON = "singleton"
CLIENT_ACTIVATED = "client_activated"
MARSHALLED = "marshalled"
LEASE = "lease"
LIVE_KINDS = (SINGLETON, CLIENT_ACTIVATED, MARSHALLED, LEASE)

#: (a global: an enum member read from its class costs about 750 instructions on Python 3.11, on every call)
_SINGLE_CALL = WellKnownObjectMode.SingleCall


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
    #: called after the instance was dropped because its lease expired
    on_dropped: Callable[[ServiceEntry], None] | None = None
    _instance: object | None = None
    _lease: Lease | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def lease(self) -> Lease | None:
        return self._lease

    def target(self) -> object:
        instance = self._instance
        if instance is not None:  # a Singleton's
            return instance
        if self.mode is _SINGLE_CALL:
            return self.cls()
        with self._lock:  # created once, even when the first calls race
            instance = self._instance
            if instance is None:
                instance = self.cls()
                if self.table is not None and isinstance(instance, MarshalByRefObject):
                    self._lease = self.table.start_lease(instance, self._drop_instance, self.uri)
                self._instance = instance
        return instance

    @property
    def has_instance(self) -> bool:
        """A Singleton whose instance exists now (it is created on the first call, dropped at lease expiry)."""
        return self._instance is not None

    def _drop_instance(self, lease: LeaseBase) -> None:
        """The Singleton's lease expired: the next call creates a new instance (as in .NET)."""
        with self._lock:
            if self._lease is not lease:
                return
            self._instance = None
            self._lease = None
        if self.on_dropped is not None:
            self.on_dropped(self)

    # The three below let a deployment of several workers keep one Singleton instance in one of them.

    @property
    def instance(self) -> object | None:
        """The Singleton's current instance, None before the first call (never creates one)."""
        return self._instance

    def adopt(self, instance: object) -> bool:
        """Serve ``instance`` (restored elsewhere) as the Singleton, unless one exists already; starts its lease."""
        with self._lock:
            if self._instance is not None:
                return False
            if self.table is not None and isinstance(instance, MarshalByRefObject):
                self._lease = self.table.start_lease(instance, self._drop_instance, self.uri)
            self._instance = instance
            return True

    def release_instance(self) -> None:
        """Stop serving the instance (another worker serves the Singleton now); its lease is dropped."""
        with self._lock:
            lease, self._lease, self._instance = self._lease, None, None
        if lease is not None and self.table is not None:
            self.table.stop_lease(lease)


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
        call = f"register_well_known({_shown(cls)}, {uri!r}, {_shown(mode)})"
        _check_class(cls, call)
        if not isinstance(mode, WellKnownObjectMode):
            raise TypeError(f"{call}: the mode must be WellKnownObjectMode.SingleCall or "
                            f"WellKnownObjectMode.Singleton, not {type(mode).__name__} {mode!r}")
        _check_constructor(cls, mode, call)
        key = _check_uri(uri, call)
        entry = ServiceEntry(key, _checked_contract(cls, call), cls, mode, self)
        with self._lock:
            if key in self._entries:
                raise ValueError(f"an object is already registered at {uri!r}")
            self._entries[key] = entry
            self._services.append(entry)
            self._revision += 1
        return entry

    def register_activated(self, cls: type, type_name: str | None = None) -> str:
        call = f"register_activated({_shown(cls)})"
        _check_class(cls, call)
        _checked_contract(cls, call)
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
        entry._lease = self.start_lease(obj, lambda _lease: self._disconnect_expired(obj), key)
        return entry

    def start_lease(
        self, obj: MarshalByRefObject, on_expired: Callable[[LeaseBase], None], uri: str | None = None
    ) -> Lease | None:
        """Start ``obj``'s lease (tracked under ``uri``, the URI it is served at); ``on_expired`` runs when
        it runs out."""
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
        self.leases.track(lease, uri)
        return lease

    def stop_lease(self, lease: LeaseBase) -> None:
        """Stop tracking a lease whose object is no longer served here (no expiry action runs)."""
        with self._lock:
            self._on_expiry.pop(id(lease), None)
        self.leases.forget(lease)
        lease.expire()

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
        return self._entries.get(uri.lstrip("/"))  # normalize_uri, inline (on every call)

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


class RegistrationWarning(UserWarning):
    """A class was published with something a caller cannot rely on (a method without type hints)."""


def _shown(value: object) -> str:
    """An argument of a registration call as the user wrote it, for error messages."""
    if isinstance(value, type):
        return value.__name__
    if isinstance(value, WellKnownObjectMode):
        return f"WellKnownObjectMode.{value.name}"
    if isinstance(value, MarshalByRefObject):
        return f"{type(value).__name__}()"
    return repr(value)


def _check_class(cls: object, call: str) -> None:
    if isinstance(cls, MarshalByRefObject):
        name = type(cls).__name__
        raise TypeError(f"{call}: pass the class {name}, not an instance of it (app.marshal(obj, uri) "
                        "publishes a live instance)")
    if not isinstance(cls, type) or not issubclass(cls, MarshalByRefObject):
        raise TypeError(f"{call}: {cls!r} must be a subclass of gateway.MarshalByRefObject to be published")


def _check_constructor(cls: type, mode: WellKnownObjectMode, call: str) -> None:
    """The server creates well-known objects itself, with no arguments: a required one fails every call."""
    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError):  # a constructor Python cannot describe: nothing to check
        return
    required = [
        p.name for p in signature.parameters.values()
        if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    if required:
        names = ("arguments " if len(required) > 1 else "the argument ") + ", ".join(repr(n) for n in required)
        raise TypeError(f"{call}: {cls.__name__}.__init__ needs {names}, but the server creates {mode.value} "
                        "objects with no arguments; give them defaults, or publish the class with "
                        "register_activated (clients pass constructor arguments) or marshal() an instance")


def _checked_contract(cls: type, call: str) -> ServiceContract:
    """The class's contract, refused when a method's types cannot be published; warns about missing hints."""
    try:
        contract = contract_of(cls)
    except (SoapEncodeError, TypeError) as exc:
        raise TypeError(f"{call}: {cls.__name__} cannot be published: {exc}") from None
    clashes = literal_name_clashes(contract)
    if clashes:
        raise TypeError(f"{call}: {cls.__name__} cannot be published: {'; '.join(clashes)}")
    for op in sorted(contract.operations.values(), key=lambda o: o.name):
        _check_references(cls, op, call)
        if op.unhinted:
            warnings.warn(
                f"{call}: {cls.__name__}.{op.name} has no type hint for {op.missing_hints()}: published as Any "
                "(callers and WSDL toolkits cannot know the type); annotate it",
                RegistrationWarning, stacklevel=4,
            )
    return contract


def _check_references(cls: type, op: Operation, call: str) -> None:
    """A class hint that is neither by-value nor remotable would travel as an ObjRef nothing can call."""
    typed = [(f"parameter {p.name!r}", p.wire) for p in op.parameters] + [("return value", op.returns)]
    for what, wire in typed:
        while wire.kind is Kind.LIST and wire.item is not None:
            wire = wire.item
        target = wire.py_type
        if wire.kind is not Kind.OBJREF or not isinstance(target, type) or issubclass(target, MarshalByRefObject):
            continue
        if not contract_of(target).operations:
            raise TypeError(
                f"{call}: {cls.__name__}.{op.name}: {what} has type {target.__name__}, which cannot be published: "
                "it is not a MarshalByRefObject, an interface with methods, or a by-value type "
                "(a dataclass or exception, registered with @soap.serializable)"
            )


def _check_uri(uri: str, call: str = "") -> str:
    prefix = f"{call}: " if call else ""
    if not isinstance(uri, str):
        raise TypeError(f"{prefix}the object URI must be a string, not {type(uri).__name__} {uri!r}")
    key = normalize_uri(uri)
    if not key.endswith((".rem", ".soap")):
        raise ValueError(f"{prefix}object URI {uri!r} must end in .rem or .soap")
    return key
