"""The exceptions of the remoting runtime, on both sides of the wire.

The tree (server side raises the first branch; the client raises the second)::

    Exception
    ├── RemotingException         raised on the server for an infrastructure failure; travels to the caller
    │   │                         as .NET's System.Runtime.Remoting.RemotingException (a Server fault)
    │   └── ClientRequestError    the request itself is wrong (malformed, too large, unknown method, bad
    │                             arguments): a Client fault, HTTP 4xx where the protocol says so
    └── RemotingError             raised on the client for a failed remote call whose exception type is
        │                         not registered locally (the fault's type, message and code are kept)
        ├── ChannelError          the connection failed or timed out: the call may or may not have run
        │   └── ServerUnreachableError   no connection could be made: the request was never sent, so the
        │                         call certainly did not run (safe to send elsewhere)
        └── CallArgumentError     a call's arguments cannot be sent (wrong count, a value that does not
                                  fit its declared wire type); nothing was sent (also a TypeError)

A remote exception whose type *is* registered on the client (``@soap.serializable``) is raised as that
type, with its fields. The client never surfaces a raw ``SoapEncodeError`` or ``httpx`` error.
"""

from __future__ import annotations

from soap import clr_type

#: HRESULT of System.Runtime.Remoting.RemotingException (COR_E_REMOTING).
COR_E_REMOTING = -2146233087


@clr_type("System.Runtime.Remoting.RemotingException", "mscorlib")
class RemotingException(Exception):
    """An infrastructure failure on the server (no such service or method, bad message, ...).

    Raised on the server and sent to callers as .NET's ``System.Runtime.Remoting.RemotingException``; its
    message is written by us and never leaks internals, so it always reaches the caller.
    """

    hresult = COR_E_REMOTING
    fault_code = "Server"
    #: a qualified fault code more precise than ``fault_code`` (``(namespace, name)``), e.g. WS-Security's
    fault_subcode: tuple[str, str] | None = None


class ClientRequestError(RemotingException):
    """The request itself is wrong (malformed, too large, unknown method, bad arguments): a Client fault."""

    fault_code = "Client"


class RemotingError(Exception):
    """Raised on the client for a remote failure whose exception type is not registered locally.

    ``remote_type`` is the CLR/Python type name the server reported, ``remote_stack_trace`` its stack trace
    when the server's customErrors policy let it through, ``fault_code`` ``"Client"`` or ``"Server"``,
    ``fault_subcode`` the qualified ``(namespace, name)`` a fault gave more precisely (WS-Security's
    ``wsse:FailedAuthentication`` and the like, from a SOAP 1.2 Subcode or a SOAP 1.1 qualified faultcode).
    """

    def __init__(
        self,
        message: str,
        *,
        remote_type: str | None = None,
        remote_stack_trace: str | None = None,
        fault_code: str = "Server",
        http_status: int | None = None,
        fault_subcode: tuple[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.remote_type = remote_type
        self.remote_stack_trace = remote_stack_trace
        self.fault_code = fault_code
        self.http_status = http_status
        self.fault_subcode = fault_subcode

    def __str__(self) -> str:
        return f"{self.remote_type}: {self.message}" if self.remote_type else self.message


class ChannelError(RemotingError):
    """The server could not be reached, or the connection failed or timed out (client side)."""


class ServerUnreachableError(ChannelError):
    """No connection to the server could be made (refused, unresolvable, connect timeout): the request was
    never sent, so the call did not run. Every other :class:`ChannelError` may come after the server got the
    request (a read timeout, a connection lost mid-reply): such a call may have run."""


class CallArgumentError(RemotingError, TypeError):
    """A call's arguments cannot be sent: the wrong number, or a value its declared wire type cannot carry.

    Raised by the client before anything goes on the wire. It is also a ``TypeError``, which is what a
    local call with bad arguments raises.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, fault_code="Client")
