"""``examples.hello``'s HelloServer over HTTP (SOAP and binary formatters) and over the .NET Remoting TCP
channel on ``GATEWAY_TCP_PORT``, in one process: what ``bench_tcp.py`` measures.

    GATEWAY_TCP_PORT=8001 .venv/bin/uvicorn benchmarks.hello_tcp_app:app --loop uvloop
"""

from __future__ import annotations

import os

from examples.hello import HelloServer
from gateway import RemotingApp, WellKnownObjectMode

app = RemotingApp(formatters=("soap", "binary"), tcp_port=int(os.environ.get("GATEWAY_TCP_PORT", "0")))
app.register_well_known(HelloServer, "SayHello.soap", WellKnownObjectMode.SingleCall)
app.register_well_known(HelloServer, "SayHello.rem", WellKnownObjectMode.SingleCall)
