"""The WSDL documents of every published object, fetched in-process (``httpx.ASGITransport``).

For each well-known object of ``examples.remoting_samples`` and ``examples.interop`` and for a synthetic
service built here (50 operations, 30 dataclass types nested four deep, enums, Optional, lists of
dataclasses, Decimal, date, timedelta, bytes, a declared fault):

* ``?wsdl`` and ``?wsdl=soap12`` (document/literal): the embedded ``xs:schema`` compiles with
  ``lxml.etree.XMLSchema``, and the WS-I / toolkit rules of ``peers/clients/README.md`` hold
  (``elementFormDefault="qualified"``, one part named ``parameters`` per message, ``<op>Result``, never
  ``minOccurs="0"`` together with ``nillable="true"``, array items ``minOccurs="0" maxOccurs="unbounded"``, no
  SOAP 1.2 namespace anywhere in the SOAP 1.1 document, ``soap12:`` binding and address in the other);
* ``?wsdl=remoting`` (rpc/encoded): every embedded schema compiles too, against a local stub of the
  SOAP-ENC schema (``soapenc:Array``, ``soapenc:arrayType``), and every part's type resolves;
* every operation is called with sample arguments built from its type hints: the request our own literal
  writer produces and the server's response (or declared fault detail) both validate against the WSDL's
  schema, and for the synthetic service echoed values come back equal;
* ``wsdl:documentation`` comes from the docstrings; ``Content-Type: text/xml; charset=utf-8``;
* ``soap:address`` is the request's external URL, recomputed per request (Host header, ``public_url``,
  ``X-Forwarded-*`` only when trusted); ``?wsdl=foo`` is a 400 (the help page at ``/``, with its WSDL
  links: ``tests/pages``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import enum
import inspect
import types
import typing
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

import examples.interop as interop
import examples.remoting_samples as samples
from gateway import MarshalByRefObject, RemotingApp, WellKnownObjectMode
from soap import (
    DEFAULT_LIMITS,
    DEFAULT_REGISTRY,
    SOAP11,
    Fault,
    Kind,
    MethodCall,
    object_fields,
    read_literal_response,
    serializable,
    wire_type,
    write_literal_call,
)
from wsdl import Operation, contract_of, throws

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
SOAP11_BINDING = "http://schemas.xmlsoap.org/wsdl/soap/"
SOAP12_BINDING = "http://schemas.xmlsoap.org/wsdl/soap12/"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP_ENC = "http://schemas.xmlsoap.org/soap/encoding/"
XS = "http://www.w3.org/2001/XMLSchema"
SUDS = "http://www.w3.org/2000/wsdl/suds"
NS = {"wsdl": WSDL_NS, "soap": SOAP11_BINDING, "soap12": SOAP12_BINDING, "xs": XS, "suds": SUDS}
W, X = f"{{{WSDL_NS}}}", f"{{{XS}}}"
BASE = "http://testserver"
LITERAL_VARIANTS = {"soap11": "wsdl", "soap12": "wsdl=soap12"}

# ------------------------------------------------------------------ the synthetic service


@serializable("WsdlTests.Color", "WsdlTests")
class Color(enum.Enum):
    """A colour."""

    RED = 1
    GREEN = 2
    BLUE = 3


@serializable("WsdlTests.Status", "WsdlTests")
class Status(enum.Enum):
    NEW = "new"
    ACTIVE = "active"
    CLOSED = "closed"


@serializable("WsdlTests.SyntheticError", "WsdlTests")
class SyntheticError(Exception):
    """The declared fault of ``op_13``."""

    code: int
    reason: str | None


#: Field types of the leaf dataclasses (level 1), used round-robin.
SCALARS: list[Any] = [
    str, int, float, bool, Decimal, dt.date, dt.timedelta, bytes, dt.datetime, str | None, Decimal | None,
    Color, Status | None, list[int], list[str] | None, dt.date | None, bytes | None, dt.timedelta | None,
]
LEVELS = (12, 8, 6, 4)  # dataclasses per nesting level: 30 in all, level 4 nests levels 3, 2 and 1


def _dataclass(name: str, fields: list[tuple[str, Any]], doc: str) -> type:
    cls = dataclasses.make_dataclass(name, fields, namespace={"__doc__": doc, "__module__": __name__})
    serializable(f"WsdlTests.{name}", "WsdlTests")(cls)
    return cls


def _build_types() -> list[list[type]]:
    levels: list[list[type]] = [[]]
    n = 0
    for i in range(LEVELS[0]):
        fields = [(f"f{j}", SCALARS[(i * 3 + j) % len(SCALARS)]) for j in range(5)]
        levels[0].append(_dataclass(f"T{n:02d}", fields, f"Leaf type {n}."))
        n += 1
    for depth in range(1, len(LEVELS)):
        below, level = levels[depth - 1], []
        for i in range(LEVELS[depth]):
            a, b, c = below[i % len(below)], below[(i + 1) % len(below)], below[(i + 2) % len(below)]
            fields = [
                ("one", a), ("many", list[b]), ("maybe", c | None), ("label", str),
                ("kind", Color if i % 2 else Status), ("leaves", list[levels[0][(i + 3) % LEVELS[0]]] | None),
            ]
            level.append(_dataclass(f"T{n:02d}", fields, f"Level {depth + 1} type {n}, nesting level {depth}."))
            n += 1
        levels.append(level)
    return levels


TYPE_LEVELS = _build_types()
TYPES: list[type] = [cls for level in TYPE_LEVELS for cls in level]
DEEPEST = TYPE_LEVELS[-1]


def _op_spec(i: int) -> tuple[list[tuple[str, Any]], Any]:
    """Parameters and return hint of ``op_<i>``: deterministic, covering every shape."""
    if i % 10 == 9:
        return [], list[TYPES[i % len(TYPES)]]
    first = TYPES[(i * 7) % len(TYPES)]
    params: list[tuple[str, Any]] = [("value", first), ("extra", SCALARS[i % len(SCALARS)])]
    if i % 3 == 0:
        params.append(("items", list[TYPES[(i + 7) % len(TYPES)]]))
    if i % 4 == 0:
        params.append(("maybe", TYPES[(i + 11) % len(TYPES)] | None))
    if i % 5 == 4:
        return params, None
    if i % 7 == 6:
        return params, list[first]
    return params, first


def _make_operation(i: int) -> Callable[..., Any]:
    name = f"op_{i:02d}"
    params, ret = _op_spec(i)
    echo = bool(params) and ret is params[0][1]

    def result(args: tuple[object, ...]) -> object:
        if name == "op_13":
            error = SyntheticError("op_13 always fails")
            error.code, error.reason = 13, "declared <fault> & detail"
            raise error
        if echo:
            return args[0]
        return None if ret is None else sample(ret)

    if i % 6 == 5:
        async def op(self: object, *args: object) -> object:
            return result(args)
    else:
        def op(self: object, *args: object) -> object:  # type: ignore[misc]
            return result(args)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = None if i % 8 == 7 else f"Operation {i}: {len(params)} parameter(s)."
    op.__annotations__ = {**dict(params), "return": ret}
    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    op.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("self", positional)] + [inspect.Parameter(p, positional, annotation=h) for p, h in params],
        return_annotation=ret,
    )
    if name == "op_13":
        op = throws(SyntheticError)(op)
    return op


SyntheticService = type(
    "SyntheticService",
    (MarshalByRefObject,),
    {
        "__doc__": "A synthetic service: 50 operations over 30 dataclass types.",
        "__module__": __name__,
        "__soap_namespace__": "urn:wsdl-tests:synthetic",
        **{f"op_{i:02d}": _make_operation(i) for i in range(50)},
    },
)
synthetic_app = RemotingApp()
synthetic_app.register_well_known(SyntheticService, "Synthetic.soap", WellKnownObjectMode.SingleCall)


def sample(hint: Any, depth: int = 0) -> Any:
    """A deterministic value of ``hint``; Optional values alternate between None and a value with depth."""
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        base = typing.get_args(hint)[0]
        kind = wire_type(hint).kind
        if kind is Kind.CHAR:
            return "c"
        if kind is Kind.INT64:
            return 2**40
        return sample(base, depth)
    if origin in (typing.Union, types.UnionType):
        inner = next(a for a in typing.get_args(hint) if a is not type(None))
        return None if depth % 2 else sample(inner, depth)
    if origin is list:
        (item,) = typing.get_args(hint)
        return [sample(item, depth + 1) for _ in range(2 if depth < 3 else 1)]
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        members = list(hint)
        return members[depth % len(members)]
    if dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return hint(**{f.name: sample(hints[f.name], depth + 1) for f in dataclasses.fields(hint)})
    simple: dict[Any, Any] = {
        str: "héllo <&> ✓", int: 42, float: 1234.5625, bool: True, Decimal: Decimal("12345.678"),
        dt.date: dt.date(2024, 5, 6), dt.timedelta: dt.timedelta(days=1, hours=2, minutes=3, seconds=4, microseconds=5),
        bytes: b"\x00\x01\xff", dt.datetime: dt.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=dt.UTC),
    }
    if hint in simple:
        return simple[hint]
    if hint is Any or hint is object:
        return "any"
    raise TypeError(f"no sample for {hint!r}")


# ------------------------------------------------------------------ services under test


def _services() -> list[tuple[RemotingApp, str]]:
    found = [(interop.app, e.uri) for e in interop.app.identities.well_known()]
    found += [(samples.app, e.uri) for e in samples.app.identities.well_known()]
    found.append((synthetic_app, "Synthetic.soap"))
    return found


SERVICES = _services()
SERVICE_IDS = [uri for _, uri in SERVICES]


def test_every_example_service_is_covered() -> None:
    assert {"InteropService.soap", "SayHello.soap", "SayHello.rem", "SingleCallService.rem",
            "SingletonService.rem", "FactoryService.rem", "Synthetic.soap"} <= set(SERVICE_IDS)


# ------------------------------------------------------------------ helpers


def request(app: RemotingApp, method: str, path: str, headers: dict[str, str] | None = None,
            content: bytes | None = None) -> httpx.Response:
    """One request in-process through ``httpx.ASGITransport``."""

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            return await client.request(method, path, headers=headers, content=content)

    return asyncio.run(go())


def fetch(app: RemotingApp, uri: str, query: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return request(app, "GET", f"/{uri}?{query}", headers)


def wsdl_root(app: RemotingApp, uri: str, query: str, headers: dict[str, str] | None = None) -> etree._Element:
    response = fetch(app, uri, query, headers)
    assert response.status_code == 200, response.text
    return etree.fromstring(response.content)


def address_of(root: etree._Element) -> str:
    locations = root.xpath("wsdl:service/wsdl:port/*[local-name()='address']/@location", namespaces=NS)
    assert len(locations) == 1, locations
    return str(locations[0])


def standalone(schema: etree._Element, imports: dict[str, str] | None = None) -> etree._Element:
    """A copy of an embedded schema with every namespace in scope declared on it (QNames in attribute
    values use prefixes declared on ``wsdl:definitions``), plus ``xs:import``s for foreign namespaces."""
    nsmap = {k: v for k, v in schema.nsmap.items() if k is not None}
    nsmap["xs"] = XS
    copy = etree.Element(X + "schema", nsmap=nsmap, attrib=dict(schema.attrib))
    for namespace, location in (imports or {}).items():
        etree.SubElement(copy, X + "import", namespace=namespace, schemaLocation=location)
    for child in schema:
        copy.append(_deepcopy(child))
    return copy


def _deepcopy(el: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(el))


def literal_schema(root: etree._Element) -> etree.XMLSchema:
    schemas = root.findall(f"{W}types/{X}schema")
    assert len(schemas) == 1, "a literal WSDL embeds exactly one schema"
    return etree.XMLSchema(standalone(schemas[0]))


def resolve(root: etree._Element, qname: str, context: etree._Element) -> tuple[str, str]:
    prefix, _, local = qname.rpartition(":")
    namespace = context.nsmap.get(prefix or None)
    assert namespace is not None, f"prefix {prefix!r} of {qname!r} is not declared"
    return namespace, local


#: A stub of the SOAP-ENC schema (http://schemas.xmlsoap.org/soap/encoding/), just what Remoting WSDLs use.
SOAPENC_STUB = f"""<?xml version="1.0"?>
<xs:schema xmlns:xs="{XS}" xmlns:tns="{SOAP_ENC}" targetNamespace="{SOAP_ENC}">
  <xs:attribute name="arrayType" type="xs:string"/>
  <xs:attribute name="offset" type="xs:string"/>
  <xs:attributeGroup name="commonAttributes">
    <xs:attribute name="id" type="xs:ID"/>
    <xs:attribute name="href" type="xs:anyURI"/>
    <xs:anyAttribute namespace="##other" processContents="lax"/>
  </xs:attributeGroup>
  <xs:attributeGroup name="arrayAttributes">
    <xs:attribute ref="tns:arrayType"/>
    <xs:attribute ref="tns:offset"/>
  </xs:attributeGroup>
  <xs:complexType name="Array">
    <xs:sequence>
      <xs:any namespace="##any" minOccurs="0" maxOccurs="unbounded" processContents="lax"/>
    </xs:sequence>
    <xs:attributeGroup ref="tns:arrayAttributes"/>
    <xs:attributeGroup ref="tns:commonAttributes"/>
  </xs:complexType>
