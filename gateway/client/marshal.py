"""Client side of by-reference passing: proxies go out as their ObjRefs, received ObjRefs come in as
proxies, and the client's own MarshalByRefObjects go out through its callback listener."""

from __future__ import annotations

from collections.abc import Callable

from soap import DelegateRef, ObjRef, SoapDecodeError, SoapEncodeError, WireType
from wsdl import ServiceContract, contract_of

from ..model.delegates import RemoteDelegate, delegate_ref_for, target_method
from ..model.objects import MarshalByRefObject
from .listener import CallbackListener
from .proxy import proxy_objref


class ClientMarshaller:
    """The :class:`soap.DelegateMarshaller` of a client."""

    def __init__(self, make_proxy: Callable[[str, ServiceContract | None, ObjRef], object],
                 listener: Callable[[], CallbackListener | None],
                 local_objects: Callable[[MarshalByRefObject], ObjRef] | None = None) -> None:
        self._make_proxy = make_proxy
        self._listener = listener
        self._local_objects = local_objects

    def marshal(self, value: object) -> ObjRef | None:
        ref = proxy_objref(value)
        if ref is not None:
            return ref
        if not isinstance(value, MarshalByRefObject):
            return None
        if self._local_objects is not None:
            return self._local_objects(value)
        listener = self._listener()
        if listener is None:
            raise SoapEncodeError(
                f"{type(value).__name__} is a MarshalByRefObject: passing it by reference needs a callback "
                "listener (create the client with listen=True)"
            )
        return listener.publish(value)

    def unmarshal(self, ref: ObjRef, declared: WireType) -> object:
        url = ref.url()
        if url is None:  # (a reply's: the reply cannot be read, as any other it cannot decode)
            raise SoapDecodeError(f"object reference {ref.uri} carries no HTTP or TCP channel URL")
        contract = contract_of(declared.py_type) if declared.py_type is not None else None
        return self._make_proxy(url, contract, ref)

    def marshal_delegate(self, value: object, declared: WireType) -> DelegateRef:
        """A bound method of one of this client's objects, which goes out through the callback listener."""
        return delegate_ref_for(value, declared, self._publish)

    def _publish(self, obj: MarshalByRefObject) -> ObjRef:
        ref = self.marshal(obj)
        assert ref is not None
        return ref

    def unmarshal_delegate(self, ref: DelegateRef, declared: WireType) -> object:
        """A delegate a server handed out: its methods are called through this client."""
        return RemoteDelegate(ref, [target_method(entry, self.unmarshal) for entry in ref.entries])
