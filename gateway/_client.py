"""The httpx client channel and its transparent proxies, sync and async.

``client.get_object(IHello, url)`` returns a proxy at once, without any network traffic (like
``Activator.GetObject``); each method call on it is one HTTP request. Both clients share
:class:`~gateway._channel.ChannelCore`, so encoding, sinks and fault handling are one code path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar, overload
from urllib.parse import urlsplit

import httpx

from soap import (
    ANY,
    DEFAULT_LIMITS,
    DEFAULT_REGISTRY,
    Limits,
    ObjRef,
    SoapEncodeError,
    TypeRegistry,
    WireType,
    clr_name_of,
    method_namespace,
)
from wsdl import Operation, Parameter, ServiceContract, contract_of

from ._activation import (
    ACTIVATION_URI,
    ConstructionCall,
    ConstructionLevelActivator,
    ConstructionResponse,
    runtime_registry,
)
from ._binding import LiteralBinding
from ._channel import ChannelCore
from ._client_sinks import ClientResponse, ClientSink
from ._errors import RemotingError
from ._identity import aqn
from ._lease import ILease
from ._listener import CallbackListener
from ._objects import MarshalByRefObject
from ._transport import AsyncPooledTransport

T = TypeVar("T")

#: The method namespace used for calls through an untyped proxy (the server dispatches by name).
DYNAMIC_NAMESPACE = "http://schemas.microsoft.com/clr/nsassem/Dynamic/Dynamic"


class ChannelError(RemotingError):
    """The server could not be reached, or the connection failed or timed out."""


def _dynamic_operation(name: str, count: int) -> Operation:
    params = tuple(Parameter(f"arg{i}", Any, ANY) for i in range(count))
    return Operation(name, params, Any, ANY, False, None)


ACTIVATOR_NAMESPACE = "http://schemas.microsoft.com/clr/ns/System.Runtime.Remoting.Activation.IActivator"
MBR_NAMESPACE = "http://schemas.microsoft.com/clr/ns/System.MarshalByRefObject"
_ACTIVATE = Operation("Activate", (Parameter("msg", Any, ANY),), Any, ANY, False, None, "Activate")
_GET_LIFETIME = Operation("GetLifetimeService", (), Any, ANY, False, None, "GetLifetimeService")


def _objref_from_url(url: str) -> ObjRef:
    parts = urlsplit(url)
    return ObjRef(parts.path.lstrip("/"), "", [f"{parts.scheme}://{parts.netloc}"])


def _namespace_for(contract: ServiceContract | None, ref: ObjRef | None) -> str:
    if contract is not None:
        return contract.clr.method_namespace
    if ref is not None and ref.server_type:
        name, _, assembly = ref.server_type.partition(",")
        return method_namespace(name.strip(), assembly.strip() or "mscorlib")
    return DYNAMIC_NAMESPACE


class _Proxy:
    """A transparent proxy: attribute access yields a callable that performs the remote call.

    Properties of the contract read remotely too: ``proxy.Name`` calls ``get_Name``. A proxy passed as an
    argument travels as the ObjRef it came from (the server gets its own object back).
    """

    def __init__(
        self, bind: Callable[[str, str, Operation | str], Callable[..., Any]], url: str,
        contract: ServiceContract | None, ref: ObjRef | None = None, binding: LiteralBinding | None = None,
    ) -> None:
        self.__dict__["_binding"] = binding
        self.__dict__["_bind"] = bind
        self.__dict__["_url"] = url
        self.__dict__["_contract"] = contract
        self.__dict__["_namespace"] = _namespace_for(contract, ref)
        self.__dict__["__remoting_objref__"] = ref or _objref_from_url(url)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        contract: ServiceContract | None = self.__dict__["_contract"]
        op: Operation | str = name
        if contract is not None:
            found = contract.operation(name)
            if found is None:
                getter = contract.operation(f"get_{name}")
                if getter is not None and getter.accessor == "get":
                    return self.__getattr__(getter.name)()
                raise AttributeError(f"{contract.clr.full_name} has no remote method {name!r}")
            op = found
        method: Callable[..., Any] = self.__dict__["_bind"](
            self.__dict__["_url"], self.__dict__["_namespace"], op, self.__dict__["_binding"]
        )
        self.__dict__[name] = method
        return method

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("remote object proxies have no settable attributes")

    def __repr__(self) -> str:
        contract = self.__dict__["_contract"]
        kind = contract.clr.full_name if contract else "object"
        return f"<remote {kind} at {self.__dict__['_url']}>"


def _contract_for(interface: type | None) -> ServiceContract | None:
    return contract_of(interface) if interface is not None else None


def proxy_objref(proxy: object) -> ObjRef | None:
    """The ObjRef behind a proxy, None for anything else (``RemotingServices.GetObjRefForProxy``).

    Its ``url()`` is the object's address; a well-known proxy's ObjRef has only the URI and channel URL."""
    ref = getattr(proxy, "__remoting_objref__", None)
    return ref if isinstance(ref, ObjRef) else None


class ClientMarshaller:
    """Client side of by-reference passing: proxies out as their ObjRefs, received ObjRefs in as proxies,
    and the client's own MarshalByRefObjects out through its callback listener."""

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
        if url is None:
            raise SoapEncodeError(f"object reference {ref.uri} carries no HTTP channel URL")
        contract = contract_of(declared.py_type) if declared.py_type is not None else None
        return self._make_proxy(url, contract, ref)


