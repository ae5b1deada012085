"""The TCP channel with a thread per connection (``TcpChannel(threads=True)``, the default): Mono's model.

Mono's and .NET's ``TcpChannel`` serve each connection on a thread of its own and run each call there,
synchronously. On the event loop's channel (:mod:`gateway.tcp.server`) a plain ``def`` method runs on a
worker thread, so every call crosses threads twice (about 30 µs: two context switches and a wake-up of the
loop); here the connection's thread reads the frame, runs the sink chain and the method, and writes the
reply, with no hand-off at all (docs/tcp.md "Threads"; what is handed to the loop: :mod:`gateway.server.off_loop`).

The event loop only accepts connections (a reader on the listening socket) and starts a thread for each.
Each thread reads with ``poll`` and a deadline: ``idle_timeout`` between frames, ``frame_timeout`` from a
frame's first bytes on; after a reply it polls the socket for the host's spin-wait window first (one thread
at a time, so many connections do not fight for the GIL), as the loop's channel does. Everything a caller
sees is the loop channel's: the requests (:class:`~gateway.tcp.messages.FrameRequests`), the replies and error
frames, the faults for content too large (413) or too slow (408), the lingering close after an answer that
ends a connection, one-way requests unanswered.

A connection whose call needed the event loop (an ``async def`` method, a ContextBoundObject) is handed to
the loop after that call (:meth:`~gateway.tcp.server.TcpChannel.adopt`, with what was read so far), where such
calls cost no hand-off; the thread ends. When the channel's chain cannot run off the loop at all
(:func:`~gateway.server.off_loop.off_loop_obstacle`: a sink of the application's own, call inspectors, the
scale-out runtime), every connection is handed to the loop as it is accepted, and the channel logs why.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import select
import socket
import threading
import time
from typing import Any, Protocol

from ..server.endpoint import BodyRefused
from ..server.host import ObjectHost
from ..server.off_loop import ChainSuspended, loop_was_needed, run_to_end, serve_off_loop
from ..server.sinks import Handler, ServerRequest, ServerResponse
from .framing import ContentTooLarge, FrameError, FrameLimits, FrameReader, Operation, TcpFrame, write_frame
from .messages import (
    ChannelSettings,
    FrameRequests,
    error_frame,
    late_frame_answer,
    refusal_for,
    reply_bytes,
    reply_for,
)


class ThreadedChannel(ChannelSettings, Protocol):
    """What the connection threads need of their :class:`~gateway.tcp.server.TcpChannel` (a protocol, so that
    this module does not import the one that imports it)."""

    host: ObjectHost
    address: str
    port: int
    limits: FrameLimits
    max_connections: int
    idle_timeout: float | None
    frame_timeout: float | None
    #: the open connections, in order (the channel's and the threads' own)
    open_connections: dict[Any, None]

    def chain(self) -> Handler: ...

    async def adopt(self, sock: socket.socket, frames: FrameReader) -> None: ...

log = logging.getLogger("gateway.tcp")

_READ_SIZE = 64 * 1024
_LINGER_BYTES = 1024 * 1024
_LINGER_SECONDS = 1.0
_JOIN_SECONDS = 5.0
_ONE_WAY = Operation.OneWayRequest


class ConnectionThreads:
    """The listener of a threaded channel: accepts on the event loop, serves each connection on a thread."""

    def __init__(self, channel: ThreadedChannel) -> None:
        self.channel = channel
        #: whether calls run on the connection threads (else connections are handed to the loop): decided at
        #: start, turned off for good by a chain that suspends on a thread
        self.off_loop = True
        self._listener: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        #: one connection thread at a time polls for its next request after a reply
        self.spinner = threading.Lock()
        #: calls running on connection threads now (a thread polls only while no other call runs: with
        #: several busy connections, polling would take the core, and the GIL, from the threads with work)
        self.busy = 0
        self._busy_lock = threading.Lock()
        self._adopting: set[asyncio.Task[None]] = set()

    def call_started(self) -> None:
        with self._busy_lock:
            self.busy += 1

    def call_ended(self) -> bool:
        """A call ended; whether its thread may poll for the next request (no other call runs)."""
        with self._busy_lock:
            self.busy -= 1
            return self.busy == 0

    async def start(self) -> int:
        """Listen on the channel's address and port; the port bound."""
        channel = self.channel
        loop = self._loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(channel.address, channel.port, type=socket.SOCK_STREAM,
                                       flags=socket.AI_PASSIVE)  # fmt: skip
        family, _, _, _, address = infos[0]
        listener = socket.create_server(address[:2], family=family, backlog=511)
        listener.setblocking(False)
        self._listener = listener
        obstacle = channel.host.off_loop_obstacle()
        self.off_loop = obstacle is None
        if obstacle is not None:
            log.info("TCP channel: every connection is served on the event loop, because %s", obstacle)
        loop.add_reader(listener.fileno(), self._accept)
        port: int = listener.getsockname()[1]
        return port

    def _accept(self) -> None:
        listener, loop = self._listener, self._loop
        assert listener is not None and loop is not None
        channel = self.channel
        channel.host.leases.ensure_running()  # (on this loop: a new connection starts it again after a restart)
        while True:
            try:
                sock, peer = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # out of descriptors, a connection reset before it was accepted
                log.warning("TCP channel: accepting a connection failed: %s", exc)
                return
            if len(channel.open_connections) >= channel.max_connections:
                log.warning("TCP channel: %d connections open, refusing one more", len(channel.open_connections))
                sock.close()
                continue
            if not self.off_loop:  # the chain cannot run on a thread: the event loop's channel serves it
                task = loop.create_task(channel.adopt(sock, FrameReader(channel.limits)))
                self._adopting.add(task)
                task.add_done_callback(self._adopting.discard)
                continue
            ThreadedConnection(self, sock, peer, loop).start()

    async def close(self) -> None:
        """Stop listening, end every connection (a call in progress finishes first) and wait for their
        threads (at most 5 s: a method that never returns keeps its thread, a daemon)."""
        listener, self._listener = self._listener, None
        if listener is None:
            return
        if self._loop is not None:
            self._loop.remove_reader(listener.fileno())
        listener.close()
        connections = [c for c in list(self.channel.open_connections) if isinstance(c, ThreadedConnection)]
        for connection in connections:
            connection.stop()
        await asyncio.to_thread(_join, [c.thread for c in connections], _JOIN_SECONDS)


