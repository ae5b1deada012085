"""The logical call context on the wire: .NET's ``LogicalCallContext``, as Mono and .NET write it.

A call or a reply may carry one: named slots whose values are serializable objects (the data a .NET caller
put there with ``CallContext.SetData`` and an ``ILogicalThreadAffinative`` value, or ``LogicalSetData``).

* Remoting SOAP: a ``__CallContext`` header block in the ``clr/soap/messageProperties`` namespace with
  ``SOAP-ENC:root="1"`` and an ``href`` to a ``LogicalCallContext`` element (``clr/ns/System.Runtime.
  Remoting.Messaging``) whose children are the slots; it and the values it refers to are serialized in the
  ``Header``, before the Body.
* Binary: the ``ContextInArray`` message flag, and the ``LogicalCallContext`` class record in the call array
  after the arguments (call) or the return value (reply); its members are the slots.

Slots named ``__...`` are the runtime's own (``__RemotingData`` holds the logical call id, ``__SecurityData``
...): they are neither decoded nor handed to user code. Slot values decode as primitives or registered by-value
types only; anything else is refused (never instantiated by name).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from ._errors import SoapEncodeError
from ._namespaces import CLR_NS, MESSAGE_PROPERTIES
from ._types import TypeRegistry

#: what a writer remembers of a by-value class (its CLR name first)
_Known = TypeVar("_Known", bound=tuple[Any, ...])

LOGICAL_CALL_CONTEXT = "System.Runtime.Remoting.Messaging.LogicalCallContext"
LOGICAL_CALL_CONTEXT_NS = CLR_NS + "System.Runtime.Remoting.Messaging"
CALL_CONTEXT_HEADER = "__CallContext"
HEADER_NAMESPACE = MESSAGE_PROPERTIES

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")


def is_user_slot(name: str) -> bool:
    """A slot user code set (not one of the runtime's ``__`` slots)."""
    return not name.startswith("__")


def check_slot_names(context: dict[str, object]) -> None:
    """Slot names become XML element names and record member names: refuse what cannot be one."""
    for name in context:
        if not isinstance(name, str) or not _NAME.match(name) or name.startswith("__"):  # (not is_user_slot)
            raise SoapEncodeError(f"call context slot name {name!r} cannot be sent (use letters, digits, _ . -)")


def known_classes(
    values: Iterable[object], registry: TypeRegistry, cache: dict[tuple[TypeRegistry, type], _Known],
    remember: Callable[[TypeRegistry, type], _Known | None],
) -> list[_Known] | None:
    """Per context value, what a writer remembers of its class in ``registry`` (``remember`` fills ``cache``
    on first use, None for a class it does not write in one step), when every value has such an entry whose
    CLR name the registry still gives (a class registered again under another name is written as usual);
    None otherwise. Has no side effect."""
    found = []
    for value in values:
        cls = type(value)
        known = cache.get((registry, cls))
        if known is None:
            known = remember(registry, cls)
            if known is None:
                return None
        elif registry.name_of(cls) is not known[0]:
            return None
        found.append(known)
    return found
