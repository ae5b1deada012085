"""Document/literal *wrapped* SOAP 1.1 and 1.2: what WSDL-driven toolkits (JAX-WS, .NET, gSOAP, PHP,
node-soap, zeep, Perl) send and expect.

The operation is the Body's first child element; its children are the parameters, matched *by name*
(order-independent, absent optional ones are None). The response is ``<opResponse><opResult>``, every
element qualified in the service namespace (``elementFormDefault="qualified"``). Arrays are a wrapper
element holding one element per item, named after the item type (``<items><int>1</int></items>``).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from lxml import etree

from ._errors import SoapDecodeError, SoapEncodeError
from ._escape import escape_attr, escape_text
from ._headers import HeaderBlock, OutgoingHeader, header_blocks
from ._model import ExceptionInfo, Fault, MethodCall, MethodReturn
from ._namespaces import SOAP12_ENV, SOAP_ENV, WSSE_NS, XSI
from ._object_columns import column_plan, read_child_columns, read_columns
from ._runtime_types import runtime_wire_type
from ._scalars import (
    PARSERS,
    format_base64,
    format_date,
    format_datetime,
    format_decimal,
    format_duration,
    format_single,
)
from ._text_items import ITEM_COUNT, is_text, parse_text, scalar_items
from ._types import (
    ANY,
    INTEGER_KINDS,
    INTEGER_RANGES,
    FieldSpec,
    Kind,
    TypeRegistry,
    WireType,
    check_integer,
    construct,
    enum_member,
    fields_by_wire_name,
    object_fields,
    xsd_type_name,
)
from ._xml import Limits, count_array_items, element_text, local_name, namespace_of
from ._xsd import XSD_TYPE_NAMES, kind_for_type_qname
from ._xsi import XsiTypes, resolve_qname


@dataclass(frozen=True, slots=True)
class SoapVersion:
    name: str
    envelope_ns: str
    content_type: str


SOAP11 = SoapVersion("1.1", SOAP_ENV, "text/xml; charset=utf-8")
SOAP12 = SoapVersion("1.2", SOAP12_ENV, "application/soap+xml; charset=utf-8")

_XSI_NIL = f"{{{XSI}}}nil"
_XSI_NULL = f"{{{XSI}}}null"
_XSI_TYPE = f"{{{XSI}}}type"
_TRUE = ("1", "true")


def item_element_name(wt: WireType) -> str:
    """The element name of an array item: the XSD type name, or the class name."""
    kind = wt.kind
    if kind in (Kind.OBJECT, Kind.ENUM) and wt.py_type is not None:
        return xsd_type_name(wt.py_type)
    if kind is Kind.LIST and wt.item is not None:
        return "ArrayOf" + _cap(item_element_name(wt.item))
    if kind is Kind.CHAR:
        return "char"
    return XSD_TYPE_NAMES.get(kind, "anyType")


def _cap(name: str) -> str:
    return name[:1].upper() + name[1:]


_local = local_name
_namespace = namespace_of


# ------------------------------------------------------------------ writing


def literal_text(value: object, wt: WireType, name: str) -> str:
    """The XSD lexical form of a scalar (XSD spellings: ``INF``, not .NET's ``Infinity``)."""
    kind = wt.kind
    try:
        if kind in INTEGER_KINDS:
            if not isinstance(value, int) or isinstance(value, bool):
                raise SoapEncodeError(f"{name}: expected int, got {type(value).__name__}")
            # a plain ``int`` is xs:int in the WSDL, so it must fit 32 bits here (declare soap.Int64 for more)
            check_integer(Kind.INT32 if kind is Kind.INT else kind, value)
            return str(value)
        if kind in (Kind.DOUBLE, Kind.SINGLE):
            if not isinstance(value, float | int) or isinstance(value, bool):
                raise SoapEncodeError(f"{name}: expected float, got {type(value).__name__}")
            f = float(value)
            if f != f:
                return "NaN"
            if f in (float("inf"), float("-inf")):
                return "INF" if f > 0 else "-INF"
            if kind is Kind.SINGLE:
                return format_single(f)
            text = repr(f)
            return text
        if kind is Kind.BOOL:
            if not isinstance(value, bool):
                raise SoapEncodeError(f"{name}: expected bool, got {type(value).__name__}")
            return "true" if value else "false"
        if kind is Kind.DECIMAL and isinstance(value, Decimal | int) and not isinstance(value, bool):
            return format_decimal(Decimal(value))
        if kind in (Kind.STRING, Kind.CHAR) and isinstance(value, str):
            return escape_text(value)
        if kind is Kind.DATETIME and isinstance(value, _dt.datetime):
            return format_datetime(value)
        if kind is Kind.DATE and isinstance(value, _dt.date):
            return format_date(value)
        if kind is Kind.DURATION and isinstance(value, _dt.timedelta):
            return format_duration(value)
        if kind is Kind.BYTES and isinstance(value, bytes | bytearray):
            return format_base64(value)
        if kind is Kind.ENUM and isinstance(value, enum.Enum):
            return escape_text(value.name)
    except (OverflowError, ValueError) as exc:
        raise SoapEncodeError(f"{name}: {exc}") from None
    raise SoapEncodeError(f"{name}: cannot write {type(value).__name__} as {wt.describe()}")


class LiteralWriter:
    """Writes literal elements, qualified with ``tns`` (the wrapper's namespace) unless a complex type
    declares its own (``__soap_namespace__``: its members are then qualified in that one)."""

    def __init__(self, registry: TypeRegistry, namespace: str = "") -> None:
        self.registry = registry
        self.namespace = namespace

    def element(
        self, name: str, value: object, wt: WireType, depth: int = 0, prefix: str = "tns", namespace: str | None = None
    ) -> str:
        if depth > 64:
            raise SoapEncodeError("value nested too deeply (or cyclic)")
        shape = wt.xml
        if value is None:
            if shape is not None and shape.omit_if_none:
                return ""  # minOccurs="0" without nillable: absent means left out
            return f'<{prefix}:{name} xsi:nil="true"/>'
        typed = ""
        if wt.kind is Kind.ANY:
            wt = runtime_wire_type(value, self.registry)
            if wt.kind in XSD_TYPE_NAMES:
                typed = f' xsi:type="xsd:{XSD_TYPE_NAMES[wt.kind]}"'
        if wt.kind is Kind.LIST:
            if not isinstance(value, list | tuple):
                raise SoapEncodeError(f"{name}: expected a list, got {type(value).__name__}")
            item = wt.item or ANY
            if shape is not None and shape.repeated:  # the element itself repeats, no wrapper
                return "".join(self.element(name, v, item, depth + 1, prefix, namespace) for v in value)
            item_name = shape.item_name if shape is not None and shape.item_name else item_element_name(item)
            inner = self._items(item_name, value, item, depth + 1, prefix, namespace)
            return f"<{prefix}:{name}>{inner}</{prefix}:{name}>"
        if wt.kind is Kind.OBJECT:
            cls = type(value)
            if not (dataclasses.is_dataclass(value) or isinstance(value, BaseException)):
                raise SoapEncodeError(f"{name}: {cls.__name__} is not a by-value type")
            own = getattr(cls, "__soap_namespace__", None)
            current = self.namespace if namespace is None else namespace
            child_prefix, declaration = prefix, ""
            if isinstance(own, str) and own != current:
                child_prefix = f"t{depth + 1}"
                declaration = f' xmlns:{child_prefix}="{escape_attr(own)}"'
                current = own
            fields = object_fields(cls)
            attributes = "".join(
                f' {f.wire_name}="{escape_attr(_attribute_text(getattr(value, f.attr, None), f))}"'
                for f in fields if _is_attribute(f) and getattr(value, f.attr, None) is not None
            )
            inner = "".join(
                self.element(f.wire_name, getattr(value, f.attr, None), f.wire, depth + 1, child_prefix, current)
                for f in fields if not _is_attribute(f)
            )
            return f"<{prefix}:{name}{declaration}{attributes}>{inner}</{prefix}:{name}>"
        if wt.kind is Kind.OBJREF:
            raise SoapEncodeError(f"{name}: object references cannot be sent in document/literal SOAP")
        return f"<{prefix}:{name}{typed}>{literal_text(value, wt, name)}</{prefix}:{name}>"


    def _items(
        self, name: str, values: list[object] | tuple[object, ...], item: WireType, depth: int, prefix: str,
        namespace: str | None,
    ) -> str:
        """An array's items. Ints in range and strings, of exactly those types, are written here in one step
        each (as :meth:`element` writes them); anything else through :meth:`element`."""
        kind = item.kind
        element = self.element
        if item.xml is None and depth <= 64 and (kind in INTEGER_KINDS or kind is Kind.STRING):
            # a plain int is xs:int in the WSDL (see literal_text)
            lo, hi = INTEGER_RANGES[Kind.INT32 if kind is Kind.INT else kind] if kind is not Kind.STRING else (0, -1)
            open_tag, close_tag = f"<{prefix}:{name}>", f"</{prefix}:{name}>"
            parts = []
            for v in values:
                t = type(v)
                if t is int and lo <= v <= hi:  # type: ignore[operator]
                    parts.append(f"{open_tag}{v}{close_tag}")
                elif t is str and kind is Kind.STRING:
                    parts.append(f"{open_tag}{escape_text(v)}{close_tag}")  # type: ignore[arg-type]
                else:
                    parts.append(element(name, v, item, depth, prefix, namespace))
            return "".join(parts)
        return "".join(element(name, v, item, depth, prefix, namespace) for v in values)


def _is_attribute(spec: FieldSpec) -> bool:
    return spec.wire.xml is not None and spec.wire.xml.attribute


def _attribute_text(value: object, spec: FieldSpec) -> str:
    """An attribute's value: the scalar's XSD lexical form, unescaped (the caller escapes it for an attribute)."""
    if spec.wire.kind in (Kind.STRING, Kind.CHAR):
        if not isinstance(value, str):
            raise SoapEncodeError(f"{spec.wire_name}: expected str, got {type(value).__name__}")
        return value
    if spec.wire.kind in (Kind.LIST, Kind.OBJECT, Kind.OBJREF, Kind.ANY):
        raise SoapEncodeError(f"attribute {spec.wire_name}: a {spec.wire.describe()} cannot be an attribute")
    return literal_text(value, spec.wire, spec.wire_name)  # numbers, dates, base64, names: nothing to escape


def _envelope(version: SoapVersion, body: str, header: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<soap:Envelope xmlns:soap="{version.envelope_ns}" '
        f'xmlns:xsi="{XSI}" xmlns:xsd="http://www.w3.org/2001/XMLSchema">{header}<soap:Body>{body}</soap:Body>'
        "</soap:Envelope>"
    ).encode()


def write_headers(
    headers: Sequence[OutgoingHeader], version: SoapVersion, registry: TypeRegistry, first: str = ""
) -> str:
    """The ``soap:Header`` holding ``headers`` (each in its own namespace) after the ready-made block
    ``first`` (a WS-Security header), or ``""`` for none."""
    if not headers and not first:
        return ""
    blocks = [first]
    for i, h in enumerate(headers):
        prefix = f"h{i}"
        block = LiteralWriter(registry, h.namespace).element(h.name, h.value, h.wire, prefix=prefix,
                                                             namespace=h.namespace)
        if not block:
            continue
        attributes = f' xmlns:{prefix}="{escape_attr(h.namespace)}"'
        if h.must_understand:
            attributes += ' soap:mustUnderstand="true"' if version is SOAP12 else ' soap:mustUnderstand="1"'
        head = f"<{prefix}:{h.name}"
        blocks.append(head + attributes + block[len(head):])
    return f"<soap:Header>{''.join(blocks)}</soap:Header>"


def write_literal_return(ret: MethodReturn, version: SoapVersion, registry: TypeRegistry) -> bytes:
    writer = LiteralWriter(registry, ret.namespace)
    inner = ""
    if ret.value_type.kind is not Kind.VOID:
        inner = writer.element(f"{ret.method_name}Result", ret.value, ret.value_type)
    if ret.out_args:  # out and ref parameters follow the result, by name (as ASMX and WCF write them)
        inner += "".join(writer.element(n, v, t) for n, v, t in ret.out_args)
    ns = escape_attr(ret.namespace)
    body = f'<tns:{ret.method_name}Response xmlns:tns="{ns}">{inner}</tns:{ret.method_name}Response>'
    return _envelope(version, body, write_headers(ret.headers, version, registry))


def write_literal_call(call: MethodCall, version: SoapVersion, registry: TypeRegistry, security: str = "") -> bytes:
    """The request envelope; ``security`` is a WS-Security header block to send first (``""``: none)."""
    writer = LiteralWriter(registry, call.namespace)
    inner = "".join(
        writer.element(n, v, t) for n, v, t in zip(call.arg_names, call.args, call.arg_types, strict=True)
    )
    ns = escape_attr(call.namespace)
    body = f'<tns:{call.method_name} xmlns:tns="{ns}">{inner}</tns:{call.method_name}>'
    return _envelope(version, body, write_headers(call.headers, version, registry, security))


_CODES_11 = {"Client": "Client", "Server": "Server", "MustUnderstand": "MustUnderstand",
             "VersionMismatch": "VersionMismatch"}
_CODES_12 = {"Client": "Sender", "Server": "Receiver", "MustUnderstand": "MustUnderstand",
             "VersionMismatch": "VersionMismatch"}


#: prefixes readers expect for well-known fault code namespaces
_CODE_PREFIXES = {WSSE_NS: "wsse"}


def _qname_text(qname: tuple[str, str], prefix: str) -> tuple[str, str]:
    """(``prefix:name``, the ``xmlns:prefix`` declaration) for writing a qualified name as text."""
    namespace, name = qname
    prefix = _CODE_PREFIXES.get(namespace, prefix)
    return f"{prefix}:{escape_text(name)}", f' xmlns:{prefix}="{escape_attr(namespace)}"'


#: SOAP 1.2's Upgrade header block (part 1, section 5.4.7): the envelopes this node reads, preferred first
_UPGRADE = (f'<upg:Upgrade xmlns:upg="{SOAP12_ENV}">'
            f'<upg:SupportedEnvelope qname="ns1:Envelope" xmlns:ns1="{SOAP12_ENV}"/>'
            f'<upg:SupportedEnvelope qname="ns2:Envelope" xmlns:ns2="{SOAP_ENV}"/></upg:Upgrade>')


def _fault_header(fault: Fault, version: SoapVersion) -> str:
    """SOAP 1.2's ``NotUnderstood`` header blocks of a MustUnderstand fault (SOAP 1.1 has none), and the
    ``Upgrade`` block of a VersionMismatch fault (in either version's envelope, as SOAP 1.2's example is)."""
    if fault.code == "VersionMismatch":
        return f"<soap:Header>{_UPGRADE}</soap:Header>"
    if version is not SOAP12 or not fault.not_understood:
        return ""
    blocks = "".join(
        f'<soap:NotUnderstood qname="q{i}:{escape_attr(name)}" xmlns:q{i}="{escape_attr(ns)}"/>'
        for i, (ns, name) in enumerate(fault.not_understood)
    )
    return f"<soap:Header>{blocks}</soap:Header>"


def write_literal_fault(fault: Fault, version: SoapVersion, registry: TypeRegistry, namespace: str) -> bytes:
    """A fault; a declared exception goes in the detail as its own element (the WSDL's fault message)."""
    detail = ""
    info = fault.exception
    declared = info.value if info is not None and fault.declared else None
    if declared is not None and registry.is_registered(type(declared)):
        writer = LiteralWriter(registry)
        cls = type(declared)
        fields = "".join(writer.element(f.wire_name, getattr(declared, f.attr, None), f.wire)
                         for f in object_fields(cls))
        element = xsd_type_name(cls)
        detail = f'<tns:{element} xmlns:tns="{escape_attr(namespace)}">{fields}</tns:{element}>'
    message = escape_text(fault.message)
    if version is SOAP12:
        code = "soap:" + _CODES_12.get(fault.code, "Receiver")
        subcode = ""
        if fault.subcode is not None:
            value, declaration = _qname_text(fault.subcode, "sc")
            subcode = f"<soap:Subcode><soap:Value{declaration}>{value}</soap:Value></soap:Subcode>"
        body = (f"<soap:Fault><soap:Code><soap:Value>{code}</soap:Value>{subcode}</soap:Code>"
                f'<soap:Reason><soap:Text xml:lang="en">{message}</soap:Text></soap:Reason>'
                + (f"<soap:Detail>{detail}</soap:Detail>" if detail else "") + "</soap:Fault>")
    else:
        code, declaration = "soap:" + _CODES_11.get(fault.code, "Server"), ""
        if fault.subcode is not None:  # WS-Security 1.0 over SOAP 1.1: the faultcode is the specific code
            code, declaration = _qname_text(fault.subcode, "sc")
        body = (f"<soap:Fault><faultcode{declaration}>{code}</faultcode><faultstring>{message}</faultstring>"
                + (f"<detail>{detail}</detail>" if detail else "") + "</soap:Fault>")
    return _envelope(version, body, _fault_header(fault, version))


# ------------------------------------------------------------------ reading


class LiteralReader:
    """Reads literal values by their declared types; ``namespaces`` are where type names for ``xsi:type``
    may live (the service namespace); ``xsi`` checks them (one per message, built on first need)."""

    def __init__(self, registry: TypeRegistry, limits: Limits, namespaces: tuple[str, ...] = (),
                 source: bytes | None = None) -> None:
        self.registry = registry
        self.limits = limits
        self.namespaces = namespaces
        self._array_items = 0
        self._source = source
        self._xsi: XsiTypes | None = None

    def value(self, el: etree._Element, wt: WireType, depth: int = 0) -> object:
        if depth > self.limits.max_ref_depth:
            raise SoapDecodeError(f"value nested deeper than {self.limits.max_ref_depth} levels")
        kind = wt.kind
        attributes = el.keys()  # one call instead of one per attribute: most literal values have none
        if attributes:
            if (_XSI_NIL in attributes and el.get(_XSI_NIL) in _TRUE) or (
                    _XSI_NULL in attributes and el.get(_XSI_NULL) in _TRUE):
                if not wt.nullable and kind is not Kind.ANY:
                    raise SoapDecodeError(f"<{_local(el.tag)}> is nil but a {wt.describe()} is required")
                return None
            if kind is not Kind.ANY and _XSI_TYPE in attributes:
                if self._xsi is None:
                    self._xsi = XsiTypes(self.registry, self._source, self.namespaces)
                self._xsi.check(el, el.get(_XSI_TYPE) or "", wt)
        if kind is Kind.ANY:
            return self._any(el)
        if kind is Kind.LIST:
            return self._list(el, wt.item or ANY, depth + 1)
        if kind is Kind.OBJECT:
            cls = wt.py_type
            assert cls is not None
            specs = fields_by_wire_name(cls)
            values: dict[str, object] = {}
            for member in specs.values():
                if _is_attribute(member) and member.read:
                    raw = el.get(member.wire_name)
                    values[member.attr] = None if raw is None else self._attribute(raw, member)
            for child in el:
                spec = specs.get(_local(child.tag))
                if spec is None or not spec.read or _is_attribute(spec):
                    continue
                if spec.wire.xml is not None and spec.wire.xml.repeated:  # each occurrence is one item
                    items = values.setdefault(spec.attr, [])
                    assert isinstance(items, list)
                    items.append(self.value(child, spec.wire.item or ANY, depth + 1))
                    continue
                parser = PARSERS.get(spec.wire.kind)
                if parser is not None and depth < self.limits.max_ref_depth and is_text(child):
                    values[spec.attr] = parse_text(  # a scalar field that is its text
                        child, parser, self.limits, spec.wire.kind is Kind.BYTES)
                else:
                    values[spec.attr] = self.value(child, spec.wire, depth + 1)
            for spec in specs.values():
                if spec.attr not in values and spec.wire.nullable:
                    values.setdefault(spec.attr, [] if spec.wire.kind is Kind.LIST else None)
            try:
                return construct(cls, values)
            except (TypeError, ValueError) as exc:
                raise SoapDecodeError(f"cannot build {cls.__name__}: {exc}") from None
        if kind is Kind.ENUM:
            assert wt.py_type is not None
            return enum_member(wt.py_type, element_text(el, self.limits))
        parser = PARSERS.get(kind)  # a plain int is xs:int in the WSDL: PARSERS reads it as Int32
        if parser is None:
            raise SoapDecodeError(f"<{_local(el.tag)}>: {wt.describe()} cannot be read from document/literal SOAP")
        if len(el):
            raise SoapDecodeError(f"<{_local(el.tag)}> should hold a {wt.describe()}, not elements")
        try:
            return parser(element_text(el, self.limits, kind is Kind.BYTES))
        except (ValueError, OverflowError) as exc:
            raise SoapDecodeError(f"<{_local(el.tag)}>: {exc}") from None

    def _list(self, el: etree._Element, item: WireType, depth: int) -> list[object]:
        kind = item.kind
        plan = None
        if kind is Kind.OBJECT and item.py_type is not None and depth < self.limits.max_ref_depth:
            plan = column_plan(item.py_type)  # plain objects: all their fields at once, column by column
        if plan is not None:
            count = int(cast("float", ITEM_COUNT(el)))  # the elements, not comments (in C, no object per item)
            self._array_items = count_array_items(self._array_items, count, self.limits)
            objects = read_child_columns(plan, el, count, self.limits)  # (in C, no object per element)
            children = list(el.iterchildren(etree.Element)) if objects is None else []
            if objects is None:  # an empty field, say: one Python object per element, still at once
                objects = read_columns(plan, children, self.limits)
            if objects is not None:
                return objects
        else:
            children = list(el.iterchildren(etree.Element))  # the elements, not comments (a filter in C)
            self._array_items = count_array_items(self._array_items, len(children), self.limits)
        parser = None if kind in (Kind.ANY, Kind.ENUM) else PARSERS.get(kind)
        if parser is None or depth > self.limits.max_ref_depth:
            return [self.value(c, item, depth) for c in children]
        # plain text items parsed directly (integers all at once), any other through value()
        integer_kind = (Kind.INT32 if kind is Kind.INT else kind) if kind in INTEGER_KINDS else None
        return scalar_items(children, parser, integer_kind, lambda c: self.value(c, item, depth), self.limits,
                            kind is Kind.BYTES)

    @staticmethod
    def _attribute(raw: str, spec: FieldSpec) -> object:
        kind = spec.wire.kind
        if kind in (Kind.STRING, Kind.CHAR):
            return raw
        if kind is Kind.ENUM:
            assert spec.wire.py_type is not None
            return enum_member(spec.wire.py_type, raw)
        parser = PARSERS.get(kind)
        if parser is None:
            raise SoapDecodeError(f"attribute {spec.wire_name}: a {spec.wire.describe()} cannot be an attribute")
        try:
            return parser(raw)
        except (ValueError, OverflowError) as exc:
            raise SoapDecodeError(f"attribute {spec.wire_name}: {exc}") from None

    def _any(self, el: etree._Element) -> object:
        xsi_type = el.get(_XSI_TYPE)
        if xsi_type is not None:
            kind = kind_for_type_qname(*resolve_qname(el, xsi_type))
            if kind is not None and kind is not Kind.ANY:
                # xsd:integer and kin name no width: read them as the widest signed one
                return self.value(el, WireType(Kind.INT64 if kind is Kind.INT else kind, nullable=True))
        if len(el):
            raise SoapDecodeError(f"<{_local(el.tag)}> has no type information")
        return element_text(el, self.limits)


class LiteralCall:
    """A parsed document/literal request (see :class:`soap.IncomingCall`): the Body's one operation
    element (SOAP allows no second one) and the envelope's ``header`` element, if any."""

    #: document/literal names the target by URI only (the binary formatter names a type too)
    claimed_type: str | None = None
    #: document/literal names each operation uniquely: an overload by its own name
    overloadable = False
    runtime_headers_only = False

    def __init__(self, body: etree._Element, version: SoapVersion, registry: TypeRegistry, limits: Limits,
                 header: etree._Element | None = None, source: bytes | None = None) -> None:
        tops = [el for el in body if isinstance(el.tag, str)]
        if not tops:
            raise SoapDecodeError("SOAP Body is empty: no operation element")
        if len(tops) > 1:
            raise SoapDecodeError(
                f"the SOAP Body holds more than one element (<{_local(tops[0].tag)}>, <{_local(tops[1].tag)}>"
                f"{', ...' if len(tops) > 2 else ''}): a document/literal request has exactly one"
            )
        self.version = version
        self._header = header
        self._blocks: list[HeaderBlock] | None = None
        self._element = tops[0]
        self.method_name = _local(self._element.tag)
        self.namespace = _namespace(self._element.tag)
        self._reader = LiteralReader(registry, limits, (self.namespace,), source)
        self._params = [c for c in self._element if isinstance(c.tag, str)]
        self.argument_count = len(self._params)

    @property
    def argument_names(self) -> list[str]:
        """The parameter elements' local names (computed when asked: most calls never need them)."""
        return [_local(p.tag) for p in self._params]

    @property
    def header_blocks(self) -> list[HeaderBlock]:
        if self._blocks is None:
            header = self._header
            self._blocks = header_blocks(header, self.version.envelope_ns, self._header_value) if header is not None \
                else []
        return self._blocks

    def _header_value(self, el: etree._Element, wt: WireType) -> object:
        return self._reader.value(el, wt)

    def call_context(self) -> dict[str, object] | None:
        """Document/literal has no logical call context (its headers are :attr:`header_blocks`)."""
        return None

    def overload_fit(self, parameters: Sequence[WireType], inputs: Sequence[WireType]) -> int:
        return 1 if len(inputs) == self.argument_count else 0

    def decode_arguments(self, types: Sequence[WireType], names: Sequence[str] | None = None) -> list[object]:
        if names is None:  # positional, as the Remoting dialect
            if len(types) != len(self._params):
                raise SoapDecodeError(f"{self.method_name} takes {len(types)} argument(s), got {len(self._params)}")
            return [self._reader.value(p, t) for p, t in zip(self._params, types, strict=True)]
        by_name: dict[str, etree._Element] = {}
        repeated: dict[str, list[etree._Element]] = {}
        for p in self._params:
            by_name.setdefault(_local(p.tag), p)
            repeated.setdefault(_local(p.tag), []).append(p)
        unknown = set(by_name) - set(names)
        if unknown:
            raise SoapDecodeError(f"{self.method_name} has no parameter(s) {', '.join(sorted(unknown))}")
        args: list[object] = []
        for name, wt in zip(names, types, strict=True):
            if wt.xml is not None and wt.xml.repeated:
                args.append([self._reader.value(p, wt.item or ANY) for p in repeated.get(name, [])])
                continue
            el = by_name.get(name)
            if el is None:
                if wt.nullable or wt.kind is Kind.ANY:
                    args.append([] if wt.kind is Kind.LIST else None)
                    continue
                raise SoapDecodeError(f"{self.method_name}: missing parameter <{name}>")
            args.append(self._reader.value(el, wt))
        return args


def read_literal_response(
    body: etree._Element, version: SoapVersion, method_name: str, return_type: WireType,
    registry: TypeRegistry, limits: Limits, out_types: Sequence[tuple[str, WireType]] = (),
    fault_types: Mapping[str, type] | None = None, header: etree._Element | None = None,
) -> MethodReturn | Fault:
    """The result, or the fault; ``fault_types`` maps a fault detail element (``{namespace}name``) to the
    exception class it is read into (what a WSDL-generated stub declares), before registered exceptions; a
    result's ``header_blocks`` are those of ``header`` (the envelope's Header)."""
    ret = _read_literal_response(body, version, method_name, return_type, registry, limits, out_types, fault_types)
    if header is not None and isinstance(ret, MethodReturn):
        reader = LiteralReader(registry, limits)
        ret.header_blocks = header_blocks(header, version.envelope_ns, reader.value)
    return ret


def _read_literal_response(
    body: etree._Element, version: SoapVersion, method_name: str, return_type: WireType,
    registry: TypeRegistry, limits: Limits, out_types: Sequence[tuple[str, WireType]] = (),
    fault_types: Mapping[str, type] | None = None,
) -> MethodReturn | Fault:
    tops = [el for el in body if isinstance(el.tag, str)]
    if not tops:
        raise SoapDecodeError("SOAP Body is empty")
    first = tops[0]
    if _local(first.tag) == "Fault" and _namespace(first.tag) == version.envelope_ns:
        return _read_fault(first, version, registry, limits, fault_types or {})
    if out_types:
        return _read_with_outs(first, method_name, return_type, out_types, registry, limits)
    value: object = None
    if return_type.kind is not Kind.VOID:
        children = [c for c in first if isinstance(c.tag, str)]
        reader = LiteralReader(registry, limits, (_namespace(first.tag),))
        if return_type.xml is not None and return_type.xml.repeated:
            value = [reader.value(c, return_type.item or ANY) for c in children]
        elif not children:
            if return_type.nullable:  # an optional result left out
                return MethodReturn(method_name, _namespace(first.tag), None, return_type)
            raise SoapDecodeError(f"{_local(first.tag)} carries no result")
        else:
            value = reader.value(children[0], return_type)
    return MethodReturn(method_name, _namespace(first.tag), value, return_type)


def _read_with_outs(
    wrapper: etree._Element, method_name: str, return_type: WireType, out_types: Sequence[tuple[str, WireType]],
    registry: TypeRegistry, limits: Limits,
) -> MethodReturn:
    """``<XResponse><XResult/><out1/>…</XResponse>``: the result and the out/ref parameters by name."""
    children = {_local(c.tag): c for c in wrapper if isinstance(c.tag, str)}
    reader = LiteralReader(registry, limits)
    value: object = None
    if return_type.kind is not Kind.VOID:
        result = children.get(f"{method_name}Result")
        value = None if result is None and return_type.nullable else reader.value(
            _required(children, f"{method_name}Result", wrapper), return_type)
    outs = [(n, reader.value(_required(children, n, wrapper), t), t) for n, t in out_types]
    return MethodReturn(method_name, _namespace(wrapper.tag), value, return_type, outs)


def _required(children: dict[str, etree._Element], name: str, wrapper: etree._Element) -> etree._Element:
    found = children.get(name)
    if found is None:
        raise SoapDecodeError(f"{_local(wrapper.tag)} lacks <{name}>")
    return found


def _read_fault(el: etree._Element, version: SoapVersion, registry: TypeRegistry, limits: Limits,
                fault_types: Mapping[str, type]) -> Fault:
    def find(*path: str) -> etree._Element | None:
        node: etree._Element | None = el
        for name in path:
            node = next((c for c in node if _local(c.tag) == name), None) if node is not None else None
        return node

    subcode: tuple[str, str] | None = None
    if version is SOAP12:
        code_el, text_el, detail = find("Code", "Value"), find("Reason", "Text"), find("Detail")
        sub_el = find("Code", "Subcode", "Value")
        if sub_el is not None and sub_el.text:
            subcode = _fault_qname(sub_el)
        named = _fault_qname(code_el)[1] if code_el is not None else "Receiver"
        code = {v: k for k, v in _CODES_12.items()}.get(named, "Server")
    else:
        code_el, text_el, detail = find("faultcode"), find("faultstring"), find("detail")
        namespace, named = _fault_qname(code_el) if code_el is not None else (version.envelope_ns, "Server")
        if namespace == version.envelope_ns or not namespace:
            code = _CODES_11.get(named.partition(".")[0], "Server")  # "Client.Authentication" is a Client fault
        else:  # a specific code in another namespace (WS-Security's): the caller's fault, said precisely
            code, subcode = "Client", (namespace, named)
    message = (text_el.text or "") if text_el is not None else ""
    info = None
    if detail is not None:
        entry = next((c for c in detail if isinstance(c.tag, str)), None)
        if entry is not None:
            cls = fault_types.get(str(entry.tag)) or next(
                (c for c in registry.registered()
                 if issubclass(c, BaseException) and xsd_type_name(c) == _local(entry.tag)), None)
            if cls is not None:
                value = LiteralReader(registry, limits).value(entry, WireType(Kind.OBJECT, cls, None, True))
                if isinstance(value, BaseException):
                    value.args = (message,)
                    name = registry.name_of(cls)
                    info = ExceptionInfo(name.full_name, name.assembly, message, value=value)
            elif _local(entry.tag) == "exceptionType":
                info = ExceptionInfo(entry.text or "", "", message)
    return Fault(code, message, info, subcode=subcode)


def _fault_qname(el: etree._Element) -> tuple[str, str]:
    """A fault code's QName text, resolved in the scope of its element (an unbound prefix: no namespace)."""
    prefix, _, local = (el.text or "").strip().rpartition(":")
    return el.nsmap.get(prefix or None) or "", local
