"""What our document/literal contract lets a class choose: its XSD type name apart from its Python name
(``__soap_type_name__``), members as XML attributes (``XmlShape(attribute=True)``), a declared exception's
faultcode (``__fault_code__``); and the name clash JAX-WS cannot compile, refused at registration.

In-process (httpx over ASGI); the same through a generated stub and a live server: test_stubgen.py's
``shipping_ours`` case.
"""

from __future__ import annotations

import asyncio
import enum
import sys
import types
from dataclasses import dataclass
from typing import Annotated

import httpx
import pytest
from lxml import etree

from gateway import MarshalByRefObject, RemotingApp, WellKnownObjectMode
from soap import XmlShape, serializable
from wsdl import literal_name_clashes, throws
from wsdl._contract import contract_of

XS = "http://www.w3.org/2001/XMLSchema"
W = "http://schemas.xmlsoap.org/wsdl/"
NS = "urn:names-tests"
BASE = "http://testserver"


@serializable("NamesTests.Level", "NamesTests")
class Level(enum.Enum):
    LOW = 1
    HIGH = 2


@serializable("NamesTests.Item", "NamesTests")
@dataclass
class Item:
    """An item with an id attribute."""

    __soap_type_name__ = "CatalogItem"

    name: str
    level: Level
    id: Annotated[int, XmlShape(attribute=True)] = 0
    note: Annotated[str | None, XmlShape(attribute=True)] = None


@serializable("NamesTests.BadInput", "NamesTests")
class BadInput(Exception):
    """The caller's fault: faultcode Client."""

    __fault_code__ = "Client"
    field: str


@serializable("NamesTests.Broken", "NamesTests")
class Broken(Exception):
    """No __fault_code__: Server, as .NET answers every exception."""


class Catalog(MarshalByRefObject):
    __soap_namespace__ = NS

    def Item(self, name: str) -> Item:  # an operation named like the class: fine, the type is CatalogItem
        return Item(name, Level.HIGH, 7, None if name == "plain" else "a<b")

    def Items(self, count: int) -> list[Item]:
        return [Item(f"n{i}", Level.LOW, i) for i in range(count)]

    @throws(BadInput, Broken)
    def Check(self, name: str) -> None:
        if name == "bad":
            error = BadInput("no such name")
            error.field = "name"
            raise error
        raise Broken("down")


def _app() -> RemotingApp:
    app = RemotingApp()
    app.register_well_known(Catalog, "Catalog.soap", WellKnownObjectMode.SingleCall)
    return app


def _get(app: RemotingApp, path: str) -> bytes:
    async def fetch() -> bytes:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
            return (await client.get(path)).content

    return asyncio.run(fetch())


def _post(app: RemotingApp, envelope: str, content_type: str = "text/xml; charset=utf-8") -> httpx.Response:
    async def post() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
            return await client.post("/Catalog.soap", content=envelope.encode(), headers={"content-type": content_type})

    return asyncio.run(post())


def test_the_xsd_name_and_attributes_in_the_wsdl() -> None:
    root = etree.fromstring(_get(_app(), "/Catalog.soap?wsdl"))
    schema = root.find(f"{{{W}}}types/{{{XS}}}schema")
    assert schema is not None
    names = {el.get("name") for el in schema if el.tag == f"{{{XS}}}complexType"}
    assert "CatalogItem" in names and "Item" not in names and "ArrayOfCatalogItem" in names
    item = schema.find(f"{{{XS}}}complexType[@name='CatalogItem']")
    assert item is not None
    attributes = {a.get("name"): (a.get("type"), a.get("use")) for a in item.iterfind(f"{{{XS}}}attribute")}
    assert attributes == {"id": ("xs:int", "required"), "note": ("xs:string", None)}
    assert [e.get("name") for e in item.iter(f"{{{XS}}}element")] == ["name", "level"]
    assert item.findtext(f"{{{XS}}}annotation/{{{XS}}}documentation") == "An item with an id attribute."
    faults = {f.get("name") for f in root.iter(f"{{{W}}}fault")}
    assert faults == {"BadInput", "Broken"}


def _call(app: RemotingApp, body: str) -> httpx.Response:
    return _post(app, f'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>{body}'
                      "</soap:Body></soap:Envelope>")


