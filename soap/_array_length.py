"""The length a SOAP-encoded array declares (``SOAP-ENC:arrayType="xsd:int[3]"``) against the items it holds.

Mono's SoapReader (like .NET's) allocates the declared length and fills it in document order: an array that
holds more items than it declares fails there, and one that holds fewer keeps the element type's default
value in the rest. This follows it, and refuses a declared length over the array limits *before* anything
is allocated (the declaration is the attacker's to choose). ``SOAP-ENC:offset`` and ``SOAP-ENC:position``
(SOAP 1.1's partial and sparse arrays) are ignored, as Mono ignores them: items are read in order.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

from ._errors import LimitExceeded, SoapDecodeError
from ._types import Kind
from ._xml import Limits

#: the .NET default value of an array item of each kind (reference types, structs and enums: None)
_DEFAULTS: dict[Kind, object] = {
    **dict.fromkeys((Kind.INT, Kind.INT32, Kind.INT64, Kind.INT16, Kind.SBYTE, Kind.BYTE, Kind.UINT16,
                     Kind.UINT32, Kind.UINT64), 0),
    Kind.DOUBLE: 0.0, Kind.SINGLE: 0.0, Kind.BOOL: False, Kind.DECIMAL: Decimal(0), Kind.CHAR: "\0",
    Kind.DATETIME: _dt.datetime.min, Kind.DATE: _dt.date.min, Kind.DURATION: _dt.timedelta(0),
}


def declared_length(array_type: str, sent: int, limits: Limits, element: str) -> int:
    """How many items the array ``<element>`` holds: what ``array_type`` declares (the product of its last
    bracket's dimensions), or ``sent`` when it declares none (``xsd:int[]``).

    Raises :class:`SoapDecodeError` when the declaration is malformed or smaller than ``sent``, and
    :class:`LimitExceeded` when it is over ``max_array_length``.
    """
    if not array_type.endswith("]"):
        return sent
    dims = array_type[array_type.rfind("[") + 1:-1]
    if not dims or dims.isspace():
        return sent
    length = 1
    for dim in dims.split(","):
        dim = dim.strip()
        if not dim.isdigit() or not dim.isascii():
            raise SoapDecodeError(f"<{element}>: SOAP-ENC:arrayType {array_type[:100]!r} declares no valid length")
        if len(dim) > 10 or (length := length * int(dim)) > limits.max_array_length:
            raise LimitExceeded(f"<{element}> declares an array longer than {limits.max_array_length} items "
                                f"({array_type[:100]!r})", "max_array_length")
    if sent > length:
        raise SoapDecodeError(f"<{element}> holds {sent} items but its SOAP-ENC:arrayType "
                              f"{array_type[:100]!r} declares {length}")
    return length


def pad(items: list[object], length: int, item_kind: Kind) -> list[object]:
    """``items`` filled up to ``length`` with the item kind's default value, as .NET leaves an array's rest."""
    if len(items) < length:
        items.extend([_DEFAULTS.get(item_kind)] * (length - len(items)))
    return items
