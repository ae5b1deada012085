"""Variant (b) of the server benchmark: the gateway serving a ``HelloServer`` whose ``HelloMethod`` is
``async def`` (awaited on the event loop, no thread hop), SingleCall at ``/SayHello.soap``.

Variant (a) is ``examples.hello:app``, the same service with a plain (sync) method::

    uvicorn benchmarks.hello_async:app --port 8000
"""

from __future__ import annotations

from gateway import MarshalByRefObject, RemotingApp, WellKnownObjectMode


class HelloServer(MarshalByRefObject):
    async def HelloMethod(self, name: str) -> str:
        return "Hi there " + name


app = RemotingApp()
app.register_well_known(HelloServer, "SayHello.soap", WellKnownObjectMode.SingleCall)
