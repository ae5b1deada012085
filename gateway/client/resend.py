"""The sync client's HTTP transport: httpx's own, plus sending a request again when a kept-alive connection
turns out to have been closed by the server before it answered.

httpx (httpcore) drops pooled connections the server has visibly closed before reusing them, but the server
may close one in the instant between that check and our request reaching it: uvicorn closes a connection
that stayed idle for its keep-alive timeout (5 s by default), and a call made just then fails with
"Server disconnected without sending a response". Such a request never reached the server (it was idle),
so it is safe to send again, as the async client's :mod:`gateway.client.transport` does.

What is resent: a request written to a *reused* connection (no new TCP connection was made for it) that
ended without any response: the server closed the connection (``RemoteProtocolError`` "without sending a
response"), or reset it or refused our bytes before the response headers arrived (``ReadError``,
``WriteError``). It is sent again (on a fresh connection, or on another pooled one that is then subject to
the same rule), at most :data:`MAX_RESENDS` times. A failure on a new connection, a timeout, or a connection
lost after the response headers arrived is never resent (the call may have run); it surfaces as a
``ChannelError``. (httpcore reports a close after a fragment of the status line as it reports a close with
no answer at all, so such a fragment counts as no answer: a server that sends one and dies is not a case
this tells apart.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

#: how many times one request may be resent (each time on a connection that proved stale)
MAX_RESENDS = 4

_Trace = Callable[[str, dict[str, Any]], None]


class _Attempt:
    """What httpcore's trace events tell about one attempt: whether it opened a connection, whether a
    response started to arrive. Forwards every event to the caller's own trace callback."""

    def __init__(self, forward: _Trace | None) -> None:
        self.forward = forward
        self.connected = False
        self.answered = False

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if event.startswith("connection.connect_tcp.") or event.startswith("connection.connect_unix_socket."):
            self.connected = True
        elif event == "http11.receive_response_headers.complete" or event.startswith("http2."):
            self.answered = True  # (HTTP/2 streams are not resent: their failures are not this one)
        if self.forward is not None:
            self.forward(event, info)

    def stale(self, exc: httpx.TransportError) -> bool:
        """The request met a connection the server had already closed: it never reached the server."""
        if self.connected or self.answered:
            return False
        if isinstance(exc, httpx.RemoteProtocolError):
            return "without sending a response" in str(exc)
        return isinstance(exc, httpx.ReadError | httpx.WriteError)


class ResendingTransport(httpx.BaseTransport):
    """Wraps a transport (by default ``httpx.HTTPTransport(**options)``) to resend requests that met a stale
    kept-alive connection (see the module docstring)."""

    def __init__(self, inner: httpx.BaseTransport | None = None, **options: Any) -> None:
        self.inner = inner or httpx.HTTPTransport(**options)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        forward = request.extensions.get("trace")
        for resends in range(MAX_RESENDS + 1):
            attempt = _Attempt(forward)
            request.extensions = {**request.extensions, "trace": attempt.trace}
            try:
                return self.inner.handle_request(request)
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                if resends == MAX_RESENDS or not attempt.stale(exc):
                    raise
            finally:
                request.extensions = {**request.extensions, "trace": forward} if forward else {
                    k: v for k, v in request.extensions.items() if k != "trace"}  # fmt: skip
        raise AssertionError("unreachable")  # pragma: no cover  (the loop returns or raises)

    def close(self) -> None:
        self.inner.close()


__all__ = ["MAX_RESENDS", "ResendingTransport"]
