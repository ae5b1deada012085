"""What a GET on an object URI serves: its WSDL documents (``?wsdl``, ``?wsdl=soap12``, ``?wsdl=remoting``)
and otherwise the help page (:mod:`.help_page`: every object at ``/``, one at ``/<uri>``).

Addresses in both come from the external URL of the request (or the configured public URL). Both are
served through the server sink chain, so an authentication sink protects them like the calls.
"""

from __future__ import annotations

from collections.abc import Callable

from .help_page import HEADERS, HelpPages
from .identity import IdentityTable, ServiceEntry
from .sinks import ServerRequest, ServerResponse
from .wsdl_cache import WsdlCache

_TEXT = "text/plain; charset=utf-8"


class ServicePages:
    """Serves the WSDL documents and the help pages of one application."""

    def __init__(
        self, identities: IdentityTable, wsdl_cache: WsdlCache, external_url: Callable[[ServerRequest], str]
    ) -> None:
        self.identities = identities
        self.wsdl_cache = wsdl_cache
        self.external_url = external_url
        self.help = HelpPages(identities)

    def __call__(self, request: ServerRequest) -> ServerResponse:
        query = request.query.lower()
        if query == "wsdl" or query.startswith("wsdl="):
            return self.wsdl(request, query.partition("=")[2])
        return self.index(request)

    def wsdl(self, request: ServerRequest, variant: str) -> ServerResponse:
        entry = self.identities.lookup(request.uri)
        if not isinstance(entry, ServiceEntry):
            return ServerResponse(404, b"No service is published at this URI.\n", _TEXT)
        base = self.external_url(request)
        try:
            document = self.wsdl_cache.get(entry, variant or "soap11", base)
        except ValueError as exc:
            return ServerResponse(400, f"{exc}\n".encode(), _TEXT)
        return ServerResponse(200, document, "text/xml; charset=utf-8")

    def index(self, request: ServerRequest) -> ServerResponse:
        """The help page of every object (``/``) or of the well-known object at the request's URI."""
        page = self.help.page(self.external_url(request), request.uri)
        if page is None:
            return ServerResponse(404, b"No object is published at this URI.\n", _TEXT)
        return ServerResponse(200, page, "text/html; charset=utf-8", list(HEADERS))
