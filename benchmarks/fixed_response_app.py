"""The server side of the client benchmark: a bare ASGI app that answers every request with the canned
``HelloMethod`` response of the Mono server (``hello_response.xml``), whatever the request says.

It drains the request body and does no parsing, so nearly all the time a client benchmark measures is the
client's own::

    uvicorn benchmarks.fixed_response_app:app --port 8000
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from benchmarks._asgi import SPIN, Receive, Scope, Send, is_request

RESPONSE_BODY = (Path(__file__).resolve().parent / "hello_response.xml").read_bytes()
START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [
        (b"content-type", b'text/xml; charset="utf-8"'),
        (b"content-length", str(len(RESPONSE_BODY)).encode()),
    ],
}
BODY = {"type": "http.response.body", "body": RESPONSE_BODY}


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if not await is_request(scope, receive, send):
        return
    while True:
        message = await receive()
        if message["type"] == "http.disconnect" or not message.get("more_body", False):
            break
    await send(START)
    await send(BODY)
    SPIN.kick(asyncio.get_running_loop())
