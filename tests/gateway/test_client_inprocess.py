"""The Python client channel against the examples' server, sync and async.

The sync :class:`gateway.RemotingClient` talks to a real uvicorn on loopback (``httpx.ASGITransport`` is
async-only); the :class:`gateway.AsyncRemotingClient` runs the same app in-process through
``httpx.ASGITransport``. Every test runs with both, through one small adapter that makes an async proxy's
calls synchronous.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import os
import struct
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

import examples.remoting_samples as samples
from examples.remoting_samples import DayOfWeek, GreetingException, IHello, IRemoteService, Person
from gateway import (
    AsyncRemotingClient,
    ClientCall,
    ClientLoggingSink,
    ClientResponse,
    ClientSink,
    RemotingClient,
    RemotingError,
)
from soap import ClrDateTime

from ..support.http import http_client
from ..support.server import live_server

ASGI_BASE = "http://testserver/"


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with live_server("examples.remoting_samples:app") as url:
        yield url


class Remote:
    """One client of either kind, with calls made synchronous for the tests."""

    def __init__(self, kind: str, base: str, sinks: list[ClientSink], transport: httpx.BaseTransport | None = None):
        self.kind = kind
        self.base = base
        self.loop: asyncio.AbstractEventLoop | None = None
        if kind == "sync":
            http = httpx.Client(transport=transport, timeout=10.0) if transport else http_client(timeout=10.0)
            self.client: RemotingClient | AsyncRemotingClient = RemotingClient(http_client=http, sinks=sinks)
        else:
            self.loop = asyncio.new_event_loop()
            http_async = httpx.AsyncClient(transport=httpx.ASGITransport(app=samples.app))
            self.client = AsyncRemotingClient(http_client=http_async, sinks=sinks)

    def get(self, interface: type | None, uri: str) -> Any:
        proxy = self.client.get_object(interface, self.base + uri)
        return proxy if self.loop is None else _SyncFacade(proxy, self.loop)

    def close(self) -> None:
        if isinstance(self.client, RemotingClient):
            self.client.close()
        else:
            assert self.loop is not None
            self.loop.run_until_complete(self.client.aclose())
            self.loop.close()


class _SyncFacade:
    def __init__(self, proxy: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._proxy = proxy
        self._loop = loop

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._proxy, name)

        def call(*args: object) -> Any:
            return self._loop.run_until_complete(method(*args))

        return call


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return request.param  # type: ignore[no-any-return]


def make_remote(kind: str, request: pytest.FixtureRequest, sinks: list[ClientSink] | None = None) -> Remote:
    base = request.getfixturevalue("server_url") if kind == "sync" else ASGI_BASE
    remote = Remote(kind, base, sinks or [])
    request.addfinalizer(remote.close)
    return remote


@pytest.fixture
def remote(kind: str, request: pytest.FixtureRequest) -> Remote:
    return make_remote(kind, request)


@pytest.fixture
def single_call(remote: Remote) -> Any:
    return remote.get(IRemoteService, "SingleCallService.rem")


@pytest.fixture
def singleton(remote: Remote) -> Any:
    return remote.get(IRemoteService, "SingletonService.rem")


# ------------------------------------------------------------------ typed calls


@pytest.mark.parametrize("uri", ["SayHello.soap", "SayHello.rem"])
def test_hello(remote: Remote, uri: str) -> None:
    assert remote.get(IHello, uri).HelloMethod("Bob") == "Hi there Bob"


def test_remote_object_type(single_call: Any, singleton: Any) -> None:
    assert single_call.GetRemoteObjectType() == "RemotingPeer.SingleCallObject"
    assert singleton.GetRemoteObjectType() == "RemotingPeer.SingletonObject"


def test_process_id(remote: Remote, single_call: Any) -> None:
    pid = single_call.GetProcessId()
    assert type(pid) is int and pid > 0
    assert (pid == os.getpid()) == (remote.kind == "async")  # in-process vs the uvicorn subprocess


def test_single_call_keeps_no_state(single_call: Any) -> None:
    assert [single_call.Increment() for _ in range(3)] == [1, 1, 1]


def test_singleton_keeps_state(singleton: Any) -> None:
    first = singleton.Increment()
    assert [singleton.Increment(), singleton.Increment()] == [first + 1, first + 2]


def test_echo(single_call: Any) -> None:
    when = ClrDateTime(2024, 2, 29, 13, 45, 30, 123456, tzinfo=dt.UTC)
    when.hundred_nanoseconds = 7
    text = "Grüße <&> \"quoted\" 'apos' tab\there line1\r\nline2 ✓"
    assert single_call.Echo(42, 3.141592653589793, True, text, when) == (
        f"42|3.141592653589793|True|{text}|2024-02-29T13:45:30.1234567Z|Utc"
    )


def test_echo_edge_values(single_call: Any) -> None:
    naive = dt.datetime(1924, 2, 29, 13, 45, 30, 123456)
    assert single_call.Echo(-(2**31), math.nan, False, "", naive) == (
        "-2147483648|NaN|False||1924-02-29T13:45:30.1234560Z|Unspecified"
    )
    offset = dt.datetime(2024, 2, 29, 15, 45, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert single_call.Echo(0, -math.inf, False, None, offset) == (
        "0|-Infinity|False|<null>|2024-02-29T13:45:30.0000000Z|Utc"
    )


def test_echo_more(single_call: Any) -> None:
    float32_tenth = struct.unpack("<f", struct.pack("<f", 0.1))[0]
    result = single_call.EchoMore(
        2**63 - 1, float32_tenth, Decimal("12345.6789"), "Ω", 255, -32768,
        dt.timedelta(days=1, hours=2, minutes=3, seconds=4, milliseconds=5), b"\x00\x01\x02\xfe\xff", None,
        DayOfWeek.Friday,
    )
    # exactly what Mono's server answered to the same call (capture 017)
    assert result == "9223372036854775807|0.1|12345.6789|937|255|-32768|937840050000|000102feff|<null>|Friday"


@pytest.mark.parametrize(("given", "expected"), [([1, 2, 3, 4, 5], [5, 4, 3, 2, 1]), ([], []), (None, None)])
def test_reverse(single_call: Any, given: list[int] | None, expected: list[int] | None) -> None:
    assert single_call.Reverse(given) == expected


def test_person_by_value(single_call: Any, singleton: Any) -> None:
    dave = singleton.GetPerson("Dave", 42)
    assert type(dave) is Person and dave == Person("Dave", 42)
    erin = Person("Erin", 29)
    older = single_call.Birthday(erin)
    assert type(older) is Person and older == Person("Erin", 30)
    assert erin == Person("Erin", 29)  # a copy went over the wire; ours is untouched
    assert single_call.Birthday(None) is None
    assert single_call.GetPerson(None, 0) == Person(None, 0)


def test_declared_exception_is_raised_with_its_fields(single_call: Any) -> None:
    with pytest.raises(GreetingException) as raised:
        single_call.Fail("No greeting for you")
    assert raised.value.Greeting == "Hi there"
    assert raised.value.Message == "No greeting for you"
    assert str(raised.value) == "No greeting for you"


def test_singleton_state_survives_an_exception(singleton: Any) -> None:
    before = singleton.Increment()
    with pytest.raises(GreetingException):
        singleton.Fail("x")
    assert singleton.Increment() == before + 1


def test_untyped_proxy(remote: Remote) -> None:
    proxy = remote.get(None, "SayHello.soap")
    assert proxy.HelloMethod("Carol") == "Hi there Carol"
    assert remote.get(None, "SingleCallService.rem").Reverse([1, 2]) == [2, 1]


def test_unknown_uri_raises_remoting_error(remote: Remote) -> None:
    with pytest.raises(RemotingError) as raised:
        remote.get(IHello, "NoSuchObject.rem").HelloMethod("x")
    error = raised.value
    assert error.remote_type == "System.Runtime.Remoting.RemotingException"
    assert "/NoSuchObject.rem" in error.message
    assert error.fault_code == "Server"
    assert error.http_status == 500


def test_unknown_method_on_the_server_raises_remoting_error(remote: Remote) -> None:
    with pytest.raises(RemotingError) as raised:
        remote.get(None, "SayHello.soap").GoodbyeMethod("x")
    assert raised.value.fault_code == "Client"
    assert "GoodbyeMethod" in raised.value.message


# ------------------------------------------------------------------ no network


@pytest.mark.parametrize("client_kind", ["sync", "async"])
def test_unknown_method_on_a_typed_proxy_needs_no_network(client_kind: str) -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    client: RemotingClient | AsyncRemotingClient
    if client_kind == "sync":
        client = RemotingClient(http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    else:
        client = AsyncRemotingClient(http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    proxy = client.get_object(IRemoteService, "http://nowhere.invalid/SingleCallService.rem")
    with pytest.raises(AttributeError, match="no remote method 'Nope'"):
        proxy.Nope  # noqa: B018
    with pytest.raises(AttributeError):
        proxy._counter  # noqa: B018
    with pytest.raises(TypeError, match="takes 2 argument"):  # arity is checked before anything is sent
        if isinstance(client, RemotingClient):
            proxy.GetPerson("only one")
        else:
            asyncio.run(proxy.GetPerson("only one"))
    assert sent == []
    if isinstance(client, RemotingClient):
        client.close()
    else:
        asyncio.run(client.aclose())


# ------------------------------------------------------------------ client sinks


class RecordingSink:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, str]] = []
        self.responses: list[tuple[str, int, bytes]] = []

    def process_request(self, call: ClientCall) -> None:
        self.requests.append((call.url, call.operation.name, call.headers["soapaction"]))

    def process_response(self, call: ClientCall, response: ClientResponse) -> None:
        self.responses.append((call.operation.name, response.status, response.body))


def test_client_sinks_see_requests_and_responses(
    kind: str, request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = RecordingSink()
    remote = make_remote(kind, request, [ClientLoggingSink(), recorder])
    caplog.set_level(logging.INFO, logger="gateway.client")
    hello = remote.get(IHello, "SayHello.soap")
    assert hello.HelloMethod("Dan") == "Hi there Dan"
    with pytest.raises(GreetingException):
        remote.get(IRemoteService, "SingleCallService.rem").Fail("no")

    url = remote.base + "SayHello.soap"
    assert recorder.requests[0] == (
        url, "HelloMethod", '"http://schemas.microsoft.com/clr/nsassem/RemotingPeer.IHello/PeerShared#HelloMethod"'
    )
    assert [(name, status) for name, status, _ in recorder.responses] == [("HelloMethod", 200), ("Fail", 500)]
    assert b"Hi there Dan" in recorder.responses[0][2]
    logged = [r.getMessage() for r in caplog.records if r.name == "gateway.client"]
    assert len(logged) == 2
    assert logged[0].startswith(f"{url} HelloMethod -> 200 (")
    assert " Fail -> 500 (" in logged[1]
