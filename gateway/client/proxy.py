"""Transparent proxies: a remote object that looks like a local one.

``client.get_object(IHello, url)`` returns a :class:`TransparentProxy`; attribute access yields a callable
that performs the remote call through the client that made the proxy (sync or async: the proxy does not
know which). A proxy passed as an argument travels as the ObjRef it came from.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from soap import ANY, ObjRef, method_namespace
from wsdl import OBJECT_OPERATIONS, Operation, Parameter, ServiceContract

from .channel import Route

#: The method namespace used for calls through an untyped proxy (the server dispatches by name).
DYNAMIC_NAMESPACE = "http://schemas.microsoft.com/clr/nsassem/Dynamic/Dynamic"

#: Where .NET sends ToString / Equals / GetHashCode: System.Object's methods, whatever the proxy's type.
OBJECT_NAMESPACE = method_namespace("System.Object", "mscorlib")

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

    Properties of the contract read and write remotely too: ``proxy.Name`` calls ``get_Name``,
    ``proxy.Name = "x"`` calls ``set_Name``. A proxy passed as an argument travels as the ObjRef it came
    from (the server gets its own object back).

    ``str(proxy)``, ``proxy == other`` and ``hash(proxy)`` call the remote ``ToString``, ``Equals`` and
    ``GetHashCode`` when the contract publishes them (the class overrides ``__str__``, ``__eq__``,
    ``__hash__``) and the proxy is synchronous; otherwise they run locally, as .NET runs ``System.Object``'s:
    two proxies are equal when they reach the same object (an async proxy's ``await proxy.ToString()``
    reaches the server).
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
        namespace: str = self.__dict__["_namespace"]
        if contract is not None:
            found = contract.operation(name) or _by_python_name(contract, name) or OBJECT_OPERATIONS.get(name)
            if found is None:
                getter = contract.operation(f"get_{name}")
                if getter is not None and getter.accessor == "get":
                    return self.__getattr__(getter.name)()
                raise AttributeError(f"{contract.clr.full_name} has no remote method {name!r}")
            op = found
        if name in OBJECT_OPERATIONS:
            namespace = OBJECT_NAMESPACE
        bind = self.__dict__["_bind"]
        method: Callable[..., Any] = bind(self.__dict__["_url"], namespace, op, self.__dict__["_route"])
        self.__dict__[name] = method
        return method

    def __setattr__(self, name: str, value: object) -> Any:
        contract: ServiceContract | None = self.__dict__["_contract"]
        setter = contract.operation(f"set_{name}") if contract is not None and not name.startswith("_") else None
        if setter is None or setter.accessor != "set":
            raise AttributeError(f"remote object proxies have no settable attribute {name!r} (only properties "
                                 "with a setter)")
        method = self.__getattr__(setter.name)
        if inspect.iscoroutinefunction(method):  # `=` cannot await: the call would never be made
            raise AttributeError(f"an async proxy cannot set {name} by assignment: await proxy.{setter.name}(value)")
        return method(value)

    def _object_method(self, name: str) -> Callable[..., Any] | None:
        """The remote ToString / Equals / GetHashCode of a sync proxy whose contract publishes it."""
        contract: ServiceContract | None = self.__dict__["_contract"]
        if contract is None or contract.operation(name) is None:
            return None
        method: Callable[..., Any] = self.__getattr__(name)
        return None if inspect.iscoroutinefunction(method) else method

    def __str__(self) -> str:
        remote = self._object_method("ToString")
        return str(remote()) if remote is not None else repr(self)

    def __eq__(self, other: object) -> bool:
        remote = self._object_method("Equals")
        if remote is not None:
            return bool(remote(other))
        mine, theirs = proxy_objref(self), proxy_objref(other)
        return other is self or (mine is not None and theirs is not None and _same_object(mine, theirs))

    def __hash__(self) -> int:
        remote = self._object_method("GetHashCode")
        if remote is not None:
            return int(remote())
        ref = self.__dict__["__remoting_objref__"]
        return hash(ref.uri.lstrip("/"))

    def __repr__(self) -> str:
        contract = self.__dict__["_contract"]
        kind = contract.clr.full_name if contract else "object"
        return f"<remote {kind} at {self.__dict__['_url']}>"


def _by_python_name(contract: ServiceContract, name: str) -> Operation | None:
    """An operation published under another .NET name (``@clr_method``), by its Python name."""
    return next((op for op in contract.operations.values() if op.target == name and op.accessor is None), None)


def _same_object(a: ObjRef, b: ObjRef) -> bool:
    return a.uri.lstrip("/") == b.uri.lstrip("/") and bool(set(a.channel_urls) & set(b.channel_urls))


def proxy_objref(proxy: object) -> ObjRef | None:
    """The ObjRef behind a proxy, None for anything else (``RemotingServices.GetObjRefForProxy``).

    Its ``url()`` is the object's address; a well-known proxy's ObjRef has only the URI and channel URL."""
    ref = getattr(proxy, "__remoting_objref__", None)
    return ref if isinstance(ref, ObjRef) else None


