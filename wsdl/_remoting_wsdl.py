"""WSDL 1.1 in the .NET Remoting dialect: rpc/encoded with the SUDS extensions (``?wsdl=remoting``).

Shaped like what .NET Remoting's ``SdlChannelSink`` writes, so Remoting-era tools (wsdl.exe, soapsuds)
read it, but correct where Mono's is not (its bug 3): the ``soap:body`` namespace is the method namespace
the server resolves (``…/nsassem/<Namespace.Class>/<Assembly>``), inherited methods are included, and
``suds:implements`` names interfaces with a declared prefix. By-value types are SOAP-encoded complex types
in their CLR data namespaces; arrays are ``soapenc:Array`` restrictions.
"""

from __future__ import annotations

import enum
import typing
from typing import Any

from lxml import etree

from soap import DEFAULT_REGISTRY, SOAP_ENC, Direction, Kind, WireType, clr_name_of, object_fields, wire_type

from ._contract import ServiceContract
from ._literal_wsdl import HTTP_TRANSPORT, SOAP11_BINDING, WSDL
from ._schema import _list_item_hint, builtin_type

XS = "http://www.w3.org/2001/XMLSchema"
SUDS = "http://www.w3.org/2000/wsdl/suds"
_W, _S, _X, _B = f"{{{WSDL}}}", f"{{{SUDS}}}", f"{{{XS}}}", f"{{{SOAP11_BINDING}}}"


class _Types:
    """Schemas per CLR data namespace, with a prefix each."""

    def __init__(self, root_ns: dict[str, str]) -> None:
        self.prefixes = root_ns
        self.schemas: dict[str, etree._Element] = {}
        self.done: set[str] = set()

    def prefix(self, namespace: str) -> str:
        for prefix, ns in self.prefixes.items():
            if ns == namespace:
                return prefix
        prefix = f"ns{len(self.prefixes)}"
        self.prefixes[prefix] = namespace
        return prefix

    def schema(self, namespace: str) -> etree._Element:
        schema = self.schemas.get(namespace)
        if schema is None:
            schema = etree.Element(_X + "schema", nsmap={None: XS})
            schema.set("targetNamespace", namespace)
            schema.set("elementFormDefault", "unqualified")
            schema.set("attributeFormDefault", "unqualified")
            self.schemas[namespace] = schema
        return schema

    def type_ref(self, hint: Any, home: str) -> str:
        wt = wire_type(hint)
        return self._ref(wt, hint, home)

    def _ref(self, wt: WireType, hint: Any, home: str) -> str:
        builtin = builtin_type(wt.kind)
        if builtin is not None:
            return f"xsd:{builtin}"
        if wt.kind in (Kind.OBJECT, Kind.ENUM) and wt.py_type is not None:
            name = DEFAULT_REGISTRY.name_of(wt.py_type)
            ns = name.data_namespace
            key = f"{ns}|{name.short_name}"
            if key not in self.done:
                self.done.add(key)
                if wt.kind is Kind.ENUM:
                    self._enum(self.schema(ns), name.short_name, wt.py_type)
                else:
                    self._complex(self.schema(ns), name.short_name, wt.py_type, ns)
            return f"{self.prefix(ns)}:{name.short_name}"
        if wt.kind is Kind.LIST:
            item = wt.item or wire_type(Any)
            item_ref = self._ref(item, _list_item_hint(hint), home)
            local = "ArrayOf" + item_ref.partition(":")[2][:1].upper() + item_ref.partition(":")[2][1:]
            key = f"{home}|{local}"
            if key not in self.done:
                self.done.add(key)
                ct = etree.SubElement(self.schema(home), _X + "complexType", name=local)
                restriction = etree.SubElement(etree.SubElement(ct, _X + "complexContent"), _X + "restriction",
                                               base="soapenc:Array")
                attr = etree.SubElement(restriction, _X + "attribute", ref="soapenc:arrayType")
                attr.set(f"{{{WSDL}}}arrayType", f"{item_ref}[]")
            return f"{self.prefix(home)}:{local}"
        return "xsd:anyType"

    def _complex(self, schema: etree._Element, name: str, cls: type, ns: str) -> None:
        etree.SubElement(schema, _X + "element", name=name, type=f"{self.prefix(ns)}:{name}")
        ct = etree.SubElement(schema, _X + "complexType", name=name)
        all_ = etree.SubElement(ct, _X + "all")
        hints = typing.get_type_hints(cls, include_extras=True)
        for spec in object_fields(cls):
            etree.SubElement(all_, _X + "element", name=spec.wire_name,
                             type=self.type_ref(hints.get(spec.attr, Any), ns))

    def imports(self) -> None:
        """Give each schema an ``xsd:import`` of every other namespace its declarations refer to.

        XML Schema resolves a QName in another namespace only through an import (``soapenc:Array`` included):
        without them strict readers (suds) stop at the first array type, and lax ones guess. Imports of
        namespaces defined here carry no location (they are in this document); the SOAP encoding namespace
        has none either, as toolkits ship its schema themselves.
        """
        for namespace, schema in self.schemas.items():
            used: set[str] = set()
            for el in schema.iter(_X + "element", _X + "restriction", _X + "attribute"):
                for attr in ("type", "base", "ref", _W + "arrayType"):
                    prefix, sep, _ = (el.get(attr) or "").partition(":")
                    if sep and self.prefixes.get(prefix) not in (None, XS, namespace):
                        used.add(self.prefixes[prefix])
            for position, other in enumerate(sorted(used)):
                schema.insert(position, etree.Element(_X + "import", namespace=other))

    def _enum(self, schema: etree._Element, name: str, cls: type) -> None:
        assert issubclass(cls, enum.Enum)
        st = etree.SubElement(schema, _X + "simpleType", name=name)
        restriction = etree.SubElement(st, _X + "restriction", base="xsd:string")
        for member in cls:
            etree.SubElement(restriction, _X + "enumeration", value=member.name)


