"""The reference samples served over HTTP and over the .NET Remoting TCP channel, for the Mono TCP tests.

    GATEWAY_TCP_PORT=8001 uvicorn tests.interop.tcp_app:app

Type filter Full, so that a Mono client's lease sponsor (an ObjRef to an object in the client, reached back
over the client's own TCP channel) is accepted and called back. ``GATEWAY_PUBLIC_URL`` sets the HTTP address,
which ObjRefs handed out over TCP then carry before the TCP one (as .NET lists both channels).
"""

from __future__ import annotations

import os

from examples.remoting_samples import LIFETIME, register
from gateway import RemotingApp, TypeFilterLevel

app = register(
    RemotingApp(
        lifetime=LIFETIME,
        type_filter=TypeFilterLevel.Full,
        tcp_port=int(os.environ.get("GATEWAY_TCP_PORT", "0")),
        public_url=os.environ.get("GATEWAY_PUBLIC_URL") or None,
    )
)
