"""The TCP channel's client side: httpx transports for ``tcp://`` URLs, sync and async.

:class:`gateway.RemotingClient` and :class:`gateway.AsyncRemotingClient` mount these for the ``tcp://``
scheme, so a ``tcp://host:port/Object.rem`` URL goes through the same formatters, client sinks and errors as
an ``http://`` one: the request's body, content type and ``SOAPAction`` (and any other header a sink added,
``Authorization`` included) become a request frame, the reply frame an ``httpx.Response`` (status 200, or
the ``__HttpStatusCode`` a SOAP fault carries; the reply's content type).

Connections are pooled per host and port and carry one call at a time, as .NET's and Mono's TCP clients
do. What is sent again follows the HTTP client's rule (:mod:`gateway.client.stale`): an idle connection the
server has closed (its idle timeout) is seen before use by polling its socket and is not used; a request on a
*reused* connection that is then *reset* before any byte of the reply (a reset on write or read, or an end of
stream followed by a reset) never reached the server and is sent again on a new connection, at most
``MAX_RESENDS`` times. A bare orderly close with no reply is *not* retried: the server may have read the
request and run the call, and a second send would run it twice. Nothing else is retried.
Failures are httpx exceptions (connect, timeout, protocol), which the clients turn into ``ChannelError``;
an error frame from the server ([MS-NRTP] status code 1) is a ``RemoteProtocolError`` carrying its phrase.
"""

from __future__ import annotations

import socket
import threading
from collections import defaultdict

import httpx

from ..client.stale import MAX_RESENDS, idle_socket_closing, reset_after_eof
from ..client.transport import AsyncPooledTransport, PooledConnection, StaleConnection
from ..model.deadlines import within
from .framing import FrameError, FrameLimits, FrameReader, Operation, StatusCode, TcpFrame, write_frame

_Origin = tuple[str, int]
_READ_SIZE = 65536
#: Request headers that mean something only over HTTP: not sent as custom headers.
_HTTP_ONLY = frozenset({
    b"host", b"content-length", b"content-type", b"accept", b"accept-encoding", b"connection", b"user-agent",
    b"transfer-encoding", b"expect",
})


def request_frame(request: httpx.Request, body: bytes) -> bytes:
    """The request frame for ``request``: its URL as ``RequestUri``, its content type, and its other headers
    (``SOAPAction`` spelled as .NET spells it) as custom headers."""
    custom = []
    for name, value in request.headers.raw:
        lower = name.lower()
        if lower in _HTTP_ONLY:
            continue
        custom.append(("SOAPAction" if lower == b"soapaction" else name.decode("latin-1"), value.decode("latin-1")))
    content_type = request.headers.get("content-type")
    frame = TcpFrame(Operation.Request, body, str(request.url), content_type, custom=custom)
    return write_frame(frame)


def response_from(frame: TcpFrame, request: httpx.Request) -> httpx.Response:
    """The ``httpx.Response`` of a reply frame; an error frame raises ``RemoteProtocolError``."""
    if frame.status_code == StatusCode.Error:
        raise httpx.RemoteProtocolError(
            f"the server answered with an error: {frame.status_phrase or '(no reason given)'}", request=request
        )
    if frame.operation != Operation.Reply:
        raise httpx.RemoteProtocolError("the server sent a request frame instead of a reply", request=request)
    status = 200
    # (as bytes: a frame's strings are any Unicode, which httpx would encode as ASCII and fail on)
    headers: list[tuple[bytes, bytes]] = []
    for name, value in frame.custom:
        if name == "__HttpStatusCode":
            status = int(value) if value.isascii() and value.isdigit() and 100 <= int(value) <= 599 else 500
        elif name != "__HttpReasonPhrase":
            headers.append((name.encode("utf-8", "replace"), value.encode("utf-8", "replace")))
    if frame.content_type is not None:
        headers.append((b"content-type", frame.content_type.encode("utf-8", "replace")))
    if any(name.lower() == b"content-encoding" for name, _ in headers):  # (as the asyncio HTTP transport does)
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(frame.body), request=request)
    return httpx.Response(status, headers=headers, content=frame.body, request=request)


def _origin(request: httpx.Request) -> _Origin:
    url = request.url
    if url.scheme != "tcp":
        raise httpx.UnsupportedProtocol(f"unsupported URL scheme {url.scheme!r} for the TCP channel")
    if url.port is None:
        raise httpx.UnsupportedProtocol(f"a tcp:// URL needs a port: {url}")
    return url.host, url.port


