"""The httpx client channel and its transparent proxies, sync and async.

``client.get_object(IHello, url)`` returns a proxy at once, without any network traffic (like
``Activator.GetObject``); each method call on it is one HTTP request. Both clients share
:class:`~gateway._channel.ChannelCore`, so encoding, sinks and fault handling are one code path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar, overload

import httpx

from soap import ANY, DEFAULT_LIMITS, DEFAULT_REGISTRY, Limits, TypeRegistry
from wsdl import Operation, Parameter, ServiceContract, contract_of

from ._channel import ChannelCore
from ._client_sinks import ClientResponse, ClientSink
from ._errors import RemotingError

T = TypeVar("T")

#: The method namespace used for calls through an untyped proxy (the server dispatches by name).
DYNAMIC_NAMESPACE = "http://schemas.microsoft.com/clr/nsassem/Dynamic/Dynamic"


class ChannelError(RemotingError):
    """The server could not be reached, or the connection failed or timed out."""


def _dynamic_operation(name: str, count: int) -> Operation:
    params = tuple(Parameter(f"arg{i}", Any, ANY) for i in range(count))
    return Operation(name, params, Any, ANY, False, None)


class _Proxy:
    """A transparent proxy: attribute access yields a callable that performs the remote call."""

    def __init__(
        self, bind: Callable[[str, str, Operation | str], Callable[..., Any]], url: str,
        contract: ServiceContract | None,
    ) -> None:
        self.__dict__["_bind"] = bind
        self.__dict__["_url"] = url
        self.__dict__["_contract"] = contract
        self.__dict__["_namespace"] = contract.clr.method_namespace if contract else DYNAMIC_NAMESPACE

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        contract: ServiceContract | None = self.__dict__["_contract"]
        op: Operation | str = name
        if contract is not None:
            found = contract.operation(name)
            if found is None:
                raise AttributeError(f"{contract.clr.full_name} has no remote method {name!r}")
            op = found
        method: Callable[..., Any] = self.__dict__["_bind"](self.__dict__["_url"], self.__dict__["_namespace"], op)
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


def _as_operation(op: Operation | str, args: tuple[object, ...]) -> Operation:
    return op if isinstance(op, Operation) else _dynamic_operation(op, len(args))


def _response(r: httpx.Response) -> ClientResponse:
    return ClientResponse(r.status_code, {k: v for k, v in r.headers.items()}, r.content)


class RemotingClient:
    """A synchronous client channel (owns a pooled ``httpx.Client``; use as a context manager)."""

    def __init__(
        self,
        *,
        timeout: float | httpx.Timeout = 30.0,
        registry: TypeRegistry = DEFAULT_REGISTRY,
        limits: Limits = DEFAULT_LIMITS,
        sinks: Sequence[ClientSink] = (),
        http_client: httpx.Client | None = None,
    ) -> None:
        self._core = ChannelCore(registry, limits, sinks)
        self._http = http_client or httpx.Client(timeout=timeout)

    @overload
    def get_object(self, interface: type[T], url: str) -> T: ...

    @overload
    def get_object(self, interface: None, url: str) -> Any: ...

    def get_object(self, interface: type[T] | None, url: str) -> Any:
        """A proxy for the object at ``url`` typed as ``interface`` (None: an untyped, dynamic proxy)."""
        return _Proxy(self._bind, url, _contract_for(interface))

    def _bind(self, url: str, namespace: str, op: Operation | str) -> Callable[..., Any]:
        def call(*args: object) -> Any:
            return self.invoke(url, namespace, _as_operation(op, args), args)

        call.__name__ = op.name if isinstance(op, Operation) else op
        return call

    def invoke(self, url: str, namespace: str, op: Operation, args: tuple[object, ...]) -> Any:
        call = self._core.prepare(url, namespace, op, args)
        try:
            r = self._http.post(url, content=call.body, headers=call.headers)
        except httpx.HTTPError as exc:
            raise ChannelError(f"{op.name} at {url}: {type(exc).__name__}: {exc}") from exc
        return self._core.finish(call, _response(r))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RemotingClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncRemotingClient:
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
    ) -> None:
        self._core = ChannelCore(registry, limits, sinks)
        self._http = http_client or httpx.AsyncClient(
            timeout=timeout,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        )

    def get_object(self, interface: type | None, url: str) -> Any:
        """A proxy whose methods return awaitables; see :meth:`RemotingClient.get_object`."""
        return _Proxy(self._bind, url, _contract_for(interface))

    def _bind(self, url: str, namespace: str, op: Operation | str) -> Callable[..., Awaitable[Any]]:
        async def call(*args: object) -> Any:
            return await self.invoke(url, namespace, _as_operation(op, args), args)

        call.__name__ = op.name if isinstance(op, Operation) else op
        return call

    async def invoke(self, url: str, namespace: str, op: Operation, args: tuple[object, ...]) -> Any:
        call = self._core.prepare(url, namespace, op, args)
        try:
            r = await self._http.post(url, content=call.body, headers=call.headers)
        except httpx.HTTPError as exc:
            raise ChannelError(f"{op.name} at {url}: {type(exc).__name__}: {exc}") from exc
        return self._core.finish(call, _response(r))

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncRemotingClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
