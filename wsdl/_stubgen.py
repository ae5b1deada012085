"""Python client stubs from any WSDL (what SOAPSUDS did for .NET Remoting, done properly).

The foreign WSDL is read with zeep's parser (imports, includes and SOAP 1.1/1.2 bindings handled there);
from its model we write a typed module: a keyword-only dataclass per complex type, an ``Enum`` per
enumeration, an exception class per declared fault (``wsdl:fault``) with the detail's fields, an interface
class with one typed method per operation, an async twin for type checkers, and ``connect`` /
``connect_async`` functions that return proxies of :mod:`gateway`'s client channel speaking document/literal
SOAP. The stub's :class:`~gateway.client.binding.LiteralBinding` maps each fault's detail element to its
class, so a proxy raises the declared exception with the detail's values. ``xs:attribute`` members become
fields shaped ``XmlShape(attribute=True)``; the options of an ``xs:choice`` become optional fields of which
the dataclass accepts one. Documentation (``wsdl:documentation``, ``xs:documentation``) becomes docstrings
(zeep drops it, and enumeration values: :mod:`wsdl._stub_notes` reads them). What has no Python shape
(``xs:any``, ``xs:anyAttribute``, enumerations whose values are not identifiers) is listed by name in the
module docstring and reported by the command. The generated code passes ``mypy --strict``. Only
document/literal (wrapped) operations are supported; others are listed and skipped.
"""

from __future__ import annotations

import keyword
import sys
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from zeep.transports import Transport
from zeep.wsdl import Document
from zeep.wsdl.bindings import Soap11Binding, Soap12Binding
from zeep.xsd import Any as XsdAny
from zeep.xsd import AnyAttribute, Choice, ComplexType

from ._stub_notes import StubNotes, read_notes

XSD_NS = "http://www.w3.org/2001/XMLSchema"
SOAP_ENC_NS = "http://schemas.xmlsoap.org/soap/encoding/"

#: XSD built-in type -> (Python hint text, import needed)
_BUILTINS: dict[str, tuple[str, str | None]] = {
    "string": ("str", None), "normalizedString": ("str", None), "token": ("str", None),
    "anyURI": ("str", None), "QName": ("str", None), "NCName": ("str", None), "language": ("str", None),
    "ID": ("str", None), "Name": ("str", None), "NMTOKEN": ("str", None),
    "int": ("int", None), "integer": ("int", None), "nonNegativeInteger": ("int", None),
    "positiveInteger": ("int", None), "negativeInteger": ("int", None), "nonPositiveInteger": ("int", None),
    "long": ("Int64", "soap"), "short": ("Int16", "soap"), "byte": ("SByte", "soap"),
    "unsignedByte": ("Byte", "soap"), "unsignedShort": ("UInt16", "soap"), "unsignedInt": ("UInt32", "soap"),
    "unsignedLong": ("UInt64", "soap"), "boolean": ("bool", None), "double": ("float", None),
    "float": ("Single", "soap"), "decimal": ("decimal.Decimal", "decimal"),
    "dateTime": ("datetime.datetime", "datetime"), "date": ("datetime.date", "datetime"),
    "duration": ("datetime.timedelta", "datetime"), "base64Binary": ("bytes", None),
    "anyType": ("Any", None),
}


#: names the generated module imports or defines, and the builtins its annotations use: a name from a WSDL
#: never takes one (a class ``Enum`` would shadow the base of the module's enumerations, a member ``field``
#: the helper the next member's default calls, a member ``list`` the type in the next one's annotation)
_RESERVED = frozenset({
    "self", "client", "url",
    "Enum", "Any", "Annotated", "cast", "dataclass", "field", "datetime", "decimal", "RemotingClient",
    "AsyncRemotingClient", "LiteralBinding", "one_way", "ADDRESS", "BINDING", "connect", "connect_async",
    "XmlShape", *(hint for hint, module in _BUILTINS.values() if module == "soap"),
    "int", "str", "float", "bool", "bytes", "list", "dict", "object", "type", "None",
})  # fmt: skip


