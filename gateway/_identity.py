"""The identity table: object URI -> what serves it (a type and activation mode, or a live instance)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from wsdl import ServiceContract, contract_of

from ._objects import MarshalByRefObject, WellKnownObjectMode


def normalize_uri(uri: str) -> str:
    """Object URIs are compared without a leading slash and case-sensitively, like .NET's."""
    return uri.lstrip("/")


@dataclass
class ServiceEntry:
    """A published object: the class, its contract, its activation mode and (for a Singleton) its instance."""

    uri: str
    cls: type
    mode: WellKnownObjectMode
    contract: ServiceContract
    _instance: object | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def target(self) -> object:
        """The object that serves the next call: a fresh one (SingleCall) or the one shared (Singleton)."""
        if self.mode is WellKnownObjectMode.SingleCall:
            return self.cls()
        instance = self._instance
        if instance is None:
            with self._lock:  # created once, even when the first calls race
                instance = self._instance
                if instance is None:
                    instance = self._instance = self.cls()
        return instance


class IdentityTable:
    """Maps object URIs to :class:`ServiceEntry`; one table per application."""

    def __init__(self) -> None:
        self._entries: dict[str, ServiceEntry] = {}

    def register(self, cls: type, uri: str, mode: WellKnownObjectMode) -> ServiceEntry:
        if not isinstance(cls, type) or not issubclass(cls, MarshalByRefObject):
            raise TypeError(f"{cls!r} must be a subclass of gateway.MarshalByRefObject to be published")
        key = normalize_uri(uri)
        if not key.endswith((".rem", ".soap")):
            raise ValueError(f"object URI {uri!r} must end in .rem or .soap")
        if key in self._entries:
            raise ValueError(f"an object is already registered at {uri!r}")
        entry = ServiceEntry(key, cls, mode, contract_of(cls))
        self._entries[key] = entry
        return entry

    def lookup(self, uri: str) -> ServiceEntry | None:
        return self._entries.get(normalize_uri(uri))

    def entries(self) -> list[ServiceEntry]:
        return list(self._entries.values())
