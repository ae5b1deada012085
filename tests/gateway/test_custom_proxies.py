"""Custom proxies (RealProxy), the shipped load-balancing proxy, and client sinks that move a call."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from gateway import (
    AsyncRemotingClient,
    ChannelError,
    ClientCall,
    ClientResponse,
    LoadBalancingProxy,
    MarshalByRefObject,
    MethodCallMessage,
    RealProxy,
    RemotingApp,
    RemotingClient,
    ReturnMessage,
    ServerUnreachableError,
    WellKnownObjectMode,
)
from soap import clr_type
from tests.support.server import free_port, serve_in_thread


@clr_type("ProxyTests.IWhere", "ProxyTests")
class IWhere:
    def Where(self) -> str:
        raise NotImplementedError

    def Add(self, a: int, b: int) -> int:
        raise NotImplementedError


class Where(MarshalByRefObject, IWhere):
    served: dict[str, int] = {}  # noqa: RUF012 - per server name, shared with the tests
    name = "?"

    def Where(self) -> str:
        Where.served[self.name] = Where.served.get(self.name, 0) + 1
        return self.name

    def Add(self, a: int, b: int) -> int:
        return a + b


class Counter(MarshalByRefObject):
    """Client-activated: it lives on the server that created it."""

    name = "?"

    def __init__(self) -> None:
        self.count = 0

    def Next(self) -> str:
        self.count += 1
        return f"{self.name}:{self.count}"


def app_named(name: str) -> RemotingApp:
    where = type(f"Where{name}", (Where,), {"name": name})
    counter = type("Counter", (Counter,), {"name": name, "__module__": __name__})
    app = RemotingApp(sinks=[])
    app.register_well_known(where, "Where.rem", WellKnownObjectMode.SingleCall)
    app.register_activated(counter, type_name=f"{__name__}.Counter")
    return app


@pytest.fixture(scope="module")
def servers() -> Iterator[list[str]]:
    with serve_in_thread(app_named("a")) as a, serve_in_thread(app_named("b")) as b:
        yield [a, b]


@pytest.fixture(autouse=True)
def counts() -> None:
    Where.served.clear()


@contextlib.contextmanager
def swallowing_server() -> Iterator[str]:
    """A server that reads a request and closes the connection without answering: a call that may have run."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.recv(65536)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=5)


# ------------------------------------------------------------------ RealProxy


class Recording(RealProxy):
    """Answers locally: no network at all."""

    def __init__(self) -> None:
        super().__init__(IWhere, "http://nowhere.invalid/Where.rem")
        self.messages: list[MethodCallMessage] = []

    def invoke(self, message: MethodCallMessage) -> ReturnMessage:
        self.messages.append(message)
        if message.method_name == "Add":
            a, b = message.args
            return ReturnMessage(int(a) + int(b))  # type: ignore[call-overload]
        return ReturnMessage(exception=LookupError("nowhere"))


def test_every_call_through_a_real_proxy_is_one_invoke() -> None:
    real = Recording()
    proxy = real.get_transparent_proxy()
    assert proxy.Add(2, 40) == 42
    with pytest.raises(LookupError, match="nowhere"):
        proxy.Where()
    assert [(m.method_name, m.args, m.url) for m in real.messages] == [
        ("Add", (2, 40), "http://nowhere.invalid/Where.rem"), ("Where", (), "http://nowhere.invalid/Where.rem")]
    assert real.messages[0].operation.parameter_names == ["a", "b"]
    with pytest.raises(AttributeError, match="no remote method"):
        proxy.Missing  # noqa: B018


def test_an_async_invoke_makes_awaitable_methods() -> None:
    class Later(RealProxy):
        async def invoke(self, message: MethodCallMessage) -> ReturnMessage:
            await asyncio.sleep(0)
            return ReturnMessage(f"later {message.method_name}")

    proxy = Later(IWhere).get_transparent_proxy()
    assert asyncio.run(proxy.Where()) == "later Where"


