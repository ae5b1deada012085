"""``TcpChannel(threads=True)``: a thread per connection running its calls there, as Mono's TcpChannel does.

What a caller and an operator see: plain methods run on the connection's thread (no worker hand-off),
``async def`` methods, ContextBoundObjects and one-way calls still run on the event loop; the call context
flows both ways from either; a method that blocks holds only its own connection; a sink of the application's
own sends every call through the loop (with a warning saying why) unless it says it never awaits; a chain
that suspends on a thread anyway is stopped, answered and never run there again; closing the app ends every
connection. The wire behaviour shared with the loop's channel (bad input, limits, timeouts, ObjRefs) is
tests/tcp/test_server.py, run in both modes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from examples.call_model import TraceTag
from gateway import (
    CallContext,
    ChannelError,
    ContextBoundObject,
    MarshalByRefObject,
    RemotingApp,
    RemotingClient,
    WellKnownObjectMode,
)
from gateway.server.metrics import CallStats
from gateway.server.sinks import Handler, ServerRequest, ServerResponse
from gateway.tcp import FrameReader, Operation, TcpFrame, write_frame
from gateway.tcp.threaded import ConnectionThreads
from soap import clr_type
from tests.gateway.test_call_context import Contextual, IContextual
from tests.gateway.test_run_inline import IThreads, Threads
from tests.support.server import serve_in_thread as serve
from wsdl import one_way


@clr_type("ThreadTests.IPlace", "ThreadTests")
class IPlace:
    def Where(self) -> str:
        raise NotImplementedError

    async def WhereAsync(self) -> str:
        raise NotImplementedError

    def Wait(self, seconds: float) -> bool:
        raise NotImplementedError

    def Release(self) -> None:
        raise NotImplementedError

    @one_way
    def Note(self, text: str) -> None:
        raise NotImplementedError


RELEASED = threading.Event()
NOTED: list[tuple[str, str]] = []
NOTE_ARRIVED = threading.Event()


class Place(MarshalByRefObject, IPlace):
    __remoting_contract__ = IPlace

    def Where(self) -> str:
        return threading.current_thread().name

    async def WhereAsync(self) -> str:
        await asyncio.sleep(0)
        return threading.current_thread().name

    def Wait(self, seconds: float) -> bool:
        return RELEASED.wait(seconds)

    def Release(self) -> None:
        RELEASED.set()

    def Note(self, text: str) -> None:
        NOTED.append((text, threading.current_thread().name))
        NOTE_ARRIVED.set()


@clr_type("ThreadTests.ICounted", "ThreadTests")
class ICounted:
    def Enter(self) -> int:
        raise NotImplementedError


class Counted(ContextBoundObject, ICounted):
    """Counts the calls inside it at once: a ContextBoundObject's calls are serialized, so never more than 1."""

    def __init__(self) -> None:
        self.inside = 0
        self.most = 0

    def Enter(self) -> int:
        self.inside += 1
        self.most = max(self.most, self.inside)
        time.sleep(0.02)
        self.inside -= 1
        return self.most


def threaded_app(**options: Any) -> RemotingApp:
    app = RemotingApp(formatters=("soap", "binary"), tcp_port=0, tcp_options={"threads": True}, **options)
    app.register_well_known(Place, "Place.rem", WellKnownObjectMode.SingleCall)
    app.register_well_known(Place, "OnePlace.rem", WellKnownObjectMode.Singleton)
    app.register_well_known(Counted, "Counted.rem", WellKnownObjectMode.Singleton)
    app.register_well_known(Contextual, "Contextual.rem", WellKnownObjectMode.SingleCall)
    return app


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[RemotingApp, str]]:
    app = threaded_app(sinks=[])
    with serve(app) as http_url:
        yield app, http_url


@pytest.fixture(scope="module")
def app(served: tuple[RemotingApp, str]) -> RemotingApp:
    return served[0]


def tcp(app: RemotingApp) -> str:
    assert app.tcp is not None and app.tcp.threads
    return app.tcp.url + "/"


