"""The server of the client soak test (``tests/gateway/test_client_soak.py``): HelloServer and a method that
takes as long as it is told, so a call can outlast its client's timeout, and one that counts how often each key
was invoked, so a test can tell a call the server ran twice (``Record`` is what a non-idempotent method does)."""

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


@clr_type("SoakTests.ICounter", "SoakTests")
class ICounter:
    def Record(self, key: str) -> int:
        raise NotImplementedError

    def Count(self, key: str) -> int:
        raise NotImplementedError


#: invocations of ``Record`` per key, in this server process
RECORDED: dict[str, int] = {}


@clr_type("SoakTests.Counter", "SoakTests")
class Counter(MarshalByRefObject):
    """``Record(key)`` counts one more invocation for ``key`` and returns the count; ``Count(key)`` reads it."""

    async def Record(self, key: str) -> int:
        RECORDED[key] = RECORDED.get(key, 0) + 1
        return RECORDED[key]

    async def Count(self, key: str) -> int:
        return RECORDED.get(key, 0)


app = RemotingApp()
app.register_well_known(HelloServer, "SayHello.soap", WellKnownObjectMode.SingleCall)
app.register_well_known(Slow, "Slow.soap", WellKnownObjectMode.SingleCall)
app.register_well_known(Counter, "Counter.soap", WellKnownObjectMode.SingleCall)
