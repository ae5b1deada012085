"""Variant (b) of the server benchmark: the gateway serving a ``HelloServer`` whose ``HelloMethod`` is
``async def`` (awaited on the event loop, no thread hop), SingleCall at ``/SayHello.soap``.

Variant (a) is ``examples.hello:app``, the same service with a plain (sync) method. Both declare the same .NET
types (``RemotingPeer.HelloServer`` implementing ``RemotingPeer.IHello`` of ``PeerShared``), so a binary
request from a .NET or Mono client, which names the interface it calls, is accepted by either::

    uvicorn benchmarks.hello_async:app --port 8000
"""

from __future__ import annotations

from examples.hello import IHello
from gateway import MarshalByRefObject, RemotingApp, WellKnownObjectMode
from soap import clr_type


@clr_type("RemotingPeer.HelloServer", "PeerServer")
class HelloServer(MarshalByRefObject, IHello):
    async def HelloMethod(self, name: str) -> str:  # type: ignore[override]
        return "Hi there " + name


app = RemotingApp()
app.register_well_known(HelloServer, "SayHello.soap", WellKnownObjectMode.SingleCall)
app.register_well_known(HelloServer, "SayHello.rem", WellKnownObjectMode.SingleCall)
