"""Forwarding: a request for an object another worker owns goes to that worker, and its answer comes back
unchanged, streamed both ways.

The request is relayed at the HTTP level before anything reads it (the body is never parsed here, whatever
its formatter or size): method, path, query and headers as received, the body as the ASGI server hands it
over, plus two headers for the owner's internal listener (the deployment's secret and how the caller reached
us: client address, scheme, server, root path). The owner answers as if the caller had come to it directly;
status, headers and body are passed back as they arrive.

Connections to each owner are kept alive and reused. A request whose body is already complete (nearly
all: ASGI servers hand small bodies over in one piece) may be sent again once when a reused connection
turns out closed before any answer; a body that is still arriving is sent on a new connection and never
twice. What can go wrong is told apart, because the caller's answer depends on it:

* :class:`OwnerUnreachable`: nothing was sent (the owner's port refuses connections: the worker is gone);
* :class:`OwnerFailed`: the request went out but no answer came (the owner died during the call; the call
  may have run);
* a failure after the answer started cannot be reported any more: the connection to the caller is cut.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Awaitable, Callable

import httptools
from starlette.types import Message, Receive, Scope, Send

#: Headers that belong to one hop, never relayed (RFC 9110 7.6.1), plus the framing we set ourselves.
_HOP_BY_HOP = frozenset({
    b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer", b"transfer-encoding", b"upgrade",
    b"content-length",
})

#: The headers a forwarded request carries to the owner's internal listener.
SECRET_HEADER = b"x-gateway-secret"
ROUTE_HEADER = b"x-gateway-forwarded"

#: Request headers not relayed as they came (hop-by-hop, framing, and ours, which only we may set).
_NOT_RELAYED = _HOP_BY_HOP | {SECRET_HEADER, ROUTE_HEADER}

Address = tuple[str, int]


class OwnerUnreachable(Exception):
    """The owner could not be reached; nothing was sent to it. ``consumed`` is the request message already
    taken from the caller (to be handed out again to whoever serves the request instead)."""

    def __init__(self, message: str, consumed: Message | None = None) -> None:
        super().__init__(message)
        self.consumed = consumed


class OwnerFailed(Exception):
    """The request reached the owner but no answer came back (it may have run)."""


def _pair(value: tuple[str, int | None] | None) -> bytes:
    if not value:
        return b"null"
    host, port = value
    return b"[%s,%s]" % (json.dumps(str(host)).encode(), b"null" if port is None else str(int(port)).encode())


def route_metadata(scope: Scope, hops: int) -> bytes:
    """How the caller reached this worker, for the owner to see the request as the caller sent it (JSON)."""
    return b'{"client":%s,"server":%s,"scheme":%s,"root_path":%s,"hops":%d}' % (
        _pair(scope.get("client")), _pair(scope.get("server")), json.dumps(scope.get("scheme", "http")).encode(),
        json.dumps(scope.get("root_path", "")).encode(), hops,
    )


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @property
    def usable(self) -> bool:
        return not (self.reader.at_eof() or self.writer.is_closing())

    def close(self) -> None:
        self.writer.close()


class _Response:
    """httptools callbacks collected between two reads: what to send the caller next."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.headers: list[tuple[bytes, bytes]] = []
        self.status = 0
        self.head_done = False
        self.chunks: list[bytes] = []
        self.complete = False
        self.keep_alive = False

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.head_done = True

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        self.complete = True
        self.keep_alive = self.parser.should_keep_alive()


class _Stale(Exception):
    """A reused connection was closed before any answer arrived."""


