"""Callback proxies: how a server calls objects that live elsewhere (a client's sponsor, event sink, or the
target of a delegate it passed).

Under type filter Full, an ObjRef to a foreign object becomes a proxy made here. Callbacks go out the way
the caller came in: with the formatter of the request that brought the reference (binary for a binary
client) and to the channel URL in the reference; one pair of clients (sync and async) per caller base URL
and formatter. This server's own objects passed to such a proxy (a lease handed to a sponsor's ``Renewal``)
travel as ObjRefs at the base URL the caller used to reach us.

A proxy's methods work from both kinds of server method: called from a plain method (which runs on a
worker thread) they block and return the result; called on the event loop (an ``async def`` method) they
return an awaitable (``await sink.OnMessage(text)``).

The scale-out runtime makes its proxies for objects of other workers of the deployment here too
(:meth:`CallbackProxies.through`), with a client sink of its own that sends their calls through this
worker's internal listener.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from soap import ObjRef, TypeRegistry, WireType
from wsdl import Operation, contract_of

from ..client.channel import Route
from ..client.clients import AsyncRemotingClient, RemotingClient
from ..client.proxy import TransparentProxy, as_operation
from ..client.sinks import ClientSink
from ..model.objects import MarshalByRefObject
from .identity import IdentityTable
from .marshal import CallOrigin, ServerMarshaller, TypeFilterLevel

_Key = tuple[str, str, int]  # (base URL of the request, formatter, id of the extra sink or 0)


class CallbackProxies:
    """The default :data:`~gateway.server.marshal.ProxyFactory` of :class:`gateway.RemotingApp`."""

    def __init__(self, identities: IdentityTable, registry: TypeRegistry, type_filter: TypeFilterLevel,
                 timeout: float = 30.0) -> None:
        self.identities = identities
        self.registry = registry
        self.type_filter = type_filter
        self.timeout = timeout
        self._sync: dict[_Key, RemotingClient] = {}
        self._async: dict[_Key, tuple[asyncio.AbstractEventLoop, AsyncRemotingClient]] = {}

    def __call__(self, ref: ObjRef, declared: WireType, origin: CallOrigin) -> object:
        return self.through(ref, declared, origin)

    def through(self, ref: ObjRef, declared: WireType, origin: CallOrigin, sink: ClientSink | None = None) -> object:
        """A proxy for ``ref`` whose calls pass through ``sink`` (which may send them elsewhere: the scale-out
        runtime routes calls to objects of other workers of the deployment through its own listener)."""
        url = ref.url()
        key = (origin.base_url, origin.formatter, id(sink) if sink is not None else 0)
        if url is None:
            return self._sync_client(key, origin, sink).proxy_for(ref, declared)  # raises the client's clear error
        contract = contract_of(declared.py_type) if declared.py_type is not None else None
        sync_client = self._sync_client(key, origin, sink)

        def bind(url: str, namespace: str, op: Operation | str, route: Route | None) -> Callable[..., Any]:
            def call(*args: object) -> Any:
                operation = as_operation(op, args)
                try:
                    asyncio.get_running_loop()
                except RuntimeError:
                    return sync_client.invoke(url, namespace, operation, args)
                return self._async_client(key, origin, sink).invoke(url, namespace, operation, args)

            call.__name__ = op.name if isinstance(op, Operation) else op
            return call

        return TransparentProxy(bind, url, contract, sync_client.default_route, ref)

    def _publisher(self, origin: CallOrigin) -> Callable[[MarshalByRefObject], ObjRef]:
        marshaller = ServerMarshaller(self.identities, origin.base_url, self.type_filter)

        def publish(obj: MarshalByRefObject) -> ObjRef:
            return marshaller.marshal(obj) or ObjRef("", "", [])

        return publish

    def _sync_client(self, key: _Key, origin: CallOrigin, sink: ClientSink | None) -> RemotingClient:
        client = self._sync.get(key)
        if client is None:
            client = self._sync[key] = RemotingClient(
                registry=self.registry, timeout=self.timeout, local_objects=self._publisher(origin),
                formatter=origin.formatter, sinks=[sink] if sink is not None else (),
            )
        return client

    def _async_client(self, key: _Key, origin: CallOrigin, sink: ClientSink | None) -> AsyncRemotingClient:
        loop = asyncio.get_running_loop()
        found = self._async.get(key)
        if found is None or found[0] is not loop:  # connections belong to one event loop
            client = AsyncRemotingClient(registry=self.registry, timeout=self.timeout, formatter=origin.formatter,
                                         local_objects=self._publisher(origin),
                                         sinks=[sink] if sink is not None else ())
            self._async[key] = (loop, client)
            return client
        return found[1]

    def close(self) -> None:
        """Close the sync clients' connection pools (the async ones close with :meth:`aclose`)."""
        for client in self._sync.values():
            client.close()
        self._sync.clear()

    async def aclose(self) -> None:
        """Close every client this factory made."""
        self.close()
        loop = asyncio.get_running_loop()
        for owner, client in self._async.values():
            if owner is loop:
                await client.aclose()
        self._async.clear()
