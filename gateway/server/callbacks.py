"""Callback proxies: how a server calls objects that live elsewhere (a client's sponsor or event sink).

Under type filter Full, an ObjRef to a foreign object becomes a proxy made here, backed by one synchronous
:class:`gateway.RemotingClient` per caller base URL. This server's own objects passed to such a proxy (a
lease handed to a sponsor's ``Renewal``) travel as ObjRefs at the base URL the caller used to reach us.
"""

from __future__ import annotations

from soap import ObjRef, TypeRegistry, WireType

from ..client.clients import RemotingClient
from ..client.sinks import ClientSink
from ..model.objects import MarshalByRefObject
from .identity import IdentityTable
from .marshal import ServerMarshaller, TypeFilterLevel


class CallbackProxies:
    """The default :data:`~gateway.server.marshal.ProxyFactory` of :class:`gateway.RemotingApp`.

    Proxy methods are synchronous: call them from sync methods (which run in worker threads), or from
    async ones through a worker thread (``anyio.to_thread``).
    """

    def __init__(self, identities: IdentityTable, registry: TypeRegistry, type_filter: TypeFilterLevel) -> None:
        self.identities = identities
        self.registry = registry
        self.type_filter = type_filter
        self._clients: dict[tuple[str, int], RemotingClient] = {}

    def __call__(self, ref: ObjRef, declared: WireType, base_url: str) -> object:
        return self.through(ref, declared, base_url)

    def through(self, ref: ObjRef, declared: WireType, base_url: str, sink: ClientSink | None = None) -> object:
        """A proxy for ``ref`` whose calls pass through ``sink`` (which may send them elsewhere: the scale-out
        runtime routes calls to objects of other workers of the deployment through its own listener)."""
        key = (base_url, id(sink))
        client = self._clients.get(key)
        if client is None:
            marshaller = ServerMarshaller(self.identities, base_url, self.type_filter)

            def publish(obj: MarshalByRefObject) -> ObjRef:
                return marshaller.marshal(obj) or ObjRef("", "", [])

            client = self._clients[key] = RemotingClient(
                registry=self.registry, timeout=30.0, local_objects=publish, sinks=[sink] if sink else ()
            )
        return client.proxy_for(ref, declared)

    def close(self) -> None:
        """Close the clients' connection pools."""
        for client in self._clients.values():
            client.close()
        self._clients.clear()