def _join(threads: list[threading.Thread], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))


async def _through(chain: Handler, request: ServerRequest) -> ServerResponse:
    return await chain(request)


class ThreadedConnection:
    """One connection served on a thread of its own: frames in, each call through the chain there, the reply
    written, until EOF, an error, a timeout or the channel's close, or until a call needs the event loop
    (then the connection is handed to it)."""

    #: (the channel's sweeper reads it: a thread keeps its own deadlines)
    deadline = None

    def __init__(self, threads: ConnectionThreads, sock: socket.socket, peer: Any,
                 loop: asyncio.AbstractEventLoop) -> None:  # fmt: skip
        channel = threads.channel
        self.threads = threads
        self.channel = channel
        self.sock = sock
        self.loop = loop
        local = sock.getsockname()
        self.requests = FrameRequests(channel, (str(local[0]), int(local[1])), peer)
        self.frames = FrameReader(channel.limits)
        self.chain = channel.chain()
        self.thread = threading.Thread(target=self._run, name=f"gateway-tcp {self.requests.peer}", daemon=True)
        self._readable = select.poll()
        self._readable.register(sock, select.POLLIN)
        self._spin = False  # poll for the next request first (a call just ended, and no other runs)
        self._handed_over = False  # to the event loop: the socket is no longer this thread's

    def start(self) -> None:
        self.channel.open_connections[self] = None
        self.sock.setblocking(False)
        with contextlib.suppress(OSError):
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.thread.start()

    def stop(self) -> None:
        """End the connection from another thread: its reads see EOF (a call running finishes first)."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    # ------------------------------------------------------------ the thread

    def _run(self) -> None:
        serve_off_loop(self.loop)
        try:
            self._serve()
        except OSError as exc:  # the peer reset the connection, or does not read its replies
            log.debug("TCP channel: the connection from %s ended: %s", self.requests.peer, exc)
        except Exception:
            log.exception("TCP channel: the connection from %s failed", self.requests.peer)
        finally:
            self.channel.open_connections.pop(self, None)
            if not self._handed_over:
                self.sock.close()

    def _serve(self) -> None:
        frames, threads = self.frames, self.threads
        peer = self.requests.peer
        while True:
            try:
                frame = frames.next_frame()
                if frame is None:
                    frame = self._read_frame()
            except ContentTooLarge as exc:
                self._refuse(exc.frame, BodyRefused(str(exc), 413))
                return
            except FrameError as exc:
                log.info("TCP channel: %s from %s", exc, peer)
                if exc.answerable:
                    self._answer_and_close(error_frame(str(exc)))
                return
            if frame is None:
                return
            refusal = refusal_for(frame)
            if refusal is not None:
                if refusal.close_connection:
                    self._answer_and_close(refusal)
                    return
                self._send(write_frame(refusal))
                continue
            threads.call_started()
            try:
                response = self._call(self.requests.request(frame))
            except Exception:  # a failing sink: answer, as the loop's channel does, and close
                log.exception("TCP channel: the request for /%s failed", frame.request_uri)
                self._answer_and_close(error_frame("the server failed to process the request"))
                return
            finally:
                self._spin = threads.call_ended()
            if frame.operation != _ONE_WAY:
                self._send(reply_bytes(response))
                if frame.close_connection:
                    return
            if loop_was_needed() or not threads.off_loop:
                self._hand_to_loop()
                return

    def _hand_to_loop(self) -> None:
        """Serve this connection on the event loop from now on (with what it has read so far): its calls need
        the loop (an ``async def`` method, a ContextBoundObject), which costs a hand-off both ways from here
        and none there. The thread ends; the socket is the loop's."""
        self.channel.open_connections.pop(self, None)  # (before: the loop counts its connections against the limit)
        adopted = self.channel.adopt(self.sock, self.frames)
        try:
            asyncio.run_coroutine_threadsafe(adopted, self.loop)
        except RuntimeError:  # the event loop is closed: the server is stopping, and this connection with it
            adopted.close()
            return
        self._handed_over = True

    def _call(self, request: ServerRequest) -> ServerResponse:
        """The chain's response: run here, or (when it cannot run off the loop) handed to the loop."""
        threads = self.threads
        if threads.off_loop:
            try:
                return run_to_end(self.chain(request))
            except ChainSuspended as exc:
                if threads.off_loop:
                    threads.off_loop = False
                    log.error("TCP channel: %s; every connection is served on the event loop from now on", exc)
                raise
        return asyncio.run_coroutine_threadsafe(_through(self.chain, request), self.loop).result()

    def _read_frame(self) -> TcpFrame | None:
        """The next frame (None: the connection is over: EOF, or a deadline passed and was answered)."""
        frames = self.frames
        deadline = self._deadline()
        spin, self._spin = self._spin, False  # (just after a reply: the next request is likely on its way)
        while True:
            data = self._receive(deadline, spin)
            spin = False
            if data is None:
                self._expired()
                return None
            if not data:
                if frames.in_frame:
                    log.info("TCP channel: %s closed the connection in the middle of a frame", self.requests.peer)
                return None
            in_frame = frames.in_frame
            frame = frames.take(data)
            if frame is not None:
                return frame
            if not in_frame and frames.in_frame:
                deadline = self._deadline()  # a frame began: it has frame_timeout to arrive in full

    def _deadline(self) -> float | None:
        """When waiting for bytes ends: ``idle_timeout`` from now between frames, ``frame_timeout`` in one."""
        channel = self.channel
        timeout = channel.frame_timeout if self.frames.in_frame else channel.idle_timeout
        return None if timeout is None else time.monotonic() + timeout

    def _receive(self, deadline: float | None, spin: bool) -> bytes | None:
        """What arrives before ``deadline`` (b"": EOF; None: nothing came in time)."""
        sock, threads = self.sock, self.threads
        window = self.channel.host.spin_wait.window
        if spin and window > 0 and threads.spinner.acquire(blocking=False):
            try:
                until = time.perf_counter() + window
                while not threads.busy and time.perf_counter() < until:
                    try:
                        return sock.recv(_READ_SIZE)
                    except BlockingIOError:
                        pass
            finally:
                threads.spinner.release()
        while True:
            if deadline is None:
                ready = self._readable.poll()
            else:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                ready = self._readable.poll(left * 1000 + 1)
            if ready:
                try:
                    return sock.recv(_READ_SIZE)
                except BlockingIOError:
                    continue

    def _send(self, data: bytes) -> None:
        """Write ``data`` whole (the peer has ``idle_timeout`` to read it: TimeoutError after that)."""
        sock = self.sock
        try:
            sent = sock.send(data)
        except BlockingIOError:
            sent = 0
        if sent == len(data):
            return
        view = memoryview(data)[sent:]
        writable = select.poll()
        writable.register(sock, select.POLLOUT)
        timeout = self.channel.idle_timeout
        deadline = None if timeout is None else time.monotonic() + timeout
        while view:
            if deadline is None:
                writable.poll()
            else:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"the peer did not read its reply within {timeout:g} s")
                writable.poll(left * 1000 + 1)
            try:
                view = view[sock.send(view):]
            except BlockingIOError:
                continue

    # ------------------------------------------------------------ ending

    def _expired(self) -> None:
        """A deadline passed: an idle connection ends quietly, a frame that came too slowly is answered."""
        frames = self.frames
        if not frames.in_frame:
            return
        timeout = self.channel.frame_timeout
        log.info("TCP channel: the frame from %s did not arrive within %s s", self.requests.peer, timeout)
        answer = late_frame_answer(frames, timeout)
        if isinstance(answer, BodyRefused):
            assert frames.pending_head is not None
            self._refuse(frames.pending_head, answer)
        elif answer is not None:
            self._answer_and_close(answer)

    def _refuse(self, frame: TcpFrame, error: BodyRefused) -> None:
        """Answer a request whose content was not read (too large, too slow) through the chain, then close."""
        frame.body = b""
        request = self.requests.request(frame)
        request.body_error = error
        try:
            response = self._call(request)
        except Exception:
            log.exception("TCP channel: the refusal of a request for /%s failed", frame.request_uri)
            return
        reply = reply_for(response)
        reply.close_connection = True
        self._answer_and_close(reply)

    def _answer_and_close(self, frame: TcpFrame) -> None:
        """Send ``frame``, then a lingering close (see :mod:`gateway.tcp.server`): our side shut, what the peer
        still sends dropped for at most 1 s or 1 MiB, so the kernel does not reset the answer away."""
        self._send(write_frame(frame))
        self.sock.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + _LINGER_SECONDS
        dropped = 0
        while dropped < _LINGER_BYTES:
            data = self._receive(deadline, spin=False)
            if not data:
                return
            dropped += len(data)
