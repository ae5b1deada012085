"""The one hardened XML parser every formatter uses.

No DTD is ever loaded (a DOCTYPE is refused outright, so no entity can be declared, let alone expanded),
nothing is fetched from the network, and size and nesting depth are capped: the size before parsing, the
depth right after, before any value is decoded. Carriage returns in values survive (``_eol.py``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from lxml import etree

from ._eol import keep_carriage_returns
from ._errors import MessageTooLarge, SoapDecodeError


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on everything that comes off the wire."""

    max_bytes: int = 4 * 1024 * 1024
    max_depth: int = 64
    max_elements: int = 200_000
    max_array_length: int = 1_000_000
    max_ref_depth: int = 64


DEFAULT_LIMITS = Limits()

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
    collect_ids=False,
)


def parse_xml(data: bytes, limits: Limits = DEFAULT_LIMITS) -> etree._Element:
    """Parse ``data`` into an element tree, or raise :class:`SoapDecodeError` saying what is wrong."""
    if len(data) > limits.max_bytes:
        raise MessageTooLarge(f"message of {len(data)} bytes exceeds the limit of {limits.max_bytes} bytes")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise SoapDecodeError("DOCTYPE and entity declarations are not allowed")
    if not data or data.isspace():  # (strip() would copy the whole message)
        raise SoapDecodeError("empty message body")
    if b"\r" in data:  # CR and CRLF in values arrive as sent (see _eol.py)
        data = keep_carriage_returns(data)
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise SoapDecodeError(f"malformed XML: {exc}") from None
    if root.getroottree().docinfo.doctype:
        # A DOCTYPE in another encoding (UTF-16 ...) slipped past the byte check above.
        raise SoapDecodeError("DOCTYPE and entity declarations are not allowed")
    if data.count(b"<") > min(limits.max_depth, limits.max_elements):
        # depth and element count are bounded by the number of tags: only walk when they could exceed
        _check_shape(root, limits)
    return root


def _check_shape(root: etree._Element, limits: Limits) -> None:
    """Depth and element count, each one XPath evaluation in libxml2 (no Python per element)."""
    too_deep, count = _shape_queries(limits.max_depth)
    if too_deep(root):
        raise SoapDecodeError(f"XML nesting deeper than {limits.max_depth} levels")
    if count(root) > limits.max_elements:
        raise SoapDecodeError(f"more than {limits.max_elements} XML elements")


@functools.lru_cache(maxsize=8)
def _shape_queries(max_depth: int) -> tuple[etree.XPath, etree.XPath]:
    """Whether an element sits deeper than ``max_depth`` (the root is at depth 1), and how many there are."""
    return etree.XPath("boolean(" + "/".join(["*"] * max_depth) + ")"), etree.XPath("count(descendant-or-self::*)")


def local_name(tag: object) -> str:
    """``{ns}name`` -> ``name`` (comments and processing instructions have no string tag: ``""``)."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def namespace_of(tag: object) -> str:
    """``{ns}name`` -> ``ns``; ``""`` for an unqualified name."""
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""
