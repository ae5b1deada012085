"""Marshalling by reference on the server: MarshalByRefObjects out as ObjRefs, ObjRefs in as objects.

An ObjRef that names one of this server's own objects becomes that object again (a proxy passed back
arrives as the real thing); one that names an object another worker of the same deployment serves becomes a
proxy to it. An ObjRef to an object elsewhere (a client's callback or sponsor) is accepted
only with type filter Full, as in .NET; with Low (the default) it is refused with a clear fault. The same
goes for delegates (:mod:`gateway.model.delegates`): a delegate to a client's object arrives as a callable
only under Full, a delegate to one of this server's objects may only name a published method.

Proxies for foreign objects come from the application's :data:`ProxyFactory`, told where the reference came
from (:class:`CallOrigin`: the base URL the caller used and the formatter of its request), so that a server
calls back into a client the way that client called it.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from typing import Any

from soap import DelegateRef, ObjRef, WireType

from ..model.delegates import RemoteDelegate, delegate_ref_for, target_method
from ..model.errors import ClientRequestError
from ..model.objects import Lease, MarshalByRefObject
from ..model.objref import objref_for
from .activation import ACTIVATED_MARK
from .identity import CLIENT_ACTIVATED, LEASE, MARSHALLED, Identity, IdentityTable


class TypeFilterLevel(enum.Enum):
    """What a server deserializes (.NET's ``TypeFilterLevel``): Low refuses references to foreign objects."""

    Low = "Low"
    Full = "Full"


@dataclasses.dataclass(frozen=True, slots=True)
class CallOrigin:
    """Where a reference came from: the request's external base URL and its formatter (``"soap"`` or
    ``"binary"``), which a callback into the reference's object should use too."""

    base_url: str
    formatter: str = "soap"


#: Makes a proxy for a foreign ObjRef (a callback into a client): ``factory(ref, declared type, origin)``;
#: supplied by the application.
ProxyFactory = Callable[[ObjRef, WireType, CallOrigin], object]

#: Makes a proxy for an object another worker of the same deployment serves (same arguments), or answers
#: None for a reference that names none; supplied by the scale-out runtime. Such objects are the server's
#: own, so they are accepted whatever the type filter.
PeerProxies = Callable[[ObjRef, WireType, CallOrigin], object | None]


class ServerMarshaller:
    """The :class:`soap.DelegateMarshaller` for one request (it knows the request's URL and formatter).

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
        formatter: str = "soap",
        peers: PeerProxies | None = None,
    ) -> None:
        self.table = table
        self._base_url = base_url
        self.type_filter = type_filter
        self.proxy_factory = proxy_factory
        self._channel_urls = channel_urls
        self.formatter = formatter
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
            proxy = self.peers(ref, declared, CallOrigin(self.base_url, self.formatter))
            if proxy is not None:
                return proxy
        if self.type_filter is TypeFilterLevel.Full and self.proxy_factory is not None:
            return self.proxy_factory(ref, declared, CallOrigin(self.base_url, self.formatter))
        raise ClientRequestError(
            f"an object reference to {ref.url() or ref.uri} was refused: this server's type filter level is "
            "Low, which accepts only references to its own objects (set type_filter=TypeFilterLevel.Full "
            "to accept callbacks, remote sponsors and delegates)"
        )

    def marshal_delegate(self, value: object, declared: WireType) -> DelegateRef:
        return delegate_ref_for(value, declared, self._publish)

    def _publish(self, obj: MarshalByRefObject) -> ObjRef:
        ref = self.marshal(obj)
        assert ref is not None
        return ref

    def unmarshal_delegate(self, ref: DelegateRef, declared: WireType) -> object:
        """A :class:`RemoteDelegate` calling each target: a client's object through its proxy (type filter Full
        only), one of ours directly, and then only a method it publishes."""
        calls: list[Callable[..., Any]] = []
        for entry in ref.entries:
            own = self.table.lookup(entry.target.uri)
            if own is not None:
                op = own.contract.operation(entry.method_name)
                if op is None or op.accessor is not None:
                    raise ClientRequestError(
                        f"a delegate to {entry.method_name} of /{own.uri} was refused: not a published method")
                calls.append(getattr(own.target(), op.target))
                continue
            try:
                calls.append(target_method(entry, self.unmarshal))
            except AttributeError:
                raise ClientRequestError(f"a delegate to method {entry.method_name!r} was refused") from None
        return RemoteDelegate(ref, calls)
