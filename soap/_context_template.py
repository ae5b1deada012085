"""A request's call context read from a template: the ``__CallContext`` header's slots as template slots.

A caller that sends a logical call context sends the same header on every call, only the values in it differ:
Mono writes each slot as ``<name href="#ref-N" />`` to an object in the Header whose fields are leaf elements
(``<Id id="ref-4">abc</Id><Hops>1</Hops>``); a string slot is ``<name id=".." xsi:type="xsd:string">text</name>``.
:func:`context_plan` looks at a call the full parser read and decoded (its context included) and, when every
user slot is one of those two shapes, gives the leaf elements whose text becomes template slots and a
:class:`ContextPlan` that rebuilds the context from their texts: strings as themselves, objects through the
same class, field plan, parsers, limits and construction as :meth:`EncodedReader._flat_slot` (a new object per
call). Anything else (a runtime ``__`` slot, a null, an array, a nested object, two slots sharing an object,
an unregistered or re-registered class) gives no plan, or, on a later call, no context: the full parser reads
the message then and gives its own answer or fault.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from lxml import etree

from ._call_context import CALL_CONTEXT_HEADER, HEADER_NAMESPACE, is_user_slot
from ._encoded_reader import EncodedReader, _flat_class
from ._headers import HeaderBlock, find_header
from ._namespaces import XSI
from ._text_items import is_text
from ._types import K_BYTES, K_STRING, TypeRegistry, construct
from ._xml import Limits, local_name
from ._xsd import kind_for_type_qname

_XSI_TYPE = f"{{{XSI}}}type"
_STRING_ATTRIBUTES = frozenset({"id", _XSI_TYPE})

#: one field of an object slot: (attribute, parser, index of its text among the template's slots)
_Field = tuple[str, Callable[[str], object], int]
#: one slot: (name, index of its text for a string slot else -1, CLR name, class, fields, whether
#: ``construct`` is the class's constructor with these fields as keywords)
_Slot = tuple[str, int, str, type | None, tuple[_Field, ...], bool]


class ContextPlan:
    """How a template's slot texts become the call context (see the module docstring)."""

    __slots__ = ("registry", "slots")

    def __init__(self, registry: TypeRegistry, slots: Sequence[_Slot]) -> None:
        self.registry = registry
        self.slots = tuple(slots)

    def decode(self, texts: Sequence[str], limits: Limits) -> dict[str, object] | None:
        """The context these slot texts give, as the full reader builds it; None where the full reader must
        say what it makes of them (a text over the limit, one a field's parser refuses, a class registered
        again, a constructor that refuses the values)."""
        limit = limits.max_text_length
        lookup = self.registry.lookup
        context: dict[str, object] = {}
        try:
            for name, index, clr_name, cls, fields, direct in self.slots:
                if cls is None:
                    text = texts[index]
                    if len(text) > limit:
                        return None
                    context[name] = text
                    continue
                if lookup(clr_name) is not cls:
                    return None
                values: dict[str, object] = {}
                for attr, parse, position in fields:
                    text = texts[position]
                    if len(text) > limit:
                        return None
                    values[attr] = text if parse is str else parse(text)
                context[name] = cls(**values) if direct else construct(cls, values)
        except Exception:  # (ValueError, OverflowError, TypeError ...): the full reader says it with the slot's name
            return None
        return context


def context_plan(
    reader: EncodedReader, blocks: Sequence[HeaderBlock], first_slot: int
) -> tuple[ContextPlan, list[etree._Element]] | None:
    """The plan for the ``__CallContext`` of a call the full reader read, and the leaf elements whose texts
    are its slots (numbered from ``first_slot`` in the order given); None unless every user slot is a string
    or a plain-field object of a registered class (see the module docstring)."""
    block = find_header(list(blocks), HEADER_NAMESPACE, CALL_CONTEXT_HEADER)
    if block is None or reader.limits.max_ref_depth < 3:
        return None
    context = reader.resolve(block.element)
    registry = reader.registry
    leaves: list[etree._Element] = []
    slots: list[_Slot] = []
    targets: set[str] = set()
    for child in context:
        tag = child.tag
        if not isinstance(tag, str):
            return None
        name = local_name(tag)
        if not name or not is_user_slot(name) or len(child):
            return None
        attributes = child.attrib
        href = attributes.get("href")
        if href is None:
            if not _STRING_ATTRIBUTES.issuperset(attributes.keys()) or _XSI_TYPE not in attributes \
                    or not child.text:
                return None
            prefix, _, local = str(attributes[_XSI_TYPE]).rpartition(":")
            namespace = child.nsmap.get(prefix or None)
            if namespace is None or kind_for_type_qname(namespace, local) is not K_STRING:
                return None
            slots.append((name, first_slot + len(leaves), "", None, (), False))
            leaves.append(child)
            continue
        key = str(href)[1:]
        if len(attributes) != 1 or not str(href).startswith("#") or key in targets:
            return None
        targets.add(key)
        target = reader._index().get(key)
        if target is None or set(target.attrib.keys()) != {"id"}:
            return None
        known = _flat_class(registry, target)
        if known is None:
            return None
        clr_name, cls, plan = known
        fields: list[_Field] = []
        for field in target:
            field_tag = field.tag
            if not isinstance(field_tag, str):
                return None
            step = plan.get(local_name(field_tag))
            if step is None:
                return None
            attr, parser, binary, wire = step
            if parser is None or binary or wire.kind is K_BYTES or not is_text(field) or not field.text:
                return None
            fields.append((attr, parser, first_slot + len(leaves)))
            leaves.append(field)
        init = {f.name for f in dataclasses.fields(cls) if f.init}
        slots.append((name, -1, clr_name, cls, tuple(fields), all(attr in init for attr, _, _ in fields)))
    return ContextPlan(registry, slots), leaves


__all__ = ["ContextPlan", "context_plan"]
