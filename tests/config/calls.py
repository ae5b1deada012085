"""Calls into an application built from a configuration, in process (httpx.ASGITransport)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from gateway import AsyncRemotingClient, RemotingApp

BASE = "http://testserver/"


def call(
    app: RemotingApp, interface: type | None, uri: str, method: str, *args: Any, formatter: str = "soap",
    auth: httpx.Auth | None = None,
) -> Any:
    """``interface.method(*args)`` on the object at ``uri`` of ``app``, through the real client channel."""

    async def run() -> Any:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), auth=auth)
        async with AsyncRemotingClient(http_client=http, formatter=formatter) as client:
            proxy = client.get_object(interface, BASE + uri)
            return await getattr(proxy, method)(*args)

    return asyncio.run(run())


def get(app: RemotingApp, path: str, auth: httpx.Auth | None = None) -> httpx.Response:
    async def run() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE, auth=auth) as http:
            return await http.get(path)

    return asyncio.run(run())


def activate_and_increment(app: RemotingApp, cls: type, name: str, type_name: str | None = None) -> tuple[Any, Any]:
    """Create a client-activated ``cls`` on ``app`` (``Activator.CreateInstance``), call Increment twice and
    GetName; returns (the increments, the name)."""

    async def run() -> tuple[Any, Any]:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
        async with AsyncRemotingClient(http_client=http) as client:
            counter = await client.create_instance(cls, BASE, name, type_name=type_name)
            return [await counter.Increment(), await counter.Increment()], await counter.GetName()

    return asyncio.run(run())
