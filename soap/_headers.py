"""SOAP header blocks: one view of the headers of an incoming message, and the headers an outgoing one carries.

Every parsed SOAP message (a :class:`soap.IncomingCall` on the server, a :class:`soap.MethodReturn` read by a
client) exposes ``header_blocks``: the header blocks of its ``Header`` element, in document order, each a
:class:`HeaderBlock` with

* ``namespace`` and ``name``: the block's qualified name (``{urn:shop}AuthHeader``);
* ``must_understand``: SOAP 1.1 ``mustUnderstand="1"`` or SOAP 1.2 ``mustUnderstand="true"``;
* ``actor``: SOAP 1.1 ``actor`` / SOAP 1.2 ``role`` (None when absent: the ultimate receiver);
* ``for_this_node``: the block is addressed to the gateway, which is the ultimate receiver and plays no
  named role: no ``actor`` / ``role``, or the "next" one (SOAP 1.2 also ``ultimateReceiver``; ``none`` is
  nobody);
* ``value(wire_type)``: the block decoded as that type, in the message's own dialect (document/literal
  element rules, or the Remoting dialect's ``href`` multi-refs);
* ``understood``: False until the code that processes the block calls :meth:`HeaderBlock.mark_understood`.

Whoever consumes a block marks it understood: the call-context reader marks the Remoting dialect's
``__CallContext`` block, the dispatcher marks the document/literal headers an operation declares
(``wsdl.soap_headers``). So after decoding, ``[b for b in call.header_blocks if b.must_understand and not
b.understood]`` is what no one processed. SOAP's mustUnderstand rule needs the answer *before* anything
acts on the message, so the server checks the names instead (:func:`not_understood`): those a formatter
reads itself (:data:`RUNTIME_HEADERS`: the Remoting dialect's call context and method signature), those
the operation declares, those a call inspector processes (WS-Security).

In the Remoting dialect, Header children that carry an ``id`` and no ``SOAP-ENC:root="1"`` are serialized
values that a block refers to by ``href`` (Mono writes the ``LogicalCallContext`` and its members there), not
blocks of their own; they are left out of the view.

Binary (MS-NRBF) messages have no SOAP headers: their ``header_blocks`` is empty.

Outgoing document/literal headers are :class:`OutgoingHeader` values in ``MethodCall.headers`` (client) or
``MethodReturn.headers`` (server), written into the envelope's ``Header`` in that order.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

from lxml import etree

from ._namespaces import MESSAGE_PROPERTIES, SOAP12_ENV, SOAP_ENC
from ._types import WireType
from ._xml import local_name, namespace_of

_ROOT = f"{{{SOAP_ENC}}}root"
_TRUE = ("1", "true")
_ACTOR_NEXT = "http://schemas.xmlsoap.org/soap/actor/next"
_ROLES_12 = frozenset({SOAP12_ENV + "/role/next", SOAP12_ENV + "/role/ultimateReceiver"})

#: header blocks the Remoting dialect's readers process themselves
RUNTIME_HEADERS = frozenset({(MESSAGE_PROPERTIES, "__CallContext"), (MESSAGE_PROPERTIES, "__MethodSignature")})

#: Decodes a header element as a wire type, in the dialect of the message it came in.
HeaderDecoder = Callable[[etree._Element, WireType], object]


#: per envelope namespace, the Clark names of the mustUnderstand and the actor (SOAP 1.1) / role (SOAP 1.2) attributes
_ATTRIBUTES: dict[str, tuple[str, str]] = {}


def _attributes(envelope_ns: str) -> tuple[str, str]:
    names = (f"{{{envelope_ns}}}mustUnderstand", f"{{{envelope_ns}}}{'role' if envelope_ns == SOAP12_ENV else 'actor'}")
    if len(_ATTRIBUTES) < 16:  # (SOAP 1.1 and 1.2; any other namespace is refused before headers are read)
        _ATTRIBUTES[envelope_ns] = names
    return names


class HeaderBlock:
    """One header block of a received SOAP message (see the module docstring)."""

    __slots__ = ("_decode", "actor", "element", "for_this_node", "must_understand", "name", "namespace",
                 "understood")

    def __init__(self, element: etree._Element, envelope_ns: str, decode: HeaderDecoder, tag: object = None) -> None:
        self.element = element
        if tag is None:
            tag = element.tag
        self.namespace = namespace_of(tag)
        self.name = local_name(tag)
        must_understand, actor_name = _ATTRIBUTES.get(envelope_ns) or _attributes(envelope_ns)
        self.must_understand = (element.get(must_understand) or "").strip() in _TRUE
        soap12 = envelope_ns == SOAP12_ENV
        self.actor = element.get(actor_name)
        actor = self.actor.strip() if self.actor is not None else None
        self.for_this_node = actor is None or (actor in _ROLES_12 if soap12 else actor == _ACTOR_NEXT)
        self.understood = False
        self._decode = decode

    def value(self, wt: WireType) -> object:
        """The block decoded as ``wt`` (raises :class:`soap.SoapDecodeError` when it is not one)."""
        return self._decode(self.element, wt)

    def mark_understood(self) -> None:
        self.understood = True

    def __repr__(self) -> str:
        flag = " mustUnderstand" if self.must_understand else ""
        return f"<HeaderBlock {{{self.namespace}}}{self.name}{flag}>"


def header_blocks(
    header: etree._Element | None, envelope_ns: str, decode: HeaderDecoder, encoded: bool = False
) -> list[HeaderBlock]:
    """The header blocks of a ``Header`` element (``encoded``: leave out the Remoting dialect's multi-refs)."""
    if header is None:
        return []
    blocks = []
    for child in header:
        tag = child.tag  # (built on every access: once here)
        if not isinstance(tag, str):
            continue
        if encoded and child.get("id") is not None and child.get(_ROOT) not in _TRUE:
            continue  # a value some block refers to (href), not a block
        blocks.append(HeaderBlock(child, envelope_ns, decode, tag))
    return blocks


def not_understood(blocks: Iterable[HeaderBlock], understood: Collection[tuple[str, str]]) -> list[tuple[str, str]]:
    """``(namespace, name)`` of each block that SOAP's mustUnderstand rule obliges this node to process and
    that is neither a :data:`RUNTIME_HEADERS` block nor in ``understood``."""
    missing = []
    for block in blocks:
        if block.must_understand and block.for_this_node:
            name = (block.namespace, block.name)
            if name not in understood and name not in RUNTIME_HEADERS:
                missing.append(name)
    return missing


def find_header(blocks: list[HeaderBlock], namespace: str, name: str) -> HeaderBlock | None:
    return next((b for b in blocks if b.name == name and b.namespace == namespace), None)


@dataclass(frozen=True, slots=True)
class OutgoingHeader:
    """A document/literal header block to write: ``<name xmlns="namespace">value</name>``."""

    namespace: str
    name: str
    value: object
    wire: WireType
    must_understand: bool = False


__all__ = [
    "RUNTIME_HEADERS",
    "HeaderBlock",
    "HeaderDecoder",
    "OutgoingHeader",
    "find_header",
    "header_blocks",
    "not_understood",
]
