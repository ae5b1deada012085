"""The TCP channel's cost per call, in process and deterministic: what ``bench_tcp.py`` measures on the wall clock,
without the noise of a shared machine.

One event loop (uvloop when installed) runs ``benchmarks.hello_tcp_app``'s service behind a :class:`TcpChannel`
on 127.0.0.1 and ``tcp_load.py``'s client protocol on one connection, ``--calls`` calls one after another
(Mono's captured binary ``HelloMethod("Alice")``; every reply must carry ``Hi there Alice``). ``--async``
serves the ``async def HelloMethod``; else the plain ``def`` runs on a worker thread, as in the benchmark.
The client's part is a few dozen bytecodes per call; the rest is the server's. ``--bare`` replaces the server
with a protocol that answers every read with Mono's captured reply frame: the floor of any asyncio server (the
event loop, the sockets, the client), to subtract from the others; ``--stub-chain`` keeps the TCP channel but
replaces the host's sink chain with a coroutine returning the canned reply's content: the channel's own cost
(frames, connection, task per call) without the formatter, dispatch and sinks.

Instructions per call (callgrind; N calls minus 1 call, divided by N - 1)::

  PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
      .venv/bin/python benchmarks/tcp_callcost.py --calls 2001      # minus the same with --calls 1

``--instrument-here`` with ``valgrind --instr-atstart=no``: callgrind counts from just before the calls
(``callgrind_control -i on``), so the imports run uninstrumented and a run takes about half as long; the
per-call figure is the same within 0.5%.

Where the time goes (cProfile, sorted by own time): ``--profile 20``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from bare_tcp_server import REPLY, SPIN, Bare  # noqa: E402
from tcp_load import Caller, Stats, tcp_reply_end, tcp_request  # noqa: E402

from benchmarks.hello_async import HelloServer as AsyncHelloServer  # noqa: E402
from examples.hello import HelloServer  # noqa: E402
from gateway import RemotingApp, WellKnownObjectMode  # noqa: E402
from gateway.server.sinks import ServerRequest, ServerResponse  # noqa: E402
from gateway.tcp import FrameReader, TcpChannel  # noqa: E402

BODY = HERE.parent / "tests" / "fixtures" / "mono_binary" / "001_HelloMethod.request.bin"
PATH = "SayHello.rem"


class CountedCaller(Caller):
    """``tcp_load``'s caller that stops after ``calls`` replies and says when."""

    def __init__(self, request: bytes, stats: Stats, calls: int) -> None:
        super().__init__(request, tcp_reply_end, b"Hi there Alice", stats)
        self.left = calls
        self.done = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.stats.ok >= self.left and not self.done.done():
            self.stats.running = False
            self.done.set_result(None)


async def run(
    calls: int, use_async: bool, profile: int, bare: bool, stub_chain: bool, instrument: bool = False
) -> str:
    # no spin-wait: client and server share this loop, which never waits for the other side; polling would
    # add turns of the loop that are not the call's work
    app = RemotingApp(formatters=("binary",), spin_wait_us=0)
    app.register_well_known(AsyncHelloServer if use_async else HelloServer, PATH, WellKnownObjectMode.SingleCall)
    loop = asyncio.get_running_loop()
    channel = await TcpChannel(app, port=0).start()
    SPIN.window = 0.0
    if stub_chain:
        reader = FrameReader()
        reply = reader.take(REPLY)
        assert reply is not None
        canned = ServerResponse(200, reply.body, "application/octet-stream")

        async def stub(request: ServerRequest) -> ServerResponse:
            return canned

        channel._chain = stub
    server: asyncio.Server | None = None
    if bare:
        await channel.close()
        server = await loop.create_server(Bare, "127.0.0.1", 0)
        channel.port = server.sockets[0].getsockname()[1]
    try:
        stats = Stats()
        stats.measuring = True
        request = tcp_request(channel.port, PATH, BODY.read_bytes())
        if instrument:  # callgrind started with --instr-atstart=no: count from here (imports and set-up excluded)
            subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True, capture_output=True)
        profiler = cProfile.Profile() if profile else None
        if profiler is not None:
            profiler.enable()
        started = time.perf_counter()
        transport, caller = await loop.create_connection(lambda: CountedCaller(request, stats, calls),
                                                         "127.0.0.1", channel.port)  # fmt: skip
        await asyncio.wait_for(caller.done, 600)
        elapsed = time.perf_counter() - started
        if profiler is not None:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(profile)
        transport.close()
        if stats.bad or stats.ok != calls:
            raise SystemExit(f"{stats.ok} good replies of {calls}, {stats.bad} bad")
        return f"{calls} calls, {elapsed / calls * 1e6:.1f} us each (wall clock)"
    finally:
        await channel.close()
        if server is not None:
            server.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calls", type=int, default=2001)
    p.add_argument("--async", dest="use_async", action="store_true", help="serve the async def HelloMethod")
    p.add_argument("--profile", type=int, default=0, metavar="N", help="print cProfile's top N functions")
    p.add_argument("--bare", action="store_true", help="a protocol answering a canned reply instead of the gateway")
    p.add_argument("--stub-chain", action="store_true", help="the TCP channel in front of a canned response")
    p.add_argument("--no-uvloop", dest="uvloop", action="store_false")
    p.add_argument("--instrument-here", action="store_true",
                   help="under callgrind --instr-atstart=no: turn instrumentation on just before the calls")
    args = p.parse_args(argv)
    runner = asyncio.run
    if args.uvloop:
        try:
            import uvloop

            runner = uvloop.run
        except ImportError:
            pass
    print(runner(run(args.calls, args.use_async, args.profile, args.bare, args.stub_chain, args.instrument_here)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
