"""Object references: MarshalByRefObjects returned and passed back, callbacks into clients, remote sponsors,
the scope of what a class publishes, and ContextBoundObject's per-instance serialization.

In-process tests use ``httpx.ASGITransport``. Callbacks need real HTTP both ways (the server calls the
client's listener, a uvicorn on a thread), so those run the server app under uvicorn on a thread too, where
the test can still look at the server's objects.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from examples.remoting_samples import ClientActivatedObject, FactoryService, IFactory
from gateway import (
    AsyncRemotingClient,
    ContextBoundObject,
    ILease,
    Lease,
    LeaseState,
    LifetimeSettings,
    MarshalByRefObject,
    RemotingApp,
    RemotingClient,
    RemotingError,
    TypeFilterLevel,
    WellKnownObjectMode,
)
from soap import ANY, clr_name_of, clr_type
from wsdl import Operation

from ..support.clock import ManualClock

try:
    from support.server import serve_in_thread as serve
except ImportError:  # tests/ imported as a package
    from tests.support.server import serve_in_thread as serve

BASE = "http://testserver/"
ASSEMBLY = "GatewayTests"
DYNAMIC_NS = "http://schemas.microsoft.com/clr/nsassem/Dynamic/Dynamic"


# ------------------------------------------------------------------ contracts and classes


@clr_type("GatewayTests.References.IListener", ASSEMBLY)
class IListener:
    def Notify(self, msg: str | None) -> str | None:
        raise NotImplementedError


class ClientListener(MarshalByRefObject, IListener):
    """Lives in the client; the server calls it back through the client's listener."""

    def __init__(self) -> None:
        self.received: list[str | None] = []
        self.threads: set[str] = set()

    def Notify(self, msg: str | None) -> str | None:
        self.received.append(msg)
        self.threads.add(threading.current_thread().name)
        return f"ack:{msg}"


@clr_type("GatewayTests.References.IPublisher", ASSEMBLY)
class IPublisher:
    def Publish(self, listener: IListener | None, msg: str | None) -> str | None:
        raise NotImplementedError


@clr_type("GatewayTests.References.Publisher", ASSEMBLY)
class Publisher(MarshalByRefObject, IPublisher):
    def InitializeLifetimeService(self) -> Lease | None:
        return None

    def Publish(self, listener: IListener | None, msg: str | None) -> str | None:
        assert listener is not None
        # a sync method runs in a worker thread: the callback proxy's blocking call is fine here
        return f"server got {listener.Notify(msg)}"


@clr_type("GatewayTests.References.Leased", ASSEMBLY)
class Leased(MarshalByRefObject):
    """Client-activated with a 1 s lease and a 2 s sponsorship timeout (a remote sponsor needs a round trip)."""

    def InitializeLifetimeService(self) -> Lease | None:
        lease = super().InitializeLifetimeService()
        assert lease is not None
        lease.InitialLeaseTime = dt.timedelta(seconds=1)
        lease.RenewOnCallTime = dt.timedelta(seconds=0.5)
        lease.SponsorshipTimeout = dt.timedelta(seconds=2)
        return lease

    def Ping(self) -> str:
        return "pong"


class ClientSponsor(MarshalByRefObject):
    """A sponsor living in the client (``ISponsor.Renewal``)."""

    def __init__(self) -> None:
        self.calls = 0

    def Renewal(self, lease: ILease | None) -> dt.timedelta:
        self.calls += 1
        return dt.timedelta(seconds=1)


class Opaque:
    """Neither a registered by-value type nor a MarshalByRefObject."""


@clr_type("GatewayTests.References.Scoped", ASSEMBLY)
class Scoped(MarshalByRefObject):
    plain_class_attribute = 5

    def __init__(self) -> None:
        self._name: str | None = "initial"
        self.plain_attribute = 1

    def InitializeLifetimeService(self) -> Lease | None:
        return None

    def Public(self) -> str:
        return "public"

    def _private(self) -> str:
        return "private"

    def __dunder_like(self) -> str:
        return "mangled"

    @staticmethod
    def Static() -> str:
        return "static"

    @classmethod
    def ClassLevel(cls) -> str:
        return "class"

    @property
    def Name(self) -> str | None:
        return self._name

    @Name.setter
    def Name(self, value: str | None) -> None:
        self._name = value

    def GetOpaque(self) -> object:
        return Opaque()

    def GetOpaqueList(self) -> object:
        return [1, Opaque()]

    def __str__(self) -> str:
        return f"Scoped({self._name})"


@clr_type("GatewayTests.References.NoToString", ASSEMBLY)
class NoToString(MarshalByRefObject):
    def InitializeLifetimeService(self) -> Lease | None:
        return None

    def Ping(self) -> str:
        return "pong"