def py_name(name: str, taken: set[str] | None = None) -> str:
    """A valid, non-keyword Python identifier for a wire name: in the form Python reads it (NFKC: ``ﬁ`` is
    ``fi`` to the parser, so two names that differ only so are told apart here), every character that cannot
    go on a name (``-``, ``.``, but also ``²``, which ``\\w`` matches) an underscore, one before a leading digit."""
    text = "".join(c if ("_" + c).isidentifier() else "_" for c in unicodedata.normalize("NFKC", name))
    if not text.isidentifier():  # empty, or a first character that may only continue a name (a digit)
        text = "_" + text
    if keyword.iskeyword(text) or text in _RESERVED:
        text += "_"
    if taken is not None:
        base, n = text, 2
        while text in taken:
            text, n = f"{base}{n}", n + 1
        taken.add(text)
    return text


def class_name(name: str) -> str:
    """:func:`py_name` with a capital first letter (where that is still a name, and not a reserved one)."""
    text = py_name(name)
    upper = text[:1].upper() + text[1:]
    if upper == text or not upper.isidentifier() or unicodedata.normalize("NFKC", upper) != upper:
        return text
    return upper + "_" if upper in _RESERVED else upper


@dataclass
class _Field:
    attr: str
    wire: str
    hint: str
    optional: bool
    is_list: bool
    #: ``XmlShape(...)`` source when the schema shapes the element unlike our defaults
    shape: str | None = None


@dataclass
class _Class:
    name: str
    fields: list[_Field]
    doc: str
    #: the schema namespace of the type (its members are qualified in it)
    namespace: str | None = None
    #: each ``xs:choice``: the attribute names of its options, and whether one must be chosen
    choices: list[tuple[list[str], bool]] = field(default_factory=list)
    #: a declared fault: the detail element (``{namespace}name``) an exception class stands for
    fault_element: str | None = None


@dataclass
class _Enum:
    name: str
    values: list[str]
    doc: str


@dataclass
class _Op:
    name: str
    wire: str
    params: list[_Field]
    result: str
    action: str
    doc: str
    #: the WSDL operation has no output message: a one-way operation
    one_way: bool = False
    raises: list[str] = field(default_factory=list)


@dataclass
class _Module:
    source: str
    notes: StubNotes = field(default_factory=StubNotes)
    classes: dict[str, _Class] = field(default_factory=dict)
    enums: dict[str, _Enum] = field(default_factory=dict)
    imports: set[str] = field(default_factory=set)
    soap_names: set[str] = field(default_factory=set)
    #: what the module cannot represent, by name (module docstring; the command reports it)
    unrepresented: list[str] = field(default_factory=list)

    def taken(self, name: str) -> bool:
        return name in self.classes or name in self.enums


def _docstring(text: str, indent: str) -> str:
    """``text`` as the body of a triple-quoted docstring at ``indent``: backslashes and every double quote
    escaped (the value is the same; a quote next to the closing ones, or three in a row, would end the string
    early). Whatever a WSDL says, it stays text."""
    safe = text.replace("\\", "\\\\").replace('"', '\\"')
    return "\n".join((indent + line if line and i else line) for i, line in enumerate(safe.split("\n")))


def _is_member_name(value: str) -> bool:
    """An enumeration value that can be its member's name as it is (NFKC-stable: ``ﬁ`` and ``fi`` would be one)."""
    return (value.isidentifier() and not keyword.iskeyword(value) and not value.startswith("_")
            and unicodedata.normalize("NFKC", value) == value)  # fmt: skip


