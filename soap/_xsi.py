"""``xsi:type`` against the declared type: a caller may restate the type, never change it.

Where a parameter or field is declared (anything but ``object``), the declared type decides how the value
is read, and an ``xsi:type`` on the element must name that type, a registered subtype of it (by-value
classes), or a narrower number that widens to it without loss (``xsd:int`` for a ``long``, ``xsd:float`` for
a ``double``). Anything else is refused with a Client fault that names the ``xsi:type``: the name is
compared against the names of the declared type's family and never used to look anything up.

Both spellings of a type are accepted: the .NET Remoting dialect's (``clr:System.Char``, a CLR data
namespace for classes and enums) and the one the gateway's own WSDL documents declare (``xsd:string`` for a
char, the type's local name in the service namespace for document/literal complex types).

Mono puts an ``xsi:type`` on every primitive, so the check is on the hot path and kept cheap
(:class:`XsiTypes`, one per message): when the raw message declares a prefix exactly once, and in the root
element's start tag, that declaration binds it everywhere and is read from the bytes; otherwise the prefix is
resolved in the element's own scope (lxml's ``nsmap``, several times dearer). A (type name, declared kind)
pair found compatible once is remembered.
"""

from __future__ import annotations

import re

from lxml import etree

from ._errors import SoapDecodeError
from ._namespaces import CLR, SOAP_ENC, parse_data_namespace
from ._objref import REMOTING_NS
from ._types import Kind, TypeRegistry, WireType
from ._xml import local_name
from ._xsd import kind_for_type_qname

#: declared kind -> the narrower kinds whose every value it holds (the value is range-checked as declared)
WIDENS_FROM: dict[Kind, frozenset[Kind]] = {
    Kind.INT16: frozenset({Kind.SBYTE, Kind.BYTE}),
    Kind.INT32: frozenset({Kind.INT16, Kind.SBYTE, Kind.BYTE, Kind.UINT16}),
    Kind.INT64: frozenset({Kind.INT32, Kind.INT16, Kind.SBYTE, Kind.BYTE, Kind.UINT16, Kind.UINT32}),
    Kind.UINT16: frozenset({Kind.BYTE}),
    Kind.UINT32: frozenset({Kind.BYTE, Kind.UINT16}),
    Kind.UINT64: frozenset({Kind.BYTE, Kind.UINT16, Kind.UINT32}),
    Kind.DOUBLE: frozenset({Kind.SINGLE}),
    Kind.CHAR: frozenset({Kind.STRING}),  # the gateway's WSDLs declare a char as xsd:string
}
_SCALAR_KINDS = frozenset(Kind) - {Kind.LIST, Kind.OBJECT, Kind.ENUM, Kind.OBJREF, Kind.ANY, Kind.VOID}


def resolve_qname(el: etree._Element, value: str, attribute: str = "xsi:type") -> tuple[str, str]:
    """``prefix:local`` -> ``(namespace, local)`` in the scope of ``el``; an unbound prefix is an error."""
    prefix, _, local = value.strip().rpartition(":")
    namespace = el.nsmap.get(prefix or None)
    if namespace is None:
        if prefix:
            raise SoapDecodeError(
                f"<{local_name(el.tag)}>: {attribute}={value[:80]!r} uses the undeclared namespace prefix {prefix!r}"
            )
        namespace = ""
    return namespace, local


_UNRESOLVED = ""
#: (namespace, local name, id of the declared kind) found compatible: a small set (the spellings of the
#: scalar types; a Kind member is a singleton, so its id is stable and hashes faster than the member)
_COMPATIBLE: set[tuple[str, str, int]] = set()
_COMPATIBLE_MAX = 4096
#: root start tags seen (Mono and the toolkits send the same one every time) -> the prefixes they declare
_ROOT_DECLARATIONS: dict[bytes, dict[str, str]] = {}
_ROOT_CACHE_MAX = 256
_ROOT_TAG_MAX = 2048
_DECLARATION = re.compile(rb"""xmlns:([A-Za-z_][A-Za-z0-9_.\-]*)[ \t\r\n]*=[ \t\r\n]*(?:"([^"&<]*)"|'([^'&<]*)')""")
_NOTHING: tuple[dict[str, str], int] = ({}, 0)
#: the starts of the messages seen last (XML declaration and root start tag, as sent), most recent first,
#: with the root's declarations and where its start tag ends: one memcmp finds them again
_RECENT: list[tuple[bytes, dict[str, str], int]] = []
_PREFIX_BYTES: dict[str, bytes] = {}


def _root_declarations(source: bytes) -> tuple[dict[str, str], int]:
    """The prefixes the root element's start tag declares and where that tag ends (declarations after a
    ``>`` inside an attribute value are left out: such prefixes are resolved the slow way)."""
    for head, found, end in _RECENT:
        if source.startswith(head):
            return found, end
    start = 0
    if source.startswith(b"<?xml"):
        start = source.find(b"<", source.find(b"?>"))
    elif source[:1] != b"<" or source[1:2] == b"\x00":
        return _NOTHING  # whitespace or a BOM first, or not ASCII-compatible: the slow way
    end = source.find(b">", start) + 1
    tag = source[start:end]
    cached = _ROOT_DECLARATIONS.get(tag)
    if cached is None:
        cached = {}
        for match in _DECLARATION.finditer(tag):
            value = match.group(2) if match.group(2) is not None else match.group(3)
            if value.isascii():
                prefix = match.group(1).decode("ascii")
                cached[prefix] = value.decode("ascii")
                if len(_PREFIX_BYTES) < _ROOT_CACHE_MAX:
                    _PREFIX_BYTES.setdefault(prefix, b"xmlns:" + match.group(1))
        if len(tag) <= _ROOT_TAG_MAX and len(_ROOT_DECLARATIONS) < _ROOT_CACHE_MAX:
            _ROOT_DECLARATIONS[tag] = cached
    if end <= _ROOT_TAG_MAX + 64:
        _RECENT.insert(0, (source[:end], cached, end))
        del _RECENT[4:]
    return cached, end


