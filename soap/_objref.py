"""Object references: the wire form of an object that stays where it lives.

An :class:`ObjRef` is what .NET sends for a ``MarshalByRefObject``: the object's URI, its type
information, and the channel URLs where it can be called. This module only models and (de)serializes it;
deciding which objects travel by reference and what a received reference turns into is the job of a
:class:`ReferenceMarshaller` supplied by the runtime (the role .NET's ``RemotingSurrogateSelector`` plays).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from ._namespaces import CLR_NS
from ._types import WireType

REMOTING_NS = CLR_NS + "System.Runtime.Remoting"
CHANNELS_NS = CLR_NS + "System.Runtime.Remoting.Channels"


@dataclass(slots=True)
class ObjRef:
    """A reference to a remote object.

    ``server_type`` and ``interfaces`` are assembly-qualified CLR names; ``channel_urls`` are the base URLs
    (``http://host:port[/root]``, ``tcp://host:port``) at which ``uri`` can be called, one per channel.
    ``is_marshalled`` mirrors .NET's ``fIsMarshalled`` member, which client-activated and marshalled objects
    carry and leases do not.
    """

    uri: str
    server_type: str
    channel_urls: list[str]
    interfaces: list[str] = field(default_factory=list)
    server_hierarchy: list[str] = field(default_factory=list)
    process_guid: str = "00000000-0000-0000-0000-000000000000"
    is_marshalled: bool | None = False
    #: .NET's ``objrefFlags`` (kept as received; we always write 0, as the Mono reference server does)
    flags: int = 0

    def url(self) -> str | None:
        """The full URL to call: from the first HTTP(S) channel URL, else from the first TCP one."""
        for schemes in (("http://", "https://"), ("tcp://",)):
            for base in self.channel_urls:
                if base.startswith(schemes):
                    return base.rstrip("/") + "/" + self.uri.lstrip("/")
        return None


class ReferenceMarshaller(Protocol):
    """Turns by-reference objects into ObjRefs when writing, and ObjRefs into objects when reading."""

    def marshal(self, value: object) -> ObjRef | None:
        """The ObjRef for ``value``, or None if it is not a by-reference object."""

    def unmarshal(self, ref: ObjRef, declared: WireType) -> object:
        """The object a received ``ref`` stands for (a proxy, or a local object); may refuse by raising."""