def _construction_call(cls: type, type_name: str | None, args: tuple[object, ...]) -> ConstructionCall:
    name = type_name or aqn(clr_name_of(cls))
    return ConstructionCall(TypeName=name, Args=list(args), Activator=ConstructionLevelActivator(),
                            ActivationTypeName=name)


def _activated(result: object, cls: type) -> ObjRef:
    if not isinstance(result, ConstructionResponse):
        raise RemotingError(f"activation returned {type(result).__name__}, not a ConstructionResponse")
    ref = proxy_objref(result.Return)
    if ref is None or ref.url() is None:
        raise RemotingError(f"activation of {cls.__name__} returned no usable object reference")
    return ref


class _ClientBase:
    """What the sync and async clients share: the channel core, the marshaller, the listener."""

    def __init__(self, registry: TypeRegistry, limits: Limits, sinks: Sequence[ClientSink], listen: bool,
                 local_objects: Callable[[MarshalByRefObject], ObjRef] | None = None,
                 formatter: str = "soap") -> None:
        self._registry = runtime_registry(registry)
        self._listen = listen
        self._listener: CallbackListener | None = None
        marshaller = ClientMarshaller(self._proxy_for_ref, self._get_listener, local_objects)
        self._core = ChannelCore(self._registry, limits, sinks, marshaller, formatter)

    def _proxy_for_ref(self, url: str, contract: ServiceContract | None, ref: ObjRef) -> object:
        raise NotImplementedError

    def proxy_for(self, ref: ObjRef, declared: WireType | None = None) -> Any:
        """A proxy for a received ObjRef, typed by ``declared.py_type`` when given."""
        url = ref.url()
        if url is None:
            raise RemotingError(f"object reference {ref.uri} carries no HTTP channel URL")
        py_type = declared.py_type if declared is not None else None
        return self._proxy_for_ref(url, contract_of(py_type) if py_type is not None else None, ref)

    def _get_listener(self) -> CallbackListener | None:
        if self._listener is None and self._listen:
            self._listener = CallbackListener(registry=self._registry).start()
        return self._listener

    def _stop_listener(self) -> None:
        if self._listener is not None:
            self._listener.stop()
            self._listener = None


def _as_operation(op: Operation | str, args: tuple[object, ...]) -> Operation:
    return op if isinstance(op, Operation) else _dynamic_operation(op, len(args))


