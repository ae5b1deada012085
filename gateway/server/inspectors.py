"""Call inspectors: components that see a call once it is decoded and before it is dispatched.

A server sink (:mod:`.sinks`) sees an HTTP request: bytes and headers. Some checks need the *call* the
formatter read from those bytes, its method and its SOAP header blocks: WS-Security's UsernameToken travels
in a SOAP header, so it can only be checked after decoding. That is what a call inspector is for (the role
of WCF's message inspectors and of .NET Remoting's server context sinks).

The formatter sink runs them in order, for every call, after ``read_call`` and before the dispatcher
(which then checks the authorization rules, decodes the arguments and runs the method):

1. SOAP's mustUnderstand rule first (:func:`check_must_understand`): every header block addressed to this
   node that the caller marked ``mustUnderstand`` must be one the formatter processes itself
   (``soap.RUNTIME_HEADERS``), one the operation declares (``wsdl.soap_headers``) or one an inspector
   lists in its ``understood_headers``; otherwise the call is refused with a ``MustUnderstand`` fault and
   no inspector runs;
2. each inspector's :meth:`CallInspector.inspect` (:func:`inspected`): raising refuses the call (the
   exception becomes a fault in the caller's dialect, as any other failure of the call); returning a
   :class:`~gateway.model.principal.Principal` makes it the current principal for the rest of the call (the
   authorization rules and the method see it, as they see an authentication sink's); None leaves the current
   one as it is.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import AsyncIterator, Collection, Sequence
from typing import Protocol

from soap import IncomingCall, MustUnderstand, not_understood

from ..model.principal import Principal, reset_principal, set_principal
from .sinks import ServerRequest


class CallInspector(Protocol):
    """Looks at each decoded call before it is dispatched (see the module docstring)."""

    @property
    def understood_headers(self) -> Collection[tuple[str, str]]:
        """``(namespace, local name)`` of the header blocks this inspector processes (a plain class
        attribute satisfies this)."""
        ...

    async def inspect(self, call: IncomingCall, request: ServerRequest) -> Principal | None:
        """Raise to refuse ``call``; return the identity the message proves, or None."""
        ...


def check_must_understand(
    call: IncomingCall, declared: Collection[tuple[str, str]], inspectors: Sequence[CallInspector]
) -> None:
    """Raise :class:`soap.MustUnderstand` for the mustUnderstand blocks of ``call`` that nothing processes
    (``declared``: the header blocks the called operation declares)."""
    missing = not_understood(call.header_blocks, declared)
    missing = [name for name in missing if not any(name in i.understood_headers for i in inspectors)]
    if missing:
        raise MustUnderstand(missing)


@contextlib.asynccontextmanager
async def inspected(
    call: IncomingCall, request: ServerRequest, inspectors: Sequence[CallInspector]
) -> AsyncIterator[None]:
    """Run every inspector, then the body of the ``async with`` with the principal the inspectors proved
    current (each inspector sees those of the ones before it). The mustUnderstand check comes first
    (:func:`check_must_understand`)."""
    tokens: list[contextvars.Token[Principal | None]] = []
    try:
        for inspector in inspectors:
            proven = await inspector.inspect(call, request)
            if proven is not None:
                request.properties["principal"] = proven
                tokens.append(set_principal(proven))
        yield
    finally:
        for token in reversed(tokens):
            reset_principal(token)
