"""Exceptions of the remoting runtime, and the customErrors policy for what callers may see."""

from __future__ import annotations

import enum
import ipaddress

from soap import clr_type


@clr_type("System.Runtime.Remoting.RemotingException", "mscorlib")
class RemotingException(Exception):
    """An infrastructure failure on the server (no such service or method, bad message, ...).

    Raised on the server and sent to callers as .NET's ``System.Runtime.Remoting.RemotingException``; its
    message is written by us and never leaks internals, so it always reaches the caller.
    """

    hresult = -2146233087
    fault_code = "Server"


class ClientRequestError(RemotingException):
    """The request itself is wrong (malformed, too large, unknown method, bad arguments): a Client fault."""

    fault_code = "Client"


class RemotingError(Exception):
    """Raised on the client for a remote failure whose exception type is not registered locally.

    ``remote_type`` is the CLR/Python type name the server reported, ``remote_stack_trace`` its stack trace
    when the server's customErrors policy let it through, ``fault_code`` ``"Client"`` or ``"Server"``.
    """

    def __init__(
        self,
        message: str,
        *,
        remote_type: str | None = None,
        remote_stack_trace: str | None = None,
        fault_code: str = "Server",
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.remote_type = remote_type
        self.remote_stack_trace = remote_stack_trace
        self.fault_code = fault_code
        self.http_status = http_status

    def __str__(self) -> str:
        return f"{self.remote_type}: {self.message}" if self.remote_type else self.message


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