#: how long ``Slow`` takes: long enough for concurrent calls to overlap, short enough for ten in a row
SLOW = 0.03


def _slow(self: Any, i: int) -> str:
    started = time.monotonic()
    time.sleep(SLOW)
    return f"{i}:{started!r}:{time.monotonic()!r}"


@clr_type("GatewayTests.References.Serialized", ASSEMBLY)
class Serialized(ContextBoundObject):
    def InitializeLifetimeService(self) -> Lease | None:
        return None

    def Slow(self, i: int) -> str:
        return _slow(self, i)


@clr_type("GatewayTests.References.Unserialized", ASSEMBLY)
class Unserialized(MarshalByRefObject):
    def InitializeLifetimeService(self) -> Lease | None:
        return None

    def Slow(self, i: int) -> str:
        return _slow(self, i)


def make_app(
    type_filter: TypeFilterLevel = TypeFilterLevel.Low, lifetime: LifetimeSettings | None = None, **kwargs: Any
) -> RemotingApp:
    app = RemotingApp(
        type_filter=type_filter,
        lifetime=lifetime or LifetimeSettings(lease_manager_poll_time=dt.timedelta(seconds=0.2)),
        sinks=[],
        **kwargs,
    )
    app.register_well_known(FactoryService, "FactoryService.rem", WellKnownObjectMode.Singleton)
    app.register_well_known(Publisher, "Publisher.rem", WellKnownObjectMode.Singleton)
    app.register_well_known(Scoped, "Scoped.rem", WellKnownObjectMode.Singleton)
    app.register_well_known(NoToString, "NoToString.rem", WellKnownObjectMode.Singleton)
    app.register_well_known(Serialized, "Serialized.rem", WellKnownObjectMode.Singleton)
    app.register_well_known(Unserialized, "Unserialized.rem", WellKnownObjectMode.Singleton)
    app.register_activated(Leased)
    return app


def run(app: RemotingApp, scenario: Callable[[AsyncRemotingClient], Awaitable[None]], **client_kw: Any) -> None:
    async def main() -> None:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
        async with AsyncRemotingClient(http_client=http, **client_kw) as client:
            try:
                await scenario(client)
            finally:
                await app.leases.stop()

    asyncio.run(main())


async def fault_of(call: Awaitable[Any]) -> str:
    with pytest.raises(RemotingError) as info:
        await call
    return str(info.value)


# ------------------------------------------------------------------ references returned and passed back


def test_returned_mbr_is_a_proxy_and_comes_back_as_the_servers_object() -> None:
    app = make_app()

    async def scenario(client: AsyncRemotingClient) -> None:
        factory = client.get_object(IFactory, BASE + "FactoryService.rem")
        counter = await factory.CreateCounter("made")
        assert not isinstance(counter, ClientActivatedObject)  # a proxy, not a copy
        assert "remote" in repr(counter)
        assert await counter.GetName() == "made"
        assert [await counter.Increment(), await counter.Increment()] == [1, 2]
        assert await factory.Describe(counter) == "made=2|local"
        other = await factory.CreateCounter("other")
        assert await other.Increment() == 1
        assert await factory.Describe(other) == "other=1|local"
        assert await factory.Describe(None) == "<null>"
        # the server holds the real objects, published under their own URIs with leases
        live = [getattr(e, "obj", None) for e in app.identities.entries()]
        assert sorted(o.GetName() for o in live if isinstance(o, ClientActivatedObject)) == ["made", "other"]

    run(app, scenario)


def test_returned_mbr_with_sync_client_over_uvicorn() -> None:
    app = make_app()
    with serve(app) as base, RemotingClient(timeout=10.0) as client:
        factory = client.get_object(IFactory, base + "FactoryService.rem")
        counter = factory.CreateCounter("sync")
        assert counter.Increment() == 1
        assert factory.Describe(counter) == "sync=1|local"


# ------------------------------------------------------------------ callbacks


def test_callback_into_the_client_with_type_filter_full() -> None:
    app = make_app(TypeFilterLevel.Full)  # no proxy_factory: RemotingApp supplies one for Full
    listener = ClientListener()
    with serve(app) as base, RemotingClient(listen=True, timeout=10.0) as client:
        publisher = client.get_object(IPublisher, base + "Publisher.rem")
        assert publisher.Publish(listener, "hello") == "server got ack:hello"
        assert publisher.Publish(listener, "again") == "server got ack:again"
    assert listener.received == ["hello", "again"]
    assert threading.current_thread().name not in listener.threads  # served by the listener, not inline


