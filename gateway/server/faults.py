"""What a caller is told when a call fails: the customErrors policy and exceptions turned into faults.

Safe by default: with customErrors ``On`` (the default) no caller, loopback included, ever receives a
traceback, a file or module path, or the message of an undeclared exception. Such a failure reaches the
caller as a generic message with a short error id, and the server logs the full traceback with that id at
ERROR on the ``gateway.server`` logger (shown under plain uvicorn: Python's last-resort handler prints it
when logging is not configured). Exceptions the service declares (registered by-value types, .NET's own
exceptions of :mod:`gateway.model.dotnet_exceptions` among them) and our own ``RemotingException``
messages always reach the caller, without a stack. Where details may be shown, Python's built-in
exceptions travel as their .NET counterparts (``ValueError`` as ``System.ArgumentException``).
"""

from __future__ import annotations

import enum
import ipaddress
import secrets
import traceback
from collections.abc import Mapping

from soap import ExceptionInfo, Fault, SoapDecodeError, TypeRegistry, clr_name_of, exception_info

from ..model.dotnet_exceptions import as_dotnet_exception
from ..model.errors import ClientRequestError, RemotingException
from .authorization import AccessDeniedError


class CustomErrorsMode(enum.Enum):
    """Who sees exception details (messages of undeclared exceptions, stack traces), as in .NET.

    ``On`` (default): nobody. ``Off``: everyone. ``RemoteOnly``: only local callers, that is a loopback peer
    that sent no ``Forwarded`` / ``X-Forwarded-For`` header (behind a reverse proxy on the same host every
    caller is a loopback peer, which is why the default is ``On``, as CoreWCF's
    ``IncludeExceptionDetailInFaults=false``, and not .NET's ``RemoteOnly``).
    Exceptions a service declares (registered by-value exception types) always reach the caller with their
    message and fields; this policy only governs undeclared exceptions and stack traces.
    """

    Off = "Off"
    On = "On"
    RemoteOnly = "RemoteOnly"

    def shows_details(self, caller_is_local: bool) -> bool:
        if self is CustomErrorsMode.Off:
            return True
        if self is CustomErrorsMode.On:
            return False
        return caller_is_local


def is_local_caller(client_host: str | None, headers: Mapping[str, str]) -> bool:
    """A caller on this machine: a loopback peer whose request no proxy forwarded."""
    return is_loopback(client_host) and "forwarded" not in headers and "x-forwarded-for" not in headers


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


def new_error_id() -> str:
    """A short id that ties a generic fault to the server's log line with the traceback."""
    return secrets.token_hex(4)


def is_declared(exc: BaseException, registry: TypeRegistry) -> bool:
    """The caller may see this exception as it is: our own message, or a type the service registered."""
    return isinstance(exc, (RemotingException, SoapDecodeError)) or registry.is_registered(type(exc))


def declared_fault_code(cls: type) -> str:
    """The faultcode of a declared exception: ``Client`` (SOAP 1.2 ``Sender``: the caller asked for something
    wrong, retrying unchanged will fail again) when the class (or a base) sets ``__fault_code__ = "Client"``,
    else ``Server`` (``Receiver``), as .NET answers every exception."""
    code = getattr(cls, "__fault_code__", "Server")
    return "Client" if isinstance(code, str) and code.lower() == "client" else "Server"


#: What went wrong, as metrics and logs name it (a fixed set: the ``kind`` label of ``gateway_faults_total``).
FAULT_KINDS = ("client", "remoting", "denied", "declared", "internal")


def fault_kind(exc: BaseException, registry: TypeRegistry) -> str:
    """``client``: the request was wrong (unreadable, unknown method, bad arguments, too large);
    ``remoting``: the runtime refused it (no object at the URI, a result that cannot be sent);
    ``denied``: an authorization rule refused the caller; ``declared``: the method raised an exception type
    the service declares; ``internal``: anything else (logged with its traceback and an error id)."""
    if isinstance(exc, (ClientRequestError, SoapDecodeError)):
        return "client"
    if isinstance(exc, RemotingException):
        return "remoting"
    if isinstance(exc, AccessDeniedError):
        return "denied"
    if registry.is_registered(type(exc)):
        return "declared"
    return "internal"


def _fault(code: str, info: ExceptionInfo) -> Fault:
    return Fault(code, info.message or "", info)


def fault_for(
    exc: BaseException, registry: TypeRegistry, mode: CustomErrorsMode, caller_is_local: bool,
    error_id: str | None = None,
) -> Fault:
    """The fault a caller gets for ``exc``, following the customErrors policy.

    * a registered (declared) exception type: its CLR name, message and fields, always, never a stack; its
      faultcode is ``Server`` unless the class says ``__fault_code__ = "Client"``;
    * a request the server could not read (:class:`ClientRequestError`, a decode error): what was wrong,
      always, never a stack;
    * our own :class:`RemotingException`: its message, always (we wrote it, it holds no internals); its
      stack only where details are allowed;
    * anything else, only if details are allowed: a Python built-in exception as the .NET exception it
      corresponds to (``ValueError`` as ``System.ArgumentException``: see
      :mod:`gateway.model.dotnet_exceptions`), any other as ``System.Exception`` naming the Python type,
      each with its message and stack;
    * otherwise the generic .NET "internal error" message with ``error_id``: a ``ValueError("secret")`` is
      undeclared even though it has a .NET counterpart (raise ``gateway.ArgumentException`` to declare it).
    """
    details = mode.shows_details(caller_is_local)
    if isinstance(exc, SoapDecodeError):
        exc = ClientRequestError(str(exc))
    if isinstance(exc, RemotingException):
        name = clr_name_of(RemotingException)
        stack = _stack(exc) if details and not isinstance(exc, ClientRequestError) else None
        info = ExceptionInfo(name.full_name, name.assembly, str(exc), stack, "gateway", exc.hresult)
        return _fault(exc.fault_code, info)
    if registry.is_registered(type(exc)):
        return _fault(declared_fault_code(type(exc)), exception_info(exc, registry, None))
    if details:
        dotnet = as_dotnet_exception(exc)
        if dotnet is not None:  # a Python built-in exception: as the .NET exception it corresponds to
            info = exception_info(dotnet, registry, _stack(exc))
            info.source = type(exc).__module__
            return _fault("Server", info)
        message = f"{type(exc).__name__}: {exc}"
        info = ExceptionInfo("System.Exception", "mscorlib", message, _stack(exc), type(exc).__module__)
        return _fault("Server", info)
    name = clr_name_of(RemotingException)
    message = HIDDEN_ERROR_MESSAGE if error_id is None else f"{HIDDEN_ERROR_MESSAGE} (error id {error_id})"
    info = ExceptionInfo(name.full_name, name.assembly, message, None, None, RemotingException.hresult)
    return _fault("Server", info)


def _stack(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))
