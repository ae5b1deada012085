"""Turning exceptions into faults (server side) and faults back into exceptions (client side)."""

from __future__ import annotations

import traceback

from soap import ExceptionInfo, Fault, SoapDecodeError, TypeRegistry, clr_name_of, exception_info

from ._errors import (
    HIDDEN_ERROR_MESSAGE,
    ClientRequestError,
    CustomErrorsMode,
    RemotingError,
    RemotingException,
)


def _fault(code: str, info: ExceptionInfo) -> Fault:
    return Fault(code, info.message or "", info)


def fault_for(
    exc: BaseException, registry: TypeRegistry, mode: CustomErrorsMode, client_host: str | None
) -> Fault:
    """The fault a caller gets for ``exc``, following the customErrors policy.

    * a registered (declared) exception type: its CLR name, message and fields, always;
    * our own :class:`RemotingException`: its message, always (we wrote it, it holds no internals);
    * anything else: ``System.Exception`` with the Python type and message only if details are allowed,
      otherwise the generic .NET "internal error" message.

    Stack traces go only where details are allowed.
    """
    details = mode.shows_details(client_host)
    stack = "".join(traceback.format_exception(exc)) if details else None
    if isinstance(exc, SoapDecodeError):
        exc = ClientRequestError(str(exc))
    if isinstance(exc, RemotingException):
        name = clr_name_of(RemotingException)
        info = ExceptionInfo(name.full_name, name.assembly, str(exc), stack, "gateway", exc.hresult)
        return _fault(exc.fault_code, info)
    if registry.is_registered(type(exc)):
        return _fault("Server", exception_info(exc, registry, stack))
    if details:
        message = f"{type(exc).__name__}: {exc}"
        info = ExceptionInfo("System.Exception", "mscorlib", message, stack, type(exc).__module__)
        return _fault("Server", info)
    name = clr_name_of(RemotingException)
    info = ExceptionInfo(name.full_name, name.assembly, HIDDEN_ERROR_MESSAGE, None, None, RemotingException.hresult)
    return _fault("Server", info)


def exception_from_fault(fault: Fault, http_status: int | None = None) -> BaseException:
    """The exception a client raises: the registered type with its fields, else a :class:`RemotingError`."""
    info = fault.exception
    if info is not None and info.value is not None:
        return info.value
    if info is not None:
        return RemotingError(
            info.message or fault.message,
            remote_type=info.type_name,
            remote_stack_trace=info.stack_trace,
            fault_code=fault.code,
            http_status=http_status,
        )
    return RemotingError(fault.message.strip(), fault_code=fault.code, http_status=http_status)