class XsiTypes:
    """Checks the ``xsi:type`` attributes of one message against the declared types (see the module docstring).

    ``source`` is the raw message (for the cheap prefix resolution; None: always the element's scope),
    ``literal_namespaces`` the namespaces document/literal type names may live in.
    """

    __slots__ = ("_literal", "_prefixes", "_registry", "_source")

    def __init__(self, registry: TypeRegistry, source: bytes | None = None,
                 literal_namespaces: tuple[str, ...] = ()) -> None:
        self._registry = registry
        self._source = source
        self._literal = literal_namespaces
        self._prefixes: dict[str, str | None] = {}

    def _root_binding(self, prefix: str) -> str | None:
        """The namespace ``prefix`` is bound to everywhere: when the root element declares it and nothing
        after the root's start tag declares it again; None when that cannot be told from the bytes."""
        found = None
        source = self._source
        if source is not None and prefix:
            declarations, end = _root_declarations(source)
            namespace = declarations.get(prefix)
            declaration = _PREFIX_BYTES.get(prefix)
            if namespace is not None and declaration is not None and source.find(declaration, end) == -1:
                found = namespace
        self._prefixes[prefix] = found
        return found

    def check(self, el: etree._Element, value: str, wt: WireType) -> None:
        """Refuse ``xsi:type=value`` on ``el`` unless it names the declared type ``wt``."""
        prefix, _, local = value.rpartition(":")
        namespace = self._prefixes.get(prefix, _UNRESOLVED)
        if namespace == _UNRESOLVED:
            namespace = self._root_binding(prefix)
        kind = wt.kind if wt.kind is not Kind.INT else Kind.INT32
        if namespace is not None and (namespace, local, id(kind)) in _COMPATIBLE:
            return
        check_xsi_type(el, value, wt, self._registry, self._literal)


def declared_kind(wt: WireType) -> Kind:
    """The kind a declared type is read as: a plain Python ``int`` is a .NET ``Int32``."""
    return Kind.INT32 if wt.kind is Kind.INT else wt.kind


def check_xsi_type(
    el: etree._Element, value: str, wt: WireType, registry: TypeRegistry, literal_namespaces: tuple[str, ...] = ()
) -> None:
    """Refuse ``xsi:type=value`` on ``el`` unless it names the declared type ``wt`` (see the module docstring).

    ``literal_namespaces`` are the namespaces a document/literal message may put type names in (the service
    namespace, a class's ``__soap_namespace__``); empty for the Remoting dialect.
    """
    namespace, local = resolve_qname(el, value)
    if _compatible(namespace, local, wt, registry, literal_namespaces):
        kind = declared_kind(wt)
        if kind in _SCALAR_KINDS and len(_COMPATIBLE) < _COMPATIBLE_MAX:
            _COMPATIBLE.add((namespace, local, id(kind)))  # classes and lists depend on the registry and service
        return
    shown = f"{{{namespace}}}{local}" if namespace else local
    raise SoapDecodeError(
        f"<{local_name(el.tag)}>: xsi:type {value.strip()[:80]!r} ({shown[:160]}) is not the declared type "
        f"{wt.describe()}" + (" or a registered subtype of it" if wt.kind is Kind.OBJECT else "")
    )


def _compatible(namespace: str, local: str, wt: WireType, registry: TypeRegistry, literal: tuple[str, ...]) -> bool:
    kind = declared_kind(wt)
    if kind in _SCALAR_KINDS:
        named = kind_for_type_qname(namespace, local)
        if named is None:
            return False
        return named is kind or named in WIDENS_FROM.get(kind, frozenset())
    if kind is Kind.LIST:  # (the gateway's WSDLs name arrays ArrayOfX: the rpc/encoded one in a CLR namespace)
        return (namespace == SOAP_ENC and local == "Array") or (
            local.startswith("ArrayOf") and (namespace in literal or namespace.startswith(CLR)))
    if kind is Kind.OBJREF:
        return namespace == REMOTING_NS and local == "ObjRef"
    if kind in (Kind.OBJECT, Kind.ENUM) and wt.py_type is not None:
        declared = wt.py_type
        family = [declared]
        if kind is Kind.OBJECT:
            family += [cls for cls in registry.registered() if cls is not declared and issubclass(cls, declared)]
        clr = parse_data_namespace(namespace, local)
        if clr is not None:
            return any(registry.name_of(cls).full_name == clr[0] for cls in family)
        own = getattr(declared, "__soap_namespace__", None)
        return (namespace in literal or namespace == own) and any(cls.__name__ == local for cls in family)
    return False


__all__ = ["WIDENS_FROM", "XsiTypes", "check_xsi_type", "declared_kind", "resolve_qname"]