class _TypeMapper:
    def __init__(self, module: _Module) -> None:
        self.module = module
        self._by_type: dict[int, str] = {}
        self._enum_names: dict[tuple[str, str], str] = {}
        #: the item element name of the last wrapper array mapped, when it differs from our default
        self.last_item_name: str | None = None

    def hint(self, xsd_type: Any, context: str) -> str:
        qname = getattr(xsd_type, "qname", None)
        if isinstance(xsd_type, ComplexType) and not (
            qname is not None and qname.namespace == SOAP_ENC_NS and qname.localname in _BUILTINS
        ):
            array_item = self._array_item(xsd_type)
            if array_item is not None:
                item_hint = self.hint(array_item[1], context)
                if array_item[0] != _default_item_name(item_hint):
                    self.last_item_name = array_item[0]
                return f"list[{item_hint}]"
            return self._class(xsd_type, context)
        local = qname.localname if qname is not None else "anyType"
        namespace = qname.namespace if qname is not None else XSD_NS
        if namespace not in (XSD_NS, SOAP_ENC_NS):  # a user simpleType (enumeration, restriction): its base
            enum_name = self._enum(namespace, local)
            if enum_name is not None:
                return enum_name
            for klass in type(xsd_type).__mro__:
                base_q = getattr(klass, "_default_qname", None)
                if base_q is not None and getattr(base_q, "namespace", None) == XSD_NS:
                    local = base_q.localname
                    break
            else:
                local = "string"
        text, imp = _BUILTINS.get(local, ("str", None))
        if imp == "soap":
            self.module.soap_names.add(text)
        elif imp is not None:
            self.module.imports.add(imp)
        if text == "Any":
            self.module.imports.add("typing.Any")
        return text

    def _enum(self, namespace: str, local: str) -> str | None:
        """The ``Enum`` class of an enumeration (None: not one, or values that cannot be member names)."""
        values = self.module.notes.enums.get((namespace, local))
        if not values:
            return None
        known = self._enum_names.get((namespace, local))
        if known is not None:
            return known
        bad = [v for v in values if not _is_member_name(v)]
        if bad:
            self.module.unrepresented.append(
                f"enumeration {local}: values {', '.join(bad)} are not Python identifiers, so it is typed as its "
                "base type")
            return None
        name = class_name(local)
        while self.module.taken(name):
            name += "_"
        self._enum_names[(namespace, local)] = name
        doc = self.module.notes.type_docs.get((namespace, local), "")
        self.module.enums[name] = _Enum(name, values, (doc + "\n\n" if doc else "")
                                        + f"The enumeration ``{{{namespace}}}{local}``.")
        self.module.imports.add("enum.Enum")
        return name

    def _array_item(self, ct: Any) -> tuple[str, Any] | None:
        elements = list(getattr(ct, "elements", []))
        if len(elements) == 1 and _is_repeated(elements[0][1]) and not getattr(ct, "attributes", None):
            return elements[0][0], elements[0][1].type
        return None

    def _class(self, ct: Any, context: str) -> str:
        key = id(ct)
        if key in self._by_type:
            return self._by_type[key]
        raw = ct.qname.localname if getattr(ct, "qname", None) is not None else context
        name = class_name(raw)
        while self.module.taken(name):
            name += "_"
        self._by_type[key] = name
        self.module.classes[name] = _Class(name, [], "")  # placeholder (recursive types)
        namespace = ct.qname.namespace if getattr(ct, "qname", None) is not None else None
        doc = self.module.notes.type_docs.get((namespace or "", raw), "")
        fields = self.fields(ct, name)
        self.module.classes[name] = _Class(
            name, fields, (doc + "\n\n" if doc else "") + f"The complex type ``{raw}``.", namespace,
            self.choices(ct, fields))
        return name

    def fault(self, element: Any) -> str:
        """The exception class of a declared fault's detail element."""
        qname = element.qname
        key = id(element)
        if key in self._by_type:
            return self._by_type[key]
        name = class_name(qname.localname)
        while self.module.taken(name):
            name += "_"
        self._by_type[key] = name
        notes = self.module.notes
        doc = notes.element_docs.get((qname.namespace, qname.localname)) or notes.type_docs.get(
            (qname.namespace, getattr(getattr(element.type, "qname", None), "localname", "")), "")
        fields = self.fields(element.type, name) if isinstance(element.type, ComplexType) else []
        self.module.classes[name] = _Class(
            name, fields, (doc + "\n\n" if doc else "") + f"The declared fault ``{qname.localname}``: raised with "
            "the values of its detail.", qname.namespace, [], f"{{{qname.namespace}}}{qname.localname}")
        return name

    def choices(self, ct: Any, fields: list[_Field]) -> list[tuple[list[str], bool]]:
        """Each ``xs:choice`` of ``ct``: its options' attribute names, and whether one is required."""
        attr_of = {f.wire: f.attr for f in fields}
        groups: list[tuple[list[str], bool]] = []

        def walk(particle: Any) -> None:
            if isinstance(particle, Choice):
                names = [attr_of[n] for n, _ in particle.elements if n in attr_of]
                if len(names) > 1:
                    groups.append((names, int(getattr(particle, "min_occurs", 1) or 0) > 0))
                return
            for child in particle if isinstance(particle, list) else []:  # zeep's Sequence/All are lists
                walk(child)

        root = getattr(ct, "_element", None)
        if root is not None:
            walk(root)
        return groups

    def fields(self, ct: Any, context: str) -> list[_Field]:
        out: list[_Field] = []
        taken: set[str] = set()
        for wire, attribute in getattr(ct, "attributes", []):
            if isinstance(attribute, AnyAttribute):
                self.module.unrepresented.append(f"{context}: xs:anyAttribute (other attributes are not kept)")
                continue
            hint = self.hint(attribute.type, class_name(context) + class_name(wire))
            required = bool(getattr(attribute, "required", False))
            self.module.soap_names.add("XmlShape")
            self.module.imports.add("typing.Annotated")
            out.append(_Field(py_name(wire, taken), wire, hint, not required, False, "XmlShape(attribute=True)"))
        for wire, element in getattr(ct, "elements", []):
            if isinstance(element, XsdAny):
                self.module.unrepresented.append(
                    f"{context}: xs:any (extension elements are not kept when read, and cannot be sent)")
                continue
            repeated = _is_repeated(element)
            self.last_item_name = None
            hint = self.hint(element.type, class_name(context) + class_name(wire))
            optional = bool(element.nillable) or element.min_occurs == 0
            shape = None
            if repeated:
                hint = f"list[{hint}]"
                shape = "XmlShape(repeated=True)"
            elif self.last_item_name is not None:
                shape = f"XmlShape(item_name={self.last_item_name!r})"
            elif element.min_occurs == 0 and not element.nillable:
                shape = "XmlShape(omit_if_none=True)"
            if shape is not None:
                self.module.soap_names.add("XmlShape")
                self.module.imports.add("typing.Annotated")
            out.append(_Field(py_name(wire, taken), wire, hint, optional and not repeated, repeated, shape))
        return out


