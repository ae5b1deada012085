"""The ASGI side of the server: one HTTP request in, one :class:`ServerRequest` through the sink chain, one
response out. This is the only request path: every method, every URI, oversized bodies included.

The body is read with a size cap, checked against Content-Length before reading and again while
streaming, and within a time limit (a client that trickles its body, "slowloris", is cut off). A body over
the cap or too slow is not read further: the request goes through the chain with ``body_error`` set (413
or 408), and the connection is closed after the answer (the rest of the body was never read). A client
that disconnects before its body arrived costs nothing more: no call is made.
A HEAD request is answered like a GET, without the body.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol

from starlette.types import Receive, Scope, Send

from ..model.errors import ClientRequestError
from .sinks import Handler, ServerRequest, ServerResponse


class BodyRefused(ClientRequestError):
    """The request body was not read to its end: too large (413) or too slow (408)."""

    def __init__(self, message: str, http_status: int) -> None:
        super().__init__(message)
        self.http_status = http_status


class _BodyTooLarge(Exception):
    pass


class _Disconnected(Exception):
    pass


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def app_path(scope: Scope) -> str:
    """The request path relative to the application's ``root_path`` (``/X.rem`` wherever the app is mounted)."""
    path: str = scope["path"]
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root):]
    return path


def request_from_scope(scope: Scope) -> ServerRequest:
    """The sinks' view of an ASGI HTTP request (body not read yet); the URI is relative to root_path."""
    path = app_path(scope)
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
    client = scope.get("client")
    return ServerRequest(
        scope["method"], path.lstrip("/"), scope.get("query_string", b"").decode("latin-1"), headers, b"",
        client[0] if client else None, scope,
    )


class PlacementHook(Protocol):
    """Decides which worker serves a request before anything reads it (a deployment of several workers,
    :mod:`gateway.cluster`): it calls ``local`` to serve it here, or answers it itself."""

    async def __call__(
        self, scope: Scope, receive: Receive, send: Send, local: Callable[[Scope, Receive, Send], Awaitable[None]]
    ) -> None: ...


class ObjectEndpoint:
    """The ASGI endpoint for object URIs: builds the request, reads the body, runs the chain, sends."""

    def __init__(
        self, chain: Callable[[], Handler], max_bytes: Callable[[], int],
        on_request: Callable[[], None] | None = None, body_timeout: float | None = 30.0,
    ) -> None:
        self._chain = chain
        self._max_bytes = max_bytes
        self.body_timeout = body_timeout
        self._on_request = on_request
        #: None: every request is served here (one process); see :class:`PlacementHook`
        self.placement: PlacementHook | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        placement = self.placement
        if placement is None:
            await self.serve(scope, receive, send)
        else:
            await placement(scope, receive, send, self.serve)

    async def serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request in this process."""
        if self._on_request is not None:
            self._on_request()
        request = request_from_scope(scope)
        close = False
        if request.method not in ("GET", "HEAD"):
            limit = self._max_bytes()
            declared = request.headers.get("content-length")
            try:
                if declared is not None and declared.isdigit() and int(declared) > limit:
                    raise _BodyTooLarge
                async with asyncio.timeout(self.body_timeout):
                    request.body = await _read_body(receive, limit)
            except _Disconnected:
                return
            except _BodyTooLarge:
                request.body_error = BodyRefused(f"message body exceeds the limit of {limit} bytes", 413)
                close = True
            except TimeoutError:
                message = f"the message body did not arrive within {self.body_timeout:g} s"
                request.body_error = BodyRefused(message, 408)
                close = True
        response = await self._chain()(request)
        if close:
            response.headers.append(("connection", "close"))
        await send_response(send, response, head=request.method == "HEAD")


async def send_response(send: Send, response: ServerResponse, head: bool = False) -> None:
    """Send ``response`` over ASGI; for HEAD, the headers a GET would get, without the body."""
    headers = [(b"content-length", str(len(response.body)).encode("latin-1"))]
    if response.content_type:
        headers.append((b"content-type", response.content_type.encode("latin-1")))
    headers.extend((k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers)
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else response.body})



