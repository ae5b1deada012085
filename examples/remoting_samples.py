"""The reference .NET Remoting contract (``peers/mono/shared/Shared.cs``) served by Python.

    uvicorn examples.remoting_samples:app

* ``HelloServer``: SingleCall at ``/SayHello.soap`` and ``/SayHello.rem``;
* ``SingleCallObject``: SingleCall at ``/SingleCallService.rem`` (a fresh instance per call);
* ``SingletonObject``: Singleton at ``/SingletonService.rem`` (one instance, state kept, never expires);
* ``FactoryService``: Singleton at ``/FactoryService.rem`` handing out new MarshalByRefObjects by
  reference (``CreateCounter``) and taking them back as arguments (``Describe``);
* ``ClientActivatedObject``: client-activated (``RemoteActivationService.rem``), one instance per
  activation, with a 5 s / 2 s / 2 s lease; the lease manager polls every second, as in the Mono reference.

The Python classes carry the CLR names of the .NET ones, so an unchanged Mono client built against
``PeerShared.dll`` calls them (``../shared/peers/mono/run-client.sh http://127.0.0.1:8000/``).
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import threading
from dataclasses import dataclass
from decimal import Decimal

from examples.hello import PEER_SHARED, HelloServer, IHello
from gateway import Lease, LifetimeSettings, MarshalByRefObject, RemotingApp, WellKnownObjectMode, server_process_id
from soap import Byte, Char, ClrDateTime, Int16, Int64, Single, clr_name_of, clr_type, serializable

__all__ = [
    "PEER_SHARED",
    "ClientActivatedObject",
    "DayOfWeek",
    "GreetingException",
    "HelloServer",
    "ICounter",
    "IHello",
    "IRemoteService",
    "Person",
    "SingleCallObject",
    "SingletonObject",
    "app",
]


@serializable("System.DayOfWeek", "mscorlib")
class DayOfWeek(enum.Enum):
    Sunday = 0
    Monday = 1
    Tuesday = 2
    Wednesday = 3
    Thursday = 4
    Friday = 5
    Saturday = 6


@serializable("RemotingPeer.Person", PEER_SHARED)
@dataclass
class Person:
    """A by-value type: it travels as a copy, never as a reference."""

    Name: str | None
    Age: int


@serializable("RemotingPeer.GreetingException", PEER_SHARED)
class GreetingException(Exception):
    """A declared exception: it reaches callers with its custom ``Greeting`` field."""

    Greeting: str | None

    def __init__(self, message: str = "", greeting: str | None = "Hi there") -> None:
        super().__init__(message)
        self.Greeting = greeting

    @property
    def Message(self) -> str:
        return str(self.args[0]) if self.args else ""


@clr_type("RemotingPeer.IRemoteService", PEER_SHARED)
class IRemoteService:
    """The service contract shared with .NET clients."""

    def Increment(self) -> int:
        """Increments the instance counter and returns it (SingleCall: always 1)."""
        raise NotImplementedError

    def GetRemoteObjectType(self) -> str:
        raise NotImplementedError

    def GetProcessId(self) -> int:
        raise NotImplementedError

    def Echo(self, i: int, d: float, b: bool, s: str | None, t: dt.datetime) -> str:
        """Returns ``i|d|b|s|t|kind`` as the .NET reference server formats them."""
        raise NotImplementedError

    def EchoMore(
        self, l: Int64, f: Single, m: Decimal, c: Char, by: Byte, sh: Int16, ts: dt.timedelta,
        bytes: bytes | None, nullString: str | None, e: DayOfWeek,
    ) -> str:
        raise NotImplementedError

    def Reverse(self, a: list[int] | None) -> list[int] | None:
        raise NotImplementedError

    def Fail(self, message: str | None) -> None:
        """Always raises :class:`GreetingException`."""
        raise NotImplementedError

    def GetPerson(self, name: str | None, age: int) -> Person:
        raise NotImplementedError

    def Birthday(self, p: Person | None) -> Person | None:
        """A copy of ``p`` one year older (by value in both directions)."""
        raise NotImplementedError


def _format_r(value: float) -> str:
    """.NET's round-trip ("R") format for a double."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def _format_utc(t: dt.datetime) -> tuple[str, str]:
    kind = "Unspecified" if t.tzinfo is None else "Utc"
    extra = t.hundred_nanoseconds if isinstance(t, ClrDateTime) else 0
    u = t.astimezone(dt.UTC) if t.tzinfo is not None else t
    return u.strftime("%Y-%m-%dT%H:%M:%S") + f".{u.microsecond:06d}{extra}Z", kind


