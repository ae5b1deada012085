"""What zeep's model of a WSDL drops and a stub keeps: documentation and enumeration values.

zeep parses types into Python objects that forget ``xs:annotation/xs:documentation``, ``wsdl:documentation``
and the values of ``xs:enumeration`` facets. The stub generator needs them (docstrings, ``Enum`` classes), so
this module reads the same documents again with lxml: the WSDL, its ``wsdl:import``s and every schema they
``xs:import`` or ``xs:include`` by location, fetched through the stub generator's zeep transport (which
answers the SOAP encoding namespace locally and reads files as well as URLs). Parsing is hardened like
everywhere else: no DTD, no entities, no network access by the parser itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

XS = "http://www.w3.org/2001/XMLSchema"
WSDL = "http://schemas.xmlsoap.org/wsdl/"
_XS = f"{{{XS}}}"
_W = f"{{{WSDL}}}"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
#: a WSDL pulls in at most this many documents (a loop of imports, or a hostile WSDL, stops there)
MAX_DOCUMENTS = 200


@dataclass
class StubNotes:
    """Documentation and enumerations by qualified name (``(namespace, local name)``)."""

    #: the WSDL's own ``wsdl:documentation`` (definitions, else service)
    service_doc: str = ""
    #: portType operations by name
    operation_docs: dict[str, str] = field(default_factory=dict)
    #: named complex and simple types
    type_docs: dict[tuple[str, str], str] = field(default_factory=dict)
    #: global elements (fault details are elements)
    element_docs: dict[tuple[str, str], str] = field(default_factory=dict)
    #: the enumeration values of named simple types, in document order
    enums: dict[tuple[str, str], list[str]] = field(default_factory=dict)


def _text(node: etree._Element | None) -> str:
    return " ".join("".join(node.itertext()).split()) if node is not None else ""


def _annotation(node: etree._Element) -> str:
    return _text(node.find(f"{_XS}annotation/{_XS}documentation"))


def _join(base: str, location: str) -> str:
    if urlsplit(location).scheme in ("http", "https", "file") or os.path.isabs(location):
        return location
    if urlsplit(base).scheme in ("http", "https"):
        return urljoin(base, location)
    return os.path.normpath(os.path.join(os.path.dirname(base), location))


def read_notes(location: str, transport: Any) -> StubNotes:
    """The notes of the WSDL at ``location`` (URL or path), following imports and includes."""
    notes = StubNotes()
    pending: list[str] = [location]
    seen: set[str] = set()
    while pending and len(seen) < MAX_DOCUMENTS:
        current = pending.pop(0)
        if current in seen:
            continue
        seen.add(current)
        try:
            root = etree.fromstring(transport.load(current), _PARSER)
        except (OSError, etree.XMLSyntaxError, ValueError):
            continue  # zeep already reported what it could not load; notes are best effort
        if root.tag == _W + "definitions":
            _read_wsdl(root, notes)
            pending.extend(_join(current, i.get("location", "")) for i in root.iter(_W + "import") if i.get("location"))
        for schema in ([root] if root.tag == _XS + "schema" else root.iter(_XS + "schema")):
            _read_schema(schema, notes)
            for ref in schema.iter(_XS + "import", _XS + "include"):
                if ref.get("schemaLocation"):
                    pending.append(_join(current, ref.get("schemaLocation", "")))
    return notes


def _read_wsdl(root: etree._Element, notes: StubNotes) -> None:
    if not notes.service_doc:
        notes.service_doc = _text(root.find(_W + "documentation")) or _text(
            root.find(f"{_W}service/{_W}documentation"))
    for op in root.iterfind(f"{_W}portType/{_W}operation"):
        doc = _text(op.find(_W + "documentation"))
        if doc and op.get("name"):
            notes.operation_docs.setdefault(op.get("name", ""), doc)


def _read_schema(schema: etree._Element, notes: StubNotes) -> None:
    namespace = schema.get("targetNamespace", "")
    for node in schema:
        name = node.get("name")
        if not name:
            continue
        doc = _annotation(node)
        if node.tag in (_XS + "complexType", _XS + "simpleType"):
            if doc:
                notes.type_docs[(namespace, name)] = doc
            values = [e.get("value", "") for e in node.iterfind(f"{_XS}restriction/{_XS}enumeration")]
            if node.tag == _XS + "simpleType" and values:
                notes.enums[(namespace, name)] = values
        elif node.tag == _XS + "element" and doc:
            notes.element_docs[(namespace, name)] = doc
