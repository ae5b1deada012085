"""XSD / SOAP-ENC type names and the kinds they denote, both directions."""

from __future__ import annotations

from ._namespaces import CLR_NS, SOAP_ENC, XSD
from ._types import Kind

#: xsi:type local names in the XSD namespace -> kind.
XSD_KINDS: dict[str, Kind] = {
    "string": Kind.STRING, "normalizedString": Kind.STRING, "token": Kind.STRING, "anyURI": Kind.STRING,
    "NMTOKEN": Kind.STRING, "Name": Kind.STRING, "NCName": Kind.STRING, "language": Kind.STRING,
    "int": Kind.INT32, "long": Kind.INT64, "short": Kind.INT16, "byte": Kind.SBYTE,
    "unsignedByte": Kind.BYTE, "unsignedShort": Kind.UINT16, "unsignedInt": Kind.UINT32,
    "unsignedLong": Kind.UINT64, "integer": Kind.INT, "nonNegativeInteger": Kind.INT,
    "positiveInteger": Kind.INT, "negativeInteger": Kind.INT, "nonPositiveInteger": Kind.INT,
    "double": Kind.DOUBLE, "float": Kind.SINGLE, "boolean": Kind.BOOL, "decimal": Kind.DECIMAL,
    "dateTime": Kind.DATETIME, "date": Kind.DATE, "duration": Kind.DURATION,
    "base64Binary": Kind.BYTES, "anyType": Kind.ANY,
}

#: SOAP-ENC type names (also usable as element names in SOAP-ENC) -> kind.
SOAP_ENC_KINDS: dict[str, Kind] = {**XSD_KINDS, "base64": Kind.BYTES, "string": Kind.STRING}

#: mscorlib primitive names that the Remoting dialect writes in ``clr/ns/System``.
CLR_SYSTEM_KINDS: dict[str, Kind] = {"Char": Kind.CHAR}

#: kind -> its built-in XSD type's local name: the ``xsi:type`` the SOAP writers put on values and the type
#: WSDL schemas declare. A declared plain ``int`` (``Kind.INT``) is a .NET Int32: ``xs:int`` in contracts and
#: on the wire. ``Kind.CHAR`` is absent: XSD has no character type, and each dialect
#: says it its own way (the Remoting dialect as ``clr:System.Char``, WSDL schemas as ``xs:string``).
XSD_TYPE_NAMES: dict[Kind, str] = {
    Kind.INT: "int", Kind.INT32: "int", Kind.INT64: "long", Kind.INT16: "short", Kind.SBYTE: "byte",
    Kind.BYTE: "unsignedByte", Kind.UINT16: "unsignedShort", Kind.UINT32: "unsignedInt",
    Kind.UINT64: "unsignedLong", Kind.DOUBLE: "double", Kind.SINGLE: "float", Kind.BOOL: "boolean",
    Kind.DECIMAL: "decimal", Kind.DATETIME: "dateTime", Kind.DATE: "date", Kind.DURATION: "duration",
    Kind.STRING: "string", Kind.BYTES: "base64Binary", Kind.ANY: "anyType",
}


def kind_for_type_qname(namespace: str, local: str) -> Kind | None:
    """The kind a built-in type QName denotes, or None if it is not a built-in."""
    if namespace == XSD or (namespace.startswith("http://www.w3.org/") and namespace.endswith("XMLSchema")):
        return XSD_KINDS.get(local)
    if namespace == SOAP_ENC:
        return SOAP_ENC_KINDS.get(local)
    if namespace == CLR_NS + "System":
        return CLR_SYSTEM_KINDS.get(local)
    return None
