"""The wire type of a value declared as ``object``, found from the value itself at write time.

Every writer needs it for ``Any``-typed parameters, fields and array items: the SOAP ones to choose the
``xsi:type`` they write, so this lives apart from any one dialect.
"""

from __future__ import annotations

import dataclasses
import enum

from ._errors import SoapEncodeError
from ._objref import ObjRef
from ._types import ANY, K_BOOL, K_LIST, K_OBJREF, TypeRegistry, WireType, integer_kind_for, wire_type

_OBJREF = WireType(K_OBJREF, None, None, True)


#: the wire type of each by-value class (enum, dataclass, exception) written as ``object`` so far: the call
#: context's values go through here on every call that carries one
_BY_VALUE: dict[type, WireType] = {}


def runtime_wire_type(value: object, registry: TypeRegistry) -> WireType:
    """The wire type of a value whose declared type is ``object``/``Any``.

    Integers get the smallest CLR kind that holds them (what .NET's boxed value would be); by-value classes
    must be registered, because the peer resolves them by the name we write.
    """
    known = _BY_VALUE.get(type(value))
    if known is not None and registry.is_registered(type(value)):
        return known  # a by-value class seen before: the checks below would find the same, as they did then
    if isinstance(value, ObjRef):
        return _OBJREF
    if isinstance(value, bool):
        return WireType(K_BOOL)
    if isinstance(value, int):
        return WireType(integer_kind_for(value))
    if isinstance(value, list | tuple):
        return WireType(K_LIST, None, ANY, True)
    cls = type(value)
    if isinstance(value, enum.Enum) or dataclasses.is_dataclass(value) or isinstance(value, BaseException):
        if not registry.is_registered(cls):
            raise SoapEncodeError(f"{cls.__module__}.{cls.__qualname__} is not a registered by-value type")
        found = _BY_VALUE[cls] = wire_type(cls)
        return found
    try:
        found = wire_type(cls)
        if found.kind is not K_OBJREF:
            return found
        raise SoapEncodeError("not by-reference")
    except SoapEncodeError:
        raise SoapEncodeError(
            f"value of type {cls.__module__}.{cls.__qualname__} is not remotable "
            "(neither a by-value type nor a primitive)"
        ) from None