</xs:schema>
"""


@pytest.fixture
def soapenc_stub(tmp_path: Path) -> Path:
    path = tmp_path / "soapenc.xsd"
    path.write_text(SOAPENC_STUB)
    return path


# ------------------------------------------------------------------ document/literal WSDLs


@pytest.mark.parametrize("variant", sorted(LITERAL_VARIANTS))
@pytest.mark.parametrize(("app", "uri"), SERVICES, ids=SERVICE_IDS)
def test_literal_schema_compiles(app: RemotingApp, uri: str, variant: str) -> None:
    root = wsdl_root(app, uri, LITERAL_VARIANTS[variant])
    schema = literal_schema(root)
    assert schema is not None


@pytest.mark.parametrize("variant", sorted(LITERAL_VARIANTS))
@pytest.mark.parametrize(("app", "uri"), SERVICES, ids=SERVICE_IDS)
def test_literal_wsdl_follows_ws_i_rules(app: RemotingApp, uri: str, variant: str) -> None:
    root = wsdl_root(app, uri, LITERAL_VARIANTS[variant])
    (schema,) = root.findall(f"{W}types/{X}schema")
    tns = root.get("targetNamespace")
    assert schema.get("targetNamespace") == tns
    assert schema.get("elementFormDefault") == "qualified"
    globals_ = {el.get("name"): el for el in schema.findall(f"{X}element")}
    types = {el.get("name") for el in schema if el.tag in (X + "complexType", X + "simpleType")}

    for el in schema.iter(X + "element"):
        assert not (el.get("minOccurs") == "0" and el.get("nillable") == "true"), etree.tostring(el)
        if el.get("maxOccurs") == "unbounded":
            assert el.get("minOccurs") == "0", f"array item {el.get('name')} must allow empty arrays"
        ref = el.get("type")
        if ref is not None:
            namespace, local = resolve(root, ref, el)
            assert namespace == XS or (namespace == tns and local in types), f"unresolved type {ref}"
    for ct in schema.findall(f"{X}complexType"):
        if ct.get("name", "").startswith("ArrayOf"):
            items = ct.findall(f"{X}sequence/{X}element")
            assert len(items) == 1 and items[0].get("maxOccurs") == "unbounded"
            assert items[0].get("minOccurs") == "0"

    contract = app.identities.lookup(uri).contract  # type: ignore[union-attr]
    ops = {o.get("name"): o for o in root.findall(f"{W}portType/{W}operation")}
    literal = {name for name, op in contract.operations.items()
               if Kind.OBJREF not in [p.wire.kind for p in op.parameters] + [op.returns.kind]}
    assert set(ops) == literal
    messages = {m.get("name"): m for m in root.findall(f"{W}message")}
    for name, op_el in ops.items():
        for direction in ("input", "output"):
            message = messages[resolve(root, op_el.find(W + direction).get("message"), op_el)[1]]
            parts = message.findall(W + "part")
            assert [p.get("name") for p in parts] == ["parameters"], f"{name} {direction}"
            element = resolve(root, parts[0].get("element"), parts[0])
            assert element == (tns, name if direction == "input" else f"{name}Response")
        request_children = [e.get("name") for e in globals_[name].findall(f"{X}complexType/{X}sequence/{X}element")]
        assert request_children == [p.name for p in contract.operations[name].parameters]
        result = [e.get("name") for e in globals_[f"{name}Response"].findall(f"{X}complexType/{X}sequence/{X}element")]
        assert result == ([] if contract.operations[name].returns.kind is Kind.VOID else [f"{name}Result"])
        for fault in op_el.findall(W + "fault"):
            parts = messages[resolve(root, fault.get("message"), fault)[1]].findall(W + "part")
            assert len(parts) == 1 and parts[0].get("element") is not None
            assert resolve(root, parts[0].get("element"), parts[0])[1] in globals_
    for message in messages.values():
        assert len(message.findall(W + "part")) == 1, f"message {message.get('name')} must have one part"

    binding_ns = SOAP12_BINDING if variant == "soap12" else SOAP11_BINDING
    (binding,) = root.findall(f"{W}binding")
    assert binding.find(f"{{{binding_ns}}}binding").get("style") == "document"
    assert {o.get("name") for o in binding.findall(W + "operation")} == set(ops)
    for body in binding.iter(f"{{{binding_ns}}}body"):
        assert body.get("use") == "literal"
    for op in binding.findall(W + "operation"):
        assert op.find(f"{{{binding_ns}}}operation").get("soapAction")


@pytest.mark.parametrize(("app", "uri"), SERVICES, ids=SERVICE_IDS)
def test_soap11_wsdl_never_mentions_soap12(app: RemotingApp, uri: str) -> None:
    for query in ("wsdl", "wsdl=remoting"):
        response = fetch(app, uri, query)
        assert SOAP12_BINDING.encode() not in response.content, query
        assert b"soap12" not in response.content, query
    root = wsdl_root(app, uri, "wsdl")
    assert root.findall("wsdl:binding/soap:binding", NS)
    assert root.findall("wsdl:service/wsdl:port/soap:address", NS)


@pytest.mark.parametrize(("app", "uri"), SERVICES, ids=SERVICE_IDS)
def test_soap12_wsdl_uses_soap12_binding_and_address(app: RemotingApp, uri: str) -> None:
    root = wsdl_root(app, uri, "wsdl=soap12")
    assert root.findall("wsdl:binding/soap12:binding", NS)
    assert root.findall("wsdl:service/wsdl:port/soap12:address", NS)
    assert not root.xpath("//soap:*", namespaces=NS), "no SOAP 1.1 binding elements in the SOAP 1.2 WSDL"
    for op in root.findall("wsdl:binding/wsdl:operation", NS):
        assert op.find("soap12:operation", NS) is not None
        assert op.find("wsdl:input/soap12:body", NS).get("use") == "literal"


@pytest.mark.parametrize("query", ["wsdl", "wsdl=soap12", "wsdl=remoting"])
@pytest.mark.parametrize(("app", "uri"), SERVICES, ids=SERVICE_IDS)
def test_documentation_comes_from_docstrings(app: RemotingApp, uri: str, query: str) -> None:
    root = wsdl_root(app, uri, query)
    contract = app.identities.lookup(uri).contract  # type: ignore[union-attr]
    assert root.findtext(W + "documentation") == contract.doc  # None: no element (FactoryService)
    assert contract.doc or uri == "FactoryService.rem"
    for op_el in root.findall(f"{W}portType/{W}operation"):
        op = contract.operations[op_el.get("name")]
        assert op_el.findtext(W + "documentation") == op.doc
    if query != "wsdl=remoting":
        classes = by_value_classes(contract.operations.values())
        assert classes or uri.startswith(("SayHello", "FactoryService"))
        for cls in classes:
            el = root.find(f"{W}types/{X}schema/{X}complexType[@name='{cls.__name__}']")
            if el is not None:  # types only OBJREF operations use are not in the literal WSDL
                assert el.findtext(f"{X}annotation/{X}documentation") == inspect.getdoc(cls)


def by_value_classes(ops: Any) -> set[type]:
    """The dataclasses and exceptions an operation set uses, transitively."""
    found: set[type] = set()

    def walk(wt: Any) -> None:
        if wt.item is not None:
            walk(wt.item)
        if wt.kind is Kind.OBJECT and wt.py_type is not None and wt.py_type not in found:
            found.add(wt.py_type)
            for spec in object_fields(wt.py_type):
                walk(spec.wire)

    for op in ops:
        for wt in [*op.parameter_types, op.returns]:
            walk(wt)
        for exc in op.faults:
            walk(wire_type(exc))
    return found


@pytest.mark.parametrize("query", ["wsdl", "wsdl=soap12", "wsdl=remoting", "WSDL"])
@pytest.mark.parametrize(("app", "uri"), SERVICES, ids=SERVICE_IDS)
def test_content_type_is_xml_utf8(app: RemotingApp, uri: str, query: str) -> None:
    response = fetch(app, uri, query)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")


# ------------------------------------------------------------------ the Remoting (rpc/encoded) WSDL


def compile_remoting_schemas(root: etree._Element, directory: Path, soapenc: Path) -> etree.XMLSchema:
    """Write each embedded schema to ``directory``, its own ``xs:import``s pointed at the files of the other
    ones and at the SOAP-ENC stub, then compile them all. Nothing is added: a schema that refers to another
    namespace without importing it (which strict toolkits such as suds refuse) fails to compile."""
    embedded = root.findall(f"{W}types/{X}schema")
    files = {s.get("targetNamespace"): directory / f"schema{i}.xsd" for i, s in enumerate(embedded)}
    assert len(files) == len(embedded), "one schema per namespace"
    locations = {ns: path.name for ns, path in files.items()} | {SOAP_ENC: soapenc.name}
    for schema in embedded:
        copy = standalone(schema)
        for imported in copy.iterfind(X + "import"):
            assert imported.get("schemaLocation") is None, "imports of this document's namespaces need no location"
            imported.set("schemaLocation", locations[imported.get("namespace")])
        files[schema.get("targetNamespace")].write_bytes(etree.tostring(copy))
    master = etree.Element(X + "schema", nsmap={"xs": XS}, targetNamespace="urn:wsdl-tests:master")
    for namespace, path in files.items():
        etree.SubElement(master, X + "import", namespace=namespace, schemaLocation=path.name)
    master_path = directory / "master.xsd"
    master_path.write_bytes(etree.tostring(master))
    return etree.XMLSchema(etree.parse(str(master_path)))


@pytest.mark.parametrize(("app", "uri"), SERVICES, ids=SERVICE_IDS)
def test_remoting_wsdl_schemas_compile(app: RemotingApp, uri: str, tmp_path: Path, soapenc_stub: Path) -> None:
    root = wsdl_root(app, uri, "wsdl=remoting")
    schema = compile_remoting_schemas(root, tmp_path, soapenc_stub)
    assert schema is not None


@pytest.mark.parametrize(("app", "uri"), SERVICES, ids=SERVICE_IDS)
def test_remoting_wsdl_structure(app: RemotingApp, uri: str) -> None:
    root = wsdl_root(app, uri, "wsdl=remoting")
    contract = app.identities.lookup(uri).contract  # type: ignore[union-attr]
    defined = {
        (s.get("targetNamespace"), t.get("name"))
        for s in root.findall(f"{W}types/{X}schema") for t in s if t.get("name")
    }
    messages = {m.get("name"): m for m in root.findall(f"{W}message")}
    for message in messages.values():
        for part in message.findall(W + "part"):
            assert part.get("element") is None, "rpc/encoded parts are typed, not elements"
            namespace, local = resolve(root, part.get("type"), part)
            assert namespace == XS or (namespace, local) in defined, f"unresolved part type {part.get('type')}"
    ops = root.findall(f"{W}portType/{W}operation")
    assert {o.get("name") for o in ops} == set(contract.operations)
    for op_el in ops:
        op = contract.operations[op_el.get("name")]
        parts = messages[resolve(root, op_el.find(W + "input").get("message"), op_el)[1]].findall(W + "part")
        assert [p.get("name") for p in parts] == [p.name for p in op.parameters]
        if op.parameters:
            assert op_el.get("parameterOrder") == " ".join(p.name for p in op.parameters)
        out = messages[resolve(root, op_el.find(W + "output").get("message"), op_el)[1]].findall(W + "part")
        assert [p.get("name") for p in out] == ([] if op.returns.kind is Kind.VOID else ["return"])
    (binding,) = root.findall(f"{W}binding")
    assert binding.find("soap:binding", NS).get("style") == "rpc"
    assert binding.find("suds:class", NS) is not None
    method_ns = contract.clr.method_namespace
    for body in binding.iter(f"{{{SOAP11_BINDING}}}body"):
        assert body.get("use") == "encoded"
        assert body.get("encodingStyle") == SOAP_ENC
        assert body.get("namespace") == method_ns
    for op in binding.findall(W + "operation"):
        assert op.find("soap:operation", NS).get("soapAction") == f"{method_ns}#{op.get('name')}"
    assert address_of(root) == f"{BASE}/{uri}"


# ------------------------------------------------------------------ calls validate against the schema


def _literal_ops(app: RemotingApp, uri: str) -> list[Operation]:
    contract = app.identities.lookup(uri).contract  # type: ignore[union-attr]
    return [op for op in sorted(contract.operations.values(), key=lambda o: o.name)
            if Kind.OBJREF not in [p.wire.kind for p in op.parameters] + [op.returns.kind]]


def _body_child(envelope: bytes) -> etree._Element:
    root = etree.fromstring(envelope)
    body = root.find(f"{{{SOAP_ENV}}}Body")
    assert body is not None, envelope[:300]
    return next(c for c in body if isinstance(c.tag, str))


@pytest.mark.parametrize(("app", "uri"), SERVICES, ids=SERVICE_IDS)
def test_requests_and_responses_validate_against_the_schema(app: RemotingApp, uri: str) -> None:
    root = wsdl_root(app, uri, "wsdl")
    schema = literal_schema(root)
    tns = root.get("targetNamespace")
    assert isinstance(tns, str)
    ops = _literal_ops(app, uri)
    assert ops or uri == "FactoryService.rem"  # its operations all take or return object references
    declared_faults = 0
    for op in ops:
        args = [sample(p.hint) for p in op.parameters]
        call = MethodCall(op.name, tns, args, [p.name for p in op.parameters], op.parameter_types)
        envelope = write_literal_call(call, SOAP11, DEFAULT_REGISTRY)
        wrapper = _body_child(envelope)
        assert schema.validate(wrapper), f"request of {op.name}: {schema.error_log}"
        response = request(app, "POST", f"/{uri}", {"content-type": "text/xml; charset=utf-8",
                                                    "soapaction": f'"{tns}/{op.name}"'}, envelope)
        answer = _body_child(response.content)
        if answer.tag == f"{{{SOAP_ENV}}}Fault":
            assert response.status_code == 500
            assert op.name in ("Fail", "fail", "op_13"), f"{op.name} faulted: {response.text[:500]}"
            detail = answer.find("detail")
            if op.faults:
                assert detail is not None and len(detail) == 1, response.text
                assert schema.validate(detail[0]), f"fault detail of {op.name}: {schema.error_log}"
                declared_faults += 1
            else:
                assert detail is None, "undeclared faults carry no detail element"
            continue
        assert response.status_code == 200, response.text
        assert answer.tag == f"{{{tns}}}{op.name}Response"
        assert schema.validate(answer), f"response of {op.name}: {schema.error_log}\n{response.text[:2000]}"
        etree.SubElement(answer, f"{{{tns}}}unexpected").text = "x"
        assert not schema.validate(answer), "the schema is not vacuous: an undeclared child is rejected"
        if uri == "Synthetic.soap" and op.parameters and op.return_hint is op.parameters[0].hint:
            ret = read_literal_response(answer.getparent(), SOAP11, op.name, op.returns, DEFAULT_REGISTRY,
                                        DEFAULT_LIMITS)
            assert not isinstance(ret, Fault)
            assert ret.value == args[0], f"{op.name} did not echo its argument"
    assert declared_faults == (1 if uri == "Synthetic.soap" else 0)


# ------------------------------------------------------------------ the synthetic service itself


def test_synthetic_service_shape() -> None:
    contract = contract_of(SyntheticService)
    assert len(contract.operations) == 50
    assert len(TYPES) == 30
    assert sum(op.is_async for op in contract.operations.values()) >= 8
    root = wsdl_root(synthetic_app, "Synthetic.soap", "wsdl")
    (schema,) = root.findall(f"{W}types/{X}schema")
    complex_names = {ct.get("name") for ct in schema.findall(f"{X}complexType")}
    assert {cls.__name__ for cls in TYPES} <= complex_names
    assert {"Color", "Status"} <= {st.get("name") for st in schema.findall(f"{X}simpleType")}
    assert {"ArrayOfT00", "ArrayOfInt", "ArrayOfString"} & complex_names

    complex_types = {ct.get("name"): ct for ct in schema.findall(f"{X}complexType")}

    def depth(name: str) -> int:
        """Dataclass nesting through the schema's own type references (arrays and enums add none)."""
        ct = complex_types.get(name)
        if ct is None:
            return 0
        refs = [str(el.get("type")).removeprefix("tns:") for el in ct.iter(X + "element")
                if str(el.get("type")).startswith("tns:")]
        inner = max((depth(r) for r in refs), default=0)
        return inner if name.startswith("ArrayOf") else 1 + inner

    assert max(depth(cls.__name__) for cls in DEEPEST) == 4
    types_used = {str(el.get("type")) for el in schema.iter(X + "element")}
    for xsd in ("xs:decimal", "xs:date", "xs:duration", "xs:base64Binary", "xs:dateTime", "xs:boolean"):
        assert xsd in types_used
    assert schema.xpath("//xs:element[@nillable='true' and starts-with(@type, 'tns:T')]", namespaces=NS)
    assert len(root.findall(f"{W}portType/{W}operation/{W}fault")) == 1
    assert len(root.findall(f"{W}binding/{W}operation/{W}fault")) == 1
    assert schema.find(f"{X}element[@name='SyntheticError']") is not None


