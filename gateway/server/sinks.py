"""Server sink chains: every HTTP request passes through small sinks before anything is served.

A sink is an async callable ``sink(request, call_next) -> response``. Authentication, compression and
logging plug in here without touching a formatter, in the spirit of .NET's IServerChannelSink chain. Every
request to an object URI goes through the chain: calls (POST), WSDL and index pages (GET, HEAD), bodies
refused for their size, and methods that are not allowed, so a sink may refuse any of them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..model.logs import printable
from ..model.principal import Principal


@dataclass(slots=True)
class ServerRequest:
    """A transport-level request as the sinks see it: the object URI, headers (lower-case names), body.

    ``body_error`` is set (and ``body`` empty) when the body was refused while it was read (over the size
    limit): the chain still runs, so a sink sees the request; the terminal handler answers with the error.
    ``properties`` is what the chain learned on the way, for the sinks around it to read afterwards:
    ``principal`` (authentication), and from the formatter sink ``formatter``, ``method_name``,
    ``target``, ``operation``, ``outcome``, ``fault`` and ``error_id`` (see
    :mod:`gateway.server.formatter_sink`).
    """

    method: str
    uri: str
    query: str
    headers: Mapping[str, str]
    body: bytes
    client_host: str | None
    scope: Mapping[str, Any]
    properties: dict[str, object] = field(default_factory=dict)
    body_error: Exception | None = None


@dataclass(slots=True)
class ServerResponse:
    status: int
    body: bytes
    content_type: str | None
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def method_not_allowed(cls, method: str, allowed: str) -> ServerResponse:
        """405 with the ``Allow`` header (``allowed``: ``"GET, HEAD"``) and a line saying what to use.

        A refused ``CONNECT`` also closes the connection: the HTTP parser took everything after it for tunnel
        data, so a next request on that connection would be answered 400."""
        message = f"Method {method} is not allowed here; use {allowed}.\n"
        headers = [("allow", allowed)]
        if method.upper() == "CONNECT":
            headers.append(("connection", "close"))
        return cls(405, message.encode(), "text/plain; charset=utf-8", headers)


Handler = Callable[[ServerRequest], Awaitable[ServerResponse]]


class ServerSink(Protocol):
    """``async def __call__(self, request, call_next)``; a plain ``def`` returning ``call_next(request)`` (an
    awaitable) works too, and passes a request through without a coroutine of its own."""

    def __call__(self, request: ServerRequest, call_next: Handler) -> Awaitable[ServerResponse]: ...


def build_chain(sinks: Sequence[ServerSink], terminal: Handler) -> Handler:
    """Compose ``sinks`` (first = outermost) around ``terminal``."""
    handler = terminal
    for sink in reversed(sinks):
        handler = _bind(sink, handler)
    return handler


def _bind(sink: ServerSink, call_next: Handler) -> Handler:
    # A plain function handing back the sink's awaitable, not a coroutine awaiting it: every coroutine in
    # the chain is one more frame to create, and to pass through each time the call resumes.
    def handle(request: ServerRequest) -> Awaitable[ServerResponse]:
        return sink(request, call_next)

    return handle


class RequestLoggingSink:
    """Logs one access line per request at INFO on ``gateway.requests``.

    ``127.0.0.1 POST /SayHello.soap HelloMethod [soap] 200 1.23 ms 345 bytes``: caller (``user@address``
    once authenticated), HTTP method, object URI, remote method and formatter (``-`` when the request was
    not a call), status, time taken from this sink on, response size; a failed call adds its fault kind
    and error id. The same values ride on the record as fields (``caller``, ``user``, ``http_method``,
    ``uri``, ``method``, ``formatter``, ``status``, ``duration_ms``, ``response_bytes``, ``fault``,
    ``error_id``) for :class:`~gateway.model.logs.JsonLogFormatter`. Plain ``uvicorn`` does not show INFO
    lines of other loggers: see :func:`~gateway.model.logs.configure_logging`.
    """

    def __init__(self, logger: logging.Logger | None = None, level: int = logging.INFO) -> None:
        self.logger = logger or logging.getLogger("gateway.requests")
        self.level = level

    def __call__(self, request: ServerRequest, call_next: Handler) -> Awaitable[ServerResponse]:
        if not self.logger.isEnabledFor(self.level):
            return call_next(request)  # logging off: no coroutine of this sink's own
        return self._logged(request, call_next)

    async def _logged(self, request: ServerRequest, call_next: Handler) -> ServerResponse:
        started = time.perf_counter()
        response = await call_next(request)
        elapsed_ms = round((time.perf_counter() - started) * 1000, 3)
        props = request.properties
        uri = printable(request.uri + ("?" + request.query if request.query else ""))
        name = props.get("operation") or props.get("method_name")
        method = printable(name) if isinstance(name, str) else "-"
        formatter = str(props.get("formatter", "-"))
        principal = props.get("principal")
        user = principal.name if isinstance(principal, Principal) else None
        caller = request.client_host or "-"
        fields: dict[str, object] = {
            "caller": caller, "user": user, "http_method": request.method, "uri": uri, "method": method,
            "formatter": formatter, "status": response.status, "duration_ms": elapsed_ms,
            "response_bytes": len(response.body),
        }
        failure = ""
        if "fault" in props:
            fields["fault"] = props["fault"]
            failure = f" fault={props['fault']}"
            if "error_id" in props:
                fields["error_id"] = props["error_id"]
                failure += f" error_id={props['error_id']}"
        self.logger.log(
            self.level, "%s %s /%s %s [%s] %d %.2f ms %d bytes%s",
            f"{printable(user)}@{caller}" if user else caller, request.method, uri, method, formatter,
            response.status, elapsed_ms, len(response.body), failure, extra=fields,
        )
        return response
