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


@dataclass(slots=True)
class ServerRequest:
    """A transport-level request as the sinks see it: the object URI, headers (lower-case names), body.

    ``body_error`` is set (and ``body`` empty) when the body was refused while it was read (over the size
    limit): the chain still runs, so a sink sees the request; the terminal handler answers with the error.
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


Handler = Callable[[ServerRequest], Awaitable[ServerResponse]]


class ServerSink(Protocol):
    async def __call__(self, request: ServerRequest, call_next: Handler) -> ServerResponse: ...


def build_chain(sinks: Sequence[ServerSink], terminal: Handler) -> Handler:
    """Compose ``sinks`` (first = outermost) around ``terminal``."""
    handler = terminal
    for sink in reversed(sinks):
        handler = _bind(sink, handler)
    return handler


def _bind(sink: ServerSink, call_next: Handler) -> Handler:
    async def handle(request: ServerRequest) -> ServerResponse:
        return await sink(request, call_next)

    return handle


class RequestLoggingSink:
    """Logs one line per request: method, object URI, remote method, status, size and time taken."""

    def __init__(self, logger: logging.Logger | None = None, level: int = logging.INFO) -> None:
        self.logger = logger or logging.getLogger("gateway.requests")
        self.level = level

    async def __call__(self, request: ServerRequest, call_next: Handler) -> ServerResponse:
        if not self.logger.isEnabledFor(self.level):
            return await call_next(request)
        started = time.perf_counter()
        response = await call_next(request)
        elapsed_ms = (time.perf_counter() - started) * 1000
        self.logger.log(
            self.level,
            "%s /%s %s -> %d (%d bytes) in %.2f ms",
            request.method, request.uri, request.properties.get("method_name", "-"),
            response.status, len(response.body), elapsed_ms,
        )
        return response
