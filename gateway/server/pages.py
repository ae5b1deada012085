"""What a GET on an object URI serves: its WSDL documents (``?wsdl``, ``?wsdl=soap12``, ``?wsdl=remoting``)
and otherwise the service index (each service with its operations' signatures and docs, and WSDL links).

Addresses in both come from the external URL of the request (or the configured public URL).
"""

from __future__ import annotations

import html
from collections.abc import Callable

from .identity import IdentityTable, ServiceEntry
from .sinks import ServerRequest, ServerResponse
from .wsdl_cache import WsdlCache

_TEXT = "text/plain; charset=utf-8"


class ServicePages:
    """Serves the WSDL documents and the service index of one application."""

    def __init__(
        self, identities: IdentityTable, wsdl_cache: WsdlCache, external_url: Callable[[ServerRequest], str]
    ) -> None:
        self.identities = identities
        self.wsdl_cache = wsdl_cache
        self.external_url = external_url

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
        entries = self.identities.well_known()
        if request.uri:
            entries = [e for e in entries if e.uri == request.uri]
            if not entries:
                return ServerResponse(404, b"No object is published at this URI.\n", _TEXT)
        base = self.external_url(request)
        rows = []
        for entry in entries:
            contract = entry.contract
            ops = "".join(
                f"<li><code>{html.escape(op.signature())}</code>"
                + (f"<p>{html.escape(op.doc)}</p>" if op.doc else "")
                + "</li>"
                for op in sorted(contract.operations.values(), key=lambda o: o.name)
            )
            address = html.escape(f"{base}/{entry.uri}", quote=True)
            links = " | ".join(
                f'<a href="{address}?{query}">{label}</a>'
                for query, label in (("wsdl", "WSDL (SOAP 1.1)"), ("wsdl=soap12", "WSDL (SOAP 1.2)"),
                                     ("wsdl=remoting", "WSDL (.NET Remoting)"))
            )
            doc = f"<p>{html.escape(contract.doc)}</p>" if contract.doc else ""
            rows.append(
                f"<h2>/{html.escape(entry.uri)}</h2><p>{html.escape(contract.clr.full_name)} "
                f"({entry.mode.value})</p>{doc}<p>{links}</p><ul>{ops}</ul>"
            )
        page = f"<!DOCTYPE html><html><head><title>Remoting services</title></head><body>{''.join(rows)}</body></html>"
        return ServerResponse(200, page.encode(), "text/html; charset=utf-8")
