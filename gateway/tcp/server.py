"""The TCP channel's server side: an asyncio-protocol listener in front of an :class:`ObjectHost`.

Each connection carries one request frame after another, strictly one request then one reply (as .NET and
Mono clients pool and reuse connections). A connection is an :class:`asyncio.Protocol`: what arrives is fed
to its :class:`FrameReader` (a whole small frame is parsed in one pass), each call runs in a task of its own,
and the reply, built in one join, is written with ``transport.write``; while a call runs or replies wait to be
written (the peer does not read), reading is paused, so a connection holds at most one frame plus one read.

A request frame becomes a :class:`ServerRequest` (POST, the object URI from the ``RequestUri`` header, the
content type and custom headers such as ``SOAPAction`` lower-cased, the caller's address) and goes through the
host's sink chain, so authentication sinks, dispatch, identities, leases, limits and customErrors are those of
the HTTP side; only the formatters are the channel's own (binary first, SOAP too, like .NET's ``TcpChannel``).
The :class:`ServerResponse` goes back as a reply frame.

How errors are answered, the way Mono's server does it so Mono clients understand them: a fault is an
ordinary reply holding the fault in the request's dialect (a SOAP fault also carries ``__HttpStatusCode`` and
``__HttpReasonPhrase`` custom headers); only what is not a message (a refused authentication, a broken
frame) gets the spec's error frame (``StatusCode`` 1 and a ``StatusPhrase``), which .NET Framework clients
read and Mono's client turns into an exception too. A frame that does not start with the ``.NET`` preamble,
a connection idle for ``idle_timeout`` seconds between frames, or a frame that takes longer than
``frame_timeout`` to arrive (a "slowloris" sender) is closed; content over the host's ``Limits.max_bytes``
is refused with a fault (413) without being read, and the connection closed. An answer that ends a
connection is followed by a lingering close (our side shut, what the peer still sends dropped for at most
1 s or 1 MiB, so the kernel does not reset the answer away). A one-way request
(``OneWayRequest``) runs and gets no reply, as [MS-NRTP] says (Mono's server answers it anyway; Mono's own
client does not read that answer).

By default (``threads=True``) a thread per connection serves it first, Mono's way (:mod:`gateway.tcp.threaded`),
with the same answers (:mod:`gateway.tcp.messages`); a connection whose calls need the event loop is handed
to it (:meth:`TcpChannel.adopt`) and served as above from then on. ``threads=False`` serves every connection
on the event loop from the start.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Coroutine, Sequence
from typing import Any

from ..server.endpoint import BodyRefused
from ..server.host import ObjectHost
from ..server.sinks import Handler, ServerRequest
from ..server.urls import valid_authority
from .framing import ContentTooLarge, FrameError, FrameLimits, FrameReader, Operation, TcpFrame, write_frame
from .messages import FrameRequests, error_frame, host_port, late_frame_answer, refusal_for, reply_bytes, reply_for
from .threaded import ConnectionThreads

log = logging.getLogger("gateway.tcp")

#: What an application built in code reads when its ``tcp_port`` / ``tcp_address`` are not given: the
#: ``[tcp]`` section's variables, which ``remoting-gateway serve --tcp-port`` hands a MODULE:APP worker.
PORT_VARIABLE = "GATEWAY_TCP_PORT"
HOST_VARIABLE = "GATEWAY_TCP_HOST"
#: ... and whether its connections are served on threads of their own (``threads``, when not given)
THREADS_VARIABLE = "GATEWAY_TCP_THREADS"
_LINGER_BYTES = 1024 * 1024
_LINGER_SECONDS = 1.0
#: (an enum member read from its class costs about 750 instructions on Python 3.11, a global a few: per call)
_ONE_WAY = Operation.OneWayRequest


def tcp_port_from_env() -> int | None:
    """``GATEWAY_TCP_PORT`` as a port number (None when unset or empty); a clear error when it is not one."""
    value = os.environ.get(PORT_VARIABLE, "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) > 65535:
        raise ValueError(f"environment variable {PORT_VARIABLE}: must be a port number 0-65535, not {value!r}")
    return int(value)


def tcp_threads_from_env() -> bool:
    """``GATEWAY_TCP_THREADS`` as a boolean (unset or empty: true, the default); a clear error when it is not one."""
    value = os.environ.get(THREADS_VARIABLE, "").strip().lower()
    if value in ("0", "false", "no", "off"):
        return False
    if value in ("", "1", "true", "yes", "on"):
        return True
    raise ValueError(f"environment variable {THREADS_VARIABLE}: must be true or false, not {value!r}")


def tcp_address_from_env(default: str = "127.0.0.1") -> str:
    return os.environ.get(HOST_VARIABLE, "").strip() or default


class TcpChannel:
    """The .NET Remoting TCP channel of ``host``: listens on ``address:port`` (``port=0``: any free port).

    ``formatters`` are the ones this channel reads (a request without a content type is binary, as .NET's
    binary formatter sink takes it); ``public_url`` (``tcp://name:port``) is the address ObjRefs carry
    instead of the one callers used; ``idle_timeout`` closes a connection with no frame for that long,
    ``frame_timeout`` one whose frame takes longer to arrive (default: the host's body timeout);
    ``max_connections`` bounds concurrent connections (more are closed at once). Replies kick the host's
    spin-wait (the event loop polls for the next request a moment before it sleeps: ``spin_wait_us`` of the
    app, :mod:`gateway.model.spin_wait`). ``threads`` (default: ``GATEWAY_TCP_THREADS``, else true) serves
    each connection on a thread of its own, running its calls there as Mono does (:mod:`gateway.tcp.threaded`):
    a plain ``def`` method is called without a hand-off to a worker thread, and a connection whose calls need
    the event loop is handed to it; ``threads=False`` serves every connection on the loop (docs/tcp.md "Threads").
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
        threads: bool | None = None,
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
        self.default_type = "application/octet-stream" if "binary" in self.formatters else None
        self._chain: Handler | None = None
        self._server: asyncio.Server | None = None
        self.threads = tcp_threads_from_env() if threads is None else threads
        #: the open connections, in order (Connection, or ThreadedConnection with threads)
        self.open_connections: dict[Any, None] = {}
        self._sweeper: asyncio.Task[None] | None = None
        self._threads: ConnectionThreads | None = None

    # ------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        """``tcp://address:port`` (the bound port once started)."""
        return self.public_url or f"tcp://{host_port(self.address, self.port)}"

    @property
    def connections(self) -> int:
        """Connections open right now."""
        return len(self.open_connections)

    def connection_counts(self) -> dict[str, int]:
        """Open connections by what serves them: ``thread`` (one of their own) or ``event_loop`` (the metric
        ``gateway_tcp_connections``)."""
        counts = {"thread": 0, "event_loop": 0}
        for connection in list(self.open_connections):
            counts["event_loop" if isinstance(connection, Connection) else "thread"] += 1
        return counts

    async def start(self) -> TcpChannel:
        """Start listening; the host's ObjRefs carry this channel's address from now on."""
        if self._server is not None or self._threads is not None:
            return self
        if self.threads:
            self._threads = ConnectionThreads(self)
            self.port = await self._threads.start()
        else:
            loop = asyncio.get_running_loop()
            self._server = await loop.create_server(lambda: Connection(self), self.address, self.port)
            self.port = self._server.sockets[0].getsockname()[1]
        timeouts = [t for t in (self.idle_timeout, self.frame_timeout) if t is not None]
        if timeouts:  # (with threads, for the connections handed to the event loop)
            self._sweeper = asyncio.create_task(self._sweep(min(1.0, max(0.05, min(timeouts) / 4))))
        self.host.channels.append(self)
        self.host.leases.ensure_running()
        log.info("TCP channel listening on %s", self.url)
        return self

    async def close(self) -> None:
        """Stop listening and close every connection (a call in progress is cancelled; on a connection thread it
        finishes first)."""
        threads, self._threads = self._threads, None
        server, self._server = self._server, None
        if server is None and threads is None:
            return
        if self in self.host.channels:
            self.host.channels.remove(self)
        if server is not None:
            server.close()
        if self._sweeper is not None:
            self._sweeper.cancel()
        if threads is not None:
            await threads.close()
        connections = [c for c in list(self.open_connections) if isinstance(c, Connection)]
        calls = [c.call for c in connections if c.call is not None]
        for call in calls:
            call.cancel()
        for connection in connections:
            connection._close()
        if calls:
            await asyncio.gather(*calls, return_exceptions=True)
        if server is not None:
            await server.wait_closed()

    async def _sweep(self, interval: float) -> None:
        """Close connections past their deadline (idle, or a frame too slow): one timer for the whole channel
        instead of one per read, which would cost more than parsing a frame."""
        while True:
            await asyncio.sleep(interval)
            now = time.monotonic()
            for connection in list(self.open_connections):
                if connection.deadline is not None and now >= connection.deadline:  # (None: a thread's own)
                    connection.expire()

    async def __aenter__(self) -> TcpChannel:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def adopt(self, sock: socket.socket, frames: FrameReader) -> None:
        """Serve ``sock``, an accepted connection (``frames`` holding what was read of it so far), on the event
        loop from now on: a connection thread hands over a connection whose calls need the loop."""
        if self._server is None and self._threads is None:  # closed meanwhile
            sock.close()
            return
        connection = Connection(self)
        connection.frames = frames
        try:
            await asyncio.get_running_loop().connect_accepted_socket(lambda: connection, sock)
        except (OSError, RuntimeError) as exc:  # the peer went away meanwhile, or the loop is closing
            log.debug("TCP channel: a connection could not be handed to the event loop: %s", exc)
            sock.close()
            return
        if connection.call is None and not connection._ending and frames.buffered:
            connection._serve(b"")  # a frame (or part of one) had arrived already

    # ------------------------------------------------------------ addresses

    def url_for(self, request: ServerRequest) -> str | None:
        """This channel's base URL for ObjRefs handed out to ``request``: over TCP, the address the caller
        used; over HTTP, this port on the host name the caller used for HTTP (or ``public_url``)."""
        if self.public_url:
            return self.public_url
        if request.scope.get("type") == "tcp":
            return "tcp://" + request.headers["host"]
        host = request.headers.get("host", "")
        name = _hostname(host) if valid_authority(host) else ""
        if not name:
            server = request.scope.get("server")
            name = str(server[0]) if server else self.address
        return f"tcp://{host_port(name, self.port)}"

    # ------------------------------------------------------------ connections

    def chain(self) -> Handler:
        if self._chain is None:
            self._chain = self.host.channel_chain(self.formatters)
        return self._chain


class Connection(asyncio.Protocol):
    """One client connection, as an asyncio protocol: bytes in (fed to a :class:`FrameReader` as they arrive),
    one call at a time through the sink chain (a task per call, so the call's code runs in a task as under
    HTTP), the reply written at once, until EOF, an error or a timeout.

    While a call runs, or while the peer does not read its replies (the transport's write buffer is full),
    reading is paused: what the connection holds is then at most one frame within the limits plus one read.
    The peer, the local address and the scope are computed once, when the connection is made."""

    def __init__(self, channel: TcpChannel) -> None:
        self.channel = channel
        self.frames = FrameReader(channel.limits)
        self.transport: asyncio.Transport | None = None
        #: when the channel's sweeper closes this connection (None: while a call runs)
        self.deadline: float | None = None
        self.call: asyncio.Task[None] | None = None
        self.requests = FrameRequests(channel, (channel.address, channel.port), None)
        self._chain: Handler | None = None
        self._frame_deadline: float | None = None
        self._ending = False  # an answer that ends the connection is on its way: read nothing more
        self._dropped = 0  # bytes dropped since then
        self._linger_timer: asyncio.TimerHandle | None = None
        self._reading = True
        self._writable = True
        self._eof = False
        #: the connection's event loop, from connection_made on (``asyncio.get_running_loop()`` makes a
        #: ``getpid`` system call each time in CPython 3.11: once a connection, not once a call)
        self._loop: asyncio.AbstractEventLoop

    # ------------------------------------------------------------ protocol callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not an asyncio.Transport subclass
        self._loop = asyncio.get_running_loop()
        channel = self.channel
        if len(channel.open_connections) >= channel.max_connections:
            log.warning("TCP channel: %d connections open, refusing one more", len(channel.open_connections))
            self._ending = True
            transport.close()
            return
        channel.open_connections[self] = None
        peer = transport.get_extra_info("peername")
        local = transport.get_extra_info("sockname")
        self.requests = FrameRequests(channel, (str(local[0]), int(local[1])) if local else self.requests.local, peer)
        self._chain = channel.chain()
        # the lease manager runs on this loop (checked once per connection, not per call: about 1,600
        # instructions; the app's shutdown closes this channel, its connections included, before it stops the
        # lease manager, and a new connection starts it again)
        channel.host.leases.ensure_running()
        self._wait()

    def data_received(self, data: bytes) -> None:
        if self._ending:  # lingering, or an answer that ends the connection is on its way: drop
            if self.call is not None:  # the answer is not written yet: read on once it is (lingering)
                self._pause_reading()
            self._dropped += len(data)
            if self._dropped >= _LINGER_BYTES and self.transport is not None:
                self.transport.close()
            return
        if self.call is not None or not self._writable:  # keep the bytes; read no more until answered
            self.frames.feed(data)
            self._pause_reading()
            return
        self._serve(data)

    def eof_received(self) -> bool:
        self._eof = True
        if self._ending:  # lingering: the peer has read its answer and is done
            return False
        if self.call is None and self._writable:
            self._serve(b"")  # a whole frame may still be buffered: its call starts now
        return self.call is not None  # half-closed: answer the call that runs, then close

    def pause_writing(self) -> None:
        self._writable = False

    def resume_writing(self) -> None:
        self._writable = True
        if self.call is None and not self._ending:
            self._serve(b"")

    def connection_lost(self, exc: Exception | None) -> None:
        self._ending = True
        self.deadline = None
        self.channel.open_connections.pop(self, None)
        if self._linger_timer is not None:
            self._linger_timer.cancel()

    # ------------------------------------------------------------ frames

    def _serve(self, data: bytes) -> None:
        """Parse what arrived (and what was buffered) and start the call of the next complete frame."""
        frames = self.frames
        while True:
            try:
                frame = frames.take(data) if data else frames.next_frame()
            except ContentTooLarge as exc:
                self._start(self._refuse(exc.frame, BodyRefused(str(exc), 413)))
                return
            except FrameError as exc:
                log.info("TCP channel: %s from %s", exc, self.requests.peer)
                if exc.answerable:
                    self._answer_and_close(error_frame(str(exc)))
                else:
                    self._close()
                return
            data = b""
            if frame is None:
                if self._eof:
                    if frames.in_frame:
                        log.info("TCP channel: %s closed the connection in the middle of a frame", self.requests.peer)
                    self._close()
                    return
                self._resume_reading()
                self._wait()
                return
            self._frame_deadline = None
            refusal = refusal_for(frame)
            if refusal is not None:
                if refusal.close_connection:
                    self._answer_and_close(refusal)
                    return
                self._write(write_frame(refusal))
                continue
            self.deadline = None
            self.call = self._loop.create_task(self._call(frame))
            return

    def _wait(self) -> None:
        """Waiting for bytes: an idle connection has ``idle_timeout``; a frame, from its first bytes on,
        ``frame_timeout`` to arrive in full."""
        channel = self.channel
        if not self.frames.in_frame:
            timeout = channel.idle_timeout
            self.deadline = None if timeout is None else time.monotonic() + timeout
            return
        if self._frame_deadline is None and channel.frame_timeout is not None:
            self._frame_deadline = time.monotonic() + channel.frame_timeout
        self.deadline = self._frame_deadline

    async def _call(self, frame: TcpFrame) -> None:
        """One call through the chain, its reply written; then the next frame (one may be buffered)."""
        channel = self.channel
        assert self._chain is not None
        try:
            response = await self._chain(self.requests.request(frame))
        except Exception:  # a failing sink: answer, as uvicorn answers 500, and close
            self.call = None
            log.exception("TCP channel: the request for /%s failed", frame.request_uri)
            self._answer_and_close(error_frame("the server failed to process the request"))
            return
        self.call = None
        if self._ending:  # the peer went away meanwhile
            return
        if frame.operation != _ONE_WAY:
            transport = self.transport  # (_write, inline: this runs on every call)
            if transport is not None and not transport.is_closing():
                transport.write(reply_bytes(response))
                channel.host.spin_wait.kick(self._loop)
            if frame.close_connection:
                self._close()
                return
        if not self._writable:  # resume_writing goes on
            return
        # the usual case: nothing came meanwhile (the reader's buffer read directly: in_frame is a property)
        if self._reading and not self._eof and not self.frames._buf:
            timeout = channel.idle_timeout
            self.deadline = None if timeout is None else time.monotonic() + timeout
            return
        self._serve(b"")

    # ------------------------------------------------------------ ending

    def expire(self) -> None:
        """Called by the sweeper: the deadline passed while this connection waited for bytes. An idle
        connection is closed quietly (as a client's pool expects); a frame that came too slowly is answered
        first."""
        self.deadline = None
        if self._ending or self.call is not None:
            return
        frames = self.frames
        if not frames.in_frame:
            self._close()
            return
        timeout = self.channel.frame_timeout
        log.info("TCP channel: the frame from %s did not arrive within %s s", self.requests.peer, timeout)
        answer = late_frame_answer(frames, timeout)
        if isinstance(answer, BodyRefused):
            assert frames.pending_head is not None
            self._start(self._refuse(frames.pending_head, answer))
        elif answer is None:
            self._close()
        else:
            self._answer_and_close(answer)

    def _start(self, answer: Coroutine[Any, Any, None]) -> None:
        """Run ``answer`` (a refusal through the chain) as this connection's call; nothing more is read."""
        self._ending = True
        self.deadline = None
        self.call = asyncio.get_running_loop().create_task(answer)

    async def _refuse(self, frame: TcpFrame, error: BodyRefused) -> None:
        """Answer a request whose content was not read (too large, too slow) through the chain, then close."""
        assert self._chain is not None
        frame.body = b""
        request = self.requests.request(frame)
        request.body_error = error
        try:
            response = await self._chain(request)
        except Exception:
            self.call = None
            log.exception("TCP channel: the refusal of a request for /%s failed", frame.request_uri)
            self._close()
            return
        self.call = None
        reply = reply_for(response)
        reply.close_connection = True
        self._answer_and_close(reply)

    def _answer_and_close(self, frame: TcpFrame) -> None:
        """Send ``frame``, then a lingering close: our side closed, what the peer still sends read and dropped
        for a moment (at most 1 MiB or 1 s); closing a socket with unread bytes makes the kernel reset it,
        which can destroy the answer before the peer has read it."""
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        self._ending = True
        self.deadline = None
        transport.write(write_frame(frame))
        if not transport.can_write_eof():
            transport.close()
            return
        try:
            transport.write_eof()
        except OSError:
            transport.close()
            return
        self._resume_reading()
        self._linger_timer = asyncio.get_running_loop().call_later(_LINGER_SECONDS, transport.close)

    def _close(self) -> None:
        self._ending = True
        self.deadline = None
        if self.transport is not None:
            self.transport.close()

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def _pause_reading(self) -> None:
        if self._reading and self.transport is not None:
            self._reading = False
            self.transport.pause_reading()

    def _resume_reading(self) -> None:
        if not self._reading and self.transport is not None and not self.transport.is_closing():
            self._reading = True
            self.transport.resume_reading()


def _hostname(host_header: str) -> str:
    """The host part of an HTTP ``Host`` header (``name:port``, ``[::1]:8000``)."""
    if host_header.startswith("["):
        return host_header[: host_header.find("]") + 1]
    return host_header.rpartition(":")[0] if ":" in host_header else host_header


async def serve_tcp(
    host: ObjectHost, address: str = "127.0.0.1", port: int = 0, **options: Any
) -> TcpChannel:
    """Start a :class:`TcpChannel` for ``host`` (e.g. from an app's lifespan) and return it; ``await
    channel.close()`` stops it. ``options`` are :class:`TcpChannel`'s keyword arguments."""
    return await TcpChannel(host, address, port, **options).start()
