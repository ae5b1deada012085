"""WSDL documents per service, variant and external base URL.

Generation is deterministic, so each (URI, variant, base URL) is built once; the base URL is part of the key
because ``soap:address`` is computed from the request (or the configured public URL) and must never be one
cached from an earlier request that came in through another host, port or proxy.
"""

from __future__ import annotations

from wsdl import literal_wsdl, remoting_wsdl

from .identity import ServiceEntry
from .lru import BoundedCache

VARIANTS = ("soap11", "soap12", "remoting")


class WsdlCache:
    def __init__(self, max_entries: int = 256) -> None:
        self._docs: BoundedCache[tuple[str, str, str], bytes] = BoundedCache(max_entries)

    def get(self, entry: ServiceEntry, variant: str, base_url: str) -> bytes:
        if variant not in VARIANTS:
            raise ValueError(f"unknown WSDL variant {variant!r}; use ?wsdl, ?wsdl=soap12 or ?wsdl=remoting")
        location = f"{base_url}/{entry.uri}"
        return self._docs.get((entry.uri, variant, base_url), lambda: self._build(entry, variant, location))

    def _build(self, entry: ServiceEntry, variant: str, location: str) -> bytes:
        if variant == "remoting":
            return remoting_wsdl(entry.contract, location)
        return literal_wsdl(entry.contract, location, soap12=variant == "soap12")