def test_callback_with_an_explicit_proxy_factory() -> None:
    made: list[str] = []

    def factory(ref: Any, declared: Any, origin: Any) -> object:
        made.append(ref.uri)
        return callbacks.proxy_for(ref, declared)

    with RemotingClient(timeout=10.0) as callbacks:
        app = make_app(TypeFilterLevel.Full, proxy_factory=factory)
        listener = ClientListener()
        with serve(app) as base, RemotingClient(listen=True, timeout=10.0) as client:
            publisher = client.get_object(IPublisher, base + "Publisher.rem")
            assert publisher.Publish(listener, "x") == "server got ack:x"
    assert len(made) == 1 and made[0].endswith(".rem")
    assert listener.received == ["x"]


def test_callback_from_async_client_to_in_process_server() -> None:
    app = make_app(TypeFilterLevel.Full)
    listener = ClientListener()

    async def scenario(client: AsyncRemotingClient) -> None:
        publisher = client.get_object(IPublisher, BASE + "Publisher.rem")
        replies = await asyncio.gather(*(publisher.Publish(listener, f"m{i}") for i in range(5)))
        assert replies == [f"server got ack:m{i}" for i in range(5)]

    run(app, scenario, listen=True)
    assert sorted(m for m in listener.received if m) == [f"m{i}" for i in range(5)]


def test_callback_refused_with_type_filter_low() -> None:
    app = make_app(TypeFilterLevel.Low)
    listener = ClientListener()
    with serve(app) as base, RemotingClient(listen=True, timeout=10.0) as client:
        publisher = client.get_object(IPublisher, base + "Publisher.rem")
        with pytest.raises(RemotingError) as info:
            publisher.Publish(listener, "hello")
    message = str(info.value)
    assert "type filter" in message, message
    assert info.value.fault_code == "Client"
    assert listener.received == []


def test_passing_a_local_mbr_without_a_listener_is_a_clear_client_error() -> None:
    app = make_app(TypeFilterLevel.Full)

    async def scenario(client: AsyncRemotingClient) -> None:
        publisher = client.get_object(IPublisher, BASE + "Publisher.rem")
        with pytest.raises(Exception, match="listen=True"):
            await publisher.Publish(ClientListener(), "x")

    run(app, scenario)


def test_remote_sponsor_keeps_an_object_alive() -> None:
    """The server's lease manager asks a sponsor in the client over HTTP. The server polls every 20 ms on a
    manual clock: the test moves the clock past the lease and waits (briefly) for the sponsor's renewal."""
    clock = ManualClock()
    lifetime = LifetimeSettings(lease_manager_poll_time=dt.timedelta(milliseconds=20), clock=clock)
    app = make_app(TypeFilterLevel.Full, lifetime)
    sponsor = ClientSponsor()
    with serve(app) as base, RemotingClient(listen=True, timeout=10.0) as client:
        leased = client.create_instance(Leased, base)
        assert leased.Ping() == "pong"
        lease = client.get_lifetime_service(leased)
        lease.Register(sponsor)
        [server_obj] = [e.obj for e in app.identities.entries() if isinstance(getattr(e, "obj", None), Leased)]
        server_lease = server_obj.GetLifetimeService()
        assert server_lease is not None
        for asked in (1, 2):
            clock.advance(1.0)  # idle past its 1 s lease: only the sponsor renews it
            deadline = time.monotonic() + 10
            while sponsor.calls < asked or server_lease.CurrentState is not LeaseState.Active:
                assert server_lease.CurrentState is not LeaseState.Expired, "the sponsor's renewal did not count"
                assert time.monotonic() < deadline, (sponsor.calls, server_lease.CurrentState)
                time.sleep(0.01)
            assert server_lease.CurrentLeaseTime == dt.timedelta(seconds=1)  # the sponsor's answer
        assert sponsor.calls == 2
        assert lease.CurrentState is LeaseState.Active
        assert leased.Ping() == "pong"


def test_remote_sponsor_refused_with_type_filter_low() -> None:
    app = make_app(TypeFilterLevel.Low)
    with serve(app) as base, RemotingClient(listen=True, timeout=10.0) as client:
        leased = client.create_instance(Leased, base)
        lease = client.get_lifetime_service(leased)
        with pytest.raises(RemotingError, match="type filter"):
            lease.Register(ClientSponsor())


# ------------------------------------------------------------------ what may not cross the wire


@pytest.mark.parametrize("method", ["GetOpaque", "GetOpaqueList"])
def test_nonremotable_return_value_is_a_clear_fault(method: str) -> None:
    app = make_app()

    async def scenario(client: AsyncRemotingClient) -> None:
        scoped = client.get_object(Scoped, BASE + "Scoped.rem")
        message = await fault_of(getattr(scoped, method)())
        assert "Opaque" in message and "not remotable" in message, message
        assert method in message, message
        assert await scoped.Public() == "public"  # the object keeps serving

    run(app, scenario)


