"""Fuzz targets of the .NET Remoting TCP channel: its frame reader, and the whole channel in process.

* :func:`tcp_frames`: the bytes (after a first byte choosing how they are cut) go to a
  :class:`FrameReader` under small limits, once whole and once in pieces. Rules: the only error is a
  :class:`FrameError` with a message; both readings find the same frames and end the same way (the one-pass
  shortcut of a whole frame and the remembered head of the last frame change nothing); no frame's content
  exceeds the limit; every frame read, written again by ``write_frame``, reads back the same (what the
  client and the server read, they can also say); the client makes each frame its response, or refuses it
  with ``httpx.RemoteProtocolError``.
* :func:`tcp_entry`: the bytes arrive on a connection of a :class:`TcpChannel` of the example services
  (binary and SOAP formatters), in pieces, then the peer half-closes. Rules: the channel never fails a call
  (``gateway.tcp`` logs no error), everything it writes reads as reply frames, no answer carries a
  traceback, a file or a module path, and a new connection is answered as before (the listener keeps
  serving everyone else).
* :func:`tcp_threads`: the same over real loopback connections to a channel that serves each connection on
  a thread of its own (the default), its event loop on a thread of this process; the same rules, and the
  connection must be answered and closed within seconds.

Both serve the bounded hypothesis tests (``tests/fuzz``) and the long run (``fuzz/run.py``), as the
targets of ``fuzz/targets.py`` do; seeds are the captured Mono TCP frames (``tests/fixtures/mono_tcp``).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import socket
import threading
from pathlib import Path
from typing import Any

import httpx

import examples.remoting_samples as samples
from examples.interop import InteropService
from gateway import RemotingApp, WellKnownObjectMode
from gateway.tcp import FrameLimits, FrameReader, Operation, TcpFrame, write_frame
from gateway.tcp.client import response_from
from gateway.tcp.framing import FrameError
from gateway.tcp.server import Connection, TcpChannel

from .rules import LEAKS, Finding

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "mono_tcp"

#: small bounds, so that fuzzing reaches every limit's refusal
LIMITS = FrameLimits(max_content=4096, max_headers=8, max_string=256, max_header_bytes=1024, max_chunks=16)


def _cut(data: bytes) -> tuple[int, bytes]:
    """(piece size, payload): the first byte chooses the size of the pieces the rest arrives in (0: whole)."""
    if not data:
        return 0, b""
    return data[0] % 32, data[1:]


def _pieces(payload: bytes, size: int) -> list[bytes]:
    if size == 0:
        return [payload]
    return [payload[i : i + size] for i in range(0, len(payload), size)]


def _fields(frame: TcpFrame) -> tuple[object, ...]:
    return (frame.operation, frame.body, frame.request_uri, frame.content_type, frame.status_code,
            frame.status_phrase, frame.close_connection, tuple(frame.custom))  # fmt: skip


def _read(pieces: list[bytes], limits: FrameLimits) -> tuple[list[TcpFrame], str | None]:
    """Every frame ``pieces`` hold, and how the reading ended (None: no error). Pieces go through ``take``,
    as the server's connection hands them over; each frame is checked against the content limit."""
    reader = FrameReader(limits)
    frames: list[TcpFrame] = []
    try:
        for piece in pieces:
            frame = reader.take(piece)
            while frame is not None:
                if len(frame.body) > limits.max_content:
                    raise Finding(f"a frame with {len(frame.body)} bytes of content passed the limit")
                frames.append(frame)
                frame = reader.next_frame()
    except FrameError as exc:
        if not str(exc):
            raise Finding("a frame error without a message") from exc
        return frames, f"{type(exc).__name__}: {exc}"
    except Finding:
        raise
    except Exception as exc:
        raise Finding(f"{type(exc).__name__}: {exc}") from exc
    return frames, None


_REQUEST = httpx.Request("POST", "tcp://127.0.0.1:8085/SayHello.rem")


