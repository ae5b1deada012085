"""A client call's cost, in process and deterministic: what ``bench_client.py`` measures on the wall clock,
without the noise of a shared machine.

``RemotingClient`` (``--sync``) or ``AsyncRemotingClient`` (default) calls ``HelloMethod("Alice")`` ``--calls``
times, one after another, against a canned server on 127.0.0.1 in the same process (an asyncio protocol
answering every request with Mono's captured response, ``hello_response.xml``; on the client's loop for the
async client, on a thread of its own for the sync one): the server's part is a few dozen bytecodes a call, the
rest is the client's (the proxy, the formatter, httpx and the transport). Every answer is checked.

Instructions per call (callgrind; N calls minus 1 call, divided by N - 1)::

  PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
      .venv/bin/python benchmarks/client_callcost.py --calls 301      # minus the same with --calls 1

Where the time goes (cProfile, sorted by own time): ``--profile 30``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

from examples.hello import IHello  # noqa: E402
from gateway import AsyncRemotingClient, RemotingClient  # noqa: E402

ANSWER = (HERE / "hello_response.xml").read_bytes()
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: %d\r\n\r\n%s" % (
    len(ANSWER), ANSWER)  # fmt: skip


class Canned(asyncio.Protocol):
    """Answers each whole request (headers, then Content-Length bytes) with the canned response."""

    def __init__(self) -> None:
        self.buf = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while (end := self.buf.find(b"\r\n\r\n")) >= 0:
            head = self.buf[:end].lower()
            length = int(head.split(b"content-length:")[1].split(b"\r\n")[0])
            if len(self.buf) < end + 4 + length:
                return
            self.buf = self.buf[end + 4 + length:]
            assert self.transport is not None
            self.transport.write(RESPONSE)


def check(answer: str) -> None:
    if answer != "Hi there Alice":
        raise SystemExit(f"unexpected answer {answer!r}")


async def run_async(calls: int, profiler: cProfile.Profile | None) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Canned, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, AsyncRemotingClient() as client:
        hello = client.get_object(IHello, f"http://127.0.0.1:{port}/SayHello.soap")
        check(await hello.HelloMethod("Alice"))
        if profiler is not None:
            profiler.enable()
        for _ in range(calls - 1):
            await hello.HelloMethod("Alice")
        if profiler is not None:
            profiler.disable()
        check(await hello.HelloMethod("Alice"))


def run_sync(calls: int, profiler: cProfile.Profile | None) -> None:
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(Canned, "127.0.0.1", 0))
    port = server.sockets[0].getsockname()[1]
    threading.Thread(target=loop.run_forever, daemon=True).start()
    with RemotingClient() as client:
        hello = client.get_object(IHello, f"http://127.0.0.1:{port}/SayHello.soap")
        check(hello.HelloMethod("Alice"))
        if profiler is not None:
            profiler.enable()
        for _ in range(calls - 1):
            hello.HelloMethod("Alice")
        if profiler is not None:
            profiler.disable()
        check(hello.HelloMethod("Alice"))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calls", type=int, default=301)
    p.add_argument("--sync", action="store_true", help="RemotingClient (default: AsyncRemotingClient)")
    p.add_argument("--profile", type=int, default=0, metavar="N", help="print cProfile's top N functions")
    args = p.parse_args(argv)
    profiler = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    if args.sync:
        run_sync(args.calls, profiler)
    else:
        import uvloop

        uvloop.run(run_async(args.calls, profiler))
    elapsed = time.perf_counter() - started
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)
    print(f"{args.calls} calls, {elapsed / args.calls * 1e6:.1f} us each (wall clock, with the set-up)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
