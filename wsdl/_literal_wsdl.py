"""WSDL 1.1, document/literal wrapped, for one published object: what every SOAP toolkit imports.

SOAP 1.1 and SOAP 1.2 are separate documents (``?wsdl`` and ``?wsdl=soap12``): declaring the SOAP 1.2
binding namespace anywhere makes gSOAP's wsdl2h generate a SOAP 1.2-only client, so the default document
never mentions it. Message parts are named ``parameters`` (what .NET's wsdl.exe needs to generate wrapped
methods), results ``<operation>Result``, docs come from docstrings.

Operations are named by :attr:`Operation.key`: document/literal has no overloads, so each overload of a .NET
method appears under its Python name (``Add``, ``AddStrings``). The request wrapper holds the in and ref
parameters; the response wrapper the result, then the out and ref parameters (as ASMX and WCF write them).
"""

from __future__ import annotations

import re

from lxml import etree

from soap import Direction, Kind, xsd_type_name

from ._contract import Operation, ServiceContract
from ._schema import XS, SchemaBuilder

WSDL = "http://schemas.xmlsoap.org/wsdl/"
SOAP11_BINDING = "http://schemas.xmlsoap.org/wsdl/soap/"
SOAP12_BINDING = "http://schemas.xmlsoap.org/wsdl/soap12/"
HTTP_TRANSPORT = "http://schemas.xmlsoap.org/soap/http"
_W = f"{{{WSDL}}}"
_XS = f"{{{XS}}}"


def literal_operations(contract: ServiceContract) -> list[Operation]:
    """Operations expressible in document/literal (object references and delegates are Remoting-only)."""
    ops = []
    for op in contract.operations.values():
        kinds = [p.wire.kind for p in op.parameters] + [op.returns.kind]
        if Kind.OBJREF not in kinds and Kind.DELEGATE not in kinds:
            ops.append(op)
    return sorted(ops, key=lambda o: o.key)


def _java_class_name(name: str) -> str:
    """The Java class JAXB (JAX-WS's ``wsimport``) generates for a schema name: words capitalised, joined."""
    return "".join(word[:1].upper() + word[1:] for word in re.split(r"[^0-9A-Za-z]+", name) if word)


def literal_name_clashes(contract: ServiceContract) -> list[str]:
    """Declarations of the document/literal schema that JAX-WS would turn into one and the same Java class.

    ``wsimport`` generates a class per operation wrapper element (``GetPerson``, ``GetPersonResponse``) and per
    named type; two of them with one class name (a dataclass named like an operation, or like its response)
    stop it with "A class/interface with the same name is already in use". Each clash is one message naming
    both declarations and the way out: ``__soap_type_name__`` sets a class's XSD name apart from its Python
    name.
    """
    schema = SchemaBuilder("urn:names")  # the names do not depend on the namespace (which may not be valid yet)
    for op in literal_operations(contract):
        schema.wrapper(op.key, [(p.name, p.hint) for p in op.parameters if p.direction is not Direction.OUT])
        result = [] if op.returns.kind is Kind.VOID else [(f"{op.key}Result", op.return_hint)]
        schema.wrapper(f"{op.key}Response", result + [(p.name, p.hint) for _, p in op.outputs])
        for exc in op.faults:
            schema.fault_element(exc)
    declared: dict[str, list[str]] = {}
    for node in schema.schema:
        name = node.get("name")
        if node.tag == _XS + "element" and node.get("type") is None and name:
            declared.setdefault(_java_class_name(name), []).append(f"the wrapper element {name}")
        elif node.tag in (_XS + "complexType", _XS + "simpleType") and name:
            declared.setdefault(_java_class_name(name), []).append(f"the type {name}")
    return [
        f"its document/literal WSDL would declare {' and '.join(what)}, which JAX-WS clients turn "
        f"into one Java class {java}: set __soap_type_name__ = \"...\" on the Python class (its XSD type name) "
        "or rename the method"
        for java, what in sorted(declared.items()) if len(what) > 1
    ]


def soap_action(tns: str, operation: str) -> str:
    return f"{tns}{operation}" if tns.endswith("/") else f"{tns}/{operation}"


