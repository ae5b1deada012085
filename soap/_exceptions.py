"""A Python exception as it travels: the one conversion the SOAP, literal and binary writers share."""

from __future__ import annotations

from ._hresults import COR_E_EXCEPTION
from ._model import ExceptionInfo
from ._types import TypeRegistry, object_fields


def exception_info(exc: BaseException, registry: TypeRegistry, with_stack: str | None) -> ExceptionInfo:
    """The wire view of a registered exception: its CLR name, message and declared fields.

    ``with_stack`` is the stack trace to send, or None where the server's customErrors policy hides it.
    """
    cls = type(exc)
    name = registry.name_of(cls)
    fields = [(f.wire_name, getattr(exc, f.attr, None), f.wire) for f in object_fields(cls)]
    message = str(exc.args[0]) if exc.args else str(exc)
    return ExceptionInfo(name.full_name, name.assembly, message, with_stack, None, COR_E_EXCEPTION, fields, exc)