def test_a_real_proxy_forwards_through_a_client(servers: list[str]) -> None:
    class Logging(RealProxy):
        def __init__(self, client: RemotingClient) -> None:
            super().__init__(IWhere, servers[1] + "Where.rem", client.default_route)
            self.client = client
            self.log: list[str] = []

        def invoke(self, message: MethodCallMessage) -> ReturnMessage:
            self.log.append(message.method_name)
            return self.client.send(message)

    with RemotingClient(timeout=10) as client:
        real = Logging(client)
        assert real.get_transparent_proxy().Where() == "b"
        assert real.log == ["Where"]


# ------------------------------------------------------------------ load balancing


def test_calls_are_balanced_round_robin(servers: list[str]) -> None:
    with RemotingClient(timeout=10) as client:
        where = LoadBalancingProxy(IWhere, [s + "Where.rem" for s in servers], client).get_transparent_proxy()
        assert [where.Where() for _ in range(6)] == ["a", "b", "a", "b", "a", "b"]


def test_an_unreachable_server_is_skipped(servers: list[str]) -> None:
    dead = f"http://127.0.0.1:{free_port()}/Where.rem"
    with RemotingClient(timeout=10) as client:
        where = LoadBalancingProxy(IWhere, [dead, servers[0] + "Where.rem"], client).get_transparent_proxy()
        assert [where.Where() for _ in range(4)] == ["a"] * 4
    assert Where.served == {"a": 4}  # each call ran once


def test_when_every_server_is_unreachable_the_error_says_so() -> None:
    dead = [f"http://127.0.0.1:{free_port()}/Where.rem" for _ in range(2)]
    with RemotingClient(timeout=10) as client:
        where = LoadBalancingProxy(IWhere, dead, client).get_transparent_proxy()
        with pytest.raises(ServerUnreachableError):
            where.Where()


def test_a_call_that_may_have_run_is_never_sent_again(servers: list[str]) -> None:
    with swallowing_server() as swallowing, RemotingClient(timeout=10) as client:
        where = LoadBalancingProxy(IWhere, [swallowing + "Where.rem", servers[0] + "Where.rem"],
                                   client).get_transparent_proxy()
        with pytest.raises(ChannelError) as info:
            where.Where()  # written to the first server, which then dropped the connection
        assert not isinstance(info.value, ServerUnreachableError)
        assert Where.served == {}  # not retried on the second
        assert where.Where() == "a"  # the next call takes the next turn


def test_a_client_activated_object_stays_where_it_was_made(servers: list[str]) -> None:
    with RemotingClient(timeout=10) as client:
        balancer = LoadBalancingProxy(IWhere, [s + "Where.rem" for s in servers], client)
        first = balancer.create_instance(Counter)
        second = balancer.create_instance(Counter)
        balanced = balancer.get_transparent_proxy()
        calls = [first.Next(), balanced.Where(), first.Next(), balanced.Where(), first.Next(), second.Next()]
        assert calls == ["a:1", "a", "a:2", "b", "a:3", "b:1"]


def test_balancing_with_the_async_client(servers: list[str]) -> None:
    async def scenario() -> list[Any]:
        async with AsyncRemotingClient(timeout=10) as client:
            where = LoadBalancingProxy(IWhere, [s + "Where.rem" for s in servers], client).get_transparent_proxy()
            return [await where.Where() for _ in range(4)]

    assert asyncio.run(scenario()) == ["a", "b", "a", "b"]


# ------------------------------------------------------------------ client sinks


class Redirect:
    """A client sink that sends every call to another server."""

    def __init__(self, to: str) -> None:
        self.to = to

    def process_request(self, call: ClientCall) -> None:
        call.url = self.to + call.url.rsplit("/", 1)[1]

    def process_response(self, call: ClientCall, response: ClientResponse) -> None:
        pass


def test_a_client_sink_may_send_a_call_elsewhere(servers: list[str]) -> None:
    dead = f"http://127.0.0.1:{free_port()}/"
    with RemotingClient(timeout=10, sinks=[Redirect(servers[1])]) as client:
        assert client.get_object(IWhere, dead + "Where.rem").Where() == "b"

    async def scenario() -> str:
        async with AsyncRemotingClient(timeout=10, sinks=[Redirect(servers[0])]) as client:
            result: str = await client.get_object(IWhere, dead + "Where.rem").Where()
            return result

    assert asyncio.run(scenario()) == "a"
