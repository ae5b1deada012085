"""The call context: named data that flows with remote calls, and the SOAP headers of the current call.

.NET's ``CallContext`` with its ``LogicalCallContext``, for Python code on both sides of the wire:

* A client sets data (``CallContext.set_data("trace", tag)``); every remote call it then makes carries the
  *logical* data along, and the reply carries back what the server's method left there (the slots it
  changed, added or freed): after the call the caller's logical data is the reply's. A reply without a call
  context leaves the caller's data as it was. A fault is a reply too: as .NET's, a binary fault carries the
  context the method left before it raised, a SOAP fault none.
* On the server, a method reads what the caller sent (``CallContext.get_data("trace")``), may change it,
  and calls it makes to other objects (callbacks included) carry it on.

Only *logical* data crosses the wire, as in .NET: a value of a class deriving from
:class:`ILogicalThreadAffinative` set with :meth:`CallContext.set_data`, or anything set with
:meth:`CallContext.logical_set_data`. Other values set with ``set_data`` stay in this context. Values that
travel must be primitives or registered by-value types (``@soap.serializable``); a received context naming
any other type is refused with a fault.

The state lives in a :mod:`contextvars` variable and is immutable (every change installs a new state), so
each asyncio task and each thread sees its own copy, as a .NET thread does. The server dispatcher installs a
fresh state for every call and collects the method's final state afterwards, from ``async def`` methods on
the event loop and from plain methods on worker threads alike (:func:`run_capturing` hands the worker's
final state back with the result), so what a sync method changed is what goes back to the caller.

Document/literal SOAP headers that an operation declares (``wsdl.soap_headers``) live in the same state,
keyed by their class: on the server :meth:`CallContext.get_header` reads the header the caller sent and
:meth:`CallContext.set_header` sets one for the reply; on a client ``set_header`` sets a header for the calls
whose operations declare it as input, and ``get_header`` reads what the last reply carried.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")


class ILogicalThreadAffinative:
    """Marker base class (.NET's interface of that name): values set with :meth:`CallContext.set_data`
    flow with remote calls when their class derives from it."""

    __slots__ = ()


class CallContextState:
    """One immutable snapshot of the call context (see the module docstring): never changed once made; every
    change makes a new one. (A plain class with slots, not a frozen dataclass: a frozen dataclass's ``__init__``
    sets each field with ``object.__setattr__``, ~3,700 instructions more per state, and a call that carries a
    context makes one per ``set_data`` and one for the dispatcher.)"""

    __slots__ = ("headers", "local", "logical")

    def __init__(self, logical: Mapping[str, object], local: Mapping[str, object],
                 headers: Mapping[type, object]) -> None:
        self.logical = logical
        self.local = local
        self.headers = headers

    def __repr__(self) -> str:
        return f"CallContextState(logical={self.logical!r}, local={self.local!r}, headers={self.headers!r})"

    def replace(self, **changes: Mapping[Any, object]) -> CallContextState:
        return CallContextState(
            changes.get("logical", self.logical), changes.get("local", self.local),
            changes.get("headers", self.headers),
        )


EMPTY_CONTEXT = CallContextState({}, {}, {})
#: The current state; the runtime sets and reads it directly where every call pays (the dispatcher).
CURRENT_CONTEXT: contextvars.ContextVar[CallContextState] = contextvars.ContextVar(
    "remoting_call_context", default=EMPTY_CONTEXT)


def _without(mapping: Mapping[str, object], name: str) -> Mapping[str, object]:
    if name not in mapping:
        return mapping
    return {k: v for k, v in mapping.items() if k != name}


class CallContext:
    """.NET's ``System.Runtime.Remoting.Messaging.CallContext`` (static methods, as there)."""

    @staticmethod
    def get_data(name: str) -> object | None:
        """The value in slot ``name`` (logical or not), None when there is none."""
        state = CURRENT_CONTEXT.get()
        if name in state.logical:
            return state.logical[name]
        return state.local.get(name)

    @staticmethod
    def set_data(name: str, value: object) -> None:
        """Store ``value`` in slot ``name``: it flows with remote calls only if it is an
        :class:`ILogicalThreadAffinative` (use :meth:`logical_set_data` for anything else that should)."""
        state = CURRENT_CONTEXT.get()
        # (the new state built here, not through replace(): a traced method sets data on every call)
        if isinstance(value, ILogicalThreadAffinative):
            local = state.local
            CURRENT_CONTEXT.set(CallContextState({**state.logical, name: value},
                                                 _without(local, name) if name in local else local, state.headers))
        else:
            logical = state.logical
            CURRENT_CONTEXT.set(CallContextState(_without(logical, name) if name in logical else logical,
                                                 {**state.local, name: value}, state.headers))

    @staticmethod
    def logical_set_data(name: str, value: object) -> None:
        """Store ``value`` in slot ``name`` of the logical call context: it flows with remote calls."""
        state = CURRENT_CONTEXT.get()
        local = state.local
        CURRENT_CONTEXT.set(CallContextState({**state.logical, name: value},
                                             _without(local, name) if name in local else local, state.headers))

    @staticmethod
    def logical_get_data(name: str) -> object | None:
        """The value in logical slot ``name``, None when there is none."""
        return CURRENT_CONTEXT.get().logical.get(name)

    @staticmethod
    def free_named_data_slot(name: str) -> None:
        """Empty slot ``name`` (logical or not); a freed logical slot is not sent back to a caller."""
        state = CURRENT_CONTEXT.get()
        if name in state.logical or name in state.local:  # (an empty slot: nothing changes)
            CURRENT_CONTEXT.set(CallContextState(_without(state.logical, name), _without(state.local, name),
                                                 state.headers))

    @staticmethod
    def get_header(cls: type[T]) -> T | None:
        """The document/literal SOAP header of class ``cls`` in this call (see the module docstring)."""
        value = CURRENT_CONTEXT.get().headers.get(cls)
        return value if isinstance(value, cls) else None

    @staticmethod
    def set_header(value: object) -> None:
        """Set the SOAP header ``value`` (keyed by its class) for the reply or for the next calls."""
        state = CURRENT_CONTEXT.get()
        CURRENT_CONTEXT.set(state.replace(headers={**state.headers, type(value): value}))


# ---------------------------------------------------------------- what the runtime uses


def current() -> CallContextState:
    return CURRENT_CONTEXT.get()


def outgoing() -> dict[str, object] | None:
    """The logical data an outgoing call carries, None for none."""
    logical = CURRENT_CONTEXT.get().logical
    return dict(logical) if logical else None


def reply_received(logical: Mapping[str, object] | None, headers: Mapping[type, object]) -> None:
    """A reply's call context replaces the caller's logical data; its SOAP headers are set."""
    if logical is None and not headers:
        return
    state = CURRENT_CONTEXT.get()
    CURRENT_CONTEXT.set(state.replace(
        logical=state.logical if logical is None else dict(logical),
        headers={**state.headers, **headers} if headers else state.headers,
    ))


def run_capturing(fn: Callable[..., Any], *args: Any) -> tuple[Any, CallContextState]:
    """``fn(*args)`` and the call context it left (run on a worker thread, in a copy of the caller's); if it
    raises, the exception carries that context (:func:`context_left_by`)."""
    try:
        return fn(*args), CURRENT_CONTEXT.get()
    except BaseException as exc:
        _carry(exc, _LEFT, CURRENT_CONTEXT.get())
        raise


async def run_capturing_async(make: Callable[..., Awaitable[Any]], *args: Any) -> tuple[Any, CallContextState]:
    """:func:`run_capturing` for an awaitable: ``await make(*args)`` and the call context it left (run on the
    event loop for a TCP connection thread, :mod:`gateway.server.off_loop`)."""
    try:
        return await make(*args), CURRENT_CONTEXT.get()
    except BaseException as exc:
        _carry(exc, _LEFT, CURRENT_CONTEXT.get())
        raise


# A failed method's call context rides on its exception: a binary reply carries it back with the exception,
# as .NET's does. Attributes, since the exception is what travels from the method to the reply's writer.
_LEFT = "_remoting_context_left"
_REPLY = "_remoting_reply_context"


def _carry(exc: BaseException, name: str, value: object) -> None:
    with contextlib.suppress(AttributeError, TypeError):  # an exception that takes no attributes carries none
        setattr(exc, name, value)


def _take(exc: BaseException, name: str) -> Any:
    value = getattr(exc, name, None)
    if value is not None:
        with contextlib.suppress(AttributeError):
            delattr(exc, name)
    return value


def context_left_by(exc: BaseException) -> CallContextState | None:
    """The call context a method left on its worker thread when it raised ``exc`` (None: not from a worker)."""
    left: CallContextState | None = _take(exc, _LEFT)
    return left


def set_reply_context(exc: BaseException, logical: dict[str, object] | None) -> None:
    """The call context the fault reply for ``exc`` carries (None: none)."""
    _carry(exc, _REPLY, logical)


def reply_context_of(exc: BaseException) -> dict[str, object] | None:
    """What :func:`set_reply_context` left on ``exc`` (taken: an exception object may be raised again)."""
    logical: dict[str, object] | None = _take(exc, _REPLY)
    return logical