def _is_repeated(element: Any) -> bool:
    max_occurs = getattr(element, "max_occurs", 1)
    return max_occurs == "unbounded" or (isinstance(max_occurs, int) and max_occurs > 1)


_DEFAULT_ITEM_NAMES = {
    "str": "string", "int": "int", "Int64": "long", "Int16": "short", "SByte": "byte", "Byte": "unsignedByte",
    "UInt16": "unsignedShort", "UInt32": "unsignedInt", "UInt64": "unsignedLong", "bool": "boolean",
    "float": "double", "Single": "float", "decimal.Decimal": "decimal", "datetime.datetime": "dateTime",
    "datetime.date": "date", "datetime.timedelta": "duration", "bytes": "base64Binary", "Any": "anyType",
}


def _default_item_name(item_hint: str) -> str:
    """The item element name our literal writer uses for a list of ``item_hint`` (soap.item_element_name)."""
    return _DEFAULT_ITEM_NAMES.get(item_hint, item_hint)


def _full_hint(f: _Field) -> str:
    hint = f"{f.hint} | None" if f.optional and not f.is_list else f.hint
    return f"Annotated[{hint}, {f.shape}]" if f.shape else hint


#: A minimal SOAP 1.1 encoding schema. zeep imports this namespace by itself whenever a schema refers to it
#: (``soapenc:Array`` in every rpc/encoded WSDL, ``soapenc:string`` in Axis ones) without importing it, and
#: would fetch it from schemas.xmlsoap.org: offline (CI, air-gapped builds) that fails the whole run, and
#: reading a local WSDL should never reach out to a third host anyway. So the transport answers it from here.
_SOAP_ENC_SCHEMA = (
    f'<xs:schema xmlns:xs="{XSD_NS}" xmlns:tns="{SOAP_ENC_NS}" targetNamespace="{SOAP_ENC_NS}">'
    '<xs:attribute name="root" type="xs:boolean"/>'
    '<xs:attributeGroup name="commonAttributes"><xs:attribute name="id" type="xs:ID"/>'
    '<xs:attribute name="href" type="xs:anyURI"/>'
    '<xs:anyAttribute namespace="##other" processContents="lax"/></xs:attributeGroup>'
    '<xs:attribute name="arrayType" type="xs:string"/><xs:attribute name="offset" type="xs:string"/>'
    '<xs:attribute name="position" type="xs:string"/>'
    '<xs:attributeGroup name="arrayAttributes"><xs:attribute ref="tns:arrayType"/>'
    '<xs:attribute ref="tns:offset"/></xs:attributeGroup>'
    '<xs:group name="Array"><xs:sequence><xs:any namespace="##any" minOccurs="0" maxOccurs="unbounded" '
    'processContents="lax"/></xs:sequence></xs:group>'
    '<xs:complexType name="Array"><xs:group ref="tns:Array" minOccurs="0"/>'
    '<xs:attributeGroup ref="tns:arrayAttributes"/><xs:attributeGroup ref="tns:commonAttributes"/>'
    '</xs:complexType><xs:element name="Array" type="tns:Array"/>'
    '<xs:complexType name="Struct"><xs:group ref="tns:Array" minOccurs="0"/>'
    '<xs:attributeGroup ref="tns:commonAttributes"/></xs:complexType><xs:element name="Struct" type="tns:Struct"/>'
    + "".join(
        f'<xs:complexType name="{name}"><xs:simpleContent><xs:extension base="xs:{name}">'
        '<xs:attributeGroup ref="tns:commonAttributes"/></xs:extension></xs:simpleContent></xs:complexType>'
        f'<xs:element name="{name}" type="tns:{name}"/>'
        for name in _BUILTINS
        if name != "anyType"
    )
    + "</xs:schema>"
).encode()


