"""The seed's HelloServer sample (".NET Remoting: A Technical Overview", Appendix A), served by Python.

    uvicorn examples.hello:app

publishes ``HelloServer`` as a SingleCall object at ``/SayHello.soap`` and ``/SayHello.rem``. Call it with
``python -m examples.hello_client`` or with a .NET Remoting client (``IHello`` in assembly ``PeerShared``).
"""

from __future__ import annotations

from gateway import MarshalByRefObject, RemotingApp, WellKnownObjectMode
from soap import clr_type

PEER_SHARED = "PeerShared, Version=0.0.0.0, Culture=neutral, PublicKeyToken=null"


@clr_type("RemotingPeer.IHello", PEER_SHARED)
class IHello:
    """The interface the client programs against (as a shared .NET interface assembly would be)."""

    def HelloMethod(self, name: str) -> str:
        """Greets ``name``."""
        raise NotImplementedError


@clr_type("RemotingPeer.HelloServer", "PeerServer")
class HelloServer(MarshalByRefObject, IHello):
    """The classic sample object: one method, no state."""

    def HelloMethod(self, name: str) -> str:
        return "Hi there " + name


app = RemotingApp()
app.register_well_known(HelloServer, "SayHello.soap", WellKnownObjectMode.SingleCall)
app.register_well_known(HelloServer, "SayHello.rem", WellKnownObjectMode.SingleCall)
