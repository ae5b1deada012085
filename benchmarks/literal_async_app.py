"""Variant (b) of the document/literal benchmark: the gateway serving the interop contract's ``hello`` as an
``async def`` (awaited on the event loop, no thread hop), SingleCall at ``/InteropService.soap`` in the same
namespace (``urn:interop``) as ``examples.interop``, so the request and the response are the same bytes.

Variant (a) is ``examples.interop:app``, whose ``hello`` is a plain (sync) method::

    uvicorn benchmarks.literal_async_app:app --port 8000
"""

from __future__ import annotations

from gateway import MarshalByRefObject, RemotingApp, WellKnownObjectMode


class InteropService(MarshalByRefObject):
    """``hello`` of the interop contract, asynchronous."""

    __soap_namespace__ = "urn:interop"

    async def hello(self, name: str | None) -> str:
        """Greets ``name``."""
        return "Hi there " + (name or "")


app = RemotingApp()
app.register_well_known(InteropService, "InteropService.soap", WellKnownObjectMode.SingleCall)
