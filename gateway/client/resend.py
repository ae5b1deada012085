"""The sync client's HTTP transport: httpx's own, plus sending a request again when a kept-alive connection
turns out to have been closed by the server before it answered.

httpx (httpcore) drops pooled connections the server has visibly closed before reusing them, but the server
may close one in the instant between that check and our request reaching it: uvicorn closes a connection
that stayed idle for its keep-alive timeout (5 s by default), and a request arriving just then finds the
connection reset. Such a request never reached the server (it was idle), so it is safe to send again, as
the async client's :mod:`gateway.client.transport` does.

What is resent: a request written to a *reused* connection (no new TCP connection was made for it) that the
server reset, or whose bytes it refused, before the response headers arrived (``ReadError``, ``WriteError``;
an end of stream followed by a reset counts as a reset, see :mod:`gateway.client.stale`): the request was
never read (the keep-alive close crossed it on the wire). It is sent again (on a fresh connection, or on
another pooled one that is then subject to the same rule), at most :data:`MAX_RESENDS` times. An orderly close
with no answer (``RemoteProtocolError`` "without sending a response") is *not* resent: the server, or a proxy,
may have read the request and run the call, and a silent second send would run a non-idempotent call twice
(httpcore already drops pooled connections the server has visibly closed, and the close that crosses our
request is told apart by the reset that follows it). A failure on a new connection, a timeout, or a connection
lost after the response headers arrived is never resent either (the call may have run); it surfaces as a
``ChannelError``.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterable
from typing import Any

import httpcore
import httpx

from .stale import MAX_RESENDS, reset_after_eof

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
        """The request met a connection the server reset unread: it never reached the server."""
        if self.connected or self.answered:
            return False
        return isinstance(exc, httpx.ReadError | httpx.WriteError)


class _ResetAwareStream(httpcore.NetworkStream):
    """A network stream whose end of stream, when the peer also reset the connection, reads as the reset it
    is (``httpcore.ReadError``): the peer closed without reading what we sent."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self.inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data = self.inner.read(max_bytes, timeout)
        if not data and reset_after_eof(self.inner.get_extra_info("socket")):
            raise httpcore.ReadError("the server closed the connection and reset it, unread")
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, timeout)

    def close(self) -> None:
        self.inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:  # fmt: skip
        return _ResetAwareStream(self.inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class _ResetAwareBackend(httpcore.NetworkBackend):
    """httpcore's network backend, its streams wrapped in :class:`_ResetAwareStream`."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self.inner = inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None) -> httpcore.NetworkStream:
        return _ResetAwareStream(self.inner.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
                            ) -> httpcore.NetworkStream:  # fmt: skip
        return _ResetAwareStream(self.inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class ResendingTransport(httpx.BaseTransport):
    """Wraps a transport (by default ``httpx.HTTPTransport(**options)``, its connections made reset-aware) to
    resend requests that met a stale kept-alive connection (see the module docstring)."""

    def __init__(self, inner: httpx.BaseTransport | None = None, **options: Any) -> None:
        if inner is None:
            inner = httpx.HTTPTransport(**options)
            # httpx passes no network backend to its httpcore pool, so the pool's own is wrapped in place
            # (private attributes: tests/gateway/client/test_resend.py fails if they go)
            pool = inner._pool
            if isinstance(pool, httpcore.ConnectionPool):
                pool._network_backend = _ResetAwareBackend(pool._network_backend)
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        forward = request.extensions.get("trace")
        for resends in range(MAX_RESENDS + 1):
            attempt = _Attempt(forward)
            request.extensions = {**request.extensions, "trace": attempt.trace}
            try:
                return self.inner.handle_request(request)
            except (httpx.ReadError, httpx.WriteError) as exc:
                if resends == MAX_RESENDS or not attempt.stale(exc):
                    raise
            finally:
                request.extensions = {**request.extensions, "trace": forward} if forward else {
                    k: v for k, v in request.extensions.items() if k != "trace"}  # fmt: skip
        raise AssertionError("unreachable")  # pragma: no cover  (the loop returns or raises)

    def close(self) -> None:
        self.inner.close()


__all__ = ["MAX_RESENDS", "ResendingTransport"]