#: the most one WSDL or schema document may hold (zeep reads each whole): far more than any real one
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024


class _Transport(Transport):
    """zeep's transport, answering the SOAP encoding namespace locally (see :data:`_SOAP_ENC_SCHEMA`), and
    reading a document as it arrives, refused beyond :data:`MAX_DOCUMENT_BYTES` (zeep's own reads any size
    whole: a server answering with gigabytes, or with gzip that inflates to them, would have the command
    hold them)."""

    def load(self, url: str) -> bytes:
        if url.rstrip("/") == SOAP_ENC_NS.rstrip("/"):
            return _SOAP_ENC_SCHEMA
        return bytes(super().load(url))  # type: ignore[no-untyped-call]

    def _load_remote_data(self, url: str) -> bytes:
        response = self.session.get(url, timeout=self.load_timeout, stream=True)
        with response:
            response.raise_for_status()
            parts: list[bytes] = []
            size = 0
            for chunk in response.iter_content(64 * 1024):  # (decoded: a gzip piece inflates 1000x at most)
                size += len(chunk)
                if size > MAX_DOCUMENT_BYTES:
                    raise ValueError(f"{url} holds more than {MAX_DOCUMENT_BYTES} bytes: not a WSDL this reads")
                parts.append(chunk)
            return b"".join(parts)


def _transport() -> Any:
    return _Transport()  # type: ignore[no-untyped-call]


def _soap_ports(document: Any) -> list[tuple[Any, str, Any, bool]]:
    """(service, port name, port, is SOAP 1.2) of every SOAP port, in document order.

    Plain-HTTP ports (ASMX's ``HttpGet`` / ``HttpPost``, WSDL 1.1 ``http:binding``) are not SOAP: never chosen.
    """
    return [
        (service, port_name, port, isinstance(port.binding, Soap12Binding))
        for service in document.services.values()
        for port_name, port in service.ports.items()
        if isinstance(port.binding, Soap11Binding | Soap12Binding)
    ]


def generate_stub(location: str, soap12: bool = False) -> str:
    """The source of a client module for the WSDL at ``location`` (URL or file path).

    The first SOAP port of the wanted version (1.2 with ``soap12``, else 1.1) is used, else the first SOAP
    port of the other version; a WSDL without any SOAP port raises :class:`ValueError`.
    """
    return _generate(location, soap12)[0]