def tcp_frames(data: bytes) -> int:
    """The frame reader: returns how many frames the bytes held."""
    size, payload = _cut(data)
    whole, whole_end = _read([payload], LIMITS)
    cut, cut_end = _read(_pieces(payload, size or 1), LIMITS)
    if [_fields(f) for f in whole] != [_fields(f) for f in cut] or whole_end != cut_end:
        raise Finding(f"read whole: {whole!r}, {whole_end}\nread in pieces of {size or 1}: {cut!r}, {cut_end}")
    for frame in whole:
        try:
            response_from(frame, _REQUEST)
        except httpx.RemoteProtocolError:
            pass
        except Exception as exc:
            raise Finding(f"the client failed on a reply frame: {type(exc).__name__}: {exc}") from exc
        again, error = _read([write_frame(frame)], FrameLimits())
        if error is not None or [_fields(f) for f in again] != [_fields(frame)]:
            raise Finding(f"a frame read did not read back once written: {frame!r} -> {again!r}, {error}")
    return len(whole)


# ------------------------------------------------------------------ the whole channel


class _Transport(asyncio.Transport):
    """What a connection writes, and whether it closed (or shut its side); reading pauses change nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.closed = False
        self.eof = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        self.eof = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 40000), "sockname": ("127.0.0.1", 8085)}.get(name, default)


class _Errors(logging.Handler):
    """The error records of ``gateway.tcp`` (a call the channel failed to answer)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


_CHANNEL: tuple[TcpChannel, asyncio.AbstractEventLoop, _Errors] | None = None
_ERRORS = _Errors()
logging.getLogger("gateway.tcp").addHandler(_ERRORS)


def _services() -> RemotingApp:
    app = RemotingApp(lifetime=samples.LIFETIME, formatters=("soap", "binary"), spin_wait_us=0)
    samples.register(app)
    app.register_well_known(InteropService, "InteropService.soap", WellKnownObjectMode.SingleCall)
    return app


def _channel() -> tuple[TcpChannel, asyncio.AbstractEventLoop, _Errors]:
    global _CHANNEL
    if _CHANNEL is None:
        app = _services()
        channel = TcpChannel(app, port=8085, idle_timeout=None, frame_timeout=None, limits=LIMITS, threads=False)
        loop = asyncio.new_event_loop()
        _CHANNEL = channel, loop, _ERRORS
        atexit.register(_stop, app, loop)  # (the lease manager a connection starts: not left pending at exit)
    return _CHANNEL


def _stop(app: RemotingApp, loop: asyncio.AbstractEventLoop) -> None:
    if not loop.is_closed():
        loop.run_until_complete(app.leases.stop())
        loop.close()


async def _converse(channel: TcpChannel, pieces: list[bytes], eof: bool) -> _Transport:
    """``pieces`` sent on a new connection (then EOF when ``eof``), until every call it started is answered."""
    transport = _Transport()
    connection = Connection(channel)
    connection.connection_made(transport)
    for piece in [*pieces, None] if eof else pieces:
        if transport.closed:
            break
        if piece is None:
            connection.eof_received()
        else:
            connection.data_received(piece)
        for _ in range(1000):  # the call, and the next frame's after it (one may be buffered)
            call = connection.call
            if call is None:
                break
            await asyncio.wait([call])
        else:
            raise Finding("a connection's calls did not end")
    await asyncio.sleep(0)  # one-way calls run in the background: let them start
    connection.connection_lost(None)
    return transport


def _replies(written: bytes) -> list[TcpFrame]:
    reader = FrameReader()
    reader.feed(written)
    frames = []
    try:
        while (frame := reader.next_frame()) is not None:
            frames.append(frame)
    except FrameError as exc:
        raise Finding(f"the channel wrote what is not a frame ({exc}): {written[:300]!r}") from exc
    if reader.in_frame:
        raise Finding(f"the channel wrote part of a frame: {written[-300:]!r}")
    return frames


def _answered(written: bytes, errors: _Errors) -> list[TcpFrame]:
    """The rules on what a connection wrote for an input: no call failed, every reply a reply frame, no leak."""
    if errors.records:
        record = errors.records[0]
        raise Finding(f"the channel failed a call: {record.getMessage()} ({record.exc_info!r})")
    replies = _replies(written)
    for reply in replies:
        if reply.operation != Operation.Reply:
            raise Finding(f"the channel wrote a {reply.operation.name} frame")
        text = (reply.status_phrase or "") + reply.body.decode("utf-8", "replace") + repr(reply.custom)
        leak = LEAKS.search(text)
        if leak is not None:
            raise Finding(f"{leak.group(0)!r} leaked in a reply: {text[:300]!r}")
    return replies


