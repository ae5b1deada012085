"""The TCP channel's server side: a listener on asyncio streams in front of an :class:`ObjectHost`.

Each connection carries one request frame after another, strictly one request then one reply (as .NET and
Mono clients pool and reuse connections). A request frame becomes a :class:`ServerRequest` (POST, the object
URI from the ``RequestUri`` header, the content type and custom headers such as ``SOAPAction`` lower-cased,
the caller's address) and goes through the host's sink chain, so authentication sinks, dispatch, identities,
leases, limits and customErrors are those of the HTTP side; only the formatters are the channel's own
(binary first, SOAP too, like .NET's ``TcpChannel``). The :class:`ServerResponse` goes back as a reply frame.

How errors are answered, the way Mono's server does it so Mono clients understand them: a fault is an
ordinary reply holding the fault in the request's dialect (a SOAP fault also carries ``__HttpStatusCode`` and
``__HttpReasonPhrase`` custom headers); only what is not a message (a refused authentication, a broken
frame) gets the spec's error frame (``StatusCode`` 1 and a ``StatusPhrase``), which .NET Framework clients
read and Mono's client turns into an exception too. A frame that does not start with the ``.NET`` preamble,
a connection idle for ``idle_timeout`` seconds between frames, or a frame that takes longer than
``frame_timeout`` to arrive (a "slowloris" sender) is closed; content over the host's ``Limits.max_bytes``
is refused with a fault (413) without being read, and the connection closed. A one-way request
(``OneWayRequest``) runs and gets no reply, as [MS-NRTP] says (Mono's server answers it anyway; Mono's own
client does not read that answer).
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import logging
import os
import time
from collections.abc import Sequence
from typing import Any

from ..server.endpoint import BodyRefused
from ..server.formatters import media_type
from ..server.host import ObjectHost
from ..server.sinks import Handler, ServerRequest, ServerResponse
from .framing import (
    ContentTooLarge,
    FrameError,
    FrameLimits,
    FrameReader,
    Operation,
    StatusCode,
    TcpFrame,
    write_frame,
)

log = logging.getLogger("gateway.tcp")

#: Content types of formatter messages: a response carrying one is an ordinary reply, faults included.
MESSAGE_TYPES = frozenset({"application/octet-stream", "text/xml", "application/soap+xml"})
#: Custom headers that mean something only over HTTP (and would change the ObjRef addresses): dropped.
_DROPPED = frozenset({"host", "content-length", "content-type", "connection", "transfer-encoding"})
#: What an application built in code reads when its ``tcp_port`` / ``tcp_address`` are not given: the
#: ``[tcp]`` section's variables, which ``remoting-gateway serve --tcp-port`` hands a MODULE:APP worker.
PORT_VARIABLE = "GATEWAY_TCP_PORT"
HOST_VARIABLE = "GATEWAY_TCP_HOST"
_READ_SIZE = 65536
_LINGER_BYTES = 1024 * 1024
_DRAIN_ABOVE = 16 * 1024
_MAX_PHRASE = 512


def tcp_port_from_env() -> int | None:
    """``GATEWAY_TCP_PORT`` as a port number (None when unset or empty); a clear error when it is not one."""
    value = os.environ.get(PORT_VARIABLE, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) > 65535:
        raise ValueError(f"environment variable {PORT_VARIABLE}: must be a port number 0-65535, not {value!r}")
    return int(value)


def tcp_address_from_env(default: str = "127.0.0.1") -> str:
    return os.environ.get(HOST_VARIABLE, "").strip() or default


def split_request_uri(request_uri: str) -> tuple[str, str | None]:
    """``tcp://host:port/obj.rem`` -> (``obj.rem``, ``host:port``); a bare ``/obj.rem`` -> (``obj.rem``, None).

    Mono's client sends the full URL for well-known objects and activation, and only the object URI for
    calls on client-activated objects."""
    if request_uri.startswith("tcp://"):
        authority, _, path = request_uri[6:].partition("/")
        return path.lstrip("/"), authority or None
    return request_uri.lstrip("/"), None


class TcpChannel:
    """The .NET Remoting TCP channel of ``host``: listens on ``address:port`` (``port=0``: any free port).

    ``formatters`` are the ones this channel reads (a request without a content type is binary, as .NET's
    binary formatter sink takes it); ``public_url`` (``tcp://name:port``) is the address ObjRefs carry
    instead of the one callers used; ``idle_timeout`` closes a connection with no frame for that long,
    ``frame_timeout`` one whose frame takes longer to arrive (default: the host's body timeout);
    ``max_connections`` bounds concurrent connections (more are closed at once).
    """

    def __init__(
        self,
        host: ObjectHost,
        address: str = "127.0.0.1",
        port: int = 0,
        *,
        formatters: Sequence[str] = ("binary", "soap"),
        public_url: str | None = None,
        idle_timeout: float | None = 120.0,
        frame_timeout: float | None = None,
        max_connections: int = 1024,
        limits: FrameLimits | None = None,
    ) -> None:
        self.host = host
        self.address = address
        self.port = port
        self.formatters = tuple(formatters)
        self.public_url = public_url.rstrip("/") if public_url else None
        self.idle_timeout = idle_timeout
        self.frame_timeout = host.endpoint.body_timeout if frame_timeout is None else frame_timeout
        self.max_connections = max_connections
        self.limits = limits or FrameLimits.from_limits(host.limits)
        self._default_type = "application/octet-stream" if "binary" in self.formatters else None
        self._chain: Handler | None = None
        self._server: asyncio.Server | None = None
        self._connections: dict[asyncio.Task[Any], Connection] = {}
        self._sweeper: asyncio.Task[None] | None = None

    # ------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        """``tcp://address:port`` (the bound port once started)."""
        return self.public_url or f"tcp://{_authority(self.address, self.port)}"

    @property
    def connections(self) -> int:
        """Connections open right now."""
        return len(self._connections)

    async def start(self) -> TcpChannel:
        """Start listening; the host's ObjRefs carry this channel's address from now on."""
        if self._server is not None:
            return self
        self._server = await asyncio.start_server(self._serve, self.address, self.port, limit=_READ_SIZE)
        self.port = self._server.sockets[0].getsockname()[1]
        timeouts = [t for t in (self.idle_timeout, self.frame_timeout) if t is not None]
        if timeouts:
            self._sweeper = asyncio.create_task(self._sweep(min(1.0, max(0.05, min(timeouts) / 4))))
        self.host.channels.append(self)
        self.host.leases.ensure_running()
        log.info("TCP channel listening on %s", self.url)
        return self

    async def close(self) -> None:
        """Stop listening and close every connection (a call in progress is cancelled)."""
        server, self._server = self._server, None
        if server is None:
            return
        if self in self.host.channels:
            self.host.channels.remove(self)
        server.close()
        if self._sweeper is not None:
            self._sweeper.cancel()
        tasks = list(self._connections)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()

    async def _sweep(self, interval: float) -> None:
        """Close connections past their deadline (idle, or a frame too slow): one timer for the whole channel
        instead of one per read, which would cost more than parsing a frame."""
        while True:
            await asyncio.sleep(interval)
            now = time.monotonic()
            for connection in list(self._connections.values()):
                if connection.deadline is not None and now >= connection.deadline:
                    connection.expire()

    async def __aenter__(self) -> TcpChannel:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # ------------------------------------------------------------ addresses

    def url_for(self, request: ServerRequest) -> str | None:
        """This channel's base URL for ObjRefs handed out to ``request``: over TCP, the address the caller
        used; over HTTP, this port on the host name the caller used for HTTP (or ``public_url``)."""
        if self.public_url:
            return self.public_url
        if request.scope.get("type") == "tcp":
            return "tcp://" + request.headers["host"]
        name = _hostname(request.headers.get("host", ""))
        if not name:
            server = request.scope.get("server")
            name = str(server[0]) if server else self.address
        return f"tcp://{_authority(name, self.port)}"

    # ------------------------------------------------------------ connections

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if len(self._connections) >= self.max_connections:
            log.warning("TCP channel: %d connections open, refusing one more", len(self._connections))
            writer.close()
            return
        assert task is not None
        connection = Connection(self, reader, writer, task)
        self._connections[task] = connection
        try:
            await connection.run()
        except (ConnectionError, asyncio.CancelledError):
            pass
        except Exception:  # a bug must cost one connection, never the listener
            log.exception("TCP channel: connection failed")
        finally:
            self._connections.pop(task, None)
            writer.close()

    def chain(self) -> Handler:
        if self._chain is None:
            self._chain = self.host.channel_chain(self.formatters)
        return self._chain

    def request(
        self, frame: TcpFrame, peer: str | None, local: tuple[str, int], scope: dict[str, Any]
    ) -> ServerRequest:
        """The sinks' view of a request frame (see the module docstring)."""
        uri, authority = split_request_uri(frame.request_uri or "")
        headers = {name.lower(): value for name, value in frame.custom if name.lower() not in _DROPPED}
        for name in [h for h in headers if h.startswith("x-forwarded-")]:
            del headers[name]  # an HTTP proxy's business, never a TCP caller's
        content_type = frame.content_type or self._default_type
        if content_type is not None:
            headers["content-type"] = content_type
        if self.public_url:
            authority = self.public_url[len("tcp://"):]
        headers["host"] = authority or _authority(*local)
        return ServerRequest("POST", uri, "", headers, frame.body, peer, scope)


def reply_for(response: ServerResponse) -> TcpFrame:
    """A reply frame for ``response``: an ordinary reply when it holds a formatter message (faults too; a
    binary one has no content type, as from Mono), else the spec's error frame (status code 1 and a phrase)."""
    media = media_type(response.content_type)
    if response.body and (media in MESSAGE_TYPES or not media):  # the binary formatter names no content type
        frame = TcpFrame(Operation.Reply, response.body, content_type=response.content_type or None)
        if response.status != 200:
            status = str(response.status)
            frame.custom = [("__HttpStatusCode", status), ("__HttpReasonPhrase", _phrase(response.status))]
        return frame
    text = response.body.decode("utf-8", "replace").strip().splitlines()
    detail = f"{response.status} {_phrase(response.status)}" + (f": {text[0]}" if text else "")
    return error_frame(detail, close=False)


def error_frame(message: str, close: bool = True) -> TcpFrame:
    """The [MS-NRTP] error reply: status code Error, the message as status phrase, and close-connection."""
    return TcpFrame(Operation.Reply, b"", status_code=StatusCode.Error, status_phrase=message[:_MAX_PHRASE],
                    close_connection=close)


class Connection:
    """One client connection: frames in, replies out, until EOF, an error or a timeout."""

    def __init__(
        self, channel: TcpChannel, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, task: asyncio.Task[Any]
    ) -> None:
        self.channel = channel
        self.reader = reader
        self.writer = writer
        self.task = task
        #: when the channel's sweeper closes this connection (None: while a call runs)
        self.deadline: float | None = None
        self.expired = False
        self.frames = FrameReader(channel.limits)
        peer = writer.get_extra_info("peername")
        local = writer.get_extra_info("sockname")
        self.peer: str | None = str(peer[0]) if peer else None
        self.local: tuple[str, int] = (str(local[0]), int(local[1])) if local else (channel.address, channel.port)
        self.scope: dict[str, Any] = {
            "type": "tcp", "scheme": "tcp", "server": self.local, "client": peer[:2] if peer else None,
            "root_path": "",
        }

    async def run(self) -> None:
        """Serve frames until the connection ends; an answer that ends it is followed by a lingering close."""
        if await self._serve_frames():
            await self._linger()

    async def _serve_frames(self) -> bool:
        """True when the connection ends after an answer the peer must still read (unread bytes may follow)."""
        channel = self.channel
        while True:
            try:
                frame = await self._next_frame()
            except ContentTooLarge as exc:
                await self._refuse(exc.frame, BodyRefused(str(exc), 413))
                return True
            except FrameError as exc:
                log.info("TCP channel: %s from %s", exc, self.peer)
                if exc.answerable:
                    await self._send(error_frame(str(exc)))
                return exc.answerable
            except TimeoutError:
                return await self._timed_out()
            if frame is None:
                return False
            if frame.operation == Operation.Reply:
                await self._send(error_frame("a reply frame was sent to the server"))
                return True
            if frame.request_uri is None:
                await self._send(error_frame("the request frame has no RequestUri header", close=False))
                continue
            channel.host.leases.ensure_running()
            try:
                response = await channel.chain()(channel.request(frame, self.peer, self.local, self.scope))
            except Exception:  # a failing sink: answer, as uvicorn answers 500, and close
                log.exception("TCP channel: the request for /%s failed", frame.request_uri)
                await self._send(error_frame("the server failed to process the request"))
                return True
            if frame.operation == Operation.OneWayRequest:
                continue
            await self._send(reply_for(response))
            if frame.close_connection:
                return False

    async def _linger(self) -> None:
        """Close our side, then read and drop what the peer still sends for a moment (at most 1 MiB or 1 s):
        closing a socket with unread bytes makes the kernel reset it, which can destroy the answer before the
        peer has read it."""
        writer = self.writer
        if writer.is_closing() or not writer.can_write_eof():
            return
        with contextlib.suppress(OSError, TimeoutError):
            writer.write_eof()
            async with asyncio.timeout(1.0):
                dropped = 0
                while dropped < _LINGER_BYTES and (chunk := await self.reader.read(_READ_SIZE)):
                    dropped += len(chunk)

    async def _next_frame(self) -> TcpFrame | None:
        """The next request frame, None at a clean end of the connection (EOF between frames)."""
        frames = self.frames
        frame = frames.next_frame()  # a frame may already be buffered (a client that pipelines)
        channel = self.channel
        frame_deadline: float | None = None
        while frame is None:
            if not frames.in_frame:
                timeout = channel.idle_timeout
                self.deadline = None if timeout is None else time.monotonic() + timeout
            else:  # from its first bytes on, a frame has frame_timeout to arrive in full
                if frame_deadline is None and channel.frame_timeout is not None:
                    frame_deadline = time.monotonic() + channel.frame_timeout
                self.deadline = frame_deadline
            try:
                data = await self.reader.read(_READ_SIZE)
            except asyncio.CancelledError:
                if not self.expired:
                    raise
                self.task.uncancel()
                raise TimeoutError from None
            finally:
                self.deadline = None
            if not data:
                if frames.in_frame:
                    log.info("TCP channel: %s closed the connection in the middle of a frame", self.peer)
                return None
            frames.feed(data)
            frame = frames.next_frame()
        return frame

    def expire(self) -> None:
        """Called by the sweeper: the deadline passed while this connection waited for bytes."""
        self.expired = True
        self.task.cancel()

    async def _timed_out(self) -> bool:
        """Answer a frame that came too slowly (an idle connection is closed quietly, as a client's pool
        expects); True when an answer was sent."""
        frames = self.frames
        if not frames.in_frame:
            return False
        timeout = self.channel.frame_timeout
        log.info("TCP channel: the frame from %s did not arrive within %s s", self.peer, timeout)
        head = frames.pending_head
        if head is not None:
            error = BodyRefused(f"the message content did not arrive within {timeout:g} s", 408)
            await self._refuse(head, error)
            return True
        try:
            frames.check_start()
        except FrameError:
            return False
        await self._send(error_frame(f"the message frame did not arrive within {timeout:g} s"))
        return True

    async def _refuse(self, frame: TcpFrame, error: BodyRefused) -> None:
        """Answer a request whose content was not read (too large, too slow) through the chain, then close."""
        channel = self.channel
        frame.body = b""
        request = channel.request(frame, self.peer, self.local, self.scope)
        request.body_error = error
        response = await channel.chain()(request)
        reply = reply_for(response)
        reply.close_connection = True
        await self._send(reply)

    async def _send(self, frame: TcpFrame) -> None:
        writer = self.writer
        writer.write(write_frame(frame))
        # wait for the peer only when the reply did not leave at once (drain's own checks cost a coroutine
        # per call; a small reply is nearly always written straight to the socket)
        if writer.transport.get_write_buffer_size() > _DRAIN_ABOVE:
            await writer.drain()


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _hostname(host_header: str) -> str:
    """The host part of an HTTP ``Host`` header (``name:port``, ``[::1]:8000``)."""
    if host_header.startswith("["):
        return host_header[: host_header.find("]") + 1]
    return host_header.rpartition(":")[0] if ":" in host_header else host_header


def _authority(host: str, port: int) -> str:
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


async def serve_tcp(
    host: ObjectHost, address: str = "127.0.0.1", port: int = 0, **options: Any
) -> TcpChannel:
    """Start a :class:`TcpChannel` for ``host`` (e.g. from an app's lifespan) and return it; ``await
    channel.close()`` stops it. ``options`` are :class:`TcpChannel`'s keyword arguments."""
    return await TcpChannel(host, address, port, **options).start()
