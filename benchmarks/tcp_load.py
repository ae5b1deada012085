"""A small load client for ``bench_tcp.py``: wrk does not speak the .NET Remoting TCP channel.

Opens ``--connections`` connections to 127.0.0.1:PORT and keeps one call in flight on each, as .NET and Mono
clients use a pooled connection (strictly one request, then its reply). With ``--mode tcp`` a call is an
[MS-NRTP] request frame; with ``--mode http`` the same body as an HTTP/1.1 keep-alive POST, so both channels
are measured by the same client. Runs ``--warmup`` seconds, then ``--seconds`` measured; every reply must
carry ``--expect`` (else it counts as an error). On asyncio protocols (uvloop when installed), one process:
pin it to a core (``taskset``). The last line is machine-readable, as wrk's hello.lua prints it:

  RESULT requests=N duration_s=S rps=R lat_p50_ms=.. lat_p99_ms=.. ok=N bad=N err_connect=0 err_read=N ...

  python benchmarks/tcp_load.py --port 8001 --body tests/fixtures/mono_binary/001_HelloMethod.request.bin
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import struct
import sys
import time
from pathlib import Path

_U16 = struct.Struct("<H")
_I32 = struct.Struct("<i")


def tcp_request(port: int, path: str, body: bytes) -> bytes:
    """The request frame Mono's client sends for a binary call to ``tcp://127.0.0.1:PORT/path``."""

    def counted(text: str) -> bytes:
        data = text.encode()
        return b"\x01" + _I32.pack(len(data)) + data

    return (
        b".NET\x01\x00\x00\x00\x00\x00" + _I32.pack(len(body))
        + b"\x04\x00\x01" + counted(f"tcp://127.0.0.1:{port}/{path}")
        + b"\x06\x00\x01" + counted("application/octet-stream") + b"\x00\x00" + body
    )  # fmt: skip


def http_request(port: int, path: str, body: bytes) -> bytes:
    head = (f"POST /{path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")  # fmt: skip
    return head.encode() + body


def tcp_reply_end(buf: bytearray) -> int:
    """The length of the reply frame at the start of ``buf``, 0 while incomplete, -1 if it is not one."""
    if len(buf) < 14:
        return 0
    if buf[:6] != b".NET\x01\x00" or buf[8:10] != b"\x00\x00":
        return -1
    length = _I32.unpack_from(buf, 10)[0]
    pos = 14
    while True:
        if len(buf) < pos + 2:
            return 0
        token = _U16.unpack_from(buf, pos)[0]
        pos += 2
        if token == 0:
            break
        if token == 1:  # custom: two counted strings
            for _ in range(2):
                if len(buf) < pos + 5:
                    return 0
                pos += 5 + _I32.unpack_from(buf, pos + 1)[0]
            continue
        if len(buf) < pos + 1:
            return 0
        fmt = buf[pos]
        pos += 1
        if fmt == 1:
            if len(buf) < pos + 5:
                return 0
            pos += 5 + _I32.unpack_from(buf, pos + 1)[0]
        elif fmt == 3:
            pos += 2
        elif fmt != 0:
            return -1
    end = pos + length
    return end if len(buf) >= end else 0


def http_reply_end(buf: bytearray) -> int:
    head_end = buf.find(b"\r\n\r\n")
    if head_end < 0:
        return 0
    head = bytes(buf[:head_end]).lower()
    if not head.startswith(b"http/1.1 200"):
        return -1
    at = head.find(b"content-length:")
    if at < 0:
        return -1
    length = int(head[at + 15 :].split(b"\r\n", 1)[0])
    end = head_end + 4 + length
    return end if len(buf) >= end else 0


class Stats:
    def __init__(self) -> None:
        self.measuring = False
        self.running = True
        self.latencies: list[float] = []
        self.ok = 0
        self.bad = 0
        self.err_read = 0


class Caller(asyncio.Protocol):
    """One connection, one call in flight."""

    def __init__(self, request: bytes, reply_end: object, expect: bytes, stats: Stats) -> None:
        self.request = request
        self.reply_end = reply_end
        self.expect = expect
        self.stats = stats
        self.buf = bytearray()
        self.sent = 0.0
        self.transport: asyncio.Transport | None = None
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not an asyncio.Transport subclass
        self.send()

    def send(self) -> None:
        assert self.transport is not None
        self.sent = time.perf_counter()
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        end = self.reply_end(buf)  # type: ignore[operator]
        if end == 0:
            return
        stats = self.stats
        if end < 0 or self.expect not in buf[:end]:
            stats.bad += 1
            assert self.transport is not None
            self.transport.close()
            return
        if stats.measuring:
            stats.latencies.append(time.perf_counter() - self.sent)
            stats.ok += 1
        del buf[:end]
        if stats.running:
            self.send()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.stats.running:
            self.stats.err_read += 1
        if not self.closed.done():
            self.closed.set_result(None)


async def run(args: argparse.Namespace) -> str:
    body = Path(args.body).read_bytes()
    if args.mode == "tcp":
        request, reply_end = tcp_request(args.port, args.path, body), tcp_reply_end
    else:
        request, reply_end = http_request(args.port, args.path, body), http_reply_end
    stats = Stats()
    loop = asyncio.get_running_loop()
    callers = []
    for _ in range(args.connections):
        _, caller = await loop.create_connection(
            lambda: Caller(request, reply_end, args.expect.encode(), stats), "127.0.0.1", args.port
        )
        callers.append(caller)
    await asyncio.sleep(args.warmup)
    stats.measuring = True
    started = time.perf_counter()
    await asyncio.sleep(args.seconds)
    stats.measuring = False
    elapsed = time.perf_counter() - started
    stats.running = False
    for caller in callers:
        if caller.transport is not None:
            caller.transport.close()
    await asyncio.gather(*(c.closed for c in callers))
    lat = sorted(stats.latencies) or [0.0]
    p50 = statistics.median(lat) * 1000
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
    return (f"RESULT requests={stats.ok} duration_s={elapsed:.3f} rps={stats.ok / elapsed:.1f} "
            f"lat_p50_ms={p50:.3f} lat_p99_ms={p99:.3f} ok={stats.ok} bad={stats.bad} err_connect=0 "
            f"err_read={stats.err_read} err_write=0 err_timeout=0")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--mode", choices=("tcp", "http"), default="tcp")
    p.add_argument("--path", default="SayHello.rem")
    p.add_argument("--body", required=True, help="the request body (a file)")
    p.add_argument("--expect", default="Hi there Alice")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--warmup", type=float, default=3.0)
    args = p.parse_args(argv)
    try:
        import uvloop
    except ImportError:
        print(asyncio.run(run(args)))
    else:
        print(uvloop.run(run(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
