"""``examples.hello``'s HelloServer over HTTP (SOAP and binary formatters) and over the .NET Remoting TCP
channel on ``GATEWAY_TCP_PORT``, in one process: what ``bench_tcp.py`` measures. ``HELLO_ASYNC=1`` serves
``benchmarks.hello_async``'s ``async def HelloMethod`` instead (no thread hop per call); ``TCP_THREADS=0``
serves every TCP connection on the event loop (``threads=False``), ``1`` each on a thread of its own (Mono's
model, the default).

    GATEWAY_TCP_PORT=8001 .venv/bin/uvicorn benchmarks.hello_tcp_app:app --loop uvloop
"""

from __future__ import annotations

import os

from benchmarks.hello_async import HelloServer as AsyncHelloServer
from examples.hello import HelloServer
from gateway import RemotingApp, WellKnownObjectMode

app = RemotingApp(formatters=("soap", "binary"), tcp_port=int(os.environ.get("GATEWAY_TCP_PORT", "0")),
                  tcp_options={"threads": {"0": False, "1": True}.get(os.environ.get("TCP_THREADS", ""))})
service = AsyncHelloServer if os.environ.get("HELLO_ASYNC") == "1" else HelloServer
app.register_well_known(service, "SayHello.soap", WellKnownObjectMode.SingleCall)
app.register_well_known(service, "SayHello.rem", WellKnownObjectMode.SingleCall)
