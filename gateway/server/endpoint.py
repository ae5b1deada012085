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
from collections.abc import Awaitable, Callable, Generator, MutableMapping
from typing import Any, Protocol

from starlette.types import Receive, Scope, Send

from ..model.deadlines import within
from ..model.errors import ClientRequestError
from ..model.logs import printable
from ..model.spin_wait import SpinWait
from .sinks import Handler, ServerRequest, ServerResponse

Message = MutableMapping[str, Any]


class BodyRefused(ClientRequestError):
    """The request body was not read to its end: too large (413) or too slow (408)."""

    def __init__(self, message: str, http_status: int) -> None:
        super().__init__(message)
        self.http_status = http_status


class _Encoded(Exception):
    """The request names a content encoding (gzip...): refused with 415, as RFC 9110 allows."""


class _BodyTooLarge(Exception):
    pass


class _Disconnected(Exception):
    pass


def _started(receive: Receive) -> tuple[Message | None, _Resumed | None]:
    """Run ``receive()`` up to its first suspension: the message when it had one at hand (the usual case: the
    whole body came with the headers), else what is left of it to await (the client is still sending)."""
    steps = receive().__await__()
    try:
        pending = steps.send(None)
    except StopIteration as done:
        message: Message = done.value
        return message, None
    return None, _Resumed(steps, pending)


class _Resumed:
    """The rest of an awaitable started by hand that suspended on ``pending``: awaiting this hands ``pending``
    to the task and drives the awaitable on to its end, passing in what the task sends or throws (a
    cancellation by the body timeout included), as ``await`` itself would have."""

    __slots__ = ("_pending", "_steps")

    def __init__(self, steps: Generator[Any, Any, Message], pending: Any) -> None:
        self._steps = steps
        self._pending = pending

    def __await__(self) -> Generator[Any, Any, Message]:
        steps, pending = self._steps, self._pending
        while True:
            try:
                sent = yield pending
            except GeneratorExit:
                steps.close()
                raise
            except BaseException as exc:  # handed on to the awaitable, which decides
                try:
                    pending = steps.throw(exc)
                except StopIteration as done:
                    message: Message = done.value
                    return message
            else:
                try:
                    pending = steps.send(sent)
                except StopIteration as done:
                    message = done.value
                    return message


def _chunk(message: Message, size: int, limit: int) -> tuple[bytes, int, bool]:
    """A body message's bytes, the body's size so far, and whether more follows."""
    if message["type"] == "http.disconnect":
        raise _Disconnected
    chunk: bytes = message.get("body", b"")
    size += len(chunk)
    if size > limit:
        raise _BodyTooLarge
    return chunk, size, message.get("more_body", False)


async def _read_rest(receive: Receive, limit: int, first: Message | _Resumed) -> bytes:
    """The body, from its first message (or the receive still waiting for it) on."""
    message = await first if isinstance(first, _Resumed) else first  # (not an ABC check: every body read later)
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk, size, more = _chunk(message, size, limit)
        chunks.append(chunk)
        if not more:
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)
        message = await receive()


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
    query = scope.get("query_string")
    return ServerRequest(
        scope["method"], path.lstrip("/"), query.decode("latin-1") if query else "", headers, b"",
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
        spin_wait: SpinWait | None = None,
    ) -> None:
        self._chain = chain
        self._spin_wait = spin_wait
        self._max_bytes = max_bytes
        self.body_timeout = body_timeout
        self._on_request = on_request
        #: None: every request is served here (one process); see :class:`PlacementHook`
        self.placement: PlacementHook | None = None

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # (a plain function handing back the coroutine to await: one coroutine less on every request)
        placement = self.placement
        if placement is None:
            return self.serve(scope, receive, send)
        return placement(scope, receive, send, self.serve)

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
                encoding = request.headers.get("content-encoding")
                if encoding is not None and encoding.strip().lower() not in ("", "identity"):
                    raise _Encoded(encoding)
                if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > limit:
                    raise _BodyTooLarge
                # The first message is taken without a timer when it is at hand (no suspension: nothing to time
                # out); a body still on its way is read under the body timeout.
                message, rest = _started(receive)
                if message is not None:
                    body, _, more = _chunk(message, 0, limit)
                    if more:
                        with within(self.body_timeout):
                            body = await _read_rest(receive, limit, message)
                    request.body = body
                else:
                    assert rest is not None
                    with within(self.body_timeout):  # (one timer for every request waiting: model/deadlines.py)
                        request.body = await _read_rest(receive, limit, rest)
            except _Disconnected:
                return
            except _BodyTooLarge:
                request.body_error = BodyRefused(f"message body exceeds the limit of {limit} bytes", 413)
                close = True
            except _Encoded as exc:  # (not read: a compressed body is no message here, nor does it say its size)
                request.body_error = BodyRefused(
                    f"the message is sent with Content-Encoding {printable(str(exc))[:60]!r}; this server reads "
                    "uncompressed messages only", 415)
                close = True
            except TimeoutError:
                message_text = f"the message body did not arrive within {self.body_timeout:g} s"
                request.body_error = BodyRefused(message_text, 408)
                close = True
        response = await self._chain()(request)
        if close:
            response.headers.append(("connection", "close"))
        await send_response(send, response, head=request.method == "HEAD")
        if self._spin_wait is not None:  # the caller's next request, polled for before the loop sleeps
            self._spin_wait.kick(asyncio.get_running_loop())


async def send_response(send: Send, response: ServerResponse, head: bool = False) -> None:
    """Send ``response`` over ASGI; for HEAD, the headers a GET would get, without the body."""
    body = response.body
    headers = [(b"content-length", b"%d" % len(body))]
    content_type = response.content_type
    if content_type:
        headers.append((b"content-type", _header_value(content_type)))
    if response.headers:
        headers.extend([(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers])
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})


#: Content types as header bytes: a few formatters' types, encoded once (bounded: a sink may set any type).
_ENCODED_TYPES: dict[str, bytes] = {}


def _header_value(text: str) -> bytes:
    value = _ENCODED_TYPES.get(text)
    if value is None:
        value = text.encode("latin-1")
        if len(_ENCODED_TYPES) < 64:
            _ENCODED_TYPES[text] = value
    return value
