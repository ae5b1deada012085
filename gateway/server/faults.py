"""What a caller is told when a call fails: the customErrors policy and exceptions turned into faults."""

from __future__ import annotations

import enum
import ipaddress
import traceback

from soap import ExceptionInfo, Fault, SoapDecodeError, TypeRegistry, clr_name_of, exception_info

from ..model.errors import ClientRequestError, RemotingException


class CustomErrorsMode(enum.Enum):
    """Who sees exception details (messages of undeclared exceptions, stack traces), as in .NET.

    ``Off``: everyone. ``On``: nobody. ``RemoteOnly`` (default): only callers on this machine (loopback).
    Exceptions a service declares (registered by-value exception types) always reach the caller with their
    message and fields; this policy only governs undeclared exceptions and stack traces.
    """

    Off = "Off"
    On = "On"
    RemoteOnly = "RemoteOnly"

    def shows_details(self, client_host: str | None) -> bool:
        if self is CustomErrorsMode.Off:
            return True
        if self is CustomErrorsMode.On:
            return False
        return is_loopback(client_host)


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


#: What .NET tells a caller that may not see the details.
HIDDEN_ERROR_MESSAGE = (
    "Server encountered an internal error. For more information, turn off customErrors in the server's "
    ".config file."
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
