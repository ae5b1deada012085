"""The server of ``bench_large.py``'s client side: canned answers, so client rows differ only in client work.

A bare ASGI app that reads the request body and answers with the response the gateway gave earlier for the
same dialect and operation, from ``$CANNED_DIR/<dialect>-<method>.body`` (and ``.type``, its Content-Type),
written by the benchmark before it starts this app. The dialect is read as the gateway reads it (binary by
Content-Type, document/literal by the ``urn:large`` namespace, else Remoting SOAP); the operation by its name
near the start of the body::

    CANNED_DIR=/tmp/canned uvicorn benchmarks.canned_app:app --port 8000
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

METHODS = (b"GetBytes", b"PutBytes", b"SumInts", b"GetStrings", b"GetItems")


def _load() -> dict[tuple[str, bytes], tuple[bytes, bytes]]:
    folder = Path(os.environ.get("CANNED_DIR", "."))
    canned = {}
    for path in folder.glob("*.body"):
        dialect, _, method = path.stem.partition("-")
        content_type = path.with_suffix(".type").read_text().encode("latin-1")
        canned[(dialect, method.encode())] = (path.read_bytes(), content_type)
    return canned


CANNED = _load()


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    head = b"".join(chunks)[:800] if len(chunks) > 1 else chunks[0][:800]
    content_type = next((v for k, v in scope["headers"] if k == b"content-type"), b"")
    dialect = (
        "binary"
        if content_type.startswith(b"application/octet-stream")
        else ("literal" if b"urn:large" in head else "soap")
    )
    method = next((m for m in METHODS if m in head), b"")
    found = CANNED.get((dialect, method))
    if found is None:
        status, body, headers = 404, b"no canned answer\n", [(b"content-type", b"text/plain")]
    else:
        status, body = 200, found[0]
        headers = [(b"content-type", found[1])] if found[1] else []
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
