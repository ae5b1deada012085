"""Arrays of plain by-value objects, read column by column.

An array of 1000 small objects (``Item(Id, Name, Value)``) is 1000 elements of a few text children each.
Read one object at a time, every field costs a tag lookup, a type dispatch and a parser call, and every
object a dict and a trip through :func:`soap._types.construct`: 7-15 µs of Python per object, several times
what a hand-written lxml loop spends. When every object of an array has exactly the fields of its class, in
one order, each a plain text element, nothing differs from object to object but the texts. The XML readers
(Remoting SOAP, document/literal) then take all the texts at once, parse each field's column in one call
(integers: one pattern match over all of them, as arrays of integers are read) and build the objects
positionally.

Anything else returns None and the reader reads the array object by object, which gives the same values and
raises the same errors: a missing, repeated, unknown or reordered field, an attribute on a field, a child
element or comment in one, a field of a kind without a text parser (objects, lists, enums, base64), a text
over ``max_text_length`` or one its parser refuses, a class whose constructor refuses the values, a class
that is not a plain dataclass built from exactly its wire fields.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable, Sequence
from itertools import chain
from operator import attrgetter
from typing import cast

from lxml import etree

from ._scalars import PARSERS, parse_double, parse_doubles, parse_integers
from ._types import INTEGER_KINDS, Kind, object_fields
from ._xml import Limits, local_name


@dataclasses.dataclass(frozen=True, slots=True)
class ColumnPlan:
    """How to build objects of one class from columns of field texts (None: the class cannot be).

    ``by_wire_name``: a field's wire name -> its position in the constructor's arguments; ``parsers`` per
    position: the parser of its kind, or None for a string (its text is its value); ``integer_kinds`` per
    position: the kind an integer column is parsed as at once, else None.
    """

    cls: type
    by_wire_name: dict[str, int]
    parsers: tuple[Callable[[str], object] | None, ...]
    integer_kinds: tuple[Kind | None, ...]


_PLANS: dict[type, ColumnPlan | None] = {}


def column_plan(cls: type) -> ColumnPlan | None:
    """The plan for ``cls`` (cached per class), None when its objects are always read one by one."""
    try:
        return _PLANS[cls]
    except KeyError:
        plan = _PLANS[cls] = _make_plan(cls)
        return plan


def _make_plan(cls: type) -> ColumnPlan | None:
    if not dataclasses.is_dataclass(cls) or issubclass(cls, BaseException):
        return None
    specs = object_fields(cls)
    try:
        parameters = list(inspect.signature(cls).parameters.values())
    except (TypeError, ValueError):
        return None
    positional = [p.name for p in parameters if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    if len(positional) != len(parameters) or sorted(positional) != sorted(s.attr for s in specs):
        return None  # the constructor takes something besides the wire fields, or not all of them positionally
    by_wire_name: dict[str, int] = {}
    parsers: list[Callable[[str], object] | None] = [None] * len(specs)
    integer_kinds: list[Kind | None] = [None] * len(specs)
    for spec in specs:
        kind = spec.wire.kind
        parser = PARSERS.get(kind)
        if not spec.read or parser is None or kind is Kind.BYTES or spec.wire.xml is not None:
            return None
        at = positional.index(spec.attr)
        by_wire_name[spec.wire_name] = at
        if kind is not Kind.STRING:
            parsers[at] = parser
        if kind in INTEGER_KINDS:
            integer_kinds[at] = Kind.INT32 if kind is Kind.INT else kind  # a plain Python int is a .NET Int32
    return ColumnPlan(cls, by_wire_name, tuple(parsers), tuple(integer_kinds))


#: the attributes a plain object or field may carry: none, or (Remoting SOAP) its ``id``
_PLAIN_ATTRIBUTES = {False: frozenset({()}), True: frozenset({(), ("id",)})}
_KEYS = etree._Element.keys
_TAG = attrgetter("tag")
_TEXT = attrgetter("text")


def read_columns(plan: ColumnPlan, objects: Sequence[etree._Element], limits: Limits,
                 ids: bool = False) -> list[object] | None:
    """The objects ``objects`` hold, or None when any is not plain (see the module docstring).

    ``ids``: an object or field element may carry an ``id`` (Remoting SOAP's multi-refs), which changes no
    value; any other attribute makes it not plain. Every step is one pass over the objects or their fields
    (no XPath over a node list, whose duplicate checks grow with the square of its length).
    """
    width = len(plan.parsers)
    count = len(objects)
    if not count or not width:
        return None
    plain = _PLAIN_ATTRIBUTES[ids]
    # each check is one map over the elements in C (no Python frame per object or per field)
    if set(map(len, objects)) != {width} or not plain.issuperset(map(tuple, map(_KEYS, objects))):
        return None  # a comment counts in len(): one in an object makes it not plain
    fields: list[etree._Element] = list(chain.from_iterable(objects))
    if any(map(len, fields)) or not plain.issuperset(map(tuple, map(_KEYS, fields))):
        return None  # a child element, comment or processing instruction in a field, or an attribute on one
    tags = list(map(_TAG, fields))
    order: list[int] = []
    for position, tag in enumerate(tags[:width]):
        at = plan.by_wire_name.get(local_name(tag)) if isinstance(tag, str) else None
        if at is None or at in order or tags[position::width].count(tag) != count:
            return None
        order.append(at)
    texts: list[str] = list(map(_TEXT, fields))
    if None in texts:  # an empty field's text is None
        texts = [text or "" for text in texts]
    return _build(plan, order, texts, count, limits)


def read_child_columns(plan: ColumnPlan, array: etree._Element, count: int, limits: Limits) -> list[object] | None:
    """The objects that are the ``count`` child elements of ``array`` (a document/literal array), as
    :func:`read_columns` reads them (no attribute anywhere), or None where it would decline, and also where
    a field is empty (``<Name/>``: the caller's :func:`read_columns` reads that).

    Without a Python object per object or field: the checks are XPath passes over the array in C (node
    tests and positions only; no union, whose duplicate checks grow with the square of its size), the
    texts one more. Only the first object's fields become Python objects, for the tags the rest must have.
    """
    first = next(array.iterchildren(etree.Element), None)
    return _read_at_once(plan, array, first, count, limits, _CHILDREN)


def read_sibling_columns(plan: ColumnPlan, before: etree._Element, first: etree._Element, count: int,
                         limits: Limits) -> list[object] | None:
    """The objects that are the ``count`` elements after ``before`` (its following siblings: Remoting SOAP's
    multi-ref objects, the last of the Body), ``first`` the first of them, as :func:`read_columns` reads them
    with ``ids``, or None where it would decline, and also where a field is empty or some object's tag is
    not ``first``'s (each object is read as the class of its tag: the caller's :func:`read_columns` reads
    that), or ``before`` is followed by more or fewer elements. As :func:`read_child_columns`, in C."""
    return _read_at_once(plan, before, first, count, limits, _SIBLINGS)


_CHILDREN = "*"
_SIBLINGS = "following-sibling::*"


def _read_at_once(plan: ColumnPlan, context: etree._Element, first: etree._Element | None, count: int,
                  limits: Limits, objects: str) -> list[object] | None:
    """``read_child_columns`` (``objects``: ``_CHILDREN``) or ``read_sibling_columns`` (``_SIBLINGS``)."""
    width = len(plan.parsers)
    if not count or not width or first is None:
        return None
    tags = tuple(map(_TAG, first))  # (a comment or processing instruction has a tag that is not a string)
    if len(tags) != width or not all(isinstance(tag, str) for tag in tags):
        return None
    order: list[int] = []
    for tag in tags:
        at = plan.by_wire_name.get(local_name(tag))
        if at is None or at in order:
            return None
        order.append(at)
    siblings = objects == _SIBLINGS
    if _not_plain(width, objects)(context, n=count):
        return None
    # exactly ``count`` objects, each exactly ``width`` fields: every object's k-th field is ``tags[k]`` (and
    # every sibling object is ``first``'s element) exactly when the sum of those counts is at its largest
    object_tag = cast("str", first.tag) if siblings else None
    if _tagged(cast("tuple[str, ...]", tags), objects, object_tag)(context) != (width + siblings) * count:
        return None
    # every field: at most one child node and no attribute (but an ``id`` on a sibling's)
    texts = cast("list[str]", _field_texts(objects)(context))
    if len(texts) != width * count:  # so each field's one node is its text (none is empty)
        return None
    return _build(plan, order, texts, count, limits)


@functools.lru_cache(maxsize=4)
def _field_texts(objects: str) -> etree.XPath:
    """The objects' fields' text nodes, in document order, as plain strings."""
    return etree.XPath(f"{objects}/*/text()", smart_strings=False)


@functools.lru_cache(maxsize=16)
def _not_plain(width: int, objects: str) -> etree.XPath:
    """True when the objects are not ``$n``, or some object has a field past ``width`` or a comment or
    processing instruction, or a field a second child node, or an object or field an attribute (siblings:
    one other than an ``id``: an element has one ``id`` at most, so the counts differ exactly then)."""
    o = objects
    if objects == _SIBLINGS:
        attributes = f"count({o}/@*) != count({o}/@id) or count({o}/*/@*) != count({o}/*/@id)"
    else:
        attributes = f"boolean({o}/@* or {o}/*/@*)"
    return etree.XPath(f"count({o}) != $n or boolean({o}/*[{width + 1}] or {o}/comment() "
                       f"or {o}/processing-instruction() or {o}/*/node()[2]) or {attributes}")


@functools.lru_cache(maxsize=64)
def _tagged(tags: tuple[str, ...], objects: str, object_tag: str | None) -> etree.XPath:
    """How many objects' k-th element is ``tags[k]``, summed over k (and how many objects are
    ``object_tag`` elements): at most the objects times ``len(tags)`` (+ 1), and that exactly when every
    object's fields are ``tags`` in that order (no object has more: see ``_not_plain``). (Cached by the tags
    of the first object: a few per class; a bounded cache for what a peer may send.)"""
    namespaces: dict[str, str] = {}

    def name_test(tag: str) -> str:
        namespace, _, local = tag[1:].rpartition("}") if tag.startswith("{") else ("", "", tag)
        if not namespace:
            return local
        prefix = namespaces.setdefault(namespace, f"n{len(namespaces)}")
        return f"{prefix}:{local}"

    steps = [f"count({objects}/*[{k}]/self::{name_test(tag)})" for k, tag in enumerate(tags, 1)]
    if object_tag is not None:
        steps.append(f"count({objects}/self::{name_test(object_tag)})")
    return etree.XPath(" + ".join(steps), namespaces={prefix: ns for ns, prefix in namespaces.items()})


def _build(plan: ColumnPlan, order: list[int], texts: list[str], count: int, limits: Limits) -> list[object] | None:
    """The objects from ``texts`` (``count`` rows of fields, field ``k`` at argument ``order[k]``)."""
    width = len(order)
    columns: list[list[object]] = [[] for _ in range(width)]
    max_text = limits.max_text_length
    for position, at in enumerate(order):
        column = texts[position::width]
        if max(map(len, column)) > max_text:
            return None
        parser = plan.parsers[at]
        integer_kind = plan.integer_kinds[at]
        if integer_kind is not None or parser is parse_double:
            parsed = parse_integers(integer_kind, column) if integer_kind is not None else parse_doubles(column)
            if parsed is None:
                return None
            columns[at] = list[object](parsed)
        elif parser is None:
            columns[at] = list[object](column)
        else:
            try:
                columns[at] = list(map(parser, column))
            except (ValueError, OverflowError):
                return None
    cls = plan.cls
    try:
        return list(map(cls, *columns))  # every column holds one value per object
    except (TypeError, ValueError):
        return None