def remoting_wsdl(contract: ServiceContract, location: str) -> bytes:
    clr = contract.clr
    tns = clr.data_namespace
    method_ns = clr.method_namespace
    short = clr.short_name
    nsmap: dict[str, str] = {
        "tns": tns, "xsd": XS, "xsi": "http://www.w3.org/2001/XMLSchema-instance", "suds": SUDS,
        "wsdl": WSDL, "soapenc": SOAP_ENC, "soap": SOAP11_BINDING,
    }
    types = _Types(nsmap)
    # overloads share their operation name and differ in their input/output names and messages (by key);
    # out parameters are only in the output message, ref ones in both
    ops = sorted(contract.operations.values(), key=lambda o: o.key)
    messages: list[tuple[str, list[tuple[str, str]]]] = []
    for op in ops:
        parts = [(p.name, types.type_ref(p.hint, tns)) for p in op.parameters if p.direction is not Direction.OUT]
        messages.append((f"{short}.{op.key}Input", parts))
        out = [] if op.returns.kind is Kind.VOID else [("return", types.type_ref(op.return_hint, tns))]
        out += [(p.name, types.type_ref(p.hint, tns)) for _, p in op.outputs]
        messages.append((f"{short}.{op.key}Output", out))
    interfaces = []
    for klass in contract.py_type.__mro__[1:]:
        if "__clr_identity__" in klass.__dict__ and klass.__name__ != "MarshalByRefObject":
            name = clr_name_of(klass)
            interfaces.append(f"{types.prefix(name.data_namespace)}:{name.short_name}")

    # every prefix allocated while walking the types is declared on the root
    root = etree.Element(_W + "definitions", nsmap=dict(types.prefixes), name=short)
    root.set("targetNamespace", tns)
    if contract.doc:
        etree.SubElement(root, _W + "documentation").text = contract.doc
    wtypes = etree.SubElement(root, _W + "types")
    types.imports()
    for schema in types.schemas.values():
        wtypes.append(schema)
    for message_name, parts in messages:
        msg = etree.SubElement(root, _W + "message", name=message_name)
        for part_name, part_type in parts:
            etree.SubElement(msg, _W + "part", name=part_name, type=part_type)
    port_type = etree.SubElement(root, _W + "portType", name=f"{short}PortType")
    for op in ops:
        o = etree.SubElement(port_type, _W + "operation", name=op.name)
        if op.parameters:
            o.set("parameterOrder", " ".join(p.name for p in op.parameters))
        if op.doc:
            etree.SubElement(o, _W + "documentation").text = op.doc
        etree.SubElement(o, _W + "input", name=f"{op.key}Request", message=f"tns:{short}.{op.key}Input")
        etree.SubElement(o, _W + "output", name=f"{op.key}Response", message=f"tns:{short}.{op.key}Output")
    binding = etree.SubElement(root, _W + "binding", name=f"{short}Binding", type=f"tns:{short}PortType")
    etree.SubElement(binding, _B + "binding", style="rpc", transport=HTTP_TRANSPORT)
    suds_class = etree.SubElement(binding, _S + "class", type=f"tns:{short}", rootType="MarshalByRefObject")
    for ref in interfaces:
        etree.SubElement(suds_class, _S + "implements", type=ref)
    for op in ops:
        o = etree.SubElement(binding, _W + "operation", name=op.name)
        etree.SubElement(o, _B + "operation", soapAction=f"{method_ns}#{op.name}")
        etree.SubElement(o, _S + "method", attributes="public")
        for direction, suffix in (("input", "Request"), ("output", "Response")):
            d = etree.SubElement(o, _W + direction, name=f"{op.key}{suffix}")
            etree.SubElement(d, _B + "body", use="encoded", encodingStyle=SOAP_ENC, namespace=method_ns)
    service = etree.SubElement(root, _W + "service", name=f"{short}Service")
    port = etree.SubElement(service, _W + "port", name=f"{short}Port", binding=f"tns:{short}Binding")
    etree.SubElement(port, _B + "address", location=location)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