def _response(r: httpx.Response) -> ClientResponse:
    return ClientResponse(r.status_code, {k: v for k, v in r.headers.items()}, r.content)


class RemotingClient(_ClientBase):
    """A synchronous client channel (owns a pooled ``httpx.Client``; use as a context manager).

    ``listen=True`` starts a callback listener on first need, so this client's own MarshalByRefObjects
    can be passed to servers by reference (callbacks, lease sponsors). ``local_objects`` publishes them
    some other way instead (a server calling back into a client uses it to pass its own objects).
    ``formatter="binary"`` speaks MS-NRBF (.NET's binary formatter) instead of the Remoting SOAP dialect.
    """

    def __init__(
        self,
        *,
        timeout: float | httpx.Timeout = 30.0,
        registry: TypeRegistry = DEFAULT_REGISTRY,
        limits: Limits = DEFAULT_LIMITS,
        sinks: Sequence[ClientSink] = (),
        http_client: httpx.Client | None = None,
        listen: bool = False,
        local_objects: Callable[[MarshalByRefObject], ObjRef] | None = None,
        formatter: str = "soap",
    ) -> None:
        super().__init__(registry, limits, sinks, listen, local_objects, formatter)
        self._http = http_client or httpx.Client(timeout=timeout)

    def _proxy_for_ref(self, url: str, contract: ServiceContract | None, ref: ObjRef) -> object:
        return _Proxy(self._bind, url, contract, ref)

    @overload
    def get_object(self, interface: type[T], url: str, binding: LiteralBinding | None = None) -> T: ...

    @overload
    def get_object(self, interface: None, url: str, binding: LiteralBinding | None = None) -> Any: ...

    def get_object(self, interface: type[T] | None, url: str, binding: LiteralBinding | None = None) -> Any:
        """A proxy for the object at ``url`` typed as ``interface`` (None: an untyped, dynamic proxy).

        With a ``binding`` the proxy speaks document/literal SOAP (what WSDL-generated stubs use)."""
        return _Proxy(self._bind, url, _contract_for(interface), None, binding)

    def _bind(self, url: str, namespace: str, op: Operation | str,
              binding: LiteralBinding | None = None) -> Callable[..., Any]:
        def call(*args: object) -> Any:
            return self.invoke(url, namespace, _as_operation(op, args), args, binding)

        call.__name__ = op.name if isinstance(op, Operation) else op
        return call

    def invoke(self, url: str, namespace: str, op: Operation, args: tuple[object, ...],
               binding: LiteralBinding | None = None) -> Any:
        call = self._core.prepare(url, namespace, op, args, binding)
        try:
            r = self._http.post(url, content=call.body, headers=call.headers)
        except httpx.HTTPError as exc:
            raise ChannelError(f"{op.name} at {url}: {type(exc).__name__}: {exc}") from exc
        return self._core.finish(call, _response(r))

    def create_instance(self, cls: type[T], url: str, *args: object, type_name: str | None = None) -> T:
        """Create a client-activated object on the server at ``url`` (``Activator.CreateInstance``).

        ``cls`` is the class (or a stub with its CLR name); ``type_name`` overrides the assembly-qualified
        name sent to the server. Returns a proxy typed as ``cls``.
        """
        activation = url.rstrip("/") + "/" + ACTIVATION_URI
        result = self.invoke(activation, ACTIVATOR_NAMESPACE, _ACTIVATE, (_construction_call(cls, type_name, args),))
        ref = _activated(result, cls)
        return _Proxy(self._bind, ref.url() or "", contract_of(cls), ref)  # type: ignore[return-value]

    def get_lifetime_service(self, proxy: object) -> ILease:
        """The remote object's lease, as a proxy (``RemotingServices.GetLifetimeService``)."""
        ref = proxy_objref(proxy)
        if ref is None or ref.url() is None:
            raise TypeError("get_lifetime_service needs a remote object proxy")
        result = self.invoke(ref.url() or "", MBR_NAMESPACE, _GET_LIFETIME, ())
        lease_ref = proxy_objref(result)
        if lease_ref is None:
            raise RemotingError("the object has no lease (it never expires)")
        return _Proxy(self._bind, lease_ref.url() or "", contract_of(ILease), lease_ref)  # type: ignore[return-value]

    def close(self) -> None:
        self._http.close()
        self._stop_listener()

    def __enter__(self) -> RemotingClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncRemotingClient(_ClientBase):
    """The asyncio client channel (owns a pooled ``httpx.AsyncClient``; ``async with`` it)."""

    def __init__(
        self,
        *,
        timeout: float | httpx.Timeout = 30.0,
        registry: TypeRegistry = DEFAULT_REGISTRY,
        limits: Limits = DEFAULT_LIMITS,
        sinks: Sequence[ClientSink] = (),
        http_client: httpx.AsyncClient | None = None,
        max_connections: int = 100,
        listen: bool = False,
        formatter: str = "soap",
    ) -> None:
        super().__init__(registry, limits, sinks, listen, None, formatter)
        self._http = http_client or httpx.AsyncClient(
            timeout=timeout, transport=AsyncPooledTransport(max_connections=max_connections)
        )

    def get_object(self, interface: type | None, url: str, binding: LiteralBinding | None = None) -> Any:
        """A proxy whose methods return awaitables; see :meth:`RemotingClient.get_object`."""
        return _Proxy(self._bind, url, _contract_for(interface), None, binding)

    def _bind(self, url: str, namespace: str, op: Operation | str,
              binding: LiteralBinding | None = None) -> Callable[..., Awaitable[Any]]:
        async def call(*args: object) -> Any:
            return await self.invoke(url, namespace, _as_operation(op, args), args, binding)

        call.__name__ = op.name if isinstance(op, Operation) else op
        return call

    def _proxy_for_ref(self, url: str, contract: ServiceContract | None, ref: ObjRef) -> object:
        return _Proxy(self._bind, url, contract, ref)

    async def invoke(self, url: str, namespace: str, op: Operation, args: tuple[object, ...],
                     binding: LiteralBinding | None = None) -> Any:
        call = self._core.prepare(url, namespace, op, args, binding)
        try:
            r = await self._http.post(url, content=call.body, headers=call.headers)
        except httpx.HTTPError as exc:
            raise ChannelError(f"{op.name} at {url}: {type(exc).__name__}: {exc}") from exc
        return self._core.finish(call, _response(r))

    async def create_instance(self, cls: type, url: str, *args: object, type_name: str | None = None) -> Any:
        """See :meth:`RemotingClient.create_instance`; the proxy's methods return awaitables."""
        activation = url.rstrip("/") + "/" + ACTIVATION_URI
        call = _construction_call(cls, type_name, args)
        result = await self.invoke(activation, ACTIVATOR_NAMESPACE, _ACTIVATE, (call,))
        ref = _activated(result, cls)
        return _Proxy(self._bind, ref.url() or "", contract_of(cls), ref)

    async def get_lifetime_service(self, proxy: object) -> Any:
        """See :meth:`RemotingClient.get_lifetime_service`."""
        ref = proxy_objref(proxy)
        if ref is None or ref.url() is None:
            raise TypeError("get_lifetime_service needs a remote object proxy")
        result = await self.invoke(ref.url() or "", MBR_NAMESPACE, _GET_LIFETIME, ())
        lease_ref = proxy_objref(result)
        if lease_ref is None:
            raise RemotingError("the object has no lease (it never expires)")
        return _Proxy(self._bind, lease_ref.url() or "", contract_of(ILease), lease_ref)

    async def aclose(self) -> None:
        await self._http.aclose()
        self._stop_listener()

    async def __aenter__(self) -> AsyncRemotingClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
