"""The server sink that measures calls: time, sizes and how each went, into the application's CallStats.

It runs outermost, so it times everything the server does for a call (authentication included) and sees
calls other sinks refuse. It measures POST requests only (calls); pages and scrapes are not calls. After
the call it reads what the formatter sink left in ``request.properties`` (formatter, target, operation,
outcome, fault kind) and labels the call with names the server publishes, never with names the caller
sent: an unknown URI or method is ``(unknown)``, and an object at a generated URI goes by its type (see
:mod:`gateway.server.identity`), so the number of series stays bounded whatever callers send.
"""

from __future__ import annotations

from collections.abc import Awaitable
from time import perf_counter

from .identity import Identity, IdentityTable
from .metrics import UNKNOWN, CallKey, CallStats
from .sinks import Handler, ServerRequest, ServerResponse


class CallMetricsSink:
    """Records every call into ``stats``; costs one dict lookup and a few additions per call."""

    def __init__(self, stats: CallStats, identities: IdentityTable) -> None:
        self.stats = stats
        self.identities = identities

    def __call__(self, request: ServerRequest, call_next: Handler) -> Awaitable[ServerResponse]:
        if request.method != "POST":
            return call_next(request)
        return self.measured(request, call_next)

    async def measured(self, request: ServerRequest, call_next: Handler) -> ServerResponse:
        """``call_next(request)``, measured and recorded (a POST request)."""
        started = perf_counter()
        response = await call_next(request)
        elapsed = perf_counter() - started
        props = request.properties
        target = props.get("target")
        operation = props.get("operation")
        uri: str
        method: str
        if isinstance(target, Identity) and isinstance(operation, str):
            uri, method = target.label, operation
        else:  # the call never reached its target: name the URI only if something is published there
            entry = self.identities.lookup(request.uri)
            uri, method = (entry.label if entry is not None else UNKNOWN), UNKNOWN
        # formatter, outcome and fault kind are strings the formatter sink set (or absent: refused by a sink)
        # (typed by the comment, not typing.cast: a function call less on every call)
        key: CallKey = (  # type: ignore[assignment]
            uri, method, props.get("formatter", UNKNOWN), props.get("outcome", "refused"), props.get("fault", "")
        )
        self.stats.record(key, elapsed, len(request.body), len(response.body))
        return response
