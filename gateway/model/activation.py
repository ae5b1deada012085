"""Client activation on the wire: the messages .NET's activator exchanges and the IActivator contract.

``RemoteActivationService.rem`` answers a ConstructionCall with a ConstructionResponse holding an ObjRef
(the server side is :mod:`gateway.server.activation`; the client builds ConstructionCalls). The message types
are the runtime's own by-value classes with .NET's member names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from soap import ClrName, TypeRegistry, clr_name_of, clr_type

from .dotnet_exceptions import DOTNET_EXCEPTIONS

ACTIVATION_URI = "RemoteActivationService.rem"
MESSAGING = "System.Runtime.Remoting.Messaging"


def _wire(name: str, read: bool = True) -> dict[str, object]:
    return {"wire_name": name, "read": read}


@dataclass
class ConstructionLevelActivator:
    """.NET's default activator marker; carried in a ConstructionCall, holds nothing."""


@dataclass
class ConstructionCall:
    """The constructor call a .NET client sends to activate an object (``IConstructionCallMessage``)."""

    TypeName: str | None = field(default=None, metadata=_wire("__TypeName"))
    MethodName: str | None = field(default=".ctor", metadata=_wire("__MethodName"))
    MethodSignature: Any = field(default=None, metadata=_wire("__MethodSignature", read=False))
    Args: list[Any] | None = field(default=None, metadata=_wire("__Args"))
    CallContext: Any = field(default=None, metadata=_wire("__CallContext", read=False))
    Uri: str | None = field(default=None, metadata=_wire("__Uri", read=False))
    GenericArguments: Any = field(default=None, metadata=_wire("__GenericArguments", read=False))
    Activator: ConstructionLevelActivator | None = field(default=None, metadata=_wire("__Activator", read=False))
    CallSiteActivationAttributes: Any = field(
        default=None, metadata=_wire("__CallSiteActivationAttributes", read=False)
    )
    ActivationType: Any = field(default=None, metadata=_wire("__ActivationType", read=False))
    ContextProperties: Any = field(default=None, metadata=_wire("__ContextProperties", read=False))
    ActivationTypeName: str | None = field(default=None, metadata=_wire("__ActivationTypeName"))


@dataclass
class ConstructionResponse:
    """The answer to a ConstructionCall: ``__Return`` is the new object (an ObjRef on the wire)."""

    TypeName: str | None = field(default=None, metadata=_wire("__TypeName"))
    MethodName: str | None = field(default=None, metadata=_wire("__MethodName"))
    MethodSignature: Any = field(default=None, metadata=_wire("__MethodSignature", read=False))
    Uri: str | None = field(default=None, metadata=_wire("__Uri", read=False))
    Return: Any = field(default=None, metadata=_wire("__Return"))
    OutArgs: Any = field(default=None, metadata=_wire("__OutArgs", read=False))
    CallContext: Any = field(default=None, metadata=_wire("__CallContext", read=False))


#: Names under which the runtime's message types are known on the wire. Members the runtime does not use
#: (``__MethodSignature``, ``__CallContext`` ...) are read only when null; anything else in them is skipped.
RUNTIME_TYPES: dict[type, tuple[str, str]] = {
    ConstructionCall: (f"{MESSAGING}.ConstructionCall", "mscorlib"),
    ConstructionResponse: (f"{MESSAGING}.ConstructionResponse", "mscorlib"),
    ConstructionLevelActivator: ("System.Runtime.Remoting.Activation.ConstructionLevelActivator", "mscorlib"),
}


def runtime_registry(parent: TypeRegistry) -> TypeRegistry:
    """A registry with the runtime's message types (and .NET's own exceptions) on top of the application's."""
    registry = TypeRegistry(parent)
    for cls, (name, assembly) in RUNTIME_TYPES.items():
        registry.register(cls, ClrName(name, assembly))
    for exception in DOTNET_EXCEPTIONS:
        if not registry.is_registered(exception):
            registry.register(exception, clr_name_of(exception))
    return registry


@clr_type("System.Runtime.Remoting.Activation.IActivator", "mscorlib")
class IActivator:
    def Activate(self, msg: object) -> object:
        """Construct a registered client-activated type; the caller receives an ObjRef to it."""
        raise NotImplementedError
