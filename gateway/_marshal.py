"""Marshalling by reference on the server: MarshalByRefObjects out as ObjRefs, ObjRefs in as objects.

An ObjRef that names one of this server's own objects becomes that object again (a proxy passed back
arrives as the real thing). An ObjRef to an object elsewhere (a client's callback or sponsor) is accepted
only with type filter Full, as in .NET; with Low (the default) it is refused with a clear fault.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from soap import ObjRef, WireType, clr_name_of

from ._errors import ClientRequestError
from ._identity import Identity, IdentityTable, InstanceEntry, aqn
from ._lease import Lease
from ._objects import MarshalByRefObject

#: Set by the activator on a new client-activated object: its ObjRef goes out in a ConstructionResponse,
#: with ``fIsMarshalled`` 0, as the Mono reference server sends it.
ACTIVATED_MARK = "_remoting_activated"


class TypeFilterLevel(enum.Enum):
    """What a server deserializes (.NET's ``TypeFilterLevel``): Low refuses references to foreign objects."""

    Low = "Low"
    Full = "Full"


def type_hierarchy(cls: type) -> tuple[list[str], list[str]]:
    """(server hierarchy, interfaces) as assembly-qualified CLR names, from the classes that declare one."""
    hierarchy: list[str] = []
    interfaces: list[str] = []
    for klass in cls.__mro__[1:]:
        if "__clr_identity__" not in klass.__dict__ or klass is MarshalByRefObject:
            continue
        name = aqn(clr_name_of(klass))
        (hierarchy if issubclass(klass, MarshalByRefObject) else interfaces).append(name)
    return hierarchy, interfaces


def objref_for(entry: InstanceEntry, base_url: str, process_guid: str) -> ObjRef:
    cls = type(entry.obj)
    hierarchy, interfaces = type_hierarchy(cls)
    # .NET turns a received ObjRef into a proxy as it deserializes it unless ``fIsMarshalled`` is present
    # and 0: so ordinary arguments and return values (and leases) omit it, and only the activation reply,
    # which the .NET activator unmarshals itself, carries 0 (as the Mono reference server sends them).
    return ObjRef(entry.uri, aqn(clr_name_of(cls)), [base_url], interfaces, hierarchy, process_guid, None)


#: Makes a proxy for a foreign ObjRef (a callback into a client): ``factory(ref, declared type, base URL
#: of the request that brought it)``; supplied by the application.
ProxyFactory = Callable[[ObjRef, WireType, str], object]


class ServerMarshaller:
    """The :class:`soap.ReferenceMarshaller` for one request (it knows the request's external URL)."""

    def __init__(
        self,
        table: IdentityTable,
        base_url: str | Callable[[], str],
        type_filter: TypeFilterLevel,
        proxy_factory: ProxyFactory | None = None,
    ) -> None:
        self.table = table
        self._base_url = base_url
        self.type_filter = type_filter
        self.proxy_factory = proxy_factory

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
        entry = self.table.publish(value)
        ref = objref_for(entry, self.base_url, self.table.app_guid)
        if isinstance(value, Lease):
            value.published_uri = entry.uri
        elif value.__dict__.pop(ACTIVATED_MARK, False):
            ref.is_marshalled = False
        return ref

    def unmarshal(self, ref: ObjRef, declared: WireType) -> object:
        entry: Identity | None = self.table.lookup(ref.uri)
        if entry is not None:
            return entry.target()
        if self.type_filter is TypeFilterLevel.Full and self.proxy_factory is not None:
            return self.proxy_factory(ref, declared, self.base_url)
        raise ClientRequestError(
            f"an object reference to {ref.url() or ref.uri} was refused: this server's type filter level is "
            "Low, which accepts only references to its own objects (set type_filter=TypeFilterLevel.Full "
            "to accept callbacks and remote sponsors)"
        )
