"""Workers of a deployment inside one test's event loop: real uvicorn servers on loopback, one per app.

Each "worker" is a ``RemotingApp`` served by uvicorn's own server on a free port (lifespan included, so
the scale-out runtime starts and stops as under ``uvicorn --workers``). Sharing one
``EmbeddedStore(shared=True)`` they form a deployment without Redis; ``crash`` stops one without a word to
the store, as SIGKILL would.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import threading
from collections.abc import AsyncIterator, Callable

import uvicorn

from gateway import Lease, LifetimeSettings, MarshalByRefObject, RemotingApp, WellKnownObjectMode, persistent
from gateway.store import ObjectStore
from soap import clr_type

from .objects import Durable

ASSEMBLY = "GatewayTests"


@clr_type("GatewayTests.Cluster.Factory", ASSEMBLY)
class Factory(MarshalByRefObject):
    """Singleton handing out counters and taking them back."""

    def InitializeLifetimeService(self) -> Lease | None:
        return None

    def Create(self, name: str | None) -> Durable:
        return Durable(name)

    def Describe(self, counter: Durable | None) -> str:
        if counter is None:
            return "<null>"
        return f"{counter.GetName()}={counter.Increment()}"

    async def DescribeAsync(self, counter: Durable | None) -> str:
        """Describe, from the event loop: a proxy's calls are awaited there."""
        if counter is None:
            return "<null>"
        name = await counter.GetName()  # type: ignore[misc]  # a proxy's method returns an awaitable here
        return f"{name}={await counter.Increment()}"  # type: ignore[misc]


@clr_type("GatewayTests.Cluster.Tally", ASSEMBLY)
class Tally(MarshalByRefObject):
    """A Singleton whose state is lost on take-over."""

    def __init__(self) -> None:
        self._count = 0
        self._lock = threading.Lock()

    def InitializeLifetimeService(self) -> Lease | None:
        return None

    def Next(self) -> int:
        with self._lock:
            self._count += 1
            return self._count


@persistent("count", "history")
@clr_type("GatewayTests.Cluster.Ledger", ASSEMBLY)
class Ledger(MarshalByRefObject):
    """A Singleton whose state survives take-over."""

    count: int = 0
    history: list[str]

    def __init__(self) -> None:
        self.history = []

    def InitializeLifetimeService(self) -> Lease | None:
        return None

    def Add(self, item: str) -> int:
        self.count += 1
        self.history.append(item)
        return self.count

    def Items(self) -> list[str]:
        return list(self.history)


@clr_type("GatewayTests.Cluster.Hello", ASSEMBLY)
class Hello(MarshalByRefObject):
    def Hi(self, name: str) -> str:
        return "Hi " + name


LIFETIME = LifetimeSettings(lease_manager_poll_time=dt.timedelta(seconds=0.5))


def make_app(
    store: ObjectStore | str, formatters: tuple[str, ...] = ("soap", "binary"), lifetime: LifetimeSettings = LIFETIME
) -> RemotingApp:
    app = RemotingApp(store=store, lifetime=lifetime, formatters=formatters)
    app.register_well_known(Hello, "Hello.rem", WellKnownObjectMode.SingleCall)
    app.register_well_known(Tally, "Tally.rem", WellKnownObjectMode.Singleton)
    app.register_well_known(Ledger, "Ledger.rem", WellKnownObjectMode.Singleton)
    app.register_well_known(Factory, "Factory.rem", WellKnownObjectMode.Singleton)
    app.register_activated(Durable)
    return app


class Worker:
    """One app under a real uvicorn in this loop."""

    def __init__(self, name: str, app: RemotingApp) -> None:
        self.name = name
        self.app = app
        self.server: uvicorn.Server | None = None
        self.url = ""

    async def start(self) -> Worker:
        config = uvicorn.Config(self.app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
        config.load()
        server = uvicorn.Server(config)
        server.lifespan = config.lifespan_class(config)
        await server.startup()
        self.server = server
        port = server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/"
        return self

    async def stop(self) -> None:
        """A clean stop: locks freed, registration removed."""
        server, self.server = self.server, None
        if server is not None:
            await server.shutdown()

    async def crash(self) -> None:
        """Gone without a word: both listeners closed, the store told nothing (as after SIGKILL)."""
        server, self.server = self.server, None
        assert self.app.cluster is not None
        node = self.app.cluster
        if node._heartbeat is not None:
            node._heartbeat.cancel()
        if node._listener is not None:
            await node._listener.stop()
        if server is not None:
            for s in server.servers:
                s.close()
            for connection in list(server.server_state.connections):
                connection.shutdown()
        await self.app.leases.stop()


@contextlib.asynccontextmanager
async def deployment(
    store_factory: Callable[[], ObjectStore | str], count: int = 2, lifetime: LifetimeSettings = LIFETIME
) -> AsyncIterator[list[Worker]]:
    """``count`` workers in this loop. ``lifetime``'s poll time is also each worker's registration TTL (a
    heartbeat every third of it): a call that holds the shared loop longer makes the others look gone."""
    workers = [await Worker(f"w{i}", make_app(store_factory(), lifetime=lifetime)).start() for i in range(count)]
    for worker in workers:
        assert worker.app.cluster is not None
    try:
        yield workers
    finally:
        for worker in workers:
            await worker.stop()
        await asyncio.sleep(0)