def _hello_answered(answers: list[TcpFrame]) -> None:
    if len(answers) != 1 or b"Hi there" not in answers[0].body:
        raise Finding(f"after that input, a new connection's HelloMethod was answered with {answers!r}")


def tcp_entry(data: bytes) -> int:
    """The whole channel: returns how many replies the connection wrote."""
    channel, loop, errors = _channel()
    size, payload = _cut(data)
    errors.records.clear()
    try:
        transport = loop.run_until_complete(_converse(channel, _pieces(payload, size), eof=True))
    except Finding:
        raise
    except Exception as exc:
        raise Finding(f"the connection raised {type(exc).__name__}: {exc}") from exc
    replies = _answered(bytes(transport.written), errors)
    hello = loop.run_until_complete(_converse(channel, [_HELLO], eof=False))
    _hello_answered(_replies(bytes(hello.written)))
    return len(replies)


# ------------------------------------------------------------------ a thread per connection, over loopback

_THREADED: TcpChannel | None = None
#: how long a connection may take to be answered and closed (the channel's idle and frame timeouts are 2 s)
_WAIT = 6.0


def _threaded() -> TcpChannel:
    """A started channel with a thread per connection, its event loop running on a thread of its own."""
    global _THREADED
    if _THREADED is None:
        app = _services()
        channel = TcpChannel(app, port=0, idle_timeout=2.0, frame_timeout=2.0, limits=LIMITS, threads=True)
        loop = asyncio.new_event_loop()
        threading.Thread(target=loop.run_forever, name="fuzz-tcp-loop", daemon=True).start()
        asyncio.run_coroutine_threadsafe(channel.start(), loop).result(10)
        _THREADED = channel
    return _THREADED


def _exchange(port: int, pieces: list[bytes], eof: bool) -> bytes:
    """``pieces`` sent on a new loopback connection (then our side shut when ``eof``); what came back until
    the server closed (``eof``) or until one whole frame came (not ``eof``)."""
    written = bytearray()
    with socket.create_connection(("127.0.0.1", port), timeout=_WAIT) as sock:
        for piece in pieces:
            try:
                sock.sendall(piece)
            except OSError:  # the server answered an error and closed: what it wrote is still to read
                break
        if eof:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_WR)
        reader = FrameReader()
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            except TimeoutError:
                raise Finding(f"the connection was neither answered nor closed within {_WAIT:g} s") from None
            if not chunk:
                break
            written += chunk
            if not eof:
                reader.feed(chunk)
                with contextlib.suppress(FrameError):
                    if reader.next_frame() is not None:
                        break
    return bytes(written)


def tcp_threads(data: bytes) -> int:
    """The channel with a thread per connection: returns how many replies the connection wrote."""
    channel = _threaded()
    size, payload = _cut(data)
    _ERRORS.records.clear()
    replies = _answered(_exchange(channel.port, _pieces(payload, size), eof=True), _ERRORS)
    _hello_answered(_replies(_exchange(channel.port, [_HELLO], eof=False)))
    return len(replies)


_HELLO = (FIXTURES / "binary_HelloMethod.request.bin").read_bytes()


def seeds(target: str) -> list[bytes]:
    """Starting inputs: each captured Mono request (and, for the reader, reply), whole and in pieces of 7."""
    kinds = ("*.request.bin",) if target in ("tcp_entry", "tcp_threads") else ("*.request.bin", "*.reply.bin")
    frames = [p.read_bytes() for kind in kinds for p in sorted(FIXTURES.glob(kind))]
    return [bytes([cut]) + frame for frame in frames for cut in (0, 7)] + [bytes([0]) + frames[0] + frames[-1]]


TCP_TARGETS = {"tcp_frames": tcp_frames, "tcp_entry": tcp_entry, "tcp_threads": tcp_threads}

__all__ = ["LIMITS", "TCP_TARGETS", "seeds", "tcp_entry", "tcp_frames"]
