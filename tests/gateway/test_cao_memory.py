"""Client-activated objects do not leak: 20,000 activations, then expiry, leave the identity table and the
lease manager empty and the traced memory where it started.

The activations go through the in-process ASGI app as real ``RemoteActivationService.rem`` requests: the
SOAP body is the one :class:`gateway.AsyncRemotingClient` sends (captured once with a client sink), then
replayed straight into the ASGI callable, batched with ``asyncio.gather`` under a semaphore. Skipping the
client side keeps the run short while tracemalloc traces every allocation (it slows Python down ~4x).

``CAO_MEMORY_COUNT`` overrides the number of objects (default 20,000).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import os
import re
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

import httpx
import pytest

from gateway import (
    AsyncRemotingClient,
    ClientCall,
    ClientResponse,
    Lease,
    LifetimeSettings,
    MarshalByRefObject,
    RemotingApp,
)
from soap import clr_type

pytestmark = pytest.mark.slow

BASE = "http://testserver/"
COUNT = int(os.environ.get("CAO_MEMORY_COUNT", "20000"))
CONCURRENCY = 64
BATCH = 1000
WARM_UP = 500  # enough concurrent calls to grow the worker thread pool to its full size before measuring
ALLOWED_GROWTH = 8 * 1024 * 1024  # bytes of traced memory left over after expiry
_URI = re.compile(rb"<uri[^>]*>([^<]+)</uri>")


@clr_type("GatewayTests.Memory.Cao", "GatewayTests")
class Cao(MarshalByRefObject):
    #: lease time for new instances (seconds); tests set it
    lease_seconds: ClassVar[float] = 0.5

    def __init__(self, name: str | None = None) -> None:
        self._name = name
        self._payload = [0] * 8  # a little state of its own

    def InitializeLifetimeService(self) -> Lease | None:
        lease = super().InitializeLifetimeService()
        assert lease is not None
        lease.InitialLeaseTime = dt.timedelta(seconds=self.lease_seconds)
        lease.RenewOnCallTime = dt.timedelta(seconds=0.2)
        return lease

    def GetName(self) -> str | None:
        return self._name


class _Capture:
    def __init__(self) -> None:
        self.calls: list[ClientCall] = []

    def process_request(self, call: ClientCall) -> None:
        self.calls.append(call)

    def process_response(self, call: ClientCall, response: ClientResponse) -> None:
        pass


def make_app() -> RemotingApp:
    app = RemotingApp(lifetime=LifetimeSettings(lease_manager_poll_time=dt.timedelta(seconds=0.2)), sinks=[])
    app.register_activated(Cao)
    return app


async def activation_request(app: RemotingApp) -> tuple[str, dict[str, str], bytes]:
    """One real activation by the client (also a check that the object works), and its request."""
    capture = _Capture()
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
    async with AsyncRemotingClient(http_client=http, sinks=[capture]) as client:
        proxy = await client.create_instance(Cao, BASE, "template")
        assert await proxy.GetName() == "template"
    call = capture.calls[0]
    assert call.url.endswith("/RemoteActivationService.rem")
    return "/RemoteActivationService.rem", dict(call.headers), call.body


def asgi_post(app: RemotingApp, path: str, headers: dict[str, str], body: bytes) -> Callable[[], Awaitable[bytes]]:
    scope_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    scope_headers += [(b"host", b"testserver"), (b"content-length", str(len(body)).encode())]

    async def post() -> bytes:
        scope: dict[str, Any] = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
            "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
            "headers": scope_headers, "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
        }  # fmt: skip
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        status: list[int] = []
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            return messages.pop() if messages else {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            else:
                chunks.append(message.get("body", b""))

        await app(scope, receive, send)
        response = b"".join(chunks)
        assert status == [200], response[:500]
        return response

    return post


async def activate_many(app: RemotingApp, count: int) -> tuple[set[bytes], int]:
    """``count`` activations; returns the object URIs handed out and the largest instance count seen."""
    path, headers, body = await activation_request(app)
    post = asgi_post(app, path, headers, body)
    gate = asyncio.Semaphore(CONCURRENCY)
    uris: set[bytes] = set()
    peak = 0

    async def one() -> None:
        async with gate:
            response = await post()
        m = _URI.search(response)
        assert m is not None, response[:500]
        uris.add(m.group(1))

    for start in range(0, count, BATCH):
        await asyncio.gather(*(one() for _ in range(min(BATCH, count - start))))
        peak = max(peak, app.identities.instance_count())
    return uris, peak


async def wait_until_empty(app: RemotingApp, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(app.leases) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)


def test_20k_short_lived_caos_expire_and_free_their_memory() -> None:
    Cao.lease_seconds = 0.5
    app = make_app()
    baseline = app.identities.instance_count()  # RemoteActivationService.rem itself

    async def main() -> None:
        await activate_many(app, WARM_UP)  # warm caches (contracts, formatters, the full thread pool)
        await wait_until_empty(app, 5)
        gc.collect()
        tracemalloc.start()
        try:
            start, _ = tracemalloc.get_traced_memory()
            started = time.monotonic()
            uris, peak = await activate_many(app, COUNT)
            assert len(uris) == COUNT  # every activation a distinct object
            assert peak > baseline
            del uris
            await wait_until_empty(app, 10)
            elapsed = time.monotonic() - started
            gc.collect()
            current, high = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            await app.leases.stop()
        assert app.identities.instance_count() == baseline
        assert len(app.leases) == 0
        assert app.identities.lookup("RemoteActivationService.rem") is not None
        print(
            f"\n{COUNT} CAOs in {elapsed:.1f} s (traced); peak {peak} live; traced memory "
            f"start {start / 1e6:.2f} MB, high {high / 1e6:.2f} MB, after expiry {current / 1e6:.2f} MB"
        )
        assert current - start < max(ALLOWED_GROWTH, 0.15 * start), (start, current)

    asyncio.run(main())


def test_20k_live_caos_all_expire_in_one_sweep() -> None:
    """All objects alive at once (a long lease), then one sweep with a clock an hour ahead expires them."""
    Cao.lease_seconds = 600.0
    app = make_app()
    baseline = app.identities.instance_count()

    async def main() -> None:
        await activate_many(app, WARM_UP)
        app.leases.sweep(now=time.monotonic() + 3600)
        gc.collect()
        blocks_before = sys.getallocatedblocks()
        try:
            uris, peak = await activate_many(app, COUNT)
            assert len(uris) == COUNT
            del uris
            live = COUNT + 1  # + the template object activate_many activates through the client first
            assert peak == baseline + live
            assert len(app.leases) == live
            started = time.perf_counter()
            assert app.leases.sweep(now=time.monotonic() + 3600) == live
            sweep_seconds = time.perf_counter() - started
        finally:
            await app.leases.stop()
        gc.collect()
        blocks_after = sys.getallocatedblocks()
        assert app.identities.instance_count() == baseline
        assert len(app.leases) == 0
        print(
            f"\nexpired {COUNT} leases in one sweep: {sweep_seconds * 1000:.0f} ms; "
            f"allocated blocks {blocks_before} -> {blocks_after}"
        )
        # a leak of one block per object would be +COUNT blocks
        assert blocks_after - blocks_before < COUNT // 4, (blocks_before, blocks_after)

    asyncio.run(main())