class Forwarder:
    """Relays ASGI requests to other workers' internal listeners (one per worker)."""

    def __init__(self, connect_timeout: float = 2.0, max_idle: int = 32) -> None:
        self.connect_timeout = connect_timeout
        self.max_idle = max_idle
        self.secret = b""
        self._idle: defaultdict[Address, list[_Connection]] = defaultdict(list)

    async def forward(self, address: Address, scope: Scope, receive: Receive, send: Send, hops: int) -> None:
        """Relay one request to ``address`` and its answer to ``send``; see the module docstring for errors."""
        head, framing = self._request_head(scope, hops)
        first: Message | None = None
        if framing != "none":
            first = await receive()
            if first["type"] == "http.disconnect":
                return
        complete = first is None or not first.get("more_body", False)
        conn = self._take_idle(address) if complete else None
        reused = conn is not None
        retried = False
        while True:
            if conn is None:
                try:
                    conn = await self._connect(address)
                except OwnerUnreachable as exc:
                    if retried:  # the first attempt went out on a connection that then failed: it may have run
                        raise OwnerFailed(str(exc)) from None
                    raise OwnerUnreachable(str(exc), first) from None
            try:
                await self._send_request(conn, head, framing, first, receive)
                await self._relay_response(conn, address, scope, send)
                return
            except _Stale:
                conn.close()
                if reused:  # the owner closed it while it idled here: once more, on a new connection
                    self._drop_idle(address)
                    conn, reused, retried = None, False, True
                    continue
                raise OwnerFailed(f"the worker at {address[0]}:{address[1]} closed the connection without "
                                  "answering") from None
            except (ConnectionError, asyncio.IncompleteReadError) as exc:
                conn.close()
                raise OwnerFailed(f"the connection to the worker at {address[0]}:{address[1]} was lost: "
                                  f"{exc or type(exc).__name__}") from None
            except BaseException:
                conn.close()
                raise

    # -------------------------------------------------------------- request

    def _request_head(self, scope: Scope, hops: int) -> tuple[bytes, str]:
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
        query = scope.get("query_string", b"")
        target = raw_path + (b"?" + query if query else b"")
        lines = [scope["method"].encode("ascii") + b" " + target + b" HTTP/1.1\r\n"]
        framing = "none"
        length = b""
        for name, value in scope["headers"]:  # ASGI header names are lower-case
            if name in _NOT_RELAYED:
                if name == b"content-length":
                    framing, length = "length", value
                elif name == b"transfer-encoding" and framing == "none":
                    framing = "chunked"
                continue
            lines.append(b"%s: %s\r\n" % (name, value))
        if framing == "length":
            lines.append(b"content-length: " + length + b"\r\n")
        elif framing == "chunked":
            lines.append(b"transfer-encoding: chunked\r\n")
        lines.append(b"%s: %s\r\n%s: %s\r\n\r\n" % (SECRET_HEADER, self.secret, ROUTE_HEADER,
                                                      route_metadata(scope, hops)))
        return b"".join(lines), framing

    async def _send_request(self, conn: _Connection, head: bytes, framing: str, first: Message | None,
                            receive: Receive) -> None:
        writer = conn.writer
        message = first
        body = message.get("body", b"") if message is not None else b""
        if framing == "chunked":
            writer.write(head + (b"%x\r\n%s\r\n" % (len(body), body) if body else b""))
        else:
            writer.write(head + body)
        while message is not None and message.get("more_body", False):
            await writer.drain()
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ConnectionAbortedError("the caller went away while its request was relayed")
            chunk = message.get("body", b"")
            if chunk:
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if framing == "chunked" else chunk)
        if framing == "chunked":
            writer.write(b"0\r\n\r\n")
        await writer.drain()

    # -------------------------------------------------------------- response

    async def _relay_response(self, conn: _Connection, address: Address, scope: Scope, send: Send) -> None:
        response = _Response()
        started = False
        head_only = scope["method"] == "HEAD"
        while True:
            data = await conn.reader.read(65536)
            if not data:
                if not started and not response.head_done:
                    raise _Stale
                raise ConnectionResetError("connection closed in the middle of the answer")
            try:
                response.parser.feed_data(data)
            except httptools.HttpParserUpgrade:  # never asked for: treat as a broken answer
                raise ConnectionResetError("unexpected protocol upgrade") from None
            except httptools.HttpParserError as exc:
                raise ConnectionResetError(f"malformed answer: {exc}") from None
            if response.head_done and not started:
                if response.status == 100:  # an interim answer: wait for the real one
                    response = _Response()
                    continue
                await send({"type": "http.response.start", "status": response.status,
                            "headers": [(k, v) for k, v in response.headers if k.lower() not in _HOP_BY_HOP
                                        or k.lower() == b"content-length"]})
                started = True
                if head_only:
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                    conn.close()  # the parser would wait for a body a HEAD answer never has
                    return
            chunks, response.chunks = response.chunks, []
            if response.complete:  # the rest of the answer in one message (usually all of it)
                body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
                await send({"type": "http.response.body", "body": body, "more_body": False})
                if response.keep_alive and len(self._idle[address]) < self.max_idle:
                    self._idle[address].append(conn)
                else:
                    conn.close()
                return
            for chunk in chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})

    # -------------------------------------------------------------- connections

    def _take_idle(self, address: Address) -> _Connection | None:
        idle = self._idle.get(address)
        while idle:
            conn = idle.pop()
            if conn.usable:
                return conn
            conn.close()
        return None

    def _drop_idle(self, address: Address) -> None:
        for conn in self._idle.pop(address, []):
            conn.close()

    def forget(self, address: Address) -> None:
        """Close the idle connections to a worker that is gone."""
        self._drop_idle(address)

    async def _connect(self, address: Address) -> _Connection:
        host, port = address
        try:
            async with asyncio.timeout(self.connect_timeout):
                reader, writer = await asyncio.open_connection(host, port)
        except (OSError, TimeoutError) as exc:
            raise OwnerUnreachable(f"cannot connect to the worker at {host}:{port}: "
                                   f"{exc or type(exc).__name__}") from None
        return _Connection(reader, writer)

    async def close(self) -> None:
        for address in list(self._idle):
            self._drop_idle(address)


#: What the placement calls to serve a request in this worker.
LocalHandler = Callable[[Scope, Receive, Send], Awaitable[None]]

__all__ = ["Forwarder", "LocalHandler", "OwnerFailed", "OwnerUnreachable", "route_metadata"]