def test_plain_methods_run_on_the_connection_thread_async_ones_on_the_loop(served: tuple[RemotingApp, str]) -> None:
    app, http_url = served
    for uri in ("Place.rem", "OnePlace.rem"):  # SingleCall and Singleton alike
        with RemotingClient(timeout=10) as client:  # (a client's pooled connection: one thread)
            place = client.get_object(IPlace, tcp(app) + uri)
            assert place.Where().startswith("gateway-tcp 127.0.0.1")
            assert place.Where().startswith("gateway-tcp 127.0.0.1")
            over_http = client.get_object(IPlace, http_url + uri)  # nothing changed there: a worker thread
            assert over_http.Where().startswith("remoting-worker")


def test_an_inline_method_runs_on_the_connection_thread_too() -> None:
    """``@run_inline`` means "not on a worker thread": on a thread-served connection every plain method
    already runs on the connection's thread."""
    app = RemotingApp(formatters=("soap", "binary"), tcp_port=0, tcp_options={"threads": True}, sinks=[])
    app.register_well_known(Threads, "Threads.rem", WellKnownObjectMode.SingleCall)
    with serve(app), RemotingClient(timeout=10) as client:
        proxy = client.get_object(IThreads, tcp(app) + "Threads.rem")
        assert proxy.WhereInline().startswith("gateway-tcp") and proxy.Where().startswith("gateway-tcp")


def test_a_connection_whose_call_needs_the_loop_is_handed_to_it(app: RemotingApp) -> None:
    """An ``async def`` method runs on the event loop; its connection is served by the loop from then on (its
    plain methods on workers, as on the loop's channel), where such calls cost no hand-off."""
    assert app.tcp is not None
    with RemotingClient(timeout=10) as client:
        place = client.get_object(IPlace, tcp(app) + "Place.rem")
        assert place.Where().startswith("gateway-tcp")
        assert place.WhereAsync() == "test-server"  # the event loop's thread (serve_in_thread's)
        assert place.WhereAsync() == "test-server"
        assert place.Where().startswith("remoting-worker")
        assert app.tcp.connections >= 1
    with RemotingClient(timeout=10) as client:  # a new connection starts on a thread again
        assert client.get_object(IPlace, tcp(app) + "Place.rem").Where().startswith("gateway-tcp")


PLACE_NS = "http://schemas.microsoft.com/clr/nsassem/ThreadTests.IPlace/ThreadTests"


def soap_call(method: str) -> bytes:
    """A Remoting SOAP request frame for ``IPlace.method()`` at Place.rem, as .NET's SOAP formatter writes it."""
    body = (
        '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" '
        'SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><SOAP-ENV:Body>'
        f'<i2:{method} id="ref-1" xmlns:i2="{PLACE_NS}"></i2:{method}></SOAP-ENV:Body></SOAP-ENV:Envelope>'
    ).encode()
    frame = TcpFrame(Operation.Request, body, "/Place.rem", 'text/xml; charset="utf-8"')
    frame.custom = [("SOAPAction", f'"{PLACE_NS}#{method}"')]
    return write_frame(frame)


def answers(port: int, data: bytes, count: int) -> list[TcpFrame]:
    """Send ``data`` on a new connection; the first ``count`` reply frames."""
    frames: list[TcpFrame] = []
    reader = FrameReader()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        while len(frames) < count:
            chunk = sock.recv(65536)
            assert chunk, f"closed after {len(frames)} replies"
            reader.feed(chunk)
            while (frame := reader.next_frame()) is not None:
                frames.append(frame)
    return frames


def tcp_connections(http_url: str) -> dict[str, float]:
    """The ``gateway_tcp_connections`` gauge of a scrape, by ``served_by``."""
    scrape = httpx.get(http_url + "metrics", timeout=10).text
    found = re.findall(r'^gateway_tcp_connections\{served_by="(\w+)"\} (\S+)$', scrape, re.MULTILINE)
    return {served_by: float(value) for served_by, value in found}


