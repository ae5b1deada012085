"""A lean HTTP/1.1 transport for the asyncio client: keep-alive connections on asyncio streams.

httpx's own async connection pool costs several times more per call than its sync client at 16 calls in
flight (benchmarks/bench_client.py; encode/httpx#3215). Remoting calls are simple POSTs to known
endpoints, so this transport does just that well: one request at a time per connection, idle connections
reused per origin, responses parsed by httptools (C), timeouts from the httpx request.

What is retried: only a request that certainly never reached the server (:mod:`gateway.client.stale`). An idle
connection that the server has closed (its keep-alive timeout) is seen before use, by the loop or by polling
its socket, and is not used. A request written to a *reused* connection that is then *reset* before any byte
of an answer arrives (a reset, or an end of stream followed by a reset) was not read by the server: the
keep-alive close crossed it on the wire. It is sent again, at most ``MAX_RESENDS`` times; all other idle
connections to that origin are dropped with it, since they idled as long. A bare orderly close (EOF) with no
answer is *not* retried: the server (or a proxy) may have read the request and run the call, and a silent
second send would run a non-idempotent call twice. A failure on a new connection, a timeout, or a connection
lost after part of the answer arrived is never retried either; all surface as a ``ChannelError``. It plugs in
as an ``httpx.AsyncBaseTransport``, so sinks, errors and the rest of httpx behave as usual; pass your own
``httpx.AsyncClient`` to :class:`gateway.AsyncRemotingClient` for proxies, HTTP/2 or custom TLS.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections import defaultdict

import httptools
import httpx

from ..model.deadlines import within
from .stale import MAX_RESENDS, idle_socket_closing, reset_after_eof

_Origin = tuple[str, str, int]
#: how long closing the client waits for a socket to close (a TLS peer that never answers close_notify)
CLOSE_WAIT_SECONDS = 2.0


class PooledConnection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def close(self) -> None:
        self.writer.close()

    async def closed(self) -> None:
        """Wait (a bounded while) until the socket is really closed: ``close`` only schedules it."""
        with contextlib.suppress(OSError, TimeoutError):
            async with asyncio.timeout(CLOSE_WAIT_SECONDS):
                await self.writer.wait_closed()


class _ResponseParser:
    """Collects one response from httptools' callbacks."""

    def __init__(self) -> None:
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.complete = False
        self.keep_alive = False
        self.status = 0
        self.parser = httptools.HttpResponseParser(self)

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()

    def on_message_complete(self) -> None:
        self.complete = True
        self.keep_alive = self.parser.should_keep_alive()  # only reliable inside the callbacks


class AsyncPooledTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 over asyncio streams with per-origin keep-alive pools (at most ``max_connections`` each)."""

    def __init__(self, max_connections: int = 100, max_response_bytes: int = 64 * 1024 * 1024,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.max_connections = max_connections
        self.max_response_bytes = max_response_bytes
        self._ssl = ssl_context
        self._idle: defaultdict[_Origin, list[PooledConnection]] = defaultdict(list)
        self._slots: dict[_Origin, asyncio.Semaphore] = {}
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            raise httpx.TransportError("the transport is closed")
        origin = self._origin(request)
        timeouts = request.extensions.get("timeout", {})
        slot = self._slots.get(origin)
        if slot is None:
            slot = self._slots[origin] = asyncio.Semaphore(self.max_connections)
        body = request.content if isinstance(request.stream, httpx.ByteStream) else await request.aread()
        async with slot:
            resends = 0
            while True:
                conn = self._take_idle(origin)
                reused = conn is not None
                if conn is None:
                    conn = await self._connect(origin, timeouts)
                try:
                    return await self._exchange(conn, origin, request, body, timeouts)
                except (ConnectionError, asyncio.IncompleteReadError, StaleConnection) as exc:
                    conn.close()
                    if reused and isinstance(exc, StaleConnection) and resends < MAX_RESENDS:
                        # A kept-alive connection the server closed, unread, as our request came: the request
                        # never reached it. Its idle siblings are as old, so drop them all and go on.
                        resends += 1
                        self._drop_idle(origin)
                        continue
                    raise httpx.RemoteProtocolError(f"connection lost: {exc or type(exc).__name__}",
                                                    request=request) from exc
                except TimeoutError:
                    conn.close()
                    raise httpx.ReadTimeout("timed out waiting for the response", request=request) from None
                except BaseException:
                    conn.close()
                    raise

    def _origin(self, request: httpx.Request) -> _Origin:
        """(scheme, host, port) of the pool ``request`` goes to."""
        url = request.url
        scheme = url.scheme
        if scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {scheme!r}")
        return scheme, url.host, url.port or (443 if scheme == "https" else 80)

    def _take_idle(self, origin: _Origin) -> PooledConnection | None:
        """An idle connection that still looks open (the server may have closed others meanwhile)."""
        idle = self._idle[origin]
        while idle:
            conn = idle.pop()
            sock = conn.writer.get_extra_info("socket")
            if conn.reader.at_eof() or conn.writer.is_closing() or idle_socket_closing(sock):
                conn.close()
                continue
            return conn
        return None

    def _drop_idle(self, origin: _Origin) -> None:
        for conn in self._idle.pop(origin, []):
            conn.close()

    async def _connect(self, origin: _Origin, timeouts: dict[str, float | None]) -> PooledConnection:
        scheme, host, port = origin
        context = (self._ssl or ssl.create_default_context()) if scheme == "https" else None
        try:
            async with asyncio.timeout(timeouts.get("connect")):
                reader, writer = await asyncio.open_connection(host, port, ssl=context,
                                                               server_hostname=host if context else None)
        except TimeoutError:
            raise httpx.ConnectTimeout(f"connecting to {host}:{port} timed out") from None
        except OSError as exc:
            raise httpx.ConnectError(f"cannot connect to {host}:{port}: {exc}") from exc
        return PooledConnection(reader, writer)

    async def _exchange(self, conn: PooledConnection, origin: _Origin, request: httpx.Request, body: bytes,
                        timeouts: dict[str, float | None]) -> httpx.Response:
        target = request.url.raw_path.decode("ascii")
        head = [f"{request.method} {target} HTTP/1.1\r\n".encode("ascii")]
        for name, value in request.headers.raw:
            lower = name.lower()
            if lower in (b"content-length", b"transfer-encoding", b"connection"):
                continue
            head.append(name + b": " + value + b"\r\n")
        head.append(b"Content-Length: " + str(len(body)).encode("ascii") + b"\r\n\r\n")
        try:
            conn.writer.write(b"".join(head) + body)
            with within(timeouts.get("write")):  # (model/deadlines.py: no timer per call)
                await conn.writer.drain()
        except (ConnectionResetError, BrokenPipeError) as exc:
            raise StaleConnection(f"reset before answering: {exc}") from exc
        trace = request.extensions.get("trace")
        if trace is not None:  # httpcore's event, which one-way calls wait for
            await trace("http11.send_request_body.complete", {"request": request})
        parsed = _ResponseParser()
        received = 0
        with within(timeouts.get("read")):
            while not parsed.complete:
                try:
                    chunk = await conn.reader.read(65536)
                except ConnectionResetError as exc:
                    if received == 0:
                        raise StaleConnection(f"reset before answering: {exc}") from exc
                    raise
                if not chunk:
                    if received == 0:
                        if reset_after_eof(conn.writer.get_extra_info("socket")):
                            raise StaleConnection("closed and reset before answering")
                        raise ConnectionError("closed before answering (the call may have run)")
                    names = {name.lower() for name, _ in parsed.headers}
                    if parsed.status and not names & {b"content-length", b"transfer-encoding"}:
                        break  # a body delimited by the end of the connection
                    raise ConnectionError("connection closed mid-response")
                received += len(chunk)
                if received > self.max_response_bytes:
                    raise httpx.RemoteProtocolError(f"response larger than {self.max_response_bytes} bytes",
                                                    request=request)
                try:
                    parsed.parser.feed_data(chunk)
                except httptools.HttpParserError as exc:
                    raise httpx.RemoteProtocolError(f"malformed HTTP response: {exc}", request=request) from exc
        status = parsed.status
        if status == 100:  # we never send Expect: 100-continue, so an interim response is a protocol error
            conn.close()
            raise httpx.RemoteProtocolError("unexpected 100 Continue", request=request)
        if parsed.complete and parsed.keep_alive and not self._closed:
            self._idle[origin].append(conn)
        else:
            conn.close()
        body = b"".join(parsed.body)
        if any(name.lower() == b"content-encoding" for name, _ in parsed.headers):
            # a stream, not content=: httpx would inflate it at once, unbounded (the client inflates it within
            # its limit, gateway.client.response_body)
            return httpx.Response(status, headers=parsed.headers, stream=httpx.ByteStream(body),
                                  extensions={"http_version": b"HTTP/1.1"}, request=request)
        return httpx.Response(status, headers=parsed.headers, content=body,  # (read now: no turn of the loop)
                              extensions={"http_version": b"HTTP/1.1"}, request=request)

    async def aclose(self) -> None:
        """Close the idle connections and wait until their sockets are closed: a closed client holds none."""
        self._closed = True
        conns = [conn for idle in self._idle.values() for conn in idle]
        self._idle.clear()
        for conn in conns:
            conn.close()
        await asyncio.gather(*(conn.closed() for conn in conns))


class StaleConnection(Exception):
    """The request certainly never reached the server: the connection was closed before it could read it
    (HTTP: reset before any byte of the answer; TCP channel: closed before answering), so it may be sent
    again on another connection."""


__all__ = ["AsyncPooledTransport", "StaleConnection"]
