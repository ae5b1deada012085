"""A lean HTTP/1.1 transport for the asyncio client: keep-alive connections on asyncio streams.

httpx's own async connection pool costs several times more per call than its sync client at 16 calls in
flight (benchmarks/bench_client.py; encode/httpx#3215). Remoting calls are simple POSTs to known
endpoints, so this transport does just that well: one request at a time per connection, idle connections
reused per origin, responses parsed by httptools (C), timeouts from the httpx request.

What is retried: only a request written to a *reused* keep-alive connection that the server closed before
sending any byte of an answer (EOF, reset or broken pipe), which is what happens when the server's keep-alive
timeout closed the connection while it sat idle here. Such a request is sent once more, on a new
connection; all other idle connections to that origin are dropped with it, since they idled as long. A
failure on a new connection, a timeout, or a connection lost after part of the answer arrived is never
retried (the call may have run) and surfaces as a ``ChannelError``. It plugs in as an
``httpx.AsyncBaseTransport``, so sinks, errors and the rest of httpx behave as usual; pass your own
``httpx.AsyncClient`` to :class:`gateway.AsyncRemotingClient` for proxies, HTTP/2 or custom TLS.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections import defaultdict

import httptools
import httpx

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
            while True:
                conn = self._take_idle(origin)
                reused = conn is not None
                if conn is None:
                    conn = await self._connect(origin, timeouts)
                try:
                    return await self._exchange(conn, origin, request, body, timeouts)
                except (ConnectionError, asyncio.IncompleteReadError, StaleConnection) as exc:
                    conn.close()
                    if reused and isinstance(exc, (StaleConnection, ConnectionResetError, BrokenPipeError)):
                        # A kept-alive connection the server had closed while it was idle: the request never
                        # got an answer on it. Its idle siblings are as old, so drop them all and go on with
                        # a fresh connection (which is not retried).
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
            if conn.reader.at_eof() or conn.writer.is_closing():
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
        conn.writer.write(b"".join(head) + body)
        async with asyncio.timeout(timeouts.get("write")):
            await conn.writer.drain()
        trace = request.extensions.get("trace")
        if trace is not None:  # httpcore's event, which one-way calls wait for
            await trace("http11.send_request_body.complete", {"request": request})
        parsed = _ResponseParser()
        received = 0
        async with asyncio.timeout(timeouts.get("read")):
            while not parsed.complete:
                chunk = await conn.reader.read(65536)
                if not chunk:
                    if received == 0:
                        raise StaleConnection("closed before answering")
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
        return httpx.Response(status, headers=parsed.headers, content=b"".join(parsed.body),
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
    """A reused connection closed before any byte of the response arrived: the server closed it while it
    was idle (its keep-alive timeout), so the request is sent again on a fresh connection."""


__all__ = ["AsyncPooledTransport", "StaleConnection"]