class ServiceBase(MarshalByRefObject, IRemoteService):
    """The implementation shared by the SingleCall and the Singleton object."""

    def __init__(self) -> None:
        self._counter = 0
        self._lock = threading.Lock()

    def Increment(self) -> int:
        with self._lock:  # a Singleton serves concurrent calls
            self._counter += 1
            return self._counter

    def GetRemoteObjectType(self) -> str:
        return clr_name_of(type(self)).full_name

    def GetProcessId(self) -> int:
        """The server's process id; several workers serving one deployment report one (the first worker's),
        as clients of one .NET server process expect (see gateway.server_process_id)."""
        return server_process_id()

    def Echo(self, i: int, d: float, b: bool, s: str | None, t: dt.datetime) -> str:
        when, kind = _format_utc(t)
        return "|".join([str(i), _format_r(d), "True" if b else "False", "<null>" if s is None else s, when, kind])

    def EchoMore(
        self, l: Int64, f: Single, m: Decimal, c: Char, by: Byte, sh: Int16, ts: dt.timedelta,
        bytes: bytes | None, nullString: str | None, e: DayOfWeek,
    ) -> str:
        ticks = (ts.days * 86400 + ts.seconds) * 10**7 + ts.microseconds * 10
        from soap._scalars import format_single

        return "|".join([
            str(l), format_single(f), str(m), str(ord(c)), str(by), str(sh), str(ticks),
            "<null>" if bytes is None else bytes.hex(),
            "<null>" if nullString is None else f"[{nullString}]",
            e.name,
        ])

    def Reverse(self, a: list[int] | None) -> list[int] | None:
        return None if a is None else list(reversed(a))

    def Fail(self, message: str | None) -> None:
        raise GreetingException(message or "", "Hi there")

    def GetPerson(self, name: str | None, age: int) -> Person:
        return Person(name, age)

    def Birthday(self, p: Person | None) -> Person | None:
        return None if p is None else Person(p.Name, p.Age + 1)


@clr_type("RemotingPeer.SingleCallObject", "PeerServer")
class SingleCallObject(ServiceBase):
    """Well-known SingleCall: a fresh instance for every call, so ``Increment`` always returns 1."""


@clr_type("RemotingPeer.SingletonObject", "PeerServer")
class SingletonObject(ServiceBase):
    """Well-known Singleton: one instance for all callers; ``Increment`` keeps counting. Infinite lease."""

    def InitializeLifetimeService(self) -> Lease | None:
        return None


@clr_type("RemotingPeer.ICounter", PEER_SHARED)
class ICounter:
    """Implemented by the client-activated object."""

    def Increment(self) -> int:
        raise NotImplementedError

    def GetName(self) -> str | None:
        raise NotImplementedError


@clr_type("RemotingPeer.ClientActivatedObject", "PeerServer")
class ClientActivatedObject(MarshalByRefObject, ICounter):
    """Client-activated: each activation creates one private instance with its own counter and lease."""

    def __init__(self, name: str | None) -> None:
        self._name = name
        self._counter = 0
        self._lock = threading.Lock()

    def InitializeLifetimeService(self) -> Lease | None:
        lease = super().InitializeLifetimeService()
        assert lease is not None
        lease.InitialLeaseTime = dt.timedelta(seconds=5)
        lease.RenewOnCallTime = dt.timedelta(seconds=2)
        lease.SponsorshipTimeout = dt.timedelta(seconds=2)
        return lease

    def Increment(self) -> int:
        with self._lock:
            self._counter += 1
            return self._counter

    def GetName(self) -> str | None:
        return self._name


@clr_type("RemotingPeer.IFactory", PEER_SHARED)
class IFactory:
    """Hands out objects by reference and takes them back."""

    def CreateCounter(self, name: str | None) -> ICounter:
        """A new counter living on the server; the caller gets a proxy (an ObjRef on the wire)."""
        raise NotImplementedError

    def Describe(self, counter: ICounter | None) -> str:
        """``name=count`` of a counter passed back by the caller, and whether it arrived as the server's
        own object (``local``) rather than as a proxy."""
        raise NotImplementedError


@clr_type("RemotingPeer.FactoryService", "PeerServer")
class FactoryService(MarshalByRefObject, IFactory):
    def InitializeLifetimeService(self) -> Lease | None:
        return None

    def CreateCounter(self, name: str | None) -> ICounter:
        return ClientActivatedObject(name)

    def Describe(self, counter: ICounter | None) -> str:
        if counter is None:
            return "<null>"
        where = "local" if isinstance(counter, ClientActivatedObject) else "remote"
        return f"{counter.GetName()}={counter._counter if isinstance(counter, ClientActivatedObject) else '?'}|{where}"


def register(app: RemotingApp) -> RemotingApp:
    """Publish the samples on ``app`` (so several example sets can share one application)."""
    app.register_well_known(HelloServer, "SayHello.soap", WellKnownObjectMode.SingleCall)
    app.register_well_known(HelloServer, "SayHello.rem", WellKnownObjectMode.SingleCall)
    app.register_well_known(SingleCallObject, "SingleCallService.rem", WellKnownObjectMode.SingleCall)
    app.register_well_known(SingletonObject, "SingletonService.rem", WellKnownObjectMode.Singleton)
    app.register_well_known(FactoryService, "FactoryService.rem", WellKnownObjectMode.Singleton)
    app.register_activated(ClientActivatedObject)
    return app


#: The lease manager polls every second, as in the Mono reference server (the .NET default is 10 s).
LIFETIME = LifetimeSettings(lease_manager_poll_time=dt.timedelta(seconds=1))

app = register(RemotingApp(lifetime=LIFETIME))
