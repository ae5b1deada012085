"""The least a Python server does for a TCP-channel call: ``bench_tcp.py``'s "lean Python call" row.

Each read is fed to the channel's own frame reader; a whole request frame is read by the binary formatter
(its request template, as the gateway reads a repeated call), ``HelloMethod``'s one argument decoded, the
method's ``"Hi there " + name`` answered through the formatter's answer template, and the reply frame
written: the gateway's formatter and framing work for the call, without anything else of the gateway (no
sink chain, no object lookup, no metrics, limits or deadlines, no task per call; it polls after a reply as the
gateway's channel does). Between the floor (a C
program answering canned bytes, ``c/canned_tcp.c``) and the gateway, it shows how much of a call's time at
one connection is the Python work of the call itself. A benchmark baseline, not a server: it checks nothing
a real one must.

    python benchmarks/lean_tcp_server.py PORT
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from bare_tcp_server import SPIN, main  # noqa: E402

from gateway.tcp import FrameReader, Operation, TcpFrame, write_frame  # noqa: E402
from soap import BinaryFormatter, Kind, MethodReturn, WireType  # noqa: E402

STRING = WireType(Kind.STRING)
FORMATTER = BinaryFormatter()


class Lean(asyncio.Protocol):
    """Reads frames; answers each request with ``"Hi there " + its one string argument``."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.frames = FrameReader()
        self.loop = asyncio.get_running_loop()

    def data_received(self, data: bytes) -> None:
        self.frames.feed(data)
        while (frame := self.frames.next_frame()) is not None:
            call = FORMATTER.read_call(frame.body, frame.content_type or "")
            (name,) = call.decode_arguments([STRING], ["name"])
            ret = MethodReturn(call.method_name, call.namespace, f"Hi there {name}", STRING)
            body, content_type = FORMATTER.write_return(call, ret)
            self.transport.write(write_frame(TcpFrame(Operation.Reply, body, None, content_type)))  # type: ignore[attr-defined]
            SPIN.kick(self.loop)


if __name__ == "__main__":
    sys.exit(main(sys.argv, Lean))
