"""Client activation from the client's side: the ConstructionCall it sends and the ObjRef it gets back."""

from __future__ import annotations

from soap import ObjRef, clr_name_of

from ..model.activation import ConstructionCall, ConstructionLevelActivator, ConstructionResponse
from ..model.errors import RemotingError
from ..model.objref import aqn
from .proxy import proxy_objref

ACTIVATOR_NAMESPACE = "http://schemas.microsoft.com/clr/ns/System.Runtime.Remoting.Activation.IActivator"


def construction_call(cls: type, type_name: str | None, args: tuple[object, ...]) -> ConstructionCall:
    name = type_name or aqn(clr_name_of(cls))
    return ConstructionCall(TypeName=name, Args=list(args), Activator=ConstructionLevelActivator(),
                            ActivationTypeName=name)


def activated_objref(result: object, cls: type) -> ObjRef:
    if not isinstance(result, ConstructionResponse):
        raise RemotingError(f"activation returned {type(result).__name__}, not a ConstructionResponse")
    ref = proxy_objref(result.Return)
    if ref is None or ref.url() is None:
        raise RemotingError(f"activation of {cls.__name__} returned no usable object reference")
    return ref
