"""gateway.server.wsdl_cache: one WSDL document per (service, variant, external base URL), bounded."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway import MarshalByRefObject, WellKnownObjectMode
from gateway.server.identity import IdentityTable, ServiceEntry
from gateway.server.lease_manager import LeaseManager
from gateway.server.wsdl_cache import VARIANTS, WsdlCache
from soap import clr_type


@clr_type("WsdlCacheTests.Hello", "WsdlCacheTests")
class Hello(MarshalByRefObject):
    def Hello(self, name: str) -> str:
        return name


class CountingCache(WsdlCache):
    """Counts how often a document is generated rather than served from the cache."""

    def __init__(self, max_entries: int = 256) -> None:
        super().__init__(max_entries)
        self.built: list[tuple[str, str]] = []

    def _build(self, entry: ServiceEntry, variant: str, location: str) -> bytes:
        self.built.append((variant, location))
        return super()._build(entry, variant, location)


def entries(*uris: str) -> list[ServiceEntry]:
    table = IdentityTable(LeaseManager(dt.timedelta(hours=1), lambda lease: None))
    return [table.register(Hello, uri, WellKnownObjectMode.SingleCall) for uri in uris]


def test_each_variant_is_its_own_document() -> None:
    [entry] = entries("Hello.rem")
    cache = WsdlCache()
    soap11, soap12, remoting = (cache.get(entry, v, "http://h") for v in ("soap11", "soap12", "remoting"))
    assert VARIANTS == ("soap11", "soap12", "remoting")
    wsdl_soap11, wsdl_soap12 = b"http://schemas.xmlsoap.org/wsdl/soap/", b"http://schemas.xmlsoap.org/wsdl/soap12/"
    assert wsdl_soap11 in soap11 and wsdl_soap12 not in soap11
    assert wsdl_soap12 in soap12
    assert b'style="rpc"' in remoting and b'use="encoded"' in remoting
    assert b'use="encoded"' not in soap11
    for doc in (soap11, soap12, remoting):
        assert b'location="http://h/Hello.rem"' in doc


def test_documents_are_built_once_per_base_url() -> None:
    [entry] = entries("Hello.rem")
    cache = CountingCache()
    a = cache.get(entry, "soap11", "http://a.example")
    assert cache.get(entry, "soap11", "http://a.example") is a  # served from the cache
    b = cache.get(entry, "soap11", "https://b.example/prefix")
    assert b'location="http://a.example/Hello.rem"' in a
    assert b'location="https://b.example/prefix/Hello.rem"' in b  # never an address cached for another host
    assert cache.built == [("soap11", "http://a.example/Hello.rem"), ("soap11", "https://b.example/prefix/Hello.rem")]


@pytest.mark.parametrize("variant", ["soap13", "", "SOAP11", "wsdl"])
def test_unknown_variant_is_refused(variant: str) -> None:
    [entry] = entries("Hello.rem")
    cache = CountingCache()
    with pytest.raises(ValueError, match="unknown WSDL variant") as info:
        cache.get(entry, variant, "http://h")
    assert "?wsdl=soap12" in str(info.value)
    assert cache.built == []


def test_least_recently_used_document_is_evicted_at_max_entries() -> None:
    one, two, three = entries("One.rem", "Two.rem", "Three.rem")
    cache = CountingCache(max_entries=2)
    cache.get(one, "soap11", "http://h")
    cache.get(two, "soap11", "http://h")
    cache.get(one, "soap11", "http://h")  # one is now the most recently used
    cache.get(three, "soap11", "http://h")  # evicts two
    assert len(cache.built) == 3
    cache.get(one, "soap11", "http://h")
    cache.get(three, "soap11", "http://h")
    assert len(cache.built) == 3  # both still cached
    cache.get(two, "soap11", "http://h")
    assert cache.built[-1] == ("soap11", "http://h/Two.rem")  # rebuilt: it had been evicted
    assert len(cache.built) == 4
