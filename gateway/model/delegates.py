"""Delegates across the wire, both ways (seed 003: "delegates are marshal-by-value objects").

*Sending*: a bound method of a :class:`MarshalByRefObject` (``sink.OnMessage``) passed where a delegate type
(:func:`soap.delegate`) is declared travels as .NET's ``DelegateSerializationHolder``: the delegate type, the
method name, the .NET type declaring it (the first class of the object's MRO with a declared CLR identity,
``@soap.clr_type``, that has the method; a .NET receiver must be able to load it), and the object itself by
reference. Anything else (a function, a lambda, a method of a plain object) is refused with a clear error:
the receiver could not call it back.

*Receiving*: a :class:`RemoteDelegate`, a callable that calls each method of the delegate's invocation list
in turn through the channel the delegate came from and answers the last one's result (as a .NET multicast
delegate does). Called from a synchronous method (a worker thread) it blocks; called on the event loop (an
``async def`` method) it returns an awaitable.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
from collections.abc import Callable, Sequence
from typing import Any

from soap import ClrName, DelegateEntry, DelegateRef, Kind, ObjRef, SoapEncodeError, WireType, clr_name_of
from wsdl import contract_of

from .objects import MarshalByRefObject

_DELEGATE = ClrName("System.Delegate", "mscorlib")
_UNTYPED = WireType(Kind.OBJREF, None, None, True)


class RemoteDelegate:
    """A delegate received from a peer (see the module docstring); equal to another for the same methods."""

    def __init__(self, ref: DelegateRef, calls: Sequence[Callable[..., Any]]) -> None:
        self.delegate_ref = ref
        self._calls = tuple(calls)
        self._key = tuple((e.target.uri, e.method_name, e.delegate_type.full_name) for e in ref.entries)

    def __call__(self, *args: object) -> Any:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            result = None
            for call in self._calls:
                result = call(*args)
            return result
        return self._call_async(args)

    async def _call_async(self, args: tuple[object, ...]) -> Any:
        result = None
        for call in self._calls:
            result = call(*args)
            if inspect.isawaitable(result):
                result = await result
        return result

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RemoteDelegate) and other._key == self._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        methods = ", ".join(f"{e.target_type.full_name}.{e.method_name}" for e in self.delegate_ref.entries)
        return f"<remote delegate {methods}>"


def target_method(entry: DelegateEntry, unmarshal: Callable[[ObjRef, WireType], object]) -> Callable[..., Any]:
    """The callable for one entry of a received delegate: its target object (made by ``unmarshal``, addressed
    as the type declaring the method, as .NET's delegate makes the call) and its method. Raises
    AttributeError for a method name no proxy has (a ``_`` name)."""
    target = dataclasses.replace(entry.target, server_type=entry.target_type.assembly_qualified_name)
    method: Callable[..., Any] = getattr(unmarshal(target, _UNTYPED), entry.method_name)
    return method


def declaring_type(cls: type, method: str) -> ClrName:
    """The CLR type a .NET peer sees declaring ``method``: the first class of ``cls``'s MRO that declares a
    CLR identity and has the method, else ``cls`` itself."""
    for klass in cls.__mro__:
        if "__clr_identity__" in klass.__dict__ and hasattr(klass, method) and klass is not MarshalByRefObject:
            return clr_name_of(klass)
    return clr_name_of(cls)


def delegate_ref_for(value: object, declared: WireType, publish: Callable[[MarshalByRefObject], ObjRef]) -> DelegateRef:
    """The wire form of ``value`` passed as a delegate of type ``declared`` (see the module docstring);
    ``publish`` makes the ObjRef of the target object."""
    if isinstance(value, RemoteDelegate):
        return value.delegate_ref  # passed along: the same methods, wherever they live
    target = getattr(value, "__self__", None)
    if not inspect.ismethod(value) or not isinstance(target, MarshalByRefObject):
        raise SoapEncodeError(
            f"a {getattr(declared.py_type, '__name__', 'delegate')} must be a bound method of a MarshalByRefObject "
            f"(like sink.OnMessage), so that the receiver can call it back; got {value!r}"
        )
    name = value.__name__
    if contract_of(type(target)).operation(name) is None:
        raise SoapEncodeError(f"{type(target).__name__}.{name} is not a remote method, so it cannot be a delegate")
    delegate_type = clr_name_of(declared.py_type) if declared.py_type is not None else _DELEGATE
    entry = DelegateEntry(delegate_type, declaring_type(type(target), name), name, publish(target))
    return DelegateRef((entry,))