# ------------------------------------------------------------------ addresses


@pytest.mark.parametrize("query", ["wsdl", "wsdl=soap12", "wsdl=remoting"])
def test_address_is_computed_per_request(query: str) -> None:
    app = interop.app
    uri = "InteropService.soap"
    hosts = ["testserver", "example.org:8080", "10.1.2.3:9000", "testserver", "example.org:8080"]
    for host in hosts:
        root = wsdl_root(app, uri, query, {"host": host})
        assert address_of(root) == f"http://{host}/{uri}"


def test_address_without_host_header_uses_the_server_address() -> None:
    from gateway.server.urls import external_base_url

    scope = {"scheme": "http", "server": ("127.0.0.1", 8123), "root_path": ""}
    assert external_base_url(scope, {}) == "http://127.0.0.1:8123"
    assert external_base_url({**scope, "server": ("h", 80)}, {}) == "http://h"


def _app(**kwargs: Any) -> RemotingApp:
    app = RemotingApp(**kwargs)
    app.register_well_known(interop.InteropService, "InteropService.soap", WellKnownObjectMode.SingleCall)
    app.register_well_known(samples.HelloServer, "nested/SayHello.soap", WellKnownObjectMode.SingleCall)
    return app


FORWARDED = {
    "host": "internal:8000",
    "x-forwarded-host": "gateway.example.com:8443",
    "x-forwarded-proto": "https",
    "x-forwarded-prefix": "/api",
}


