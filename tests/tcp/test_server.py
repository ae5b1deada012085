"""The TCP listener on 127.0.0.1, started by ``RemotingApp(tcp_port=0)`` under a real uvicorn: calls from our
clients and from raw sockets, ObjRefs with TCP (and HTTP) addresses, the sink chain shared with HTTP, and
the bad-input corpus: every broken, oversized, slow or hostile frame is answered with an error frame (or a
fault) or the connection is closed, memory stays bounded, and the listener keeps serving everyone else."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from examples.remoting_samples import (
    LIFETIME,
    ClientActivatedObject,
    GreetingException,
    IFactory,
    IHello,
    IRemoteService,
    register,
)
from gateway import (
    AsyncRemotingClient,
    ChannelError,
    HttpAuthenticationSink,
    RemotingApp,
    RemotingClient,
    StaticUsers,
    proxy_objref,
)
from gateway.server.routing import QuietChain
from gateway.server.sinks import ServerResponse
from gateway.tcp import FrameLimits, FrameReader, Operation, TcpFrame, write_frame
from gateway.tcp.framing import StatusCode, write_chunked
from gateway.tcp.messages import reply_for, split_request_uri
from soap import BinaryFormatter

try:
    from support.server import serve_in_thread as serve
except ImportError:  # tests/ imported as a package
    from tests.support.server import serve_in_thread as serve

CAPTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mono_tcp"
TIMEOUT = 0.6  # the test app's idle and frame timeouts (seconds)


def _captured(name: str) -> TcpFrame:
    reader = FrameReader()
    reader.feed((CAPTURES / name).read_bytes())
    frame = reader.next_frame()
    assert frame is not None
    return frame


#: Mono's binary ``HelloMethod("Alice")`` call (to IHello), as captured
HELLO_BODY = _captured("binary_HelloMethod.request.bin").body


def hello_frame(uri: str = "SayHello.rem", content_type: str | None = "application/octet-stream") -> TcpFrame:
    return TcpFrame(Operation.Request, HELLO_BODY, uri, content_type)


def samples_app(**options: Any) -> RemotingApp:
    tcp_options = {"idle_timeout": TIMEOUT, "frame_timeout": TIMEOUT, **options.pop("tcp_options", {})}
    return register(RemotingApp(lifetime=LIFETIME, tcp_port=0, tcp_options=tcp_options, **options))


#: the two ways the channel serves connections: on the event loop, or a thread per connection (Mono's model)
MODES = {"loop": False, "threads": True}


@pytest.fixture(scope="module", params=sorted(MODES))
def served(request: pytest.FixtureRequest) -> Iterator[tuple[RemotingApp, str]]:
    app = samples_app(tcp_options={"threads": MODES[request.param]})
    with serve(app) as http_url:
        yield app, http_url


@pytest.fixture(scope="module")
def app(served: tuple[RemotingApp, str]) -> RemotingApp:
    return served[0]


@pytest.fixture(scope="module")
def tcp_url(app: RemotingApp) -> str:
    assert app.tcp is not None
    return app.tcp.url + "/"


@pytest.fixture
def port(app: RemotingApp) -> int:
    assert app.tcp is not None
    return app.tcp.port


def exchange(port: int, data: bytes, *, wait: float = 3.0) -> tuple[list[TcpFrame], bool]:
    """Send ``data`` on a new connection; the frames that came back and whether the server closed it."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(data)
        return _collect(sock, wait)


def _collect(sock: socket.socket, wait: float) -> tuple[list[TcpFrame], bool]:
    reader = FrameReader()
    frames: list[TcpFrame] = []
    sock.settimeout(wait)
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return frames, True
            reader.feed(chunk)
            while (frame := reader.next_frame()) is not None:
                frames.append(frame)
    except ConnectionResetError:
        return frames, True
    except TimeoutError:
        return frames, False