class TcpTransport(httpx.BaseTransport):
    """Synchronous .NET Remoting TCP channel transport (thread-safe; one call per connection at a time)."""

    def __init__(self, max_idle: int = 16, max_response_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_idle = max_idle
        self.limits = FrameLimits(max_content=max_response_bytes)
        self._idle: defaultdict[_Origin, list[socket.socket]] = defaultdict(list)
        self._lock = threading.Lock()
        self._closed = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            raise httpx.TransportError("the transport is closed")
        origin = _origin(request)
        timeouts = request.extensions.get("timeout", {})
        data = request_frame(request, request.read())
        resends = 0
        while True:
            sock = self._take_idle(origin)
            reused = sock is not None
            if sock is None:
                sock = self._connect(origin, timeouts)
            try:
                frame = self._exchange(sock, data, timeouts, request)
            except StaleConnection as exc:
                sock.close()
                if reused and resends < MAX_RESENDS:  # reset unread: its idle siblings are as old
                    resends += 1
                    self._drop_idle(origin)
                    continue
                raise httpx.RemoteProtocolError(f"connection lost before the reply: {exc}", request=request) from exc
            except TimeoutError:
                sock.close()
                raise httpx.ReadTimeout("timed out waiting for the reply", request=request) from None
            except OSError as exc:
                sock.close()
                raise httpx.RemoteProtocolError(f"connection lost: {exc}", request=request) from exc
            except BaseException:
                sock.close()
                raise
            if frame.close_connection or not self._keep(origin, sock):
                sock.close()
            return response_from(frame, request)

    def _exchange(self, sock: socket.socket, data: bytes, timeouts: dict[str, float | None],
                  request: httpx.Request) -> TcpFrame:  # fmt: skip
        sock.settimeout(timeouts.get("write"))
        try:
            sock.sendall(data)
        except (ConnectionResetError, BrokenPipeError) as exc:
            raise StaleConnection(f"reset before answering: {exc}") from exc
        sock.settimeout(timeouts.get("read"))
        frames = FrameReader(self.limits)
        frame = None
        while frame is None:
            try:
                chunk = sock.recv(_READ_SIZE)
            except ConnectionResetError as exc:
                if frames.in_frame:
                    raise
                raise StaleConnection(f"reset before answering: {exc}") from exc
            frame = _next_reply(frames, chunk, request, sock)
        return frame

    def _connect(self, origin: _Origin, timeouts: dict[str, float | None]) -> socket.socket:
        host, port = origin
        try:
            sock = socket.create_connection((host, port), timeout=timeouts.get("connect"))
        except TimeoutError:
            raise httpx.ConnectTimeout(f"connecting to {host}:{port} timed out") from None
        except OSError as exc:
            raise httpx.ConnectError(f"cannot connect to {host}:{port}: {exc}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def _take_idle(self, origin: _Origin) -> socket.socket | None:
        """An idle connection that still looks open (the server may have closed it meanwhile)."""
        while True:
            with self._lock:
                idle = self._idle.get(origin)
                sock = idle.pop() if idle else None
            if sock is None or not idle_socket_closing(sock):
                return sock
            sock.close()

    def _keep(self, origin: _Origin, sock: socket.socket) -> bool:
        with self._lock:
            idle = self._idle[origin]
            if self._closed or len(idle) >= self.max_idle:
                return False
            idle.append(sock)
            return True

    def _drop_idle(self, origin: _Origin) -> None:
        with self._lock:
            stale = self._idle.pop(origin, [])
        for sock in stale:
            sock.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle = [sock for socks in self._idle.values() for sock in socks]
            self._idle.clear()
        for sock in idle:
            sock.close()


class AsyncTcpTransport(AsyncPooledTransport):
    """The asyncio .NET Remoting TCP channel transport: the HTTP transport's pools (at most
    ``max_connections`` per host and port, idle connections reused, a stale one replaced once), frames on
    the wire."""

    def __init__(self, max_connections: int = 100, max_response_bytes: int = 64 * 1024 * 1024) -> None:
        super().__init__(max_connections=max_connections, max_response_bytes=max_response_bytes)
        self.limits = FrameLimits(max_content=max_response_bytes)

    def _origin(self, request: httpx.Request) -> tuple[str, str, int]:
        return ("tcp", *_origin(request))

    async def _exchange(self, conn: PooledConnection, origin: tuple[str, str, int], request: httpx.Request,
                        body: bytes, timeouts: dict[str, float | None]) -> httpx.Response:  # fmt: skip
        try:
            conn.writer.write(request_frame(request, body))
            with within(timeouts.get("write")):  # (model/deadlines.py: no timer per call)
                await conn.writer.drain()
        except (ConnectionResetError, BrokenPipeError) as exc:
            raise StaleConnection(f"reset before answering: {exc}") from exc
        frames = FrameReader(self.limits)
        sock = conn.writer.get_extra_info("socket")
        with within(timeouts.get("read")):
            frame = None
            while frame is None:
                try:
                    chunk = await conn.reader.read(_READ_SIZE)
                except ConnectionResetError as exc:
                    if frames.in_frame:
                        raise
                    raise StaleConnection(f"reset before answering: {exc}") from exc
                frame = _next_reply(frames, chunk, request, sock)
        if frame.close_connection or self._closed:
            conn.close()
        else:
            self._idle[origin].append(conn)
        return response_from(frame, request)


def _next_reply(frames: FrameReader, chunk: bytes, request: httpx.Request,
                sock: socket.socket | None) -> TcpFrame | None:  # fmt: skip
    """Feed ``chunk`` (b"": the server closed the connection); the reply frame once complete. A close before
    any byte of the reply is :class:`StaleConnection` only when the server also reset the connection (it
    never read the request); a bare close may follow a call that ran, so it is an error, never resent."""
    if not chunk:
        if frames.in_frame:
            raise httpx.RemoteProtocolError("the server closed the connection in the middle of the reply",
                                            request=request)
        if reset_after_eof(sock):
            raise StaleConnection("closed and reset before answering")
        raise httpx.RemoteProtocolError("the server closed the connection before answering (the call may have "
                                        "run)", request=request)
    frames.feed(chunk)
    try:
        frame = frames.next_frame()
    except FrameError as exc:
        raise httpx.RemoteProtocolError(f"malformed reply frame: {exc}", request=request) from None
    if frame is not None and frames.buffered:
        raise httpx.RemoteProtocolError("the server sent more than one reply", request=request)
    return frame


__all__ = ["AsyncTcpTransport", "TcpTransport", "request_frame", "response_from"]