@pytest.mark.parametrize("query", ["wsdl", "wsdl=soap12", "wsdl=remoting"])
def test_public_url_overrides_the_request(query: str) -> None:
    app = _app(public_url="https://public.example.net/services/", trust_forwarded=True)
    for headers in ({}, {"host": "other:1"}, FORWARDED):
        root = wsdl_root(app, "InteropService.soap", query, headers)
        assert address_of(root) == "https://public.example.net/services/InteropService.soap"
    root = wsdl_root(app, "nested/SayHello.soap", query)
    assert address_of(root) == "https://public.example.net/services/nested/SayHello.soap"


@pytest.mark.parametrize("query", ["wsdl", "wsdl=soap12", "wsdl=remoting"])
def test_forwarded_headers_only_when_trusted(query: str, monkeypatch: pytest.MonkeyPatch) -> None:
    untrusted = _app(trust_forwarded=False)
    assert address_of(wsdl_root(untrusted, "InteropService.soap", query, FORWARDED)) == (
        "http://internal:8000/InteropService.soap")
    trusted = _app(trust_forwarded=True)
    assert address_of(wsdl_root(trusted, "InteropService.soap", query, FORWARDED)) == (
        "https://gateway.example.com:8443/api/InteropService.soap")
    # each header on its own; the same app without them answers with the direct address again
    only_host = {"host": "internal:8000", "x-forwarded-host": "proxy.example"}
    assert address_of(wsdl_root(trusted, "InteropService.soap", query, only_host)) == (
        "http://proxy.example/InteropService.soap")
    only_proto = {"host": "internal:8000", "x-forwarded-proto": "https"}
    assert address_of(wsdl_root(trusted, "InteropService.soap", query, only_proto)) == (
        "https://internal:8000/InteropService.soap")
    only_prefix = {"host": "internal:8000", "x-forwarded-prefix": "gw/"}
    assert address_of(wsdl_root(trusted, "nested/SayHello.soap", query, only_prefix)) == (
        "http://internal:8000/gw/nested/SayHello.soap")
    assert address_of(wsdl_root(trusted, "InteropService.soap", query, {"host": "internal:8000"})) == (
        "http://internal:8000/InteropService.soap")
    # the environment variable switches it on when the constructor does not say
    monkeypatch.setenv("GATEWAY_TRUST_FORWARDED", "1")
    assert address_of(wsdl_root(_app(), "InteropService.soap", query, FORWARDED)) == (
        "https://gateway.example.com:8443/api/InteropService.soap")
    monkeypatch.setenv("GATEWAY_TRUST_FORWARDED", "0")
    assert address_of(wsdl_root(_app(), "InteropService.soap", query, FORWARDED)) == (
        "http://internal:8000/InteropService.soap")


def test_wsdl_cache_is_keyed_by_external_url() -> None:
    app = _app(trust_forwarded=True)
    first = fetch(app, "InteropService.soap", "wsdl", {"host": "a:1"}).content
    second = fetch(app, "InteropService.soap", "wsdl", {"host": "b:2"}).content
    again = fetch(app, "InteropService.soap", "wsdl", {"host": "a:1"}).content
    assert first == again and first != second
    assert first.replace(b"http://a:1/", b"http://b:2/") == second


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize("query", ["wsdl=foo", "wsdl=soap13", "wsdl=remotingx"])
def test_unknown_wsdl_variant_is_a_400(query: str) -> None:
    response = fetch(interop.app, "InteropService.soap", query)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert "wsdl" in response.text


def test_wsdl_of_an_unknown_uri_is_a_404() -> None:
    response = fetch(interop.app, "Nothing.soap", "wsdl")
    assert response.status_code == 404
