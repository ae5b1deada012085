"""The TCP channel's client transports send a request again only when it certainly never reached the server
(the rule of ``gateway.client.stale``): a pooled connection reset unread is replaced and the request resent; a
connection the server closed after reading the request (it may have run the call) is an error, never a second
call. A raw loopback server plays the server's part deterministically, answering with Mono's captured reply
frame or closing/resetting the connection on a chosen request."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx
import pytest

from examples.hello import IHello
from gateway import AsyncRemotingClient, ChannelError, RemotingClient
from gateway.tcp import FrameReader, Operation, TcpFrame, write_frame
from gateway.tcp.client import response_from

try:
    from support.scripted import ScriptedListener
except ImportError:  # tests/ imported as a package
    from tests.support.scripted import ScriptedListener

#: Mono's reply frame to ``HelloMethod("Alice")`` (binary formatter), as captured
REPLY = (Path(__file__).resolve().parents[1] / "fixtures" / "mono_tcp" / "binary_HelloMethod.reply.bin").read_bytes()


class ScriptedServer(ScriptedListener):
    """Answers request frames in order; a request whose number (from 1) is in ``drop`` is read, then its
    connection closed without a byte of answer (the call may have run); one in ``reset`` gets its connection
    reset (RST, as a kernel answers bytes the server never read)."""

    def __init__(self, drop: frozenset[int] = frozenset(), reset: frozenset[int] = frozenset()) -> None:
        super().__init__(drop, reset)
        self.url = f"tcp://127.0.0.1:{self.port}/SayHello.rem"

    def serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        frames = FrameReader()
        with conn:
            while True:
                while frames.next_frame() is None:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    frames.feed(chunk)
                if not self.answer(conn):
                    return
                conn.sendall(REPLY)


def call(server: ScriptedServer, client: RemotingClient) -> str:
    return client.get_object(IHello, server.url).HelloMethod("Alice")


async def call_async(server: ScriptedServer) -> list[str | BaseException]:
    """Two calls on one pooled connection with the asyncio client: their results or errors."""
    results: list[str | BaseException] = []
    async with AsyncRemotingClient(timeout=10) as client:
        hello = client.get_object(IHello, server.url)
        for _ in range(2):
            try:
                results.append(await hello.HelloMethod("Alice"))
            except ChannelError as exc:
                results.append(exc)
    return results


def test_a_request_the_server_read_then_closed_on_is_never_sent_again() -> None:
    with ScriptedServer(drop=frozenset({2})) as server, RemotingClient(timeout=10) as client:
        assert call(server, client) == "Hi there Alice"  # request 1 opens the connection, which stays pooled
        with pytest.raises(ChannelError, match="before answering"):
            call(server, client)  # request 2: read by the server, then a clean close
        assert (server.requests, server.connections) == (2, 1)


def test_async_client_never_sends_again_a_request_the_server_read() -> None:
    with ScriptedServer(drop=frozenset({2})) as server:
        first, second = asyncio.run(call_async(server))
        assert first == "Hi there Alice"
        assert isinstance(second, ChannelError) and "before answering" in str(second)
        assert (server.requests, server.connections) == (2, 1)


def test_a_request_on_a_reused_connection_reset_unread_is_sent_again() -> None:
    with ScriptedServer(reset=frozenset({2})) as server, RemotingClient(timeout=10) as client:
        assert call(server, client) == "Hi there Alice"
        assert call(server, client) == "Hi there Alice"  # request 2 meets a reset; request 3 on a new connection
        assert (server.requests, server.connections) == (3, 2)


def test_async_client_sends_again_a_request_reset_unread() -> None:
    with ScriptedServer(reset=frozenset({2})) as server:
        assert asyncio.run(call_async(server)) == ["Hi there Alice", "Hi there Alice"]
        assert (server.requests, server.connections) == (3, 2)


def test_a_request_on_a_new_connection_is_never_sent_again() -> None:
    with ScriptedServer(reset=frozenset({1})) as server:
        with RemotingClient(timeout=10) as client, pytest.raises(ChannelError):
            call(server, client)
        assert (server.requests, server.connections) == (1, 1)


def test_a_server_that_never_answers_is_a_read_timeout_for_both_clients() -> None:
    """A TCP server that reads the request and says nothing: each client gives up after its timeout (the asyncio
    one through the shared deadline table, ``gateway.model.deadlines``) with a ReadTimeout, and calls on."""
    silent = socket.create_server(("127.0.0.1", 0))
    port = silent.getsockname()[1]
    url = f"tcp://127.0.0.1:{port}/SayHello.rem"

    async def async_call() -> None:
        async with AsyncRemotingClient(timeout=0.3) as client:
            with pytest.raises(ChannelError, match="ReadTimeout"):
                await asyncio.wait_for(client.get_object(IHello, url).HelloMethod("Alice"), 10)

    with silent:  # the kernel accepts the connections and takes the bytes; nobody reads or answers
        asyncio.run(async_call())
        with RemotingClient(timeout=0.3) as client, pytest.raises(ChannelError, match="ReadTimeout"):
            client.get_object(IHello, url).HelloMethod("Alice")


class DecoratedReplyServer(ScriptedServer):
    """Mono's reply with custom headers a .NET server sink may add: any Unicode (the frame's strings are
    UTF-8), and a status header that is not a number (``"²"`` is a digit to ``str.isdigit``, not to ``int``)."""

    def __init__(self, custom: list[tuple[str, str]]) -> None:
        super().__init__()
        frames = FrameReader()
        frames.feed(REPLY)
        frame = frames.next_frame()
        assert frame is not None
        frame.custom = custom
        self.reply = write_frame(frame)

    def serve(self, conn: socket.socket) -> None:
        with conn:
            frames = FrameReader()
            while frames.next_frame() is None:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                frames.feed(chunk)
            conn.sendall(self.reply)


def test_a_reply_with_unicode_headers_is_read() -> None:
    with DecoratedReplyServer([("X-Greeting", "héllo 中")]) as server, RemotingClient(timeout=10) as client:
        assert call(server, client) == "Hi there Alice"


def test_reply_headers_the_client_cannot_take_as_given_are_not_a_crash() -> None:
    request = httpx.Request("POST", "tcp://127.0.0.1:1/SayHello.rem")
    frame = TcpFrame(Operation.Reply, b"x", content_type="text/xml; charset=\u00e9",
                     custom=[("__HttpStatusCode", "²"), ("X-\u4e2d", "\u4e2d")])  # fmt: skip
    response = response_from(frame, request)
    assert response.status_code == 500  # a status that is no number: an error, as an unknown one
    assert response.headers["x-\u4e2d"] == "\u4e2d"
