"""The message model: what a formatter reads from bytes and writes to bytes.

These are plain values with no I/O, shared by the server dispatcher and the client channel. A formatter
never sees HTTP; the gateway never sees XML.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ._headers import HeaderBlock, OutgoingHeader
from ._hresults import COR_E_EXCEPTION
from ._types import WireType


@dataclass(slots=True)
class MethodCall:
    """A call of ``method_name`` with positional ``args``; ``namespace`` is the method element's namespace.

    In document/literal, ``method_name`` and ``arg_names`` are the wire element names (which may differ
    from the Python ones). ``action`` is the SOAPAction a client sends; None means the format's default
    (the Remoting dialect's ``namespace#method_name``, none for literal). ``call_context`` is the logical
    call context sent with the call (.NET's ``LogicalCallContext``: named by-value data), None for none;
    ``headers`` the document/literal SOAP header blocks to send.
    """

    method_name: str
    namespace: str
    args: list[object]
    arg_names: list[str]
    arg_types: list[WireType]
    headers: Sequence[OutgoingHeader] = ()
    action: str | None = None
    #: the types of every parameter (in, ref and out) of an overloaded method: the formatter sends them as
    #: the method signature (SOAP ``__MethodSignature``, binary ``MethodSignatureInArray``); None otherwise
    signature: list[WireType] | None = None
    #: positions in ``signature`` of the by-ref (out and ref) parameters: .NET names their types with a
    #: trailing ``&`` (``System.Int32&``), and a .NET server matches the overload only if it is there
    signature_by_ref: tuple[int, ...] = ()
    #: positions of the out parameters among all parameters: a SOAP request leaves them out, a binary one
    #: carries a placeholder in each (``args`` holds only the in and ref values)
    out_positions: tuple[int, ...] = ()
    call_context: dict[str, object] | None = None


@dataclass(slots=True)
class MethodReturn:
    """The successful result of a call: a return value (``value_type`` VOID for none) and out-arguments.

    ``call_context`` is the logical call context the reply carries (None: the reply carries none);
    ``headers`` the document/literal header blocks a server writes; ``header_blocks`` those a client read.
    ``out_args`` are the out and ref parameters' (name, value, type), in parameter order; SOAP writes them
    by name after ``return``. Binary writes every argument slot, so it also needs their positions
    (``out_positions``, parallel to ``out_args``) and the parameter count (``parameter_count``; None: as
    many as the call carried).
    """

    method_name: str
    namespace: str
    value: object
    value_type: WireType
    out_args: list[tuple[str, object, WireType]] = field(default_factory=list)
    out_positions: list[int] = field(default_factory=list)
    parameter_count: int | None = None
    call_context: dict[str, object] | None = None
    headers: Sequence[OutgoingHeader] = ()
    header_blocks: Sequence[HeaderBlock] = ()


@dataclass(slots=True)
class ExceptionInfo:
    """An exception as it travels: its CLR type, message, optional stack trace and custom fields.

    ``fields`` are the members a .NET ``GetObjectData`` adds after the standard ``System.Exception`` ones.
    ``value`` is the decoded Python exception when its type is registered on the receiving side.
    """

    type_name: str
    assembly: str
    message: str | None
    stack_trace: str | None = None
    source: str | None = None
    hresult: int = COR_E_EXCEPTION
    fields: list[tuple[str, object, WireType]] = field(default_factory=list)
    value: BaseException | None = None


@dataclass(slots=True)
class Fault:
    """A SOAP fault.

    ``code`` is ``"Client"`` (the caller's mistake; SOAP 1.2's ``Sender``), ``"Server"`` (``Receiver``),
    ``"MustUnderstand"`` or ``"VersionMismatch"``. ``subcode`` is a qualified ``(namespace, name)`` that
    says more (WS-Security's ``wsse:FailedAuthentication``): SOAP 1.2 writes it as the ``Subcode``, SOAP 1.1
    as the faultcode itself, as WS-Security 1.0 does. ``not_understood`` lists the header blocks a
    ``MustUnderstand`` fault is about (SOAP 1.2 writes a ``NotUnderstood`` header block for each).
    """

    code: str
    message: str
    exception: ExceptionInfo | None = None
    #: the exception is part of the operation's declared fault contract (document/literal writes its
    #: detail element only then: toolkits reject detail elements their WSDL does not declare)
    declared: bool = False
    subcode: tuple[str, str] | None = None
    not_understood: tuple[tuple[str, str], ...] = ()
    #: the logical call context the method left when it failed: a binary fault carries it (``ContextInArray``,
    #: as .NET writes it), a SOAP one does not (nor does .NET's); None for none
    call_context: dict[str, object] | None = None


class IncomingCall(Protocol):
    """A parsed request whose arguments are decoded only once the target method's signature is known."""

    @property
    def method_name(self) -> str: ...

    @property
    def namespace(self) -> str: ...

    @property
    def argument_count(self) -> int: ...

    @property
    def claimed_type(self) -> str | None:
        """The CLR type the caller addressed (``"Namespace.Type, Assembly"``) when the message names one (a
        binary call's TypeName: the server refuses it unless its object is one); None in the SOAP dialects."""
        ...

    @property
    def header_blocks(self) -> Sequence[HeaderBlock]:
        """The SOAP header blocks of the request (see :mod:`soap._headers`); empty for binary."""
        ...

    @property
    def runtime_headers_only(self) -> bool:
        """Every header block is one the Remoting runtime processes (``__CallContext``, ``__MethodSignature``),
        which SOAP's mustUnderstand rule never finds unprocessed, so the server skips that pass (a call read
        from a template, which keeps no other block); False for a call read in full."""
        ...

    @property
    def overloadable(self) -> bool:
        """The call names a .NET method, which overloads share (Remoting SOAP, binary); False where it names
        an operation that is unique in its contract (document/literal)."""
        ...

    def decode_arguments(self, types: list[WireType], names: list[str] | None = None) -> list[object]: ...

    def call_context(self) -> dict[str, object] | None:
        """The logical call context the caller sent (slot name -> value), None when it sent none.

        Values are decoded as registered by-value types or primitives only; the runtime's own slots
        (``__RemotingData`` ...) are left out. Raises :class:`SoapDecodeError` for anything else.
        """
        ...

    def overload_fit(self, parameters: Sequence[WireType], inputs: Sequence[WireType]) -> int:
        """How well the call fits an overload with these parameter types (``inputs``: without the out ones):
        2 its method signature names them, 1 it carries no signature and its arguments' count and wire types
        fit, 0 no fit. Only asked for overloaded methods, so calls of other methods never pay for it."""
        ...
