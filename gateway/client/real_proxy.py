"""Custom proxies (.NET's ``RealProxy``): one hook that sees every call made through a transparent proxy.

Subclass :class:`RealProxy`, implement :meth:`RealProxy.invoke` (a :class:`MethodCallMessage` in, a
:class:`ReturnMessage` out), and hand out :meth:`RealProxy.get_transparent_proxy`: a proxy that looks like the
remote object (attribute access, properties, the interface's methods) and turns each call into one
``invoke``. ``invoke`` may do anything: answer locally, log, retry, or send the call on with
``client.send(message, url)`` (:meth:`gateway.RemotingClient.send`). An ``invoke`` that returns an awaitable
(``async def``, or a coroutine for an :class:`gateway.AsyncRemotingClient`) makes the proxy's methods
awaitable too.

The seed names load balancing as RealProxy's use; :class:`gateway.client.balancing.LoadBalancingProxy`
is that use, shipped.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wsdl import Operation, ServiceContract, contract_of

from .channel import Route
from .proxy import DYNAMIC_NAMESPACE, TransparentProxy, as_operation


@dataclass(slots=True)
class MethodCallMessage:
    """One call through a transparent proxy (.NET's ``IMethodCallMessage``).

    ``url`` is where the proxy points (a custom proxy may send the call elsewhere), ``namespace`` the
    method namespace of the interface, ``operation`` the method with its wire types, ``args`` the arguments.
    """

    url: str
    namespace: str
    operation: Operation
    args: tuple[object, ...]
    properties: dict[str, object] = field(default_factory=dict)

    @property
    def method_name(self) -> str:
        return self.operation.name


@dataclass(slots=True)
class ReturnMessage:
    """What a call produced (.NET's ``IMethodReturnMessage``): the return value, or the exception to raise."""

    return_value: object = None
    exception: BaseException | None = None

    def result(self) -> object:
        """The return value, or raise the exception."""
        if self.exception is not None:
            raise self.exception
        return self.return_value


class RealProxy:
    """Base class of custom proxies for ``interface`` at ``url`` (see the module docstring).

    ``route`` is the wire format the proxy's messages name (a client's ``default_route``); it matters only
    to an ``invoke`` that sends the call on with it.
    """

    def __init__(self, interface: type | None, url: str = "", route: Route | None = None) -> None:
        self.interface = interface
        self.url = url
        self.route = route
        self._contract: ServiceContract | None = contract_of(interface) if interface is not None else None

    def invoke(self, message: MethodCallMessage) -> ReturnMessage | Any:
        """Carry out one call; return a :class:`ReturnMessage` (or an awaitable of one)."""
        raise NotImplementedError

    def get_transparent_proxy(self) -> Any:
        """A proxy typed as ``interface`` whose every call goes through :meth:`invoke`."""
        return TransparentProxy(self._bind, self.url, self._contract, self.route)

    def _bind(self, url: str, namespace: str, op: Operation | str, route: Route | None) -> Callable[..., Any]:
        def call(*args: object) -> Any:
            operation = as_operation(op, args)
            outcome = self.invoke(MethodCallMessage(url, namespace or DYNAMIC_NAMESPACE, operation, args))
            if inspect.isawaitable(outcome):
                return _settle(outcome)
            return _unpack(outcome)

        call.__name__ = op.name if isinstance(op, Operation) else op
        return call


async def _settle(outcome: Any) -> object:
    return _unpack(await outcome)


def _unpack(outcome: object) -> object:
    if not isinstance(outcome, ReturnMessage):
        raise TypeError(f"RealProxy.invoke must return a ReturnMessage, not {type(outcome).__name__}")
    return outcome.result()