def literal_wsdl(contract: ServiceContract, location: str, soap12: bool = False) -> bytes:
    """The WSDL document for ``contract`` served at ``location`` (computed per request by the caller)."""
    tns = contract.literal_namespace
    binding_ns = SOAP12_BINDING if soap12 else SOAP11_BINDING
    prefix = "soap12" if soap12 else "soap"
    b = f"{{{binding_ns}}}"
    service = contract.name
    root = etree.Element(
        _W + "definitions",
        nsmap={"wsdl": WSDL, prefix: binding_ns, "xs": "http://www.w3.org/2001/XMLSchema", "tns": tns},
        name=service,
        targetNamespace=tns,
    )
    if contract.doc:
        etree.SubElement(root, _W + "documentation").text = contract.doc
    types = etree.SubElement(root, _W + "types")
    schema = SchemaBuilder(tns)
    types.append(schema.schema)
    ops = literal_operations(contract)
    faults: dict[str, type] = {}
    headers: set[str] = set()
    for op in ops:
        schema.wrapper(op.key, [(p.name, p.hint) for p in op.parameters if p.direction is not Direction.OUT])
        if not op.one_way:
            result = [] if op.returns.kind is Kind.VOID else [(f"{op.key}Result", op.return_hint)]
            schema.wrapper(f"{op.key}Response", result + [(p.name, p.hint) for _, p in op.outputs])
        for exc in op.faults:
            faults[schema.fault_element(exc)] = exc
        for header in (*op.in_headers, *op.out_headers):
            headers.add(schema.fault_element(header))  # a global element of the class, as for faults

    for op in ops:
        messages = [("SoapIn", op.key)] + ([] if op.one_way else [("SoapOut", f"{op.key}Response")])
        for direction, element in messages:
            msg = etree.SubElement(root, _W + "message", name=f"{op.key}{direction}")
            etree.SubElement(msg, _W + "part", name="parameters", element=f"tns:{element}")
    for fault_name in faults:
        msg = etree.SubElement(root, _W + "message", name=f"{fault_name}Fault")
        etree.SubElement(msg, _W + "part", name="fault", element=f"tns:{fault_name}")
    for header_name in sorted(headers):
        msg = etree.SubElement(root, _W + "message", name=f"{header_name}Header")
        etree.SubElement(msg, _W + "part", name=header_name, element=f"tns:{header_name}")

    port_type = etree.SubElement(root, _W + "portType", name=f"{service}Soap")
    for op in ops:
        o = etree.SubElement(port_type, _W + "operation", name=op.key)
        if op.doc:
            etree.SubElement(o, _W + "documentation").text = op.doc
        etree.SubElement(o, _W + "input", message=f"tns:{op.key}SoapIn")
        if not op.one_way:  # a one-way operation has no output message (WSDL 1.1 section 2.4.1)
            etree.SubElement(o, _W + "output", message=f"tns:{op.key}SoapOut")
        for exc in op.faults:
            name = xsd_type_name(exc)
            etree.SubElement(o, _W + "fault", name=name, message=f"tns:{name}Fault")

    binding_name = f"{service}Soap12" if soap12 else f"{service}Soap"
    binding = etree.SubElement(root, _W + "binding", name=binding_name, type=f"tns:{service}Soap")
    etree.SubElement(binding, b + "binding", transport=HTTP_TRANSPORT, style="document")
    for op in ops:
        o = etree.SubElement(binding, _W + "operation", name=op.key)
        etree.SubElement(o, b + "operation", soapAction=soap_action(tns, op.key), style="document")
        sides = [("input", op.in_headers)] + ([] if op.one_way else [("output", op.out_headers)])
        for side, header_types in sides:
            d = etree.SubElement(o, _W + side)
            etree.SubElement(d, b + "body", use="literal")
            for header in header_types:
                etree.SubElement(d, b + "header", message=f"tns:{header.__name__}Header", part=header.__name__,
                                 use="literal")
        for exc in op.faults:
            f = etree.SubElement(o, _W + "fault", name=xsd_type_name(exc))
            etree.SubElement(f, b + "fault", name=xsd_type_name(exc), use="literal")

    svc = etree.SubElement(root, _W + "service", name=service)
    port = etree.SubElement(svc, _W + "port", name=binding_name, binding=f"tns:{binding_name}")
    etree.SubElement(port, b + "address", location=location)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
