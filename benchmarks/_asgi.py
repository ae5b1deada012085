"""What the benchmarks' bare ASGI apps share: reading a body under a cap, answering, the lifespan protocol.

Imported by the bare apps (``bare_app.py``, ``bare_literal_app.py``, ``bare_large_app.py``) and the canned ones
(``fixed_response_app.py``, ``canned_app.py``) as ``benchmarks._asgi``; no framework, so it costs
what a hand-written ASGI app costs. Their replies kick the same spin-wait as the gateway's (the loop polls
for the next request for ``DEFAULT_SPIN_WAIT_US`` before it sleeps), so that a baseline differs from the
gateway by the work of the call, not by how its server waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from gateway.model.spin_wait import DEFAULT_SPIN_WAIT_US, SpinWait

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


#: the loop's spin-wait, kicked by every reply (an app serves one loop)
SPIN = SpinWait(DEFAULT_SPIN_WAIT_US / 1e6)


class BodyTooLarge(Exception):
    """The request body is over the app's cap."""


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole request body (ConnectionError when the client goes away, BodyTooLarge over ``limit``)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionError("client disconnected")
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"request body over {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def respond(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
    SPIN.kick(asyncio.get_running_loop())


async def is_request(scope: Scope, receive: Receive, send: Send) -> bool:
    """Whether ``scope`` is an HTTP request for the app to answer; the lifespan protocol is answered here."""
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return False
    return bool(scope["type"] == "http")


async def lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
