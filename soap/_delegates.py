"""Delegates on the wire: .NET's ``DelegateSerializationHolder``, the by-value form of a delegate.

A .NET delegate to a method of a ``MarshalByRefObject`` travels as a copy that names the delegate type, the
method and the type declaring it, and holds the target object as an ObjRef (as Mono and .NET write it)::

    System.DelegateSerializationHolder
        Delegate  -> System.DelegateSerializationHolder+DelegateEntry
                        type, assembly                  the delegate type ("CallModel.MessageHandler")
                        target                          the label of the member holding the target ("target0")
                        targetTypeAssembly, targetTypeName   the type declaring the method
                        methodName                      "OnMessage"
                        delegateEntry                   the next entry of a multicast delegate, or null
        target0   -> System.Runtime.Remoting.ObjRef     the target object, by reference
        method0   -> System.Reflection.MemberInfoSerializationHolder   (.NET 2+ only; optional, ignored here)

The receiver rebuilds the delegate from the delegate type, the target and the method *name* (what .NET does
when ``method0`` is absent). Only this shape is decoded, and only with ObjRef targets: a delegate to a static
method or to a by-value object cannot call back into its sender, and is refused.

Python spells a delegate type as a class whose ``__call__`` gives the signature::

    @soap.delegate("CallModel.MessageHandler", assembly="CallModelShared, Version=0.0.0.0, ...")
    class MessageHandler(Protocol):
        def __call__(self, message: str) -> None: ...

A parameter of that type receives a :class:`DelegateRef` that the runtime's :class:`DelegateMarshaller`
turns into a callable (and a callable back into a :class:`DelegateRef` when one is sent).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, TypeVar, runtime_checkable

from ._clr import ClrName
from ._errors import SoapDecodeError, SoapEncodeError
from ._objref import ObjRef, ReferenceMarshaller
from ._types import DELEGATE_MARK, WireType

DELEGATE_HOLDER = "System.DelegateSerializationHolder"
DELEGATE_ENTRY = "System.DelegateSerializationHolder+DelegateEntry"
#: The SOAP element name of a DelegateEntry (``+`` encoded as XmlConvert does)
DELEGATE_ENTRY_ELEMENT = "DelegateSerializationHolder_x002B_DelegateEntry"

_T = TypeVar("_T", bound=type)


@dataclass(frozen=True, slots=True)
class DelegateEntry:
    """One method of a delegate's invocation list: ``target.method_name`` as a ``delegate_type``."""

    delegate_type: ClrName
    target_type: ClrName
    method_name: str
    target: ObjRef


@dataclass(frozen=True, slots=True)
class DelegateRef:
    """A delegate as it travels: its invocation list (one entry, or several for a multicast delegate)."""

    entries: tuple[DelegateEntry, ...]


#: The DelegateEntry members read (all strings).
ENTRY_FIELDS = ("type", "assembly", "target", "targetTypeAssembly", "targetTypeName", "methodName")


def delegate_entry(text: Mapping[str, str | None], target: ObjRef | None) -> DelegateEntry:
    """A decoded DelegateEntry from its string members and its target (None: absent or not an ObjRef)."""
    missing = [name for name in ("type", "assembly", "methodName", "targetTypeName") if not text.get(name)]
    if missing:
        raise SoapDecodeError(f"malformed delegate: no {', '.join(missing)}")
    method = text.get("methodName") or ""
    if target is None:
        what = "a static method" if not text.get("target") else "an object that is not a MarshalByRefObject"
        raise SoapDecodeError(f"a delegate to {method} of {what} cannot call back into its sender: refused")
    return DelegateEntry(
        ClrName(text.get("type") or "", text.get("assembly") or ""),
        ClrName(text.get("targetTypeName") or "", text.get("targetTypeAssembly") or ""),
        method, target,
    )


def delegate(full_name: str, assembly: str = "mscorlib") -> Callable[[_T], _T]:
    """Class decorator: the class (its ``__call__``) is the .NET delegate type ``full_name`` of ``assembly``."""

    def mark(cls: _T) -> _T:
        setattr(cls, "__clr_identity__", ClrName(full_name, assembly))  # noqa: B010
        setattr(cls, DELEGATE_MARK, True)
        return cls

    return mark


def is_delegate_type(cls: type) -> bool:
    return bool(cls.__dict__.get(DELEGATE_MARK, False))


@runtime_checkable
class DelegateMarshaller(ReferenceMarshaller, Protocol):
    """A :class:`ReferenceMarshaller` that also turns delegates into callables and back."""

    def marshal_delegate(self, value: object, declared: WireType) -> DelegateRef:
        """The wire form of ``value`` (a bound method of a by-reference object); raises
        :class:`soap.SoapEncodeError` for anything else."""

    def unmarshal_delegate(self, ref: DelegateRef, declared: WireType) -> object:
        """The callable a received delegate stands for; may refuse by raising."""


def marshal_delegate(
    marshaller: ReferenceMarshaller | None, name: str, value: object, declared: WireType
) -> DelegateRef:
    """The wire form of a delegate argument: as received, or made by the runtime's :class:`DelegateMarshaller`."""
    if isinstance(value, DelegateRef):
        return value
    if not isinstance(marshaller, DelegateMarshaller):
        raise SoapEncodeError(f"{name}: delegates can only be sent through a remoting client or server")
    return marshaller.marshal_delegate(value, declared)
