"""Clients against a real uvicorn that closes idle keep-alive connections: pooled connections the server
closed while they sat idle are detected or retried on a fresh connection, for any number of calls in
flight. (uvicorn's keep-alive timeout is 1 s here instead of 5 s, so an idle gap of 1.5 s crosses it.)"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from examples.hello import IHello
from gateway import AsyncRemotingClient, RemotingClient

from ..support.server import live_server

IDLE = 1.5  # longer than the server's keep-alive timeout


@pytest.fixture(scope="module")
def hello_url() -> Iterator[str]:
    with live_server("examples.hello:app", args=("--timeout-keep-alive", "1")) as url:
        yield url.rstrip("/") + "/SayHello.soap"


@pytest.mark.parametrize("in_flight", [1, 16, 64])
def test_async_client_survives_idle_gaps_longer_than_the_keep_alive(hello_url: str, in_flight: int) -> None:
    async def scenario() -> None:
        async with AsyncRemotingClient(timeout=10.0) as client:
            hello = client.get_object(IHello, hello_url)
            for round_ in range(3):
                names = [f"r{round_}c{i}" for i in range(in_flight)]
                results = await asyncio.gather(*(hello.HelloMethod(n) for n in names))
                assert results == [f"Hi there {n}" for n in names]
                await asyncio.sleep(IDLE)

    asyncio.run(scenario())


def test_sync_client_survives_idle_gaps_longer_than_the_keep_alive(hello_url: str) -> None:
    with RemotingClient(timeout=10.0) as client:
        hello = client.get_object(IHello, hello_url)
        for round_ in range(3):
            assert hello.HelloMethod(f"r{round_}") == f"Hi there r{round_}"
            time.sleep(IDLE)
