"""XML Schema for a contract's types, as document/literal WSDLs embed it.

Rules (WS-I Basic Profile style, and what the toolkits in ``peers/clients`` need): every element qualified
(``elementFormDefault="qualified"``); ``Optional[T]`` is ``nillable="true"`` and nothing else is — never
``minOccurs="0"`` with ``nillable`` on ordinary fields, which JAX-WS turns into ``JAXBElement<T>`` and .NET
into ``xxxSpecified`` flags; arrays are named ``ArrayOfX`` wrapper types whose single item element
(named after the item type: ``int``, ``string``, ``Person``) is ``minOccurs="0" maxOccurs="unbounded"``.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import types
import typing
from typing import Any

from lxml import etree

from soap import XSD_TYPE_NAMES, Kind, WireType, item_element_name, object_fields, wire_type, xsd_type_name

XS = "http://www.w3.org/2001/XMLSchema"
_XS = f"{{{XS}}}"


def builtin_type(kind: Kind) -> str | None:
    """The XSD built-in type a schema declares for ``kind`` (None: a named type of ours).

    XSD has no character type: a ``char`` is declared a string (a one-character one on the wire).
    """
    return XSD_TYPE_NAMES.get(Kind.STRING if kind is Kind.CHAR else kind)


def is_optional(hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        return is_optional(typing.get_args(hint)[0])
    return origin in (typing.Union, types.UnionType) and type(None) in typing.get_args(hint)


def strip_optional(hint: Any) -> Any:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(hint) if a is not type(None)]
        return rest[0] if len(rest) == 1 else Any
    return hint


def _list_item_hint(hint: Any) -> Any:
    hint = strip_optional(hint)
    if typing.get_origin(hint) is typing.Annotated:
        hint = typing.get_args(hint)[0]
    args = [a for a in typing.get_args(hint) if a is not Ellipsis]
    return args[0] if args else Any


def own_doc(cls: type) -> str | None:
    """The class's docstring, not the signature ``@dataclass`` writes into ``__doc__`` when there is none."""
    doc = inspect.getdoc(cls) if cls.__doc__ else None
    if doc and dataclasses.is_dataclass(cls) and doc.startswith(f"{cls.__name__}(") and doc.endswith(")"):
        return None
    return doc


def _doc(parent: etree._Element, text: str | None, wsdl_ns: str | None = None) -> None:
    if text:
        ns = wsdl_ns or XS
        if ns == XS:
            ann = etree.SubElement(parent, _XS + "annotation")
            etree.SubElement(ann, _XS + "documentation").text = text
        else:
            etree.SubElement(parent, f"{{{ns}}}documentation").text = text


class SchemaBuilder:
    """Collects the named types a contract needs and writes them once each."""

    def __init__(self, tns: str) -> None:
        self.tns = tns
        self.schema = etree.Element(_XS + "schema", nsmap={"xs": XS, "tns": tns})
        self.schema.set("targetNamespace", tns)
        self.schema.set("elementFormDefault", "qualified")
        self._done: set[str] = set()

    def qname(self, local: str) -> str:
        return f"tns:{local}"

    def type_ref(self, hint: Any) -> str:
        """The ``type=`` value for ``hint``, defining named types on first use."""
        wt = wire_type(hint)
        return self._type_ref(wt, hint)

    def _type_ref(self, wt: WireType, hint: Any) -> str:
        kind = wt.kind
        builtin = builtin_type(kind)
        if builtin is not None:
            return f"xs:{builtin}"
        if kind is Kind.LIST:
            item_hint = _list_item_hint(hint)
            item = wt.item or wire_type(Any)
            return self.qname(self._array_type(item, item_hint))
        if kind is Kind.ENUM and wt.py_type is not None:
            return self.qname(self._enum_type(wt.py_type))
        if kind is Kind.OBJECT and wt.py_type is not None:
            return self.qname(self.complex_type(wt.py_type))
        return "xs:anyType"

    def _array_type(self, item: WireType, item_hint: Any) -> str:
        item_name = item_element_name(item)
        name = "ArrayOf" + item_name[:1].upper() + item_name[1:]
        if name in self._done:
            return name
        self._done.add(name)
        ct = etree.SubElement(self.schema, _XS + "complexType", name=name)
        seq = etree.SubElement(ct, _XS + "sequence")
        el = etree.SubElement(seq, _XS + "element", name=item_name, type=self._type_ref(item, item_hint))
        el.set("minOccurs", "0")
        el.set("maxOccurs", "unbounded")
        if is_optional(item_hint):
            el.set("nillable", "true")
        return name

    def _enum_type(self, cls: type[enum.Enum]) -> str:
        name = xsd_type_name(cls)
        if name in self._done:
            return name
        self._done.add(name)
        st = etree.SubElement(self.schema, _XS + "simpleType", name=name)
        _doc(st, inspect.getdoc(cls) if cls.__doc__ and cls.__doc__ != enum.Enum.__doc__ else None)
        restriction = etree.SubElement(st, _XS + "restriction", base="xs:string")
        for member in cls:
            etree.SubElement(restriction, _XS + "enumeration", value=member.name)
        return name

    def complex_type(self, cls: type) -> str:
        """A named complexType for a dataclass or a declared exception (its fields; ``XmlShape(attribute=True)``
        ones as ``xs:attribute``s), named by :func:`soap.xsd_type_name`."""
        name = xsd_type_name(cls)
        if name in self._done:
            return name
        self._done.add(name)
        ct = etree.SubElement(self.schema, _XS + "complexType", name=name)
        _doc(ct, own_doc(cls))
        seq = etree.SubElement(ct, _XS + "sequence")
        hints = typing.get_type_hints(cls, include_extras=True)
        attributes = []
        for spec in object_fields(cls):
            hint = hints.get(spec.attr, Any)
            if spec.wire.xml is not None and spec.wire.xml.attribute:
                attributes.append((spec, hint))
            else:
                self.member(seq, spec.wire_name, hint)
        for spec, hint in attributes:  # after the content model, as XML Schema orders them
            attribute = etree.SubElement(ct, _XS + "attribute", name=spec.wire_name, type=self.type_ref(hint))
            if not is_optional(hint):
                attribute.set("use", "required")
        return name

    def member(self, parent: etree._Element, name: str, hint: Any) -> etree._Element:
        el: etree._Element = etree.SubElement(parent, _XS + "element", name=name, type=self.type_ref(hint))
        if is_optional(hint):
            el.set("nillable", "true")
        return el

    def wrapper(self, name: str, members: list[tuple[str, Any]], doc: str | None = None) -> None:
        """A global element with an anonymous complexType holding ``members`` in order."""
        el = etree.SubElement(self.schema, _XS + "element", name=name)
        _doc(el, doc)
        ct = etree.SubElement(el, _XS + "complexType")
        seq = etree.SubElement(ct, _XS + "sequence")
        for member_name, hint in members:
            self.member(seq, member_name, hint)

    def fault_element(self, cls: type) -> str:
        name = self.complex_type(cls)
        key = f"element:{name}"
        if key not in self._done:
            self._done.add(key)
            etree.SubElement(self.schema, _XS + "element", name=name, type=self.qname(name))
        return name
