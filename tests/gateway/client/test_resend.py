"""The sync client's transport resends a request that met a kept-alive connection the server had reset unread
(the race at the server's keep-alive timeout), and nothing else: not a request the server read and then closed
the connection on. A raw loopback server plays the server's part deterministically: it resets or closes a
connection on a chosen request without answering."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest

from examples.hello import IHello
from gateway import ChannelError, RemotingClient
from gateway.client.resend import MAX_RESENDS, ResendingTransport

try:
    from support.scripted import ScriptedListener
except ImportError:  # tests/ imported as a package
    from tests.support.scripted import ScriptedListener

ANSWER = (
    b'<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body>'
    b'<i2:HelloMethodResponse xmlns:i2="urn:x"><return>Hi there</return></i2:HelloMethodResponse>'
    b"</SOAP-ENV:Body></SOAP-ENV:Envelope>"
)


class ScriptedServer(ScriptedListener):
    """Answers requests in order; a request whose number (from 1) is in ``drop`` gets its connection closed
    without a byte of answer, one in ``reset`` gets it reset (RST, as a kernel answers a request the server
    never read), one in ``half`` gets the response headers and part of the body, then the close."""

    def __init__(self, drop: set[int], half: frozenset[int] = frozenset(), reset: frozenset[int] = frozenset()
                 ) -> None:  # fmt: skip
        super().__init__(drop, reset)
        self.half = half
        self.url = f"http://127.0.0.1:{self.port}/SayHello.soap"

    def serve(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as stream:
            while True:
                length = -1
                while (line := stream.readline()) not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                if length < 0:
                    return
                stream.read(length)
                if not self.answer(conn):
                    return
                if self.requests in self.half:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n<SOAP-ENV:Env")
                    return
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s"
                             % (len(ANSWER), ANSWER))


@pytest.fixture
def script() -> Iterator[list[ScriptedServer]]:
    servers: list[ScriptedServer] = []
    yield servers
    for server in servers:
        server.close()


def hello(server: ScriptedServer, client: RemotingClient) -> str:
    return client.get_object(IHello, server.url).HelloMethod("x")


def test_a_request_on_a_reused_connection_reset_unanswered_is_sent_again(script: list[ScriptedServer]) -> None:
    server = ScriptedServer(drop=set(), reset=frozenset({2}))
    script.append(server)
    with RemotingClient(timeout=10) as client:
        assert hello(server, client) == "Hi there"  # request 1 opens the connection, which stays pooled
        assert hello(server, client) == "Hi there"  # request 2 meets it reset; request 3 on a new one
    assert (server.requests, server.connections) == (3, 2)


def test_a_request_the_server_read_then_closed_on_is_never_sent_again(script: list[ScriptedServer]) -> None:
    """The server read request 2 and closed the connection without answering: it may have run the call."""
    server = ScriptedServer(drop={2})
    script.append(server)
    with RemotingClient(timeout=10) as client:
        assert hello(server, client) == "Hi there"
        with pytest.raises(ChannelError, match="without sending a response"):
            hello(server, client)
    assert server.requests == 2


def test_the_pool_connections_are_reset_aware() -> None:
    """The resend rule needs httpcore's streams wrapped (an end of stream then a reset is a reset): the private
    attributes it wraps are still there."""
    transport = ResendingTransport()
    assert type(transport.inner._pool._network_backend).__name__ == "_ResetAwareBackend"  # type: ignore[attr-defined]


def test_a_request_on_a_new_connection_is_never_sent_again(script: list[ScriptedServer]) -> None:
    server = ScriptedServer(drop={1})
    script.append(server)
    with RemotingClient(timeout=10) as client, pytest.raises(ChannelError, match="without sending a response"):
        hello(server, client)
    assert server.requests == 1


def test_a_connection_lost_after_part_of_the_answer_is_never_sent_again(script: list[ScriptedServer]) -> None:
    server = ScriptedServer(drop=set(), half=frozenset({2}))
    script.append(server)
    with RemotingClient(timeout=10) as client:
        assert hello(server, client) == "Hi there"
        with pytest.raises(ChannelError):
            hello(server, client)
    assert server.requests == 2


def test_resends_are_bounded(script: list[ScriptedServer]) -> None:
    """A server that keeps resetting pooled connections unanswered: the request is resent a bounded number of
    times (each on a connection that was pooled), then the failure surfaces."""
    server = ScriptedServer(drop=set(), reset=frozenset(range(2, 100)))
    script.append(server)
    transport = ResendingTransport()
    with httpx.Client(transport=transport, timeout=10) as http:
        assert http.post(server.url, content=b"a").status_code == 200
        with pytest.raises(httpx.ReadError):
            http.post(server.url, content=b"b")  # a new connection after the stale one: reset too, not resent
    assert server.requests == 3
    assert MAX_RESENDS >= 1


def test_the_callers_trace_still_sees_every_event(script: list[ScriptedServer]) -> None:
    server = ScriptedServer(drop=set())
    script.append(server)
    events: list[str] = []
    with httpx.Client(transport=ResendingTransport(), timeout=10) as http:
        r = http.post(server.url, content=b"a", extensions={"trace": lambda event, info: events.append(event)})
    assert r.status_code == 200
    assert "connection.connect_tcp.started" in events and "http11.send_request_body.complete" in events
    assert "trace" not in r.request.extensions or r.request.extensions["trace"] is not None
