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
from pathlib import Path

from benchmarks._asgi import Receive, Scope, Send, is_request, read_body, respond

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
    if not await is_request(scope, receive, send):
        return
    try:
        head = (await read_body(receive, 1 << 30))[:800]
    except ConnectionError:
        return
    content_type = next((v for k, v in scope["headers"] if k == b"content-type"), b"")
    dialect = (
        "binary"
        if content_type.startswith(b"application/octet-stream")
        else ("literal" if b"urn:large" in head else "soap")
    )
    method = next((m for m in METHODS if m in head), b"")
    found = CANNED.get((dialect, method))
    if found is None:
        await respond(send, 404, [(b"content-type", b"text/plain")], b"no canned answer\n")
        return
    body, canned_type = found
    await respond(send, 200, [(b"content-type", canned_type)] if canned_type else [], body)
