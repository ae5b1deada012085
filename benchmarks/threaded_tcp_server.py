"""A measurement, not a server: Mono's threading model for the TCP channel, what issue 12's last row needs.

Mono's ``TcpChannel`` serves each connection on a thread of its own, running each call synchronously there: a
plain method costs no hand-off. The gateway runs the sink chain on its event loop and a plain ``def`` method on
a worker thread, two context switches a call (~30 us at one connection, docs/tcp.md "Performance"). This
script measures the other model with the gateway's own parts: ``examples.hello``'s HelloServer behind the
host's real sink chain (formatters, dispatcher, metrics), each TCP connection served by a thread that reads
frames with the channel's ``FrameReader`` (polling for ``spin_wait_us`` after a reply, as the event loop does,
then blocking), drives the chain's coroutine itself (``send(None)``: on this path it never suspends) and
writes the reply with ``reply_bytes``; the plain method runs inline on that thread.

What it does not do, and a real implementation must: make the chain's shared state safe from several
threads (the identity table, leases, metrics; here one connection is measured), and hand a chain that
suspends (a Redis store, forwarding, an ``async def`` method or sink) over to the event loop. A call that
would suspend fails here.

    python benchmarks/threaded_tcp_server.py PORT [SPIN_US]   # then a load client (csharp/TcpLoad.cs) on PORT
"""

from __future__ import annotations

import select
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parents[1])]

from examples.hello import HelloServer  # noqa: E402
from gateway import RemotingApp, WellKnownObjectMode  # noqa: E402
from gateway.model.spin_wait import DEFAULT_SPIN_WAIT_US  # noqa: E402
from gateway.server.sinks import Handler, ServerRequest  # noqa: E402
from gateway.tcp import FrameReader  # noqa: E402
from gateway.tcp.server import reply_bytes, split_request_uri  # noqa: E402
from wsdl import run_inline  # noqa: E402


class InlineHelloServer(HelloServer):
    """HelloServer whose plain method runs on the calling thread: here, the connection's (as in Mono)."""

    @run_inline
    def HelloMethod(self, name: str) -> str:
        return "Hi there " + name


def serve_connection(conn: socket.socket, chain: Handler, spin: float) -> None:
    frames = FrameReader()
    conn.setblocking(False)
    scope: dict[str, Any] = {"type": "tcp", "scheme": "tcp", "server": conn.getsockname()[:2],
                             "client": conn.getpeername()[:2], "root_path": ""}  # fmt: skip
    peer = str(scope["client"][0])
    with conn:
        while True:
            frame = frames.next_frame()
            deadline = time.monotonic() + spin
            while frame is None:
                try:
                    data = conn.recv(65536)
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        select.select([conn], [], [])
                    continue
                if not data:
                    return
                frame = frames.take(data)
            uri, authority = split_request_uri(frame.request_uri or "")
            headers = {"content-type": frame.content_type or "application/octet-stream", "host": authority or ""}
            coro = chain(ServerRequest("POST", uri, "", headers, frame.body, peer, scope))
            try:
                coro.send(None)
            except StopIteration as done:
                response = done.value
            else:
                coro.close()
                raise RuntimeError("the chain suspended: this measurement handles none")
            conn.setblocking(True)
            conn.sendall(reply_bytes(response))
            conn.setblocking(False)


def main() -> None:
    port = int(sys.argv[1])
    spin = (int(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_SPIN_WAIT_US) / 1e6
    app = RemotingApp(formatters=("binary", "soap"))
    app.register_well_known(InlineHelloServer, "SayHello.soap", WellKnownObjectMode.SingleCall)
    app.register_well_known(InlineHelloServer, "SayHello.rem", WellKnownObjectMode.SingleCall)
    chain = app.channel_chain(("binary", "soap"))
    listener = socket.create_server(("127.0.0.1", port))
    print(f"listening on 127.0.0.1:{port}", flush=True)
    while True:
        conn, _ = listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=serve_connection, args=(conn, chain, spin), daemon=True).start()


if __name__ == "__main__":
    main()
