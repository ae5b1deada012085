"""Marshalling by reference on the server: MarshalByRefObjects out as ObjRefs, ObjRefs in as objects.

An ObjRef that names one of this server's own objects becomes that object again (a proxy passed back
arrives as the real thing); one that names an object another worker of the same deployment serves becomes a
proxy to it. An ObjRef to an object elsewhere (a client's callback or sponsor) is accepted
only with type filter Full, as in .NET; with Low (the default) it is refused with a clear fault.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from soap import ObjRef, WireType

from ..model.errors import ClientRequestError
from ..model.objects import Lease, MarshalByRefObject
from ..model.objref import objref_for
from .activation import ACTIVATED_MARK
from .identity import CLIENT_ACTIVATED, LEASE, MARSHALLED, Identity, IdentityTable


class TypeFilterLevel(enum.Enum):
    """What a server deserializes (.NET's ``TypeFilterLevel``): Low refuses references to foreign objects."""

    Low = "Low"
    Full = "Full"


#: Makes a proxy for a foreign ObjRef (a callback into a client): ``factory(ref, declared type, base URL
#: of the request that brought it)``; supplied by the application.
ProxyFactory = Callable[[ObjRef, WireType, str], object]

#: Makes a proxy for an object another worker of the same deployment serves (same arguments), or answers
#: None for a reference that names none; supplied by the scale-out runtime. Such objects are the server's
#: own, so they are accepted whatever the type filter.
PeerProxies = Callable[[ObjRef, WireType, str], object | None]


class ServerMarshaller:
    """The :class:`soap.ReferenceMarshaller` for one request (it knows the request's external URL).

    Own objects leave with ``channel_urls()`` when given (one base URL per channel the app serves, HTTP and
    TCP), else with the request's base URL alone.
    """

    def __init__(
        self,
        table: IdentityTable,
        base_url: str | Callable[[], str],
        type_filter: TypeFilterLevel,
        proxy_factory: ProxyFactory | None = None,
        channel_urls: Callable[[], list[str]] | None = None,
        peers: PeerProxies | None = None,
    ) -> None:
        self.table = table
        self._base_url = base_url
        self.type_filter = type_filter
        self.proxy_factory = proxy_factory
        self._channel_urls = channel_urls
        self.peers = peers

    @property
    def base_url(self) -> str:
        """The request's external base URL, computed on first use (most calls marshal nothing)."""
        if not isinstance(self._base_url, str):
            self._base_url = self._base_url()
        return self._base_url

    def marshal(self, value: object) -> ObjRef | None:
        carried = getattr(value, "__remoting_objref__", None)
        if isinstance(carried, ObjRef):
            return carried  # a proxy to an object elsewhere, passed along
        if not isinstance(value, MarshalByRefObject):
            return None
        activated = not isinstance(value, Lease) and bool(value.__dict__.pop(ACTIVATED_MARK, False))
        kind = LEASE if isinstance(value, Lease) else CLIENT_ACTIVATED if activated else MARSHALLED
        entry = self.table.publish(value, kind=kind)
        urls = self._channel_urls() if self._channel_urls is not None else self.base_url
        ref = objref_for(entry.uri, value, urls, self.table.app_guid)
        if isinstance(value, Lease):
            value.published_uri = entry.uri
        elif activated:
            ref.is_marshalled = False
        return ref

    def unmarshal(self, ref: ObjRef, declared: WireType) -> object:
        entry: Identity | None = self.table.lookup(ref.uri)
        if entry is not None:
            return entry.target()
        if self.peers is not None:
            proxy = self.peers(ref, declared, self.base_url)
            if proxy is not None:
                return proxy
        if self.type_filter is TypeFilterLevel.Full and self.proxy_factory is not None:
            return self.proxy_factory(ref, declared, self.base_url)
        raise ClientRequestError(
            f"an object reference to {ref.url() or ref.uri} was refused: this server's type filter level is "
            "Low, which accepts only references to its own objects (set type_filter=TypeFilterLevel.Full "
            "to accept callbacks and remote sponsors)"
        )