def test_operators_see_what_serves_the_tcp_connections() -> None:
    app = threaded_app(sinks=[], metrics=True)
    with serve(app) as http_url, RemotingClient(timeout=10) as client:
        place = client.get_object(IPlace, tcp(app) + "Place.rem")
        assert place.Where().startswith("gateway-tcp")
        assert tcp_connections(http_url) == {"thread": 1, "event_loop": 0}
        assert place.WhereAsync() == "test-server"  # the connection is handed to the loop
        deadline = time.monotonic() + 5
        while tcp_connections(http_url) != {"thread": 0, "event_loop": 1}:
            assert time.monotonic() < deadline, tcp_connections(http_url)
            time.sleep(0.02)


def test_a_frame_already_read_is_served_after_the_hand_over(app: RemotingApp) -> None:
    """Requests written at once: the first (async) hands the connection to the loop with the others already
    read; the loop answers them, in order."""
    assert app.tcp is not None
    replies = answers(app.tcp.port, soap_call("WhereAsync") + soap_call("Where") + soap_call("Where"), 3)
    assert b"test-server" in replies[0].body
    assert b"remoting-worker" in replies[1].body and b"remoting-worker" in replies[2].body


@pytest.fixture
def clean_context() -> Iterator[None]:
    yield
    for name in ("trace", "drop", "where"):
        CallContext.free_named_data_slot(name)


@pytest.mark.usefixtures("clean_context")
@pytest.mark.parametrize("method", ["Bump", "BumpAsync"])
def test_the_call_context_flows_both_ways(app: RemotingApp, method: str) -> None:
    with RemotingClient(timeout=10) as client:
        service = client.get_object(IContextual, tcp(app) + "Contextual.rem")
        CallContext.set_data("trace", TraceTag("t1", 1))
        CallContext.set_data("drop", TraceTag("gone", 0))
        assert getattr(service, method)() == repr(TraceTag("t1", 1))
        assert CallContext.get_data("trace") == TraceTag("t1", 2)  # changed on the thread, or on the loop
        assert CallContext.get_data("drop") is None  # freed there
        assert service.Names() == "trace,where"


@pytest.mark.usefixtures("clean_context")
@pytest.mark.parametrize("method", ["BumpFail", "BumpFailAsync"])
def test_a_binary_fault_brings_back_what_the_method_changed(app: RemotingApp, method: str) -> None:
    with RemotingClient(timeout=10) as client:
        service = client.get_object(IContextual, tcp(app) + "Contextual.rem")
        CallContext.set_data("trace", TraceTag("f", 1))
        with pytest.raises(Exception, match="no"):
            getattr(service, method)()
        assert CallContext.get_data("trace") == TraceTag("f", 2)


def test_a_blocking_method_holds_only_its_own_connection(app: RemotingApp) -> None:
    """One connection waits in a method until another connection's call releases it (on the loop's channel
    this needs the worker pool; here each connection has its thread)."""
    RELEASED.clear()
    with RemotingClient(timeout=10) as waiting, RemotingClient(timeout=10) as releasing:
        result: list[bool] = []
        waiter = threading.Thread(target=lambda: result.append(
            waiting.get_object(IPlace, tcp(app) + "Place.rem").Wait(8.0)))
        waiter.start()
        time.sleep(0.2)
        started = time.monotonic()
        releasing.get_object(IPlace, tcp(app) + "Place.rem").Release()
        waiter.join(10)
        assert result == [True] and time.monotonic() - started < 5


def test_calls_to_a_context_bound_object_are_serialized(app: RemotingApp) -> None:
    most: list[int] = []

    def caller() -> None:
        with RemotingClient(timeout=10) as client:
            counted = client.get_object(ICounted, tcp(app) + "Counted.rem")
            most.extend(counted.Enter() for _ in range(5))

    callers = [threading.Thread(target=caller) for _ in range(4)]
    for thread in callers:
        thread.start()
    for thread in callers:
        thread.join(20)
    assert len(most) == 20 and max(most) == 1


def test_a_one_way_call_runs_on_the_loop_without_a_reply(app: RemotingApp) -> None:
    NOTE_ARRIVED.clear()
    with RemotingClient(timeout=10) as client:
        client.get_object(IPlace, tcp(app) + "Place.rem").Note("hello")
        assert NOTE_ARRIVED.wait(5)
        assert NOTED[-1][0] == "hello" and not NOTED[-1][1].startswith("gateway-tcp")
        assert client.get_object(IPlace, tcp(app) + "Place.rem").Where().startswith("gateway-tcp")  # goes on


