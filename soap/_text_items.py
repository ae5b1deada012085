"""Scalar values read straight from an element's text, for arrays and by-value objects.

Most array items and scalar fields are plain text elements (``<item>42</item>``, Mono's ``<item
id="ref-5">text</item>``): no ``href``, no ``xsi:null``/``xsi:nil``, no ``xsi:type``, no children. For those
a reader's general ``value()`` does nothing but call the kind's parser on the text, so the readers parse them
here directly, and an array of plain integers all at once. Any other element goes through ``value()``.
Both paths give the same values and the same errors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import cast

from lxml import etree

from ._errors import SoapDecodeError
from ._scalars import parse_integers
from ._types import Kind
from ._xml import Limits, element_text, local_name


def is_text(el: etree._Element) -> bool:
    """The element is only its text: no children, no attribute but an ``id`` (which changes no value)."""
    if len(el):
        return False
    attributes = el.attrib
    return not attributes or (len(attributes) == 1 and "id" in attributes)


def parse_text(el: etree._Element, parser: Callable[[str], object], limits: Limits, binary: bool = False) -> object:
    """``parser`` on the element's text (within the limits, as :func:`soap._xml.element_text` checks them;
    ``binary``: base64 text), its failure as the reader's error."""
    try:
        return parser(element_text(el, limits, binary))
    except (ValueError, OverflowError) as exc:
        raise SoapDecodeError(f"<{local_name(el.tag)}>: {exc}") from None


def scalar_items(
    children: Sequence[etree._Element], parser: Callable[[str], object], integer_kind: Kind | None,
    general: Callable[[etree._Element], object], limits: Limits, binary: bool = False,
) -> list[object]:
    """The values of an array's items: ``parser`` on each plain text item (all at once for integers of
    ``integer_kind`` when every item is a plain one), ``general`` on any other."""
    if integer_kind is not None:
        texts = [c.text or "" for c in children if not (c.attrib or len(c))]
        integers = parse_integers(integer_kind, texts) if len(texts) == len(children) else None
        if integers is not None:
            return list[object](integers)
    elif not binary and children and not any(map(len, children)) and _PLAIN.issuperset(
            map(tuple, map(_KEYS, children))):
        # every item plain text: the texts at once, then the parser over them (a string's is ``str``); an
        # over-long text or one the parser refuses is left to the item-by-item pass below, for its error
        texts = [c.text or "" for c in children]
        if max(map(len, texts)) <= limits.max_text_length:
            try:
                return list(map(parser, texts))
            except (ValueError, OverflowError):
                pass
    return [parse_text(c, parser, limits, binary) if is_text(c) else general(c) for c in children]


#: the attribute names a plain text item may carry: none, or an ``id`` (which changes no value)
_PLAIN = frozenset({(), ("id",)})
_KEYS = etree._Element.keys

#: the number of items (child elements: not comments) of an array element, without a Python object per item
ITEM_COUNT = etree.XPath("count(*)")
#: true when some item of an array may not be plain text: an item with a second child node (the texts, below,
#: then tell whether each item's one node is its text), or an attribute other than the ``id`` (an element
#: has one ``id`` at most, so the counts differ exactly when some attribute is another one; a namespaced
#: ``x:id`` is another). Node tests and positions only: a predicate calling a function (``name()``,
#: ``self::``) costs libxml2 an order of magnitude more per node
_SOME_ITEM_NOT_TEXT = etree.XPath("boolean(*/node()[2]) or count(*/@*) != count(*/@id)")
#: the items' text nodes, in document order, as plain strings (an empty item has none)
_ITEM_TEXTS = etree.XPath("*/text()", smart_strings=False)


def plain_item_texts(array: etree._Element, count: int, limits: Limits) -> list[str] | None:
    """The texts of the ``count`` items of ``array`` when every item is plain text (see :func:`is_text`),
    none is empty and none is over ``max_text_length``: two XPath passes in C, no Python object per item.
    None otherwise (the caller reads the items one by one, which gives the same texts or the error)."""
    if not count or _SOME_ITEM_NOT_TEXT(array):
        return None
    texts = cast("list[str]", _ITEM_TEXTS(array))
    # one child node per item at most (checked above): as many text nodes as items, each item's node is its
    # text (no element, comment or processing instruction), in order
    if len(texts) != count or max(map(len, texts)) > limits.max_text_length:
        return None
    return texts
