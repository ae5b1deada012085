"""Transparent proxies: a remote object that looks like a local one.

``client.get_object(IHello, url)`` returns a :class:`TransparentProxy`; attribute access yields a callable
that performs the remote call through the client that made the proxy (sync or async: the proxy does not
know which). A proxy passed as an argument travels as the ObjRef it came from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from soap import ANY, ObjRef, method_namespace
from wsdl import Operation, Parameter, ServiceContract

from .channel import Route

#: The method namespace used for calls through an untyped proxy (the server dispatches by name).
DYNAMIC_NAMESPACE = "http://schemas.microsoft.com/clr/nsassem/Dynamic/Dynamic"

#: ``bind(url, namespace, operation or dynamic name, route) -> callable`` (the client's call function).
Binder = Callable[[str, str, "Operation | str", "Route | None"], Callable[..., Any]]


def _dynamic_operation(name: str, count: int) -> Operation:
    params = tuple(Parameter(f"arg{i}", Any, ANY) for i in range(count))
    return Operation(name, params, Any, ANY, False, None)


def as_operation(op: Operation | str, args: tuple[object, ...]) -> Operation:
    """The operation a proxy calls: its contract's, or one made for the call of an untyped proxy."""
    return op if isinstance(op, Operation) else _dynamic_operation(op, len(args))


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


class TransparentProxy:
    """A transparent proxy: attribute access yields a callable that performs the remote call.

    Properties of the contract read remotely too: ``proxy.Name`` calls ``get_Name``. A proxy passed as an
    argument travels as the ObjRef it came from (the server gets its own object back).
    """

    def __init__(
        self, bind: Binder, url: str,
        contract: ServiceContract | None, route: Route | None, ref: ObjRef | None = None,
    ) -> None:
        self.__dict__["_route"] = route
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
            self.__dict__["_url"], self.__dict__["_namespace"], op, self.__dict__["_route"]
        )
        self.__dict__[name] = method
        return method

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("remote object proxies have no settable attributes")

    def __repr__(self) -> str:
        contract = self.__dict__["_contract"]
        kind = contract.clr.full_name if contract else "object"
        return f"<remote {kind} at {self.__dict__['_url']}>"


def proxy_objref(proxy: object) -> ObjRef | None:
    """The ObjRef behind a proxy, None for anything else (``RemotingServices.GetObjRefForProxy``).

    Its ``url()`` is the object's address; a well-known proxy's ObjRef has only the URI and channel URL."""
    ref = getattr(proxy, "__remoting_objref__", None)
    return ref if isinstance(ref, ObjRef) else None