def assert_serving(port: int, app: RemotingApp) -> None:
    """Everyone else is still served, and no connection is left behind."""
    frames, _ = exchange(port, write_frame(hello_frame()), wait=0.5)
    assert frames and b"Hi there Alice" in frames[0].body
    assert app.tcp is not None
    deadline = time.monotonic() + 5
    while app.tcp.connections:
        assert time.monotonic() < deadline, f"{app.tcp.connections} connections left open"
        time.sleep(0.02)


# ------------------------------------------------------------------ calls


def test_python_client_calls_over_tcp_binary_by_default(tcp_url: str) -> None:
    with RemotingClient() as client:
        hello = client.get_object(IHello, tcp_url + "SayHello.rem")
        assert hello.HelloMethod("Caveman") == "Hi there Caveman"
        svc = client.get_object(IRemoteService, tcp_url + "SingletonService.rem")
        n = svc.Increment()
        with pytest.raises(GreetingException) as info:
            svc.Fail("nope")
        assert (info.value.Message, info.value.Greeting) == ("nope", "Hi there")
        assert svc.Increment() == n + 1


def test_soap_over_tcp(tcp_url: str) -> None:
    with RemotingClient(formatter="soap") as client:
        assert client.get_object(IHello, tcp_url + "SayHello.soap").HelloMethod("soap") == "Hi there soap"
        with pytest.raises(GreetingException):
            client.get_object(IRemoteService, tcp_url + "SingleCallService.rem").Fail("x")


def test_soap_fault_reply_carries_http_status_headers_like_mono(port: int) -> None:
    request = _captured("soap_Fail.request.bin")
    request.request_uri = "SingleCallService.rem"
    frames, closed = exchange(port, write_frame(request), wait=0.5)
    assert not closed and len(frames) == 1
    reply = frames[0]
    assert reply.custom == [("__HttpStatusCode", "500"), ("__HttpReasonPhrase", "Internal Server Error")]
    assert reply.content_type and reply.content_type.startswith("text/xml")
    assert reply.status_code is None and b"GreetingException" in reply.body


@pytest.mark.parametrize("uri", ["tcp://127.0.0.1:1/SayHello.rem", "tcp://name/SayHello.rem", "/SayHello.rem",
                                 "SayHello.rem"])  # fmt: skip
def test_request_uri_full_or_bare(port: int, uri: str) -> None:
    frames, _ = exchange(port, write_frame(hello_frame(uri)), wait=0.5)
    assert b"Hi there Alice" in frames[0].body


def test_one_connection_carries_every_call_one_after_another(app: RemotingApp, port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        for _ in range(20):
            sock.sendall(write_frame(hello_frame()))
            frames, _ = _collect_one(sock)
            assert b"Hi there Alice" in frames.body
        assert app.tcp is not None and app.tcp.connections == 1


def _collect_one(sock: socket.socket) -> tuple[TcpFrame, None]:
    reader = FrameReader()
    sock.settimeout(3)
    while (frame := reader.next_frame()) is None:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection without answering"
        reader.feed(chunk)
    return frame, None


def test_pipelined_and_chunked_requests(port: int) -> None:
    data = write_frame(hello_frame()) + write_chunked(hello_frame(), 7) + write_frame(hello_frame())
    frames, _ = exchange(port, data, wait=0.5)
    assert [b"Hi there Alice" in f.body for f in frames] == [True, True, True]


def test_many_pipelined_requests_are_all_answered_in_order(port: int) -> None:
    """A client that sends 300 requests before reading any reply: the server reads while it can keep up
    (reading pauses while a call runs or while replies wait to be written) and answers every one, in order."""
    frames = [hello_frame() for _ in range(300)]
    frames[150] = TcpFrame(Operation.Request, HELLO_BODY, "NoSuchObject.rem", "application/octet-stream")
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"".join(write_frame(f) for f in frames))
        reader = FrameReader()
        replies: list[TcpFrame] = []
        sock.settimeout(30)
        while len(replies) < 300 and (chunk := sock.recv(65536)):
            reader.feed(chunk)
            while (reply := reader.next_frame()) is not None:
                replies.append(reply)
    assert len(replies) == 300
    assert [b"Hi there Alice" in r.body for r in replies] == [i != 150 for i in range(300)]


