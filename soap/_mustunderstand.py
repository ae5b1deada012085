"""SOAP's mustUnderstand rule: which header blocks of a request this node is obliged to process.

A header block marked ``mustUnderstand="1"`` (SOAP 1.1) or ``"true"`` (SOAP 1.2) and addressed to this node
must be processed, or the whole message refused with a ``MustUnderstand`` fault, before anything else
happens. The gateway is the ultimate receiver and plays no named role, so a block is addressed to it when it
has no ``actor`` / ``role``, or the "next" one (SOAP 1.2 also: ``ultimateReceiver``; ``none`` is nobody).

The formatters process some blocks themselves (:data:`RUNTIME_HEADERS`: the Remoting dialect's call context
and method signature); :func:`must_understand_headers` leaves those out, and the runtime compares the rest
with what its own components process (WS-Security, ...).
"""

from __future__ import annotations

from lxml import etree

from ._namespaces import MESSAGE_PROPERTIES, SOAP12_ENV, SOAP_ENC
from ._xml import local_name, namespace_of

#: header blocks the Remoting dialect's readers process themselves
RUNTIME_HEADERS = frozenset({(MESSAGE_PROPERTIES, "__CallContext"), (MESSAGE_PROPERTIES, "__MethodSignature")})

_ACTOR_NEXT = "http://schemas.xmlsoap.org/soap/actor/next"
_ROLES_12 = frozenset({SOAP12_ENV + "/role/next", SOAP12_ENV + "/role/ultimateReceiver"})
_ROOT = f"{{{SOAP_ENC}}}root"
_TRUE = ("1", "true")


def must_understand_headers(
    header: etree._Element | None, envelope_ns: str, encoded: bool = False
) -> list[tuple[str, str]]:
    """The ``(namespace, name)`` of each block of ``header`` that this node must understand.

    ``encoded``: a Remoting-dialect message, whose Header also holds multi-ref values (children with an
    ``id`` and no ``SOAP-ENC:root="1"``) that are not blocks.
    """
    if header is None:
        return []
    must = f"{{{envelope_ns}}}mustUnderstand"
    soap12 = envelope_ns == SOAP12_ENV
    found: list[tuple[str, str]] = []
    for block in header:
        if not isinstance(block.tag, str) or (block.get(must) or "").strip() not in _TRUE:
            continue
        if encoded and block.get("id") is not None and block.get(_ROOT) not in _TRUE:
            continue  # a value some block refers to, not a block
        if soap12:
            role = block.get(f"{{{SOAP12_ENV}}}role")
            if role is not None and role.strip() not in _ROLES_12:
                continue
        else:
            actor = block.get(f"{{{envelope_ns}}}actor")
            if actor is not None and actor.strip() != _ACTOR_NEXT:
                continue
        name = (namespace_of(block.tag), local_name(block.tag))
        if name not in RUNTIME_HEADERS:
            found.append(name)
    return found


__all__ = ["RUNTIME_HEADERS", "must_understand_headers"]
