"""The server of the client soak test (``tests/gateway/test_client_soak.py``): HelloServer and a method that
takes as long as it is told, so a call can outlast its client's timeout."""

from __future__ import annotations

import asyncio

from examples.hello import HelloServer
from gateway import MarshalByRefObject, RemotingApp, WellKnownObjectMode
from soap import clr_type


@clr_type("SoakTests.ISlow", "SoakTests")
class ISlow:
    """What the client programs against (a proxy call blocks, or is awaited with the async client)."""

    def Sleep(self, seconds: float) -> float:
        raise NotImplementedError


@clr_type("SoakTests.Slow", "SoakTests")
class Slow(MarshalByRefObject):
    """Implements ``ISlow`` with an ``async def``: the wait holds no worker thread."""

    async def Sleep(self, seconds: float) -> float:
        await asyncio.sleep(min(seconds, 30.0))
        return seconds


app = RemotingApp()
app.register_well_known(HelloServer, "SayHello.soap", WellKnownObjectMode.SingleCall)
app.register_well_known(Slow, "Slow.soap", WellKnownObjectMode.SingleCall)
