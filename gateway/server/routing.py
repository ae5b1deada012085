"""The innermost handler of the server sink chain: what a request for an object URI asks for.

GET and HEAD read the WSDL or the help page; POST is a call (or its body was refused for its size:
413, or 408 when it came too slowly, with a fault in the request's dialect); any other method gets 405 with ``Allow``.
The metrics path (``/metrics`` by default; never an object URI, which ends in ``.rem`` or ``.soap``) is
answered here too, so the same sinks guard it as everything else (an authentication sink protects it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence

from .formatter_sink import FormatterSink
from .metrics import Metrics
from .metrics_sink import CallMetricsSink
from .pages import ServicePages
from .sinks import Handler, RequestLoggingSink, ServerRequest, ServerResponse

ALLOWED_METHODS = "GET, HEAD, POST"


class RequestRouter:
    """Terminal handler: pages for GET/HEAD, the formatter sink for POST, 405 for the rest."""

    def __init__(
        self, pages: ServicePages, calls: FormatterSink, metrics: Metrics | None = None, metrics_uri: str = ""
    ) -> None:
        self.pages = pages
        self.calls = calls
        self.metrics = metrics
        self.metrics_uri = metrics_uri

    def __call__(self, request: ServerRequest) -> Awaitable[ServerResponse]:
        # (a plain function handing back what to await: a call goes on to the formatter sink without a
        # coroutine of the router's own)
        method = request.method
        metrics = self.metrics
        if metrics is not None and request.uri == self.metrics_uri:
            return _ready(_scrape(request, metrics))
        if method == "POST":
            error = request.body_error
            if error is not None:
                return _ready(self.calls.refuse(request, error, status=getattr(error, "http_status", 413)))
            return self.calls(request)
        if method in ("GET", "HEAD"):
            return _ready(self.pages(request))
        return _ready(ServerResponse.method_not_allowed(method, ALLOWED_METHODS))


class QuietChain:
    """The sink chain of an application whose own sinks are only request-logging ones (the default), with a
    shortcut: while every one of their loggers is off, a call (POST, its body read, not the metrics path)
    goes from the metrics sink straight to the formatter sink, which is what the whole chain would do
    (each logging sink hands the request on, the router hands a call to the formatter sink), without
    passing through each of them on every call. Anything else, or any logger on, takes ``full``."""

    def __init__(
        self, full: Handler, logging: Sequence[RequestLoggingSink], metrics: CallMetricsSink | None,
        router: RequestRouter,
    ) -> None:
        self.full = full
        self.logging = tuple(logging)
        self.metrics = metrics
        self.router = router

    def __call__(self, request: ServerRequest) -> Awaitable[ServerResponse]:
        for sink in self.logging:
            if sink.logger.isEnabledFor(sink.level):
                return self.full(request)
        router = self.router
        if request.method != "POST" or request.body_error is not None or (
            router.metrics is not None and request.uri == router.metrics_uri
        ):
            return self.full(request)
        if self.metrics is None:
            return router.calls(request)
        return self.metrics.measured(request, router.calls)


async def _ready(response: ServerResponse) -> ServerResponse:
    return response


def _scrape(request: ServerRequest, metrics: Metrics) -> ServerResponse:
    """The Prometheus scrape (GET or HEAD)."""
    if request.method not in ("GET", "HEAD"):
        return ServerResponse.method_not_allowed(request.method, "GET, HEAD")
    body, content_type = metrics.render(request.headers.get("accept"))
    return ServerResponse(200, body, content_type)