# ------------------------------------------------------------------ sinks


class ThreadRecorder:
    """A sink of the application's own that records where it ran."""

    def __init__(self) -> None:
        self.threads: list[str] = []

    async def __call__(self, request: ServerRequest, call_next: Handler) -> ServerResponse:
        self.threads.append(threading.current_thread().name)
        return await call_next(request)


class SafeRecorder(ThreadRecorder):
    off_loop_safe = True


class Suspending(SafeRecorder):
    """Says it never awaits the loop, and does."""

    async def __call__(self, request: ServerRequest, call_next: Handler) -> ServerResponse:
        await asyncio.sleep(0)
        return await super().__call__(request, call_next)


def test_a_sink_of_the_apps_own_sends_every_call_through_the_loop(caplog: pytest.LogCaptureFixture) -> None:
    recorder = ThreadRecorder()
    app = threaded_app(sinks=[recorder])
    with caplog.at_level(logging.INFO, "gateway.tcp"), serve(app), RemotingClient(timeout=10) as client:
        place = client.get_object(IPlace, tcp(app) + "Place.rem")
        assert place.Where().startswith("remoting-worker")  # as over the loop's channel
        assert recorder.threads == ["test-server"]
    assert "every connection is served on the event loop, because the sink ThreadRecorder may await" in caplog.text


def test_a_sink_that_says_it_never_awaits_runs_on_the_connection_thread() -> None:
    recorder = SafeRecorder()
    app = threaded_app(sinks=[recorder])
    with serve(app), RemotingClient(timeout=10) as client:
        assert client.get_object(IPlace, tcp(app) + "Place.rem").Where().startswith("gateway-tcp")
        assert len(recorder.threads) == 1 and recorder.threads[0].startswith("gateway-tcp")


def test_a_chain_that_suspends_on_a_thread_is_answered_and_sent_to_the_loop_from_then_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = threaded_app(sinks=[Suspending()])
    with caplog.at_level(logging.ERROR, "gateway.tcp"), serve(app), RemotingClient(timeout=10) as client:
        place = client.get_object(IPlace, tcp(app) + "Place.rem")
        with pytest.raises(ChannelError, match="the server failed to process the request"):
            place.Where()
        assert place.Where().startswith("remoting-worker")  # a new connection, served on the loop from now on
        assert place.WhereAsync() == "test-server"
    assert "the call awaited" in caplog.text
    assert "every connection is served on the event loop from now on" in caplog.text


# ------------------------------------------------------------------ lifecycle and the pieces


def test_closing_the_app_ends_every_connection() -> None:
    app = threaded_app(sinks=[])
    with serve(app):
        assert app.tcp is not None
        sockets = [socket.create_connection(("127.0.0.1", app.tcp.port)) for _ in range(3)]
        deadline = time.monotonic() + 5
        while app.tcp.connections < 3:
            assert time.monotonic() < deadline
            time.sleep(0.01)
    assert app.tcp.connections == 0
    for sock in sockets:
        with sock:
            sock.settimeout(2)
            with contextlib.suppress(ConnectionResetError):
                assert sock.recv(10) == b""  # closed by the server


def test_a_thread_polls_for_its_next_request_only_while_no_other_call_runs() -> None:
    app = threaded_app()
    assert app.tcp is not None
    threads = ConnectionThreads(app.tcp)
    threads.call_started()
    threads.call_started()
    assert threads.call_ended() is False  # another call still runs: sleep, leave the core to it
    assert threads.call_ended() is True


def test_call_statistics_add_up_when_recorded_from_many_threads() -> None:
    stats = CallStats()
    key = ("SayHello.rem", "HelloMethod", "binary", "ok", "")

    def record() -> None:
        for _ in range(20_000):
            stats.record(key, 0.0001, 100, 200)

    workers = [threading.Thread(target=record) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    series = stats.series[key]
    assert series.count == 160_000 and series.request_sum == 16_000_000 and series.response_sum == 32_000_000
