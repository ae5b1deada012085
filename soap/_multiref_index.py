"""The multi-ref index of a Remoting SOAP message: ``id`` -> the element, for following ``href``.

An ``href="#x"`` may point at any element with ``id="x"`` in the Header or the Body, and the message is
refused outright when two elements share an id or more than ``max_multirefs`` carry one. A message of 1000
strings or objects has 1000-2000 ids (Mono gives every string its own), but the references point, nearly
always, at the Body's (and Header's) own children, the multi-ref values. So the index checks every id at
once from their values (one XPath, plain strings: no Python object per element) and keeps elements only for
those children; an id found nowhere else makes it index every element, once, as it did before. A lookup
gives the same element either way: every id is unique by then. The children are indexed as lookups need
them, in document order: a reply whose return value is found near the start and whose array of objects is
read by position (as columns) never pays a Python object per multi-ref value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import chain, repeat
from typing import NoReturn, cast

from lxml import etree

from ._errors import LimitExceeded, SoapDecodeError

#: how many elements under (and at) an element carry an id (in C: no Python object)
_ID_COUNT = etree.XPath("count(descendant-or-self::*/@id)")
#: the values of the ``id`` attributes under (and at) an element, in document order, as plain strings
_ID_VALUES = etree.XPath("descendant-or-self::*/@id", smart_strings=False)
#: the same, only the first ``$n`` (a bounded list for the error of a message over the limit; a third
#: slower, as libxml2 sorts the node set before it takes the first ``$n``)
_FIRST_ID_VALUES = etree.XPath("(descendant-or-self::*/@id)[position() <= $n]", smart_strings=False)
#: every element with an id under (and at) an element
_WITH_ID = etree.XPath("descendant-or-self::*[@id]")
#: an attribute's value, mapped only over elements known to carry it (an ``[@id]`` match)
_GET = cast("Callable[[etree._Element, str], str]", etree._Element.get)


class MultiRefIndex:
    """The elements of one message by ``id`` (see the module docstring). Built by :func:`multiref_index`."""

    __slots__ = ("_complete", "_found", "_ids", "_parts", "_unscanned")

    def __init__(self, parts: list[etree._Element], ids: frozenset[str] | set[str]) -> None:
        self._parts = parts
        self._ids = ids
        #: the children with an id seen so far, by id
        self._found: dict[str, etree._Element] = {}
        #: the children not looked at yet (None: all were), in document order
        self._unscanned: Iterator[etree._Element] | None = chain.from_iterable(
            part.iterchildren(etree.Element) for part in parts)
        #: every id is a child's (known once every child was looked at)
        self._complete = False

    def _scan(self, key: str | None) -> None:
        """Index the children with an id, in document order, up to ``key``'s (None: all of them). A lookup
        near the start (a reply's return value) looks at a few children, not at every multi-ref value."""
        children = self._unscanned
        if children is None:
            return
        found = self._found
        for child in children:
            ident = child.get("id")
            if ident is not None:
                found[ident] = child
                if ident == key:
                    return
        self._unscanned = None
        self._complete = len(found) == len(self._ids)

    def get(self, key: str) -> etree._Element | None:
        """The element with ``id`` ``key``, None when there is none."""
        found = self._found.get(key)
        if found is None and key in self._ids:
            if self._unscanned is not None:
                self._scan(key)
                found = self._found.get(key)
            if found is None and not self._complete:
                found = self._every_element().get(key)
        return found

    def targets(self, keys: Iterable[str]) -> list[etree._Element | None]:
        """``get`` of each key (a map in C while every key names a multi-ref value)."""
        keys = list(keys)
        self._scan(None)
        found = list(map(self._found.get, keys))
        if None in found and not self._complete:
            found = list(map(self.get, keys))
        return found

    def _every_element(self) -> dict[str, etree._Element]:
        for part in self._parts:
            elements = _WITH_ID(part)
            self._found.update(zip(map(_GET, elements, repeat("id")), elements, strict=True))
        self._unscanned = None
        self._complete = True
        return self._found


def multiref_index(parts: list[etree._Element], limit: int, source_size: int | None = None) -> MultiRefIndex:
    """The index of the ids in ``parts`` (the Header, the Body), raising :class:`SoapDecodeError` on the first
    duplicate id and :class:`LimitExceeded` on the first id past ``limit`` (``max_multirefs``), in document
    order, before any element gets a Python object (and, past the limit, before more than ``limit + 1`` ids
    get one).

    ``source_size``: the bytes of the message the parts were parsed from. An id takes at least 6 characters
    (`` id=""``), each at least a byte in any encoding (and no DTD adds one: the parser refuses DTDs), so a
    message of at most ``6 * limit`` bytes is within the limit without counting.
    """
    values: list[str] = []
    # (an XPath's count is a float: a limit of any size is exact up to 2**53)
    if (source_size is not None and source_size // _ID_BYTES <= limit) or sum(
            cast("float", _ID_COUNT(part)) for part in parts) <= limit:
        for part in parts:
            values.extend(_ID_VALUES(part))
    else:
        for part in parts:
            values.extend(_FIRST_ID_VALUES(part, n=limit + 1 - len(values)))
    ids = set(values)
    if len(values) > limit or len(ids) != len(values):
        _first_error(values, limit)
    return MultiRefIndex(parts, ids)


#: the fewest characters an ``id`` attribute takes: a space, ``id``, ``=``, two quotes
_ID_BYTES = 6


def _first_error(values: list[str], limit: int) -> NoReturn:
    """Raise the error of the first id, in document order, that is a duplicate or past the limit."""
    seen: set[str] = set()
    for ident in values:
        if ident in seen:
            raise SoapDecodeError(f"duplicate id {ident[:60]!r}")
        seen.add(ident)
        if len(seen) > limit:
            raise LimitExceeded(f"more than {limit} multi-ref values (elements with an id)", "max_multirefs")
    raise AssertionError("called without an error to raise")
