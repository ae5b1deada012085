"""A server's answer is read within the client's ``Limits.max_bytes`` (``gateway.client.response_body``): a body
too large, said or not, and a decompression bomb (a little gzip that inflates to a lot) fail the call with a
``RemotingError`` having cost the client about the limit, not the body; gzip and deflate (zlib or raw) bodies
within the limit are read; an encoding the client did not ask for is refused."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import socket
import threading
import tracemalloc
import zlib
from collections.abc import Iterator

import httpx
import pytest

from examples.remoting_samples import IHello
from gateway import AsyncRemotingClient, RemotingClient, RemotingError
from gateway.client.response_body import ACCEPT_ENCODING, read_body
from gateway.tcp import Operation, TcpFrame, write_frame
from soap import Limits

try:
    from support.scripted import ScriptedListener
except ImportError:  # tests/ imported as a package
    from tests.support.scripted import ScriptedListener

LIMIT = 64 * 1024
HELLO_REPLY = (
    b'<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body>'
    b'<i2:HelloMethodResponse xmlns:i2="http://schemas.microsoft.com/clr/nsassem/RemotingPeer.IHello/PeerShared">'
    b"<return>Hi there Alice</return></i2:HelloMethodResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>"
)
#: 64 MiB of spaces in about 64 KiB of gzip: a thousand times the client's limit here
BOMB = gzip.compress(b" " * (64 * 1024 * 1024), 9)


def response(body: bytes, **headers: str) -> httpx.Response:
    """A streamed response, as a transport hands it over (its body not read yet)."""
    return httpx.Response(200, headers=headers, stream=httpx.ByteStream(body))


def read(r: httpx.Response, limit: int = LIMIT) -> bytes:
    return read_body(r, {k: v for k, v in r.headers.items()}, limit, "u")


def test_a_body_within_the_limit_is_read_plain_gzip_or_deflate() -> None:
    assert read(response(HELLO_REPLY)) == HELLO_REPLY
    assert read(response(gzip.compress(HELLO_REPLY), **{"content-encoding": "gzip"})) == HELLO_REPLY
    assert read(response(zlib.compress(HELLO_REPLY), **{"content-encoding": "deflate"})) == HELLO_REPLY
    raw = zlib.compressobj(wbits=-15)
    deflated = raw.compress(HELLO_REPLY) + raw.flush()  # deflate without the zlib header, as some servers send
    assert read(response(deflated, **{"content-encoding": "deflate"})) == HELLO_REPLY


def test_a_declared_length_over_the_limit_is_refused_before_a_byte_is_read() -> None:
    class Untouchable(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            raise AssertionError("the body was read")

    big = httpx.Response(200, headers={"content-length": str(LIMIT + 1)}, stream=Untouchable())
    with pytest.raises(RemotingError, match=f"more than {LIMIT} bytes exceeds the limit of {LIMIT} bytes"):
        read(big)


def test_a_decompression_bomb_costs_about_the_limit() -> None:
    tracemalloc.start()
    try:
        with pytest.raises(RemotingError, match=f"more than {LIMIT} bytes"):
            read(response(BOMB, **{"content-encoding": "gzip"}))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * 1024 * 1024  # the bomb's 64 KiB and about the limit: not its 64 MiB


@pytest.mark.parametrize(("encoding", "body", "message"), [
    ("br", b"\x00", "content encoding 'br' is not one this client reads"),
    ("gzip", b"not gzip at all", "compressed content is corrupt"),
    ("gzip", gzip.compress(HELLO_REPLY)[:-12], None),  # cut short: what arrived is what there is
])  # fmt: skip
def test_what_the_client_cannot_decode_is_refused(encoding: str, body: bytes, message: str | None) -> None:
    if message is None:
        assert HELLO_REPLY.startswith(read(response(body, **{"content-encoding": encoding})))
        return
    with pytest.raises(RemotingError, match=message):
        read(response(body, **{"content-encoding": encoding}))


# ------------------------------------------------------------------ end to end, against a raw loopback server


class Answering(ScriptedListener):
    """Answers every request on 127.0.0.1 with ``body`` (and ``headers``); records the requests' heads."""

    def __init__(self, body: bytes, headers: bytes = b"") -> None:
        self.answer = (b"HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\n" + headers
                       + b"Content-Length: %d\r\n\r\n" % len(body) + body)  # fmt: skip
        self.heads: list[bytes] = []
        super().__init__()
        self.url = f"http://127.0.0.1:{self.port}/SayHello.soap"

    def serve(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, _, rest = data.partition(b"\r\n\r\n")
            self.heads.append(head.lower())
            length = next(int(line.split(b":")[1]) for line in head.lower().split(b"\r\n")
                          if line.startswith(b"content-length:"))  # fmt: skip
            while len(rest) < length:
                rest += conn.recv(65536)
            with contextlib.suppress(OSError):  # the client stopped reading: what it does with a body too large
                conn.sendall(self.answer)


@pytest.fixture
def bomb_server() -> Iterator[Answering]:
    server = Answering(BOMB, b"Content-Encoding: gzip\r\n")
    yield server
    server.close()


def test_the_clients_refuse_a_bomb_and_ask_only_for_what_they_decode(bomb_server: Answering) -> None:
    limits = Limits(max_bytes=LIMIT)
    tracemalloc.start()
    try:
        with RemotingClient(limits=limits) as client, pytest.raises(RemotingError, match=f"more than {LIMIT}"):
            client.get_object(IHello, bomb_server.url).HelloMethod("Alice")

        async def call() -> None:
            async with AsyncRemotingClient(limits=limits) as client:
                await client.get_object(IHello, bomb_server.url).HelloMethod("Alice")

        with pytest.raises(RemotingError, match=f"more than {LIMIT}"):
            asyncio.run(call())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024  # (the bomb inflates to 64 MiB)
    assert all(f"accept-encoding: {ACCEPT_ENCODING}".encode() in head for head in bomb_server.heads)
    assert len(bomb_server.heads) == 2


def test_a_gzip_answer_within_the_limit_is_the_call_s_result() -> None:
    server = Answering(gzip.compress(HELLO_REPLY), b"Content-Encoding: gzip\r\n")
    try:
        with RemotingClient() as client:
            assert client.get_object(IHello, server.url).HelloMethod("Alice") == "Hi there Alice"
    finally:
        server.close()


def test_an_answer_over_the_limit_costs_the_clients_about_the_limit_plain_or_over_tcp() -> None:
    """A 32 MiB answer, said in its Content-Length (HTTP) or in its frame's length (the TCP channel), against a
    client limit of 64 KiB: the sync client refuses it unread, the asyncio one and the TCP clients as soon as
    they hold more than about the limit (``_raw_limit``), not once 32 MiB arrived."""
    body = b" " * (32 * 1024 * 1024)
    http_server = Answering(body)
    tcp_sock = socket.create_server(("127.0.0.1", 0))
    frame = write_frame(TcpFrame(Operation.Reply, body, content_type="application/octet-stream"))

    def serve_tcp() -> None:
        with contextlib.suppress(OSError):
            conn, _ = tcp_sock.accept()
            with conn:
                conn.recv(65536)
                conn.sendall(frame)

    threading.Thread(target=serve_tcp, daemon=True).start()
    tcp_url = f"tcp://127.0.0.1:{tcp_sock.getsockname()[1]}/SayHello.rem"
    limits = Limits(max_bytes=LIMIT)
    tracemalloc.start()
    try:
        with RemotingClient(limits=limits) as client:
            for url in (http_server.url, tcp_url):
                with pytest.raises(RemotingError):
                    client.get_object(IHello, url).HelloMethod("Alice")

        async def call() -> None:
            async with AsyncRemotingClient(limits=limits) as client:
                await client.get_object(IHello, http_server.url).HelloMethod("Alice")

        with pytest.raises(RemotingError, match="larger than"):
            asyncio.run(call())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        http_server.close()
        tcp_sock.close()
    assert peak < 8 * 1024 * 1024