def _generate(location: str, soap12: bool) -> tuple[str, list[str]]:
    """(module source, what it cannot represent)."""
    transport = _transport()
    document = Document(location, transport)
    module = _Module(location, read_notes(location, transport))
    mapper = _TypeMapper(module)
    ports = _soap_ports(document)
    chosen = next((p for p in ports if p[3] == soap12), ports[0] if ports else None)
    if chosen is None:
        raise ValueError("no SOAP 1.1 or 1.2 port (wsdl:service/wsdl:port with a SOAP binding) found")
    service, port_name, port, is12 = chosen
    address = port.binding_options.get("address", "")
    ops: list[_Op] = []
    skipped: list[str] = []
    namespace = ""
    taken: set[str] = set()
    for wire_name, op in sorted(port.binding._operations.items()):
        body_in = getattr(op.input, "body", None) if op.input is not None else None
        if op.style != "document" or body_in is None:
            skipped.append(wire_name)
            continue
        namespace = namespace or body_in.qname.namespace
        params = mapper.fields(body_in.type, wire_name)
        result = "None"
        body_out = getattr(op.output, "body", None) if op.output is not None else None
        if body_out is not None:
            outs = list(getattr(body_out.type, "elements", []))
            if outs:
                out_field = mapper.fields(body_out.type, wire_name + "Response")[0]
                result = _full_hint(out_field)
        raises = [mapper.fault(part.element) for message in op.abstract.fault_messages.values()
                  for part in message.parts.values() if part.element is not None]
        doc = module.notes.operation_docs.get(wire_name) or f"The ``{wire_name}`` operation."
        ops.append(_Op(py_name(wire_name, taken), wire_name, params, result, op.soapaction or "", doc,
                       op.output is None, raises))
    source = _render(module, service.name, port_name, address, namespace, "1.2" if is12 else "1.1", ops, skipped)
    return source, module.unrepresented


def _render(module: _Module, service: str, port: str, address: str, namespace: str, version: str,
            ops: list[_Op], skipped: list[str]) -> str:
    iface = class_name(port)
    while {iface, iface + "Async"} & (module.classes.keys() | module.enums.keys()):
        iface += "_"
    lines: list[str] = []
    add = lines.append
    # (names and the source as text: a WSDL's names are not checked to be NCNames, and must not end the docstring)
    doc = (f'"""Client for the {_docstring(service, "")} service ({_docstring(port, "")}, SOAP {version}), '
           f'generated from {_docstring(module.source, "")}.\n')
    if module.notes.service_doc:
        doc += f"\n{_docstring(module.notes.service_doc, '')}\n"
    doc += "\nGenerated by ``python -m wsdl stub``; regenerate rather than edit."
    if skipped:
        doc += f"\nSkipped (not document/literal): {', '.join(skipped)}."
    if module.unrepresented:
        doc += "\nNot represented:\n" + "".join(f"\n* {_docstring(u, '  ')}" for u in module.unrepresented)
    add(doc + '\n"""')
    add("")
    add("from __future__ import annotations")
    add("")
    stdlib = sorted(i for i in module.imports if i in ("datetime", "decimal"))
    for imp in stdlib:
        add(f"import {imp}")
    needs_field = any(f.is_list or f.wire != f.attr for c in module.classes.values() for f in c.fields)
    if module.classes:
        add("from dataclasses import dataclass" + (", field" if needs_field else ""))
    if module.enums:
        add("from enum import Enum")
    typing_names = ["cast"] + (["Any"] if "typing.Any" in module.imports else []) + (
        ["Annotated"] if "typing.Annotated" in module.imports else [])
    add(f"from typing import {', '.join(sorted(typing_names))}")
    add("")
    one_way = ", one_way" if any(o.one_way for o in ops) else ""
    add(f"from gateway import AsyncRemotingClient, LiteralBinding, RemotingClient{one_way}")
    if module.soap_names:
        add(f"from soap import {', '.join(sorted(module.soap_names))}")
    add("")
    add(f"ADDRESS = {address!r}")
    for enum_class in module.enums.values():
        add("")
        add("")
        add(f"class {enum_class.name}(Enum):")
        add(f'    """{_docstring(enum_class.doc, "    ")}"""')
        add("")
        for value in enum_class.values:
            add(f"    {value} = {value!r}")
    for cls in module.classes.values():
        _render_class(add, cls, namespace)
    actions = {o.name: o.action for o in ops if o.action}
    op_names = {o.name: o.wire for o in ops if o.name != o.wire}
    param_names = {o.name: [p.wire for p in o.params] for o in ops if any(p.wire != p.attr for p in o.params)}
    faults = {c.fault_element: c.name for c in module.classes.values() if c.fault_element}
    add("")
    add("")
    add("BINDING = LiteralBinding(")
    add(f"    namespace={namespace!r},")
    add(f"    soap_version={version!r},")
    for keyword_name, mapping in (("actions", actions), ("operation_names", op_names),
                                  ("parameter_names", param_names)):
        if mapping or keyword_name == "actions":
            add(f"    {keyword_name}={{" + "".join(f"\n        {k!r}: {v!r}," for k, v in mapping.items())
                + ("\n    }," if mapping else "},"))
    if faults:
        add("    faults={" + "".join(f"\n        {k!r}: {v}," for k, v in faults.items()) + "\n    },")
    add(")")
    for suffix, prefix in (("", "def"), ("Async", "async def")):
        add("")
        add("")
        add(f"class {iface}{suffix}:")
        add(f'    """The operations of {_docstring(f"{service}/{port}", "    ")}{" (awaitable)" if suffix else ""}."""')
        for op in ops:
            params = "".join(f", {p.attr}: {_full_hint(p)}" for p in op.params)
            add("")
            if op.one_way and not suffix:  # the proxy's contract: it sends and does not wait
                add("    @one_way")
            add(f"    {prefix} {op.name}(self{params}) -> {op.result}:")
            text = op.doc + (f"\n\nRaises {', '.join(f':class:`{r}`' for r in op.raises)} (declared faults)."
                             if op.raises else "")
            add(f'        """{_docstring(text, "        ")}"""')
            add("        raise NotImplementedError")
    add("")
    add("")
    add(f"def connect(client: RemotingClient, url: str = ADDRESS) -> {iface}:")
    add(f'    """A proxy for {_docstring(service, "    ")} through ``client``."""')
    add(f"    return client.get_object({iface}, url, BINDING)")
    add("")
    add("")
    add(f"def connect_async(client: AsyncRemotingClient, url: str = ADDRESS) -> {iface}Async:")
    add(f'    """An asyncio proxy for {_docstring(service, "    ")} through ``client``."""')
    add(f"    return cast({iface}Async, client.get_object({iface}, url, BINDING))")
    return "\n".join(lines) + "\n"


