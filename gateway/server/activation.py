"""The server side of client activation: the object behind ``RemoteActivationService.rem``.

Only types registered for client activation (:meth:`gateway.RemotingApp.register_activated`) can ever be
constructed; the new object's ObjRef goes back in a ConstructionResponse.
"""

from __future__ import annotations

from soap import clr_type

from ..model.activation import ConstructionCall, ConstructionResponse, IActivator
from ..model.errors import RemotingException
from ..model.objects import MarshalByRefObject
from .identity import IdentityTable

#: Set by the activator on a new client-activated object: its ObjRef goes out in a ConstructionResponse,
#: with ``fIsMarshalled`` 0, as the Mono reference server sends it.
ACTIVATED_MARK = "_remoting_activated"


@clr_type("System.Runtime.Remoting.Activation.RemoteActivator", "mscorlib")
class RemoteActivator(MarshalByRefObject, IActivator):
    """The object behind ``RemoteActivationService.rem``."""

    __remoting_contract__ = IActivator

    def __init__(self, table: IdentityTable) -> None:
        self._table = table

    def InitializeLifetimeService(self) -> None:
        return None

    def Activate(self, msg: object) -> object:
        if not isinstance(msg, ConstructionCall):
            raise RemotingException("Activate expects a ConstructionCall message")
        requested = msg.ActivationTypeName or msg.TypeName or ""
        cls = self._table.activated_type(requested)
        if cls is None:
            raise RemotingException(
                f"Activation refused: {requested.split(',', 1)[0] or '(no type)'} is not registered for "
                "client activation on this server"
            )
        instance = cls(*(msg.Args or []))
        instance.__dict__[ACTIVATED_MARK] = True
        return ConstructionResponse(Return=instance)
