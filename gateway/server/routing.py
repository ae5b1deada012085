"""The innermost handler of the server sink chain: what a request for an object URI asks for.

GET and HEAD read the WSDL or the help page; POST is a call (or its body was refused for its size:
413, or 408 when it came too slowly, with a fault in the request's dialect); any other method gets 405 with ``Allow``.
"""

from __future__ import annotations

from .formatter_sink import FormatterSink
from .pages import ServicePages
from .sinks import ServerRequest, ServerResponse

ALLOWED_METHODS = "GET, HEAD, POST"


class RequestRouter:
    """Terminal handler: pages for GET/HEAD, the formatter sink for POST, 405 for the rest."""

    def __init__(self, pages: ServicePages, calls: FormatterSink) -> None:
        self.pages = pages
        self.calls = calls

    async def __call__(self, request: ServerRequest) -> ServerResponse:
        method = request.method
        if method == "POST":
            error = request.body_error
            if error is not None:
                return self.calls.refuse(request, error, status=getattr(error, "http_status", 413))
            return await self.calls(request)
        if method in ("GET", "HEAD"):
            return self.pages(request)
        return ServerResponse(
            405, f"Method {method} is not allowed here; use {ALLOWED_METHODS}.\n".encode(),
            "text/plain; charset=utf-8", [("allow", ALLOWED_METHODS)],
        )
