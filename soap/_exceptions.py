"""A Python exception as it travels: the one conversion the SOAP, literal and binary writers share."""

from __future__ import annotations

from ._hresults import COR_E_EXCEPTION
from ._model import ExceptionInfo
from ._types import TypeRegistry, object_fields


def exception_info(exc: BaseException, registry: TypeRegistry, with_stack: str | None) -> ExceptionInfo:
    """The wire view of a registered exception: its CLR name, message, declared fields and HRESULT (the
    class's ``hresult`` attribute, ``COR_E_EXCEPTION`` without one).

    ``with_stack`` is the stack trace to send, or None where the server's customErrors policy hides it.
    """
    cls = type(exc)
    name = registry.name_of(cls)
    fields = [(f.wire_name, getattr(exc, f.attr, None), f.wire) for f in object_fields(cls)]
    message = str(exc.args[0]) if exc.args else str(exc)
    hresult = getattr(cls, "hresult", COR_E_EXCEPTION)  # a class's own HRESULT (ArgumentException's ...)
    if not isinstance(hresult, int) or isinstance(hresult, bool):
        hresult = COR_E_EXCEPTION
    return ExceptionInfo(name.full_name, name.assembly, message, with_stack, None, hresult, fields, exc)
