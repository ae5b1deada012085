"""A worker behind an ASGI server without lifespan joins the deployment on its first request and answers
that request only once it has joined: an object the request creates names this worker, and another worker
asked for it must find it in the directory (CI once caught the race: the creating worker was not registered
yet, the other one concluded it had stopped and answered "No receiver")."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any, cast

import pytest

from gateway.cluster.placement import Placement
from gateway.server.identity import IdentityTable
from gateway.server.lease_manager import LeaseManager

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class SlowJoin:
    """A node whose start waits for ``joined``; counts its starts."""

    worker_id = "w-1"

    def __init__(self, fails: bool = False) -> None:
        self.joined = asyncio.Event()
        self.starts = 0
        self.fails = fails

    def start_soon(self) -> None:
        raise AssertionError("placement awaits the start instead")

    async def ensure_started(self) -> None:
        self.starts += 1
        await self.joined.wait()
        if self.fails:
            raise OSError("the internal listener could not bind")

    async def ready(self) -> None:
        return None


def placement(node: SlowJoin) -> Placement:
    table = IdentityTable(LeaseManager(dt.timedelta(seconds=10), lambda lease: None))
    return Placement(node, table, cast(Any, None), cast(Any, None), cast(Any, None), cast(Any, None))


SCOPE = {"type": "http", "method": "POST", "path": "/Created.rem", "root_path": "", "headers": []}


async def _noop_receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _noop_send(message: Any) -> None:
    return None


@pytest.mark.parametrize("fails", [False, True])
async def test_the_first_request_is_answered_once_the_worker_joined(fails: bool) -> None:
    node = SlowJoin(fails)
    hook = placement(node)
    answered: list[str] = []

    async def local(scope: Any, receive: Any, send: Any) -> None:
        answered.append(scope["path"])

    first = asyncio.create_task(hook(dict(SCOPE), _noop_receive, _noop_send, local))
    second = asyncio.create_task(hook(dict(SCOPE), _noop_receive, _noop_send, local))
    for _ in range(20):
        await asyncio.sleep(0)
    assert answered == []  # both wait for the join
    node.joined.set()
    await asyncio.gather(first, second)
    assert answered == ["/Created.rem", "/Created.rem"]  # a failed start still leaves the worker serving
    await hook(dict(SCOPE), _noop_receive, _noop_send, local)
    assert len(answered) == 3 and node.starts == 2  # joined once: later requests do not wait again
