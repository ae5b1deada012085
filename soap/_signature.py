"""Method signatures: the CLR type names that tell overloads of one .NET method apart.

.NET sends a signature with a call to an overloaded method: the SOAP ``__MethodSignature`` header (a
space-separated list of type QNames: ``xsd:int xsd:int``, ``SOAP-ENC:string``) and the binary
``MethodSignatureInArray`` (an array of ``System.Type``, each a ``UnitySerializationHolder`` naming the
type). Both are read into CLR full names (``System.Int32``) and compared with the parameters' wire types
here, so every formatter tells overloads apart the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._clr import ClrName
from ._namespaces import CLR_NS, SOAP_ENC, parse_data_namespace
from ._types import Kind, TypeRegistry, WireType
from ._xsd import XSD_TYPE_NAMES, kind_for_type_qname

#: kind -> the CLR type .NET declares for it
CLR_NAMES: dict[Kind, str] = {
    Kind.STRING: "System.String", Kind.INT: "System.Int32", Kind.INT32: "System.Int32",
    Kind.INT64: "System.Int64", Kind.INT16: "System.Int16", Kind.SBYTE: "System.SByte", Kind.BYTE: "System.Byte",
    Kind.UINT16: "System.UInt16", Kind.UINT32: "System.UInt32", Kind.UINT64: "System.UInt64",
    Kind.DOUBLE: "System.Double", Kind.SINGLE: "System.Single", Kind.BOOL: "System.Boolean",
    Kind.DECIMAL: "System.Decimal", Kind.CHAR: "System.Char", Kind.DATETIME: "System.DateTime",
    Kind.DATE: "System.DateTime", Kind.DURATION: "System.TimeSpan", Kind.BYTES: "System.Byte[]",
    Kind.ANY: "System.Object", Kind.VOID: "System.Void",
}
_KIND_OF_CLR = {name: kind for kind, name in CLR_NAMES.items() if kind not in (Kind.INT, Kind.DATE)}
_INTEGERS = frozenset(CLR_NAMES[k] for k in (Kind.INT32, Kind.INT64, Kind.INT16, Kind.SBYTE, Kind.BYTE,
                                             Kind.UINT16, Kind.UINT32, Kind.UINT64))


def clr_type_name(wt: WireType, registry: TypeRegistry, by_ref: bool = False) -> str:
    """The CLR full name of a wire type, as a .NET signature names it (``System.Int32``, ``Shop.Item[]``;
    ``System.Int32&`` for an out or ref parameter)."""
    if by_ref:
        return clr_type_name(wt, registry) + "&"
    if wt.kind is Kind.LIST:
        return clr_type_name(wt.item or WireType(Kind.ANY), registry) + "[]"
    if wt.kind in (Kind.OBJECT, Kind.ENUM, Kind.OBJREF) and wt.py_type is not None:
        return registry.name_of(wt.py_type).full_name
    if wt.kind is Kind.OBJREF:
        return "System.MarshalByRefObject"
    return CLR_NAMES[wt.kind]


def plain_name(name: str) -> str:
    """``System.Int32&`` (a by-ref parameter), ``System.Int32, mscorlib`` -> ``System.Int32``."""
    return name.partition(",")[0].strip().rstrip("&")


def fits(wt: WireType, name: str | None, registry: TypeRegistry) -> bool:
    """Whether a parameter of wire type ``wt`` can be the one a signature (or an argument) names.

    ``None`` (the message does not say) fits anything; an ``object`` parameter takes anything; a Python
    ``int`` takes every integer type.
    """
    if name is None or wt.kind is Kind.ANY:
        return True
    name = plain_name(name)
    if wt.kind is Kind.INT:
        return name in _INTEGERS
    return name == clr_type_name(wt, registry)


def signature_fits(types: Sequence[WireType], names: Sequence[str | None], registry: TypeRegistry) -> bool:
    return len(types) == len(names) and all(fits(t, n, registry) for t, n in zip(types, names, strict=True))


def overload_fit(
    signature: Sequence[str | None] | None, arguments: Sequence[str | None], parameters: Sequence[WireType],
    inputs: Sequence[WireType], registry: TypeRegistry,
) -> int:
    """How well a call fits an overload (see :meth:`soap.IncomingCall.overload_fit`): 2 its ``signature``
    names the overload's ``parameters``, 1 it has none and its ``arguments``' types fit them (every slot) or
    its ``inputs`` (the in and ref ones: SOAP leaves out parameters out), 0 no fit."""
    if signature is not None:
        return 2 if signature_fits(parameters, signature, registry) else 0
    fits_any = signature_fits(inputs, arguments, registry) or signature_fits(parameters, arguments, registry)
    return 1 if fits_any else 0


def clr_name_for_qname(namespace: str, local: str) -> str | None:
    """The CLR name a SOAP type QName denotes (``xsd:int`` -> ``System.Int32``), None if it is not known."""
    kind = kind_for_type_qname(namespace, local)
    if kind is not None:
        return "System.Int32" if kind is Kind.INT else CLR_NAMES.get(kind)
    named = parse_data_namespace(namespace, local)
    return named[0] if named is not None else None


def soap_qname(wt: WireType, registry: TypeRegistry) -> tuple[str, str]:
    """(namespace, local name) of the type QName the Remoting dialect writes for ``wt`` (``xsd:int``)."""
    kind = Kind.INT32 if wt.kind is Kind.INT else wt.kind
    if kind is Kind.STRING:
        return SOAP_ENC, "string"
    if kind is Kind.CHAR:
        return CLR_NS + "System", "Char"
    if kind is Kind.BYTES:
        return SOAP_ENC, "base64"
    if kind is Kind.LIST:
        return SOAP_ENC, "Array"
    if kind in (Kind.OBJECT, Kind.ENUM, Kind.OBJREF) and wt.py_type is not None:
        name: ClrName = registry.name_of(wt.py_type)
        return name.data_namespace, name.short_name
    return "http://www.w3.org/2001/XMLSchema", XSD_TYPE_NAMES.get(kind, "anyType")


def signature_qname(wt: WireType, registry: TypeRegistry, by_ref: bool) -> tuple[str, str]:
    """(namespace, local name) of a parameter's type in the SOAP ``__MethodSignature`` header, as .NET writes
    it: an in parameter of a primitive, string or by-value class type by its type QName (``xsd:int``,
    ``SOAP-ENC:string``, ``a2:Item``), an array or a by-ref parameter by its CLR name in its CLR namespace
    (``a1:String[]``, ``a1:Int32&``, ``a2:Item&``: a .NET server finds no overload without the ``&``)."""
    if not by_ref and wt.kind is not Kind.LIST:
        return soap_qname(wt, registry)
    element = wt
    while element.kind is Kind.LIST:
        element = element.item or WireType(Kind.ANY)
    full = clr_type_name(wt, registry, by_ref)
    if element.kind in (Kind.OBJECT, Kind.ENUM, Kind.OBJREF) and element.py_type is not None:
        name: ClrName = registry.name_of(element.py_type)
        return name.data_namespace, name.short_name + full[len(name.full_name):]
    namespace, _, local = full.partition("[")[0].partition("&")[0].rpartition(".")
    return CLR_NS + namespace, local + full[len(namespace) + 1 + len(local):]


def kind_of_clr_name(name: str) -> Kind | None:
    return _KIND_OF_CLR.get(plain_name(name))