def test_attributes_and_item_names_on_the_wire() -> None:
    response = _call(_app(), f'<Item xmlns="{NS}"><name>x</name></Item>')
    result = etree.fromstring(response.content).find(f".//{{{NS}}}ItemResult")
    assert result is not None and dict(result.attrib) == {"id": "7", "note": "a<b"}
    response = _call(_app(), f'<Item xmlns="{NS}"><name>plain</name></Item>')
    result = etree.fromstring(response.content).find(f".//{{{NS}}}ItemResult")
    assert result is not None and dict(result.attrib) == {"id": "7"}  # None: the attribute is left out
    response = _call(_app(), f'<Items xmlns="{NS}"><count>2</count></Items>')
    items = etree.fromstring(response.content).find(f".//{{{NS}}}ItemsResult")
    assert items is not None and [etree.QName(c).localname for c in items] == ["CatalogItem", "CatalogItem"]


@pytest.mark.parametrize(("name", "code11"), [("bad", "soap:Client"), ("other", "soap:Server")])
def test_a_declared_exception_chooses_its_faultcode(name: str, code11: str) -> None:
    response = _call(_app(), f'<Check xmlns="{NS}"><name>{name}</name></Check>')
    assert response.status_code == 500
    fault = etree.fromstring(response.content).find(".//{http://schemas.xmlsoap.org/soap/envelope/}Fault")
    assert fault is not None and fault.findtext("faultcode") == code11


def test_a_declared_client_fault_in_soap12_and_the_remoting_dialect() -> None:
    soap12 = _post(_app(), f'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>'
                           f'<Check xmlns="{NS}"><name>bad</name></Check></s:Body></s:Envelope>',
                   "application/soap+xml; charset=utf-8")
    assert "<soap:Value>soap:Sender</soap:Value>" in soap12.text
    method_ns = contract_of(Catalog).clr.method_namespace
    remoting = _post(_app(), '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">'
                             f'<SOAP-ENV:Body><i2:Check id="ref-1" xmlns:i2="{method_ns}"><name id="ref-2">bad'
                             "</name></i2:Check></SOAP-ENV:Body></SOAP-ENV:Envelope>")
    fault = etree.fromstring(remoting.content).find(".//{http://schemas.xmlsoap.org/soap/envelope/}Fault")
    assert fault is not None and fault.findtext("faultcode") == "SOAP-ENV:Client"
    assert fault.findtext("faultstring") == " **** NamesTests.BadInput - no such name"


@serializable("NamesTests.GetPerson", "NamesTests")
@dataclass
class GetPerson:
    name: str


class People(MarshalByRefObject):
    def GetPerson(self, name: str) -> GetPerson:
        return GetPerson(name)


class Snake(MarshalByRefObject):
    """JAXB capitalises and joins words: the wrapper element get_person is a Java class GetPerson too."""

    def get_person(self, name: str) -> GetPerson:
        return GetPerson(name)


def test_an_operation_and_a_type_with_one_java_class_name_are_refused_at_registration() -> None:
    with pytest.raises(TypeError) as refused:
        RemotingApp().register_well_known(People, "People.soap", WellKnownObjectMode.SingleCall)
    message = str(refused.value)
    assert "People cannot be published" in message
    assert "the wrapper element GetPerson and the type GetPerson" in message
    assert "one Java class GetPerson" in message and "__soap_type_name__" in message
    assert literal_name_clashes(contract_of(Snake))
    GetPerson.__soap_type_name__ = "PersonRecord"  # type: ignore[attr-defined]
    try:
        assert literal_name_clashes(contract_of(Snake)) == []
        RemotingApp().register_well_known(People, "People.soap", WellKnownObjectMode.SingleCall)
    finally:
        del GetPerson.__soap_type_name__  # type: ignore[attr-defined]


def test_the_guide_example_runs_as_written() -> None:
    """docs/guide.md section 4's block: the XSD name, an attribute member and a Client faultcode."""
    from pathlib import Path

    from gateway.server.faults import declared_fault_code
    from soap import xsd_type_name

    guide = (Path(__file__).resolve().parents[2] / "docs" / "guide.md").read_text(encoding="utf-8")
    block = guide.split("What a class can choose of its document/literal shape", 1)[1]
    source = block.split("```python\n", 1)[1].split("```", 1)[0]
    module = types.ModuleType("guide_section_4")
    sys.modules[module.__name__] = module  # dataclasses look their class's module up there
    try:
        exec(compile(source, "docs/guide.md", "exec"), module.__dict__)
    finally:
        del sys.modules[module.__name__]
    item, out_of_stock = module.Item, module.OutOfStock
    assert isinstance(item, type) and isinstance(out_of_stock, type)
    assert xsd_type_name(item) == "CatalogItem" and declared_fault_code(out_of_stock) == "Client"
    assert "<tns:x id=\"7\">" in _item_xml(item(name="n", id=7))


def _item_xml(value: object) -> str:
    from soap import DEFAULT_REGISTRY, wire_type
    from soap._literal import LiteralWriter

    return LiteralWriter(DEFAULT_REGISTRY, NS).element("x", value, wire_type(type(value)))