def _render_class(add: Any, cls: _Class, namespace: str) -> None:
    """A dataclass (a complex type) or an exception dataclass (a declared fault)."""
    add("")
    add("")
    if cls.fault_element:
        add("@dataclass(kw_only=True, eq=False)")
        add(f"class {cls.name}(Exception):")
    else:
        add("@dataclass(kw_only=True)")
        add(f"class {cls.name}:")
    doc = cls.doc
    for group, required in cls.choices:
        doc += f"\n\nA choice: set {'exactly' if required else 'at most'} one of {', '.join(group)}."
    add(f'    """{_docstring(doc, "    ")}"""')
    add("")
    if not cls.fields and not cls.choices:
        add("    pass")
    if cls.namespace and cls.namespace != namespace:
        add(f"    __soap_namespace__ = {cls.namespace!r}  # its members are qualified in this namespace")
        add("")
    for f in cls.fields:
        meta = f", metadata={{'wire_name': {f.wire!r}}}" if f.wire != f.attr else ""
        if f.is_list:
            add(f"    {f.attr}: {_full_hint(f)} = field(default_factory=list{meta})")
        elif f.optional:
            add(f"    {f.attr}: {_full_hint(f)} = " + (f"field(default=None{meta})" if meta else "None"))
        else:
            add(f"    {f.attr}: {_full_hint(f)}" + (f" = field({meta[2:]})" if meta else ""))
    if cls.choices:
        add("")
        add("    def __post_init__(self) -> None:")
        for group, required in cls.choices:
            add(f"        chosen = [name for name in {tuple(group)!r} if getattr(self, name) is not None]")
            add(f"        if len(chosen) {'!=' if required else '>'} 1:")
            which = "exactly" if required else "at most"
            add(f'            raise ValueError(f"{cls.name}: set {which} one of {", ".join(group)}, not {{chosen}}")')


def write_stub(location: str, output: str | None, soap12: bool = False, prog: str = "wsdl stub") -> int:
    """Generate the stub for ``location`` into ``output`` (None: standard output), as a command does:
    problems are one line on standard error, prefixed with ``prog``; returns the exit status."""
    try:
        source, unrepresented = _generate(location, soap12)
    except Exception as exc:
        print(f"{prog}: {location}: {exc}", file=sys.stderr)
        return 1
    for what in unrepresented:
        print(f"{prog}: warning: not represented: {what}", file=sys.stderr)
    if output is None:
        sys.stdout.write(source)
        return 0
    try:
        with open(output, "w", encoding="utf-8") as out:
            out.write(source)
    except OSError as exc:
        print(f"{prog}: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0
