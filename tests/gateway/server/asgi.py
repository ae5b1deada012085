"""Driving a :class:`RemotingApp` in process: one httpx client over ASGI for a scenario, leases stopped after."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx

from gateway import RemotingApp


def http(app: RemotingApp, scenario: Callable[[httpx.AsyncClient], Awaitable[None]],
         base_url: str = "http://testserver") -> None:
    """Run ``scenario`` with a client talking to ``app`` over ASGI; the app's lease manager is stopped after."""

    async def main() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url) as client:
            try:
                await scenario(client)
            finally:
                await app.leases.stop()

    asyncio.run(main())