def test_a_half_closed_connection_still_gets_its_reply(port: int, app: RemotingApp) -> None:
    """A client that sends its request and then shuts down its sending side (EOF) is answered, then closed."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(write_frame(hello_frame()))
        sock.shutdown(socket.SHUT_WR)
        frames, closed = _collect(sock, 3.0)
    assert closed and len(frames) == 1 and b"Hi there Alice" in frames[0].body
    assert_serving(port, app)


def test_one_way_request_runs_and_gets_no_reply(port: int) -> None:
    """[MS-NRTP]: no reply to a OneWayRequest (Mono's server sends one anyway; its client never reads it)."""
    with RemotingClient() as client:
        singleton = client.get_object(IRemoteService, f"tcp://127.0.0.1:{port}/SingletonService.rem")
        before = singleton.Increment()
        body = BinaryFormatter().write_call("Increment", "RemotingPeer.IRemoteService, PeerShared", [], [])
        one_way = TcpFrame(Operation.OneWayRequest, body, "SingletonService.rem")  # no content type: binary
        frames, _ = exchange(port, write_frame(one_way) + write_frame(hello_frame()), wait=0.5)
        assert len(frames) == 1 and b"Hi there Alice" in frames[0].body  # only the two-way call answered
        assert singleton.Increment() == before + 2


def test_async_client_many_calls_in_flight() -> None:
    # its own server with timeouts far above the test's pace: the client opens a connection per call in
    # flight, and on a loaded machine one may wait longer than the shared app's 0.6 s idle timeout before
    # its request is written (the server then rightly closes it, and the call fails unsent)
    app = samples_app(tcp_options={"idle_timeout": 60, "frame_timeout": 60})

    async def scenario(url: str) -> list[str]:
        async with asyncio.timeout(120), AsyncRemotingClient() as client:
            hello = client.get_object(IHello, url + "SayHello.rem")
            return list(await asyncio.gather(*(hello.HelloMethod(str(i)) for i in range(100))))

    with serve(app):
        assert app.tcp is not None
        assert asyncio.run(scenario(app.tcp.url + "/")) == [f"Hi there {i}" for i in range(100)]


def test_many_concurrent_connections() -> None:
    # its own server with timeouts far above the test's pace: on a loaded machine 300 connections opened at
    # once may wait longer than the shared app's 0.6 s idle timeout before their frame is sent
    app = samples_app(tcp_options={"idle_timeout": 60, "frame_timeout": 60})

    async def one(port: int) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(write_frame(hello_frame()))
        frames = FrameReader()
        while (frame := frames.next_frame()) is None:
            chunk = await reader.read(65536)
            assert chunk, "the server closed a connection without answering"
            frames.feed(chunk)
        writer.close()
        return frame.body

    async def scenario(port: int) -> list[bytes]:
        async with asyncio.timeout(120):
            return list(await asyncio.gather(*(one(port) for _ in range(300))))

    with serve(app):
        assert app.tcp is not None
        port = app.tcp.port
        assert all(b"Hi there Alice" in body for body in asyncio.run(scenario(port)))
        assert_serving(port, app)


# ------------------------------------------------------------------ ObjRefs


def test_client_activated_and_returned_objects_live_at_the_tcp_address(tcp_url: str, port: int) -> None:
    with RemotingClient() as client:
        cao = client.create_instance(ClientActivatedObject, tcp_url, "alpha")
        ref = proxy_objref(cao)
        assert ref is not None and ref.channel_urls == [f"tcp://127.0.0.1:{port}"]
        assert [cao.Increment(), cao.Increment()] == [1, 2]
        assert client.get_lifetime_service(cao).InitialLeaseTime.total_seconds() == 5
        factory = client.get_object(IFactory, tcp_url + "FactoryService.rem")
        counter: Any = factory.CreateCounter("made")
        assert counter.__remoting_objref__.channel_urls == [f"tcp://127.0.0.1:{port}"]
        assert counter.Increment() == 1
        assert factory.Describe(counter) == "made=1|local"


@pytest.mark.parametrize("authority", ["[::1", 'evil"><x', "h:port"])
def test_objrefs_ignore_a_request_uri_authority_that_is_no_host(port: int, authority: str) -> None:
    """Mono's activation request names ``tcp://host:port/``; one whose authority is no host and port is
    answered with the address the connection came in on (as with no authority at all), not with that text."""
    request = _captured("binary_Activate.request.bin")
    request.request_uri = f"tcp://{authority}/RemoteActivationService.rem"
    frames, _ = exchange(port, write_frame(request), wait=0.5)
    assert f"tcp://127.0.0.1:{port}".encode() in frames[0].body
    assert authority.encode() not in frames[0].body


def test_objrefs_over_http_carry_the_tcp_address_too(served: tuple[RemotingApp, str], port: int) -> None:
    """Over HTTP: HTTP first, then TCP on the host name the caller used, as .NET lists both channels."""
    http_base = served[1].replace("127.0.0.1", "localhost")
    with RemotingClient(formatter="soap") as client:
        cao = client.create_instance(ClientActivatedObject, http_base, "beta")
        ref = proxy_objref(cao)
        assert ref is not None and ref.channel_urls == [http_base.rstrip("/"), f"tcp://localhost:{port}"]
        assert cao.GetName() == "beta"  # called over HTTP, the first channel


def test_public_urls_on_both_channels() -> None:
    public = {"public_url": "tcp://gateway.example:9090"}
    app = samples_app(public_url="http://gateway.example:8080", tcp_options=public)
    with serve(app), RemotingClient() as client:
        assert app.tcp is not None
        assert app.tcp.url == "tcp://gateway.example:9090"
        cao = client.create_instance(ClientActivatedObject, f"tcp://127.0.0.1:{app.tcp.port}/", "x")
        ref = proxy_objref(cao)
        assert ref is not None
        assert ref.channel_urls == ["http://gateway.example:8080", "tcp://gateway.example:9090"]


# ------------------------------------------------------------------ the shared sink chain


@pytest.mark.parametrize("mode", sorted(MODES))
def test_authentication_sink_guards_the_tcp_channel_too(mode: str) -> None:
    users = StaticUsers({"alice": ("secret", [])})
    app = samples_app(sinks=[HttpAuthenticationSink(basic=users)], tcp_options={"threads": MODES[mode]})
    with serve(app):
        assert app.tcp is not None
        url = app.tcp.url + "/SayHello.rem"
        with RemotingClient() as anonymous, pytest.raises(ChannelError, match="Authentication is required"):
            anonymous.get_object(IHello, url).HelloMethod("x")
        with RemotingClient(basic_auth=("alice", "wrong")) as wrong, pytest.raises(ChannelError, match="401"):
            wrong.get_object(IHello, url).HelloMethod("x")
        with RemotingClient(basic_auth=("alice", "secret")) as alice:  # an Authorization custom header
            assert alice.get_object(IHello, url).HelloMethod("x") == "Hi there x"


@pytest.mark.parametrize("mode", sorted(MODES))
def test_calls_through_the_default_chain_are_answered_alike_and_counted(mode: str) -> None:
    app = samples_app(metrics=True, tcp_options={"threads": MODES[mode]})
    with serve(app):
        assert app.tcp is not None and app.metrics is not None
        assert isinstance(app.tcp.chain(), QuietChain)  # the shortcut past the (quiet) logging sink
        frames, _ = exchange(app.tcp.port, write_frame(hello_frame()) * 3, wait=TIMEOUT * 3)
        assert len(frames) == 3 and b"Hi there Alice" in frames[0].body  # the first read in full, then templates
        assert frames[0].body == frames[1].body == frames[2].body
        counted = {key: series.count for key, series in app.metrics.calls.series.items()}
        assert counted == {("SayHello.rem", "HelloMethod", "binary", "ok", ""): 3}


def test_response_that_is_not_a_message_becomes_an_error_frame() -> None:
    frame = reply_for(ServerResponse(401, b"Authentication is required.\n", "text/plain; charset=utf-8"))
    assert (frame.status_code, frame.status_phrase, frame.body) == (
        StatusCode.Error, "401 Unauthorized: Authentication is required.", b"")
    assert not frame.close_connection
    binary = reply_for(ServerResponse(200, b"\x00nrbf", ""))
    assert (binary.status_code, binary.content_type, binary.custom) == (None, None, [])


def test_split_request_uri() -> None:
    assert split_request_uri("tcp://h:1/a/b.rem") == ("a/b.rem", "h:1")
    assert split_request_uri("/a/b.rem") == ("a/b.rem", None)
    assert split_request_uri("tcp://h:1") == ("", "h:1")


# ------------------------------------------------------------------ the bad-input corpus

_HEAD = b".NET\x01\x00\x00\x00\x00\x00"


def _counted(text: bytes) -> bytes:
    return b"\x01" + struct.pack("<i", len(text)) + text


BAD_INPUT = {
    "wrong preamble": (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "closed"),
    "wrong version": (b".NET\x02\x00" + write_frame(hello_frame())[6:], "error"),
    "unknown operation": (b".NET\x01\x00\x09\x00" + write_frame(hello_frame())[8:], "error"),
    "unknown header token": (_HEAD + struct.pack("<i", 0) + b"\x0b\x00\x01" + _counted(b"x") + b"\x00\x00", "error"),
    "header flood": (_HEAD + struct.pack("<i", 0) + (b"\x01\x00" + _counted(b"n") + _counted(b"v")) * 100, "error"),
    "huge header string": (_HEAD + struct.pack("<i", 0) + b"\x04\x00\x01\x01" + struct.pack("<i", 1 << 30), "error"),
    "negative length": (_HEAD + struct.pack("<i", -1) + b"\x00\x00", "error"),
    "content over the limit": (_HEAD + struct.pack("<i", 50 * 1024 * 1024) + b"\x04\x00\x01"
                               + _counted(b"SayHello.rem") + b"\x00\x00", "fault 413"),
    "reply sent to the server": (write_frame(TcpFrame(Operation.Reply, b"x")), "error"),
    "garbage after a valid frame": (write_frame(hello_frame()) + b"\xde\xad\xbe\xef" * 100, "reply, then closed"),
    "closed mid-frame": (write_frame(hello_frame())[:40], "closed"),
    "length larger than what arrives": (_HEAD + struct.pack("<i", 4000) + b"\x04\x00\x01"
                                        + _counted(b"SayHello.rem") + b"\x00\x00" + b"x" * 100, "fault 408"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input(case: str, port: int, app: RemotingApp) -> None:
    data, expected = BAD_INPUT[case]
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(data)
        if case == "closed mid-frame":
            sock.shutdown(socket.SHUT_WR)
        frames, closed = _collect(sock, wait=3 * TIMEOUT + 1)
    assert closed, f"{case}: the connection was left open"
    if expected == "closed":
        assert frames == []
    elif expected == "error":
        assert len(frames) == 1 and frames[0].status_code == StatusCode.Error, frames
        assert frames[0].status_phrase and frames[0].close_connection
    elif expected.startswith("fault"):  # a fault in the request's dialect (binary), then the connection closed
        status = expected.split()[1]
        assert len(frames) == 1 and frames[0].header("__HttpStatusCode") == status, frames
        assert b"RemotingException" in frames[0].body and frames[0].close_connection
    else:  # the valid frame is answered; what follows is not a frame: closed without a word
        assert len(frames) == 1 and b"Hi there Alice" in frames[0].body
    assert_serving(port, app)


def test_oversized_content_still_being_sent_gets_its_fault(port: int, app: RemotingApp) -> None:
    """The 413 fault reaches a client that is still sending its oversized content: the server answers without
    reading the content, then closes (after a short lingering drain)."""
    head = _HEAD + struct.pack("<i", 50 * 1024 * 1024) + b"\x04\x00\x01" + _counted(b"SayHello.rem") + b"\x00\x00"
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(head)

        def send_content() -> None:
            with contextlib.suppress(OSError):
                for _ in range(64):
                    sock.sendall(b"x" * 65536)

        sender = threading.Thread(target=send_content, daemon=True)
        sender.start()
        frames, closed = _collect(sock, wait=5)
        sender.join(5)
    assert closed and len(frames) == 1 and frames[0].header("__HttpStatusCode") == "413", frames
    assert_serving(port, app)


def test_request_without_request_uri_is_answered_and_the_connection_goes_on(port: int, app: RemotingApp) -> None:
    data = write_frame(TcpFrame(Operation.Request, HELLO_BODY, None, "application/octet-stream"))
    frames, closed = exchange(port, data + write_frame(hello_frame()), wait=0.5)
    assert not closed
    assert frames[0].status_code == StatusCode.Error and "RequestUri" in (frames[0].status_phrase or "")
    assert b"Hi there Alice" in frames[1].body


def test_a_request_uri_with_a_control_character_gets_a_fault_quoting_it_escaped(port: int) -> None:
    """Over TCP the object URI is any counted string; XML 1.0 cannot carry a control character, so the SOAP
    fault quotes it escaped, still saying what was wrong (found by ``fuzz/tcp_targets.py``)."""
    request = _captured("soap_HelloMethod.request.bin")
    request.request_uri = "tcp://127.0.0.1:1/Say\x01Hello.soap"
    frames, closed = exchange(port, write_frame(request) + write_frame(hello_frame()), wait=0.5)
    assert not closed and len(frames) == 2
    assert b"No receiver for uri /Say\\x01Hello.soap" in frames[0].body
    assert b"cannot be encoded" not in frames[0].body
    assert b"Hi there Alice" in frames[1].body


def test_unknown_content_type_gets_a_fault(port: int) -> None:
    frames, _ = exchange(port, write_frame(hello_frame(content_type="text/plain")), wait=0.5)
    assert frames and frames[0].header("__HttpStatusCode") == "415"


def test_slowloris_sender_is_cut_off(port: int, app: RemotingApp) -> None:
    data = write_frame(hello_frame())
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        try:
            for byte in data:
                sock.sendall(bytes([byte]))
                time.sleep(0.05)
        except (BrokenPipeError, ConnectionResetError):
            pass
        frames, closed = _collect(sock, wait=2)
    assert closed and time.monotonic() - started < TIMEOUT + 2
    assert len(frames) <= 1 and all(f.status_code == StatusCode.Error or f.close_connection for f in frames)
    assert_serving(port, app)


def test_slow_content_gets_a_408_fault(port: int) -> None:
    data = write_frame(hello_frame())
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(data[:-10])  # the headers and most of the content, then nothing
        frames, closed = _collect(sock, wait=TIMEOUT + 2)
    assert closed and len(frames) == 1
    assert b"did not arrive within" in frames[0].body and frames[0].close_connection


def test_idle_connection_is_closed_and_the_client_pool_recovers(tcp_url: str, port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        frames, closed = _collect(sock, wait=TIMEOUT + 2)
        assert closed and frames == []
    with RemotingClient() as client:
        hello = client.get_object(IHello, tcp_url + "SayHello.rem")
        assert hello.HelloMethod("a") == "Hi there a"
        time.sleep(TIMEOUT + 0.3)  # the server closes the pooled connection
        assert hello.HelloMethod("b") == "Hi there b"


def test_memory_stays_bounded_under_many_oversized_promises(port: int, app: RemotingApp) -> None:
    """200 connections each announcing 4 MiB of content (the limit) and sending 1 KiB of it cost about what
    arrived, not what was announced (800 MiB)."""
    head = _HEAD + struct.pack("<i", FrameLimits().max_content) + b"\x04\x00\x01" + _counted(b"SayHello.rem")
    data = head + b"\x00\x00" + b"x" * 1024
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(200)]
        for sock in socks:
            sock.sendall(data)
        assert app.tcp is not None
        deadline = time.monotonic() + 5
        while app.tcp.connections < 200 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    for sock in socks:
        sock.close()
    assert grown < 16 * 1024 * 1024, f"{grown / 1e6:.1f} MB for 200 pending frames"
    assert_serving(port, app)


@pytest.mark.parametrize("mode", sorted(MODES))
def test_connection_limit(mode: str) -> None:
    app = samples_app(tcp_options={"max_connections": 2, "threads": MODES[mode]})
    with serve(app):
        assert app.tcp is not None
        port = app.tcp.port
        with socket.create_connection(("127.0.0.1", port)), socket.create_connection(("127.0.0.1", port)):
            deadline = time.monotonic() + 5
            while app.tcp.connections < 2:
                assert time.monotonic() < deadline
                time.sleep(0.01)
            frames, closed = exchange(port, write_frame(hello_frame()), wait=2)
            assert closed and frames == []
        assert_serving(port, app)


@pytest.mark.parametrize("mode", sorted(MODES))
def test_the_channel_stops_with_the_app(mode: str) -> None:
    app = samples_app(tcp_options={"threads": MODES[mode]})
    with serve(app):
        assert app.tcp is not None
        port = app.tcp.port
        assert app.channels == [app.tcp]
    assert app.channels == []
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1)


def test_an_app_built_in_code_takes_its_tcp_port_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """What ``remoting-gateway serve MODULE:APP --tcp-port N`` relies on: no ``tcp_port`` in code, the
    variables decide; a ``tcp_port`` in code wins; a bad value is a clear error."""
    monkeypatch.setenv("GATEWAY_TCP_PORT", "")
    assert RemotingApp().tcp is None
    monkeypatch.setenv("GATEWAY_TCP_PORT", "0")
    app = register(RemotingApp())
    assert app.tcp is not None and (app.tcp.address, app.tcp.port) == ("127.0.0.1", 0)
    with serve(app), RemotingClient() as client:
        assert app.tcp.port != 0
        hello = client.get_object(IHello, f"tcp://127.0.0.1:{app.tcp.port}/SayHello.rem")
        assert hello.HelloMethod("env") == "Hi there env"
    monkeypatch.setenv("GATEWAY_TCP_HOST", "127.0.0.2")  # not bound here: only where it would listen
    assert (RemotingApp().tcp or pytest.fail("no channel")).address == "127.0.0.2"
    coded = RemotingApp(tcp_port=1234, tcp_address="127.0.0.1")
    assert coded.tcp is not None and (coded.tcp.address, coded.tcp.port) == ("127.0.0.1", 1234)
    monkeypatch.setenv("GATEWAY_TCP_PORT", "eighty")
    with pytest.raises(ValueError, match="GATEWAY_TCP_PORT: must be a port number 0-65535, not 'eighty'"):
        RemotingApp()
    monkeypatch.setenv("GATEWAY_TCP_PORT", "8²")  # a digit to str.isdigit, not to int: the same clear error
    with pytest.raises(ValueError, match="GATEWAY_TCP_PORT: must be a port number 0-65535, not '8²'"):
        RemotingApp()


def test_client_errors_are_channel_errors() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    with RemotingClient(timeout=2) as client, pytest.raises(ChannelError, match="cannot connect"):
        client.get_object(IHello, f"tcp://127.0.0.1:{free}/SayHello.rem").HelloMethod("x")
    with RemotingClient() as client, pytest.raises(ChannelError, match="needs a port"):
        client.get_object(IHello, "tcp://127.0.0.1/SayHello.rem").HelloMethod("x")
    assert httpx  # the transports raise httpx errors, which the clients wrap
