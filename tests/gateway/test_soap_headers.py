"""Document/literal SOAP headers (spyne's ``in_header`` / ``out_header``): declared with
``@soap_headers``, read and set through ``CallContext``, in the WSDL, and understood by a SOAP toolkit (zeep);
and one-way operations as a toolkit sees them."""

from __future__ import annotations

import asyncio
import importlib.util
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import zeep
import zeep.transports

from gateway import (
    CallContext,
    LiteralBinding,
    MarshalByRefObject,
    RemotingApp,
    RemotingClient,
    WellKnownObjectMode,
    one_way,
    soap_headers,
)
from gateway.server.dispatcher import Dispatcher
from soap import SoapFormatter, serializable
from tests.support.server import serve_in_thread
from wsdl import contract_of, literal_wsdl
from wsdl._stubgen import generate_stub

TNS = "urn:HeaderTests.Shop"


@serializable("HeaderTests.AuthHeader", assembly="HeaderTests")
@dataclass
class AuthHeader:
    User: str | None = None
    Token: str | None = None


@serializable("HeaderTests.QuotaHeader", assembly="HeaderTests")
@dataclass
class QuotaHeader:
    Left: int = 0


class Shop(MarshalByRefObject):
    __soap_namespace__ = TNS
    notes: list[str] = []  # noqa: RUF012 - shared with the tests

    @soap_headers(in_header=AuthHeader, out_header=QuotaHeader)
    def Buy(self, item: str) -> str:
        auth = CallContext.get_header(AuthHeader)
        CallContext.set_header(QuotaHeader(Left=len(item)))
        return f"{item} for {auth.User if auth else 'nobody'}"

    @one_way
    def Note(self, text: str) -> None:
        Shop.notes.append(text)


def make_app() -> RemotingApp:
    app = RemotingApp(sinks=[])
    app.register_well_known(Shop, "Shop.soap", WellKnownObjectMode.SingleCall)
    return app


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with serve_in_thread(make_app()) as url:
        yield url


def test_the_wsdl_declares_the_headers_on_input_and_output() -> None:
    wsdl = literal_wsdl(contract_of(Shop), "http://t/Shop.soap").decode()
    assert '<wsdl:message name="AuthHeaderHeader">' in wsdl and '<wsdl:message name="QuotaHeaderHeader">' in wsdl
    assert '<soap:header message="tns:AuthHeaderHeader" part="AuthHeader" use="literal"/>' in wsdl
    assert '<soap:header message="tns:QuotaHeaderHeader" part="QuotaHeader" use="literal"/>' in wsdl
    assert '<xs:element name="AuthHeader" type="tns:AuthHeader"/>' in wsdl


def test_our_literal_client_sends_and_receives_headers(base: str) -> None:
    binding = LiteralBinding(TNS)
    with RemotingClient(timeout=10) as client:
        shop = client.get_object(Shop, base + "Shop.soap", binding)
        assert shop.Buy("pen") == "pen for nobody"  # no header set: none sent
        assert CallContext.get_header(QuotaHeader) == QuotaHeader(3)  # but the reply's header arrived
        CallContext.set_header(AuthHeader("ann", "t0k"))
        assert shop.Buy("paper") == "paper for ann"
        assert CallContext.get_header(QuotaHeader) == QuotaHeader(5)


def test_zeep_sends_the_declared_header_and_reads_the_reply_header(base: str) -> None:
    client = zeep.Client(base + "Shop.soap?wsdl", transport=zeep.transports.Transport(timeout=10))
    result = client.service.Buy(item="ink", _soapheaders={"AuthHeader": {"User": "zed", "Token": "x"}})
    assert result.body.BuyResult == "ink for zed"
    assert result.header.QuotaHeader.Left == 3


def test_zeep_sees_a_one_way_operation(base: str) -> None:
    client = zeep.Client(base + "Shop.soap?wsdl", transport=zeep.transports.Transport(timeout=10))
    assert client.service.Note("from zeep") is None


def test_declared_headers_are_marked_understood_and_others_are_not() -> None:
    request = (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>'
        f'<h:AuthHeader xmlns:h="{TNS}" s:mustUnderstand="1"><h:User>u</h:User></h:AuthHeader>'
        '<x:Other xmlns:x="urn:elsewhere" s:mustUnderstand="1">?</x:Other>'
        f'</s:Header><s:Body><Buy xmlns="{TNS}"><item>pen</item></Buy></s:Body></s:Envelope>'
    ).encode()
    app = make_app()
    call = SoapFormatter().read_call(request)
    dispatcher = Dispatcher(app.identities)
    prepared = dispatcher.prepare(*dispatcher.resolve("Shop.soap", call), call)
    assert prepared.headers == {AuthHeader: AuthHeader("u", None)}
    assert [(b.name, b.understood) for b in call.header_blocks] == [("AuthHeader", True), ("Other", False)]


def test_a_malformed_declared_header_gets_a_client_fault() -> None:
    request = (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>'
        f'<h:QuotaHeader xmlns:h="{TNS}"><h:Left>many</h:Left></h:QuotaHeader>'
        f'</s:Header><s:Body><Buy xmlns="{TNS}"><item>pen</item></Buy></s:Body></s:Envelope>'
    ).encode()

    class Strict(Shop):
        @soap_headers(in_header=QuotaHeader)
        def Buy(self, item: str) -> str:
            return item

    app = RemotingApp(sinks=[])
    app.register_well_known(Strict, "Strict.soap", WellKnownObjectMode.SingleCall)

    async def post() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            return await http.post("/Strict.soap", content=request, headers={"content-type": "text/xml"})

    response = asyncio.run(post())
    assert response.status_code == 500
    assert b"soap:Client" in response.content and b"bad QuotaHeader header for Buy" in response.content


def test_header_types_must_be_by_value_classes() -> None:
    with pytest.raises(TypeError, match="must be a by-value class"):
        soap_headers(in_header=int)


def wait_for_notes(expected: list[str]) -> None:
    deadline = time.monotonic() + 10
    while Shop.notes != expected:
        assert time.monotonic() < deadline, f"notes: {Shop.notes}"
        time.sleep(0.01)


def test_a_stub_generated_from_the_wsdl_sends_one_way_operations(base: str, tmp_path: Path) -> None:
    source = generate_stub(base + "Shop.soap?wsdl")
    assert "    @one_way\n    def Note(self, text: str) -> None:" in source
    path = tmp_path / "shop_stub.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("shop_stub", path)
    assert spec is not None and spec.loader is not None
    stub = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stub)
    Shop.notes.clear()
    with RemotingClient(timeout=10) as client:
        shop = stub.connect(client, base + "Shop.soap")
        assert shop.Note("from a stub") is None
        assert shop.Buy("x") == "x for nobody"
    wait_for_notes(["from a stub"])


class ShopWithoutOneWay:
    """A contract that does not know ``Note`` is one-way: the 202 is still an answer."""

    def Note(self, text: str) -> None:
        raise NotImplementedError


def test_a_202_without_envelope_answers_a_void_operation(base: str) -> None:
    Shop.notes.clear()
    with RemotingClient(timeout=10) as client:
        shop = client.get_object(ShopWithoutOneWay, base + "Shop.soap", LiteralBinding(TNS))
        assert shop.Note("waited for") is None
    wait_for_notes(["waited for"])  # answered before it ran