# ------------------------------------------------------------------ scope of publication


def dynamic(name: str) -> Operation:
    """A parameterless call by wire name (an untyped proxy refuses ``_`` names locally, so build the call)."""
    return Operation(name, (), Any, ANY, False, None)


@pytest.mark.parametrize(
    "name",
    [
        "_private",
        "_Scoped__dunder_like",
        "__init__",
        "__str__",
        "Static",
        "ClassLevel",
        "plain_attribute",
        "plain_class_attribute",
        "_name",
        "InitializeLifetimeService",
        "Name",
        "GetType",
    ],
)
def test_only_public_instance_methods_are_callable(name: str) -> None:
    app = make_app()

    async def scenario(client: AsyncRemotingClient) -> None:
        message = await fault_of(client.invoke(BASE + "Scoped.rem", DYNAMIC_NS, dynamic(name), ()))
        assert f"No method '{name}'" in message, message
        assert await client.invoke(BASE + "Scoped.rem", DYNAMIC_NS, dynamic("Public"), ()) == "public"

    run(app, scenario)


def test_property_is_published_as_get_and_set_accessors() -> None:
    app = make_app()

    async def scenario(client: AsyncRemotingClient) -> None:
        scoped = client.get_object(Scoped, BASE + "Scoped.rem")
        assert await scoped.get_Name() == "initial"
        assert await scoped.Name == "initial"  # property syntax on the proxy calls get_Name
        assert await scoped.set_Name("renamed") is None
        assert await scoped.get_Name() == "renamed"
        untyped = client.get_object(None, BASE + "Scoped.rem")
        assert await untyped.get_Name() == "renamed"

    run(app, scenario)


def test_to_string_reaches_the_server_only_when_str_is_overridden() -> None:
    """An overridden ``__str__`` is the remote ToString; without one the server answers as System.Object
    (the type's full name), as a .NET server does for a class that does not override ToString."""
    app = make_app()

    async def scenario(client: AsyncRemotingClient) -> None:
        assert await client.get_object(Scoped, BASE + "Scoped.rem").ToString() == "Scoped(initial)"
        plain = await client.get_object(None, BASE + "NoToString.rem").ToString()
        assert plain == clr_name_of(NoToString).full_name

    run(app, scenario)


# ------------------------------------------------------------------ ContextBoundObject


def intervals(replies: list[str]) -> list[tuple[float, float]]:
    spans = []
    for reply in replies:
        _i, start, end = reply.split(":")
        spans.append((float(start), float(end)))
    return sorted(spans)


def max_overlap(spans: list[tuple[float, float]]) -> int:
    events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    current = best = 0
    for _, delta in events:
        current += delta
        best = max(best, current)
    return best


def test_context_bound_object_serializes_calls_per_instance() -> None:
    app = make_app()

    async def scenario(client: AsyncRemotingClient) -> None:
        serialized = client.get_object(Serialized, BASE + "Serialized.rem")
        plain = client.get_object(Unserialized, BASE + "Unserialized.rem")
        started = time.monotonic()
        replies = await asyncio.gather(*(serialized.Slow(i) for i in range(10)))
        serial_time = time.monotonic() - started
        spans = intervals(replies)
        for (_, end), (next_start, _) in itertools.pairwise(spans):
            assert next_start >= end, "two calls ran at once on a ContextBoundObject"
        assert max_overlap(spans) == 1
        assert serial_time >= 10 * SLOW

        replies = await asyncio.gather(*(plain.Slow(i) for i in range(10)))
        assert max_overlap(intervals(replies)) > 1, "a plain MarshalByRefObject's calls did not overlap"

    run(app, scenario)


def test_context_bound_objects_do_not_block_each_other() -> None:
    """Serialization is per instance: calls to two different ContextBoundObjects still overlap."""
    app = make_app()

    @clr_type("GatewayTests.References.Serialized2", ASSEMBLY)
    class Serialized2(Serialized):
        pass

    app.register_well_known(Serialized2, "Serialized2.rem", WellKnownObjectMode.Singleton)

    async def scenario(client: AsyncRemotingClient) -> None:
        one = client.get_object(Serialized, BASE + "Serialized.rem")
        two = client.get_object(Serialized2, BASE + "Serialized2.rem")
        replies = await asyncio.gather(one.Slow(1), two.Slow(2))
        assert max_overlap(intervals(list(replies))) == 2

    run(app, scenario)
