"""Remoting SOAP answers with out values and a call context, written from a template of an earlier answer.

An answer to a method with out/ref parameters, or to a caller that sent a call context, is more than a return
value: :func:`soap._encoded_writer.write_return` writes the context back in the Header (``__CallContext``, its
``LogicalCallContext`` with a ``<slot href=.. />`` per object and an inline element per string, each object
with its fields as leaf elements) and the out values after ``return`` by parameter name. For one *shape* of
answer (method, namespace, dialect, return kind, out names and kinds, slot names and value classes) the
writer writes the same bytes every time but for the text of those leaves: ids and prefixes are numbered in
an order the shape fixes. So once the full writer has written an answer of a shape, :class:`ShapedAnswers`
finds each value's text in it (:func:`soap._byte_template.leaf_text_spans` over the parsed answer), checks
that it is the text the writer's own functions give for the value, and keeps the bytes between them; later
answers of the shape are those bytes around the new texts.

Each value must be of the shape the template was made from, or the full writer writes the answer (and says
why when it refuses one): a return or out value of its declared kind that is not None (``escape_text`` for
strings, the writer's ``scalar`` for the rest, as :mod:`soap._response_templates`); a context value that is
a ``str``, or an object of a flat registered class (the writer's ``_flat_class``: every field a string or an
Int32) whose fields hold exactly a ``str`` and an ``int`` in Int32's range, no two slots sharing an object
(the writer would refer to it twice), and no object that carries an ObjRef to send instead (a proxy's
``__remoting_objref__``, which the server's marshaller sends in its place).
"""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from ._byte_template import ByteTemplate, leaf_spans_in_order
from ._call_context import CALL_CONTEXT_HEADER, known_classes
from ._encoded_writer import _FLAT_CLASSES, _flat_class
from ._escape import escape_text
from ._model import MethodReturn
from ._response_templates import TEMPLATE_KINDS, value_text
from ._types import K_INT32, K_STRING, K_VOID, Kind, TypeRegistry
from ._xml import local_name

#: shapes kept, and the tries to record one whose values did not show where their text is (an empty string)
CAPACITY = 256
TRIES = 4

_Key = tuple[str, str, bool, Kind, tuple[tuple[str, Kind], ...], tuple[tuple[str, type], ...] | None]


def _key(ret: MethodReturn, toolkit: bool) -> _Key:
    """The shape of ``ret`` (only shapes whose out kinds are all templated are ever recorded)."""
    context = ret.call_context
    return (ret.method_name, ret.namespace, toolkit, ret.value_type.kind,
            tuple([(name, wt.kind) for name, _, wt in ret.out_args]),
            None if context is None else tuple([(name, type(value)) for name, value in context.items()]))


def _texts(ret: MethodReturn, registry: TypeRegistry) -> list[str] | None:
    """The escaped text of each value, in the order return, outs, context (fields in the class's order); None
    when one is not of a templated shape (see the module docstring)."""
    texts = []
    try:
        wt = ret.value_type
        if wt.kind is not K_VOID:
            if ret.value is None:
                return None
            texts.append(value_text(ret.value, wt))
        for _, value, out_type in ret.out_args:
            if value is None:
                return None
            texts.append(value_text(value, out_type))
    except Exception:  # (SoapEncodeError ...): the full writer raises it
        return None
    context = ret.call_context
    if context:
        seen: set[int] = set()
        for value in context.values():
            cls = type(value)
            if cls is str:
                texts.append(escape_text(value))  # type: ignore[arg-type]
                continue
            known = _FLAT_CLASSES.get((registry, cls))  # (as known_classes: the writer's entry, still so named)
            if known is None or registry.name_of(cls) is not known[0] or id(value) in seen \
                    or getattr(value, "__remoting_objref__", None) is not None:
                return None
            seen.add(id(value))
            for attr, _, fast, _ in known[3]:
                field = getattr(value, attr)
                kind = type(field)
                if fast is K_STRING and kind is str:
                    texts.append(escape_text(field))
                elif fast is K_INT32 and kind is int and -0x80000000 <= field <= 0x7FFFFFFF:
                    texts.append(str(field))
                else:  # (None, a bool ...: the full writer writes it its own way, or refuses it)
                    return None
    return texts


def _leaves(root: etree._Element, ret: MethodReturn, registry: TypeRegistry) -> list[etree._Element] | None:
    """The elements whose text is each value of ``ret`` in the full writer's answer, in :func:`_texts`' order."""
    header = body = None
    for child in root:
        name = local_name(child.tag)
        if name == "Header":
            header = child
        elif name == "Body":
            body = child
    method = None if body is None else next(iter(body), None)
    if method is None:
        return None
    written = list(method)
    names = (["return"] if ret.value_type.kind is not K_VOID else []) + [name for name, _, _ in ret.out_args]
    if [local_name(el.tag) for el in written] != names:
        return None
    leaves = written
    context = ret.call_context
    if context is None:
        return leaves
    if header is None:
        return None
    ids = {el.get("id"): el for el in header.iter() if el.get("id") is not None}
    block = next((el for el in header if local_name(el.tag) == CALL_CONTEXT_HEADER), None)
    logical = None if block is None else ids.get((block.get("href") or "")[1:])
    if logical is None or [local_name(el.tag) for el in logical] != list(context):
        return None
    for slot, value in zip(logical, context.values(), strict=True):
        if type(value) is str:
            leaves.append(slot)
            continue
        target = ids.get((slot.get("href") or "")[1:])
        flat = _FLAT_CLASSES.get((registry, type(value)))
        if target is None or flat is None:
            return None
        fields = {local_name(el.tag): el for el in target}
        plan = flat[3]
        if len(fields) != len(plan) or len(target) != len(plan):
            return None
        for _, wire_name, _, _ in plan:
            field = fields.get(wire_name)
            if field is None:
                return None
            leaves.append(field)
    return leaves


class _Shape:
    """One shape's answer: its constant text with a slot per value, and which value goes in which slot."""

    __slots__ = ("chunks", "first", "order")

    def __init__(self, template: ByteTemplate, order: Sequence[int]) -> None:
        self.first = template.first.decode("utf-8")
        self.chunks = tuple(chunk.decode("utf-8") for chunk in template.chunks)
        #: the value (in :func:`_texts`' order) of each slot, in document order
        self.order = tuple(order)

    def fill(self, texts: list[str]) -> bytes:
        parts = [self.first]
        for index, chunk in zip(self.order, self.chunks, strict=True):
            parts.append(texts[index])
            parts.append(chunk)
        return "".join(parts).encode("utf-8")


class ShapedAnswers:
    """The templates of answers with out values or a call context (see the module docstring)."""

    def __init__(self, registry: TypeRegistry) -> None:
        self.registry = registry
        self._shapes: dict[_Key, _Shape] = {}
        self._tries: dict[_Key, int] = {}

    def write(self, ret: MethodReturn, toolkit: bool) -> bytes | None:
        """The full writer's answer to ``ret`` if a template of its shape is known, else None."""
        shape = self._shapes.get(_key(ret, toolkit))
        if shape is None:
            return None
        texts = _texts(ret, self.registry)
        return None if texts is None else shape.fill(texts)

    def record(self, ret: MethodReturn, toolkit: bool, written: bytes) -> None:
        """Keep ``written``, the full writer's answer to ``ret``, as the template of its shape if it can be one."""
        key = _key(ret, toolkit)
        if key in self._shapes or self._tries.get(key, 0) >= TRIES or any(kind not in TEMPLATE_KINDS
                                                                         for _, kind in key[4]):
            return
        if ret.call_context and known_classes([v for v in ret.call_context.values() if type(v) is not str],
                                              self.registry, _FLAT_CLASSES, _flat_class) is None:
            return  # (fills the writer's entries the answers are then checked against)
        if len(self._tries) >= CAPACITY:
            self._tries.clear()
        self._tries[key] = self._tries.get(key, 0) + 1
        texts = _texts(ret, self.registry)
        if texts is None:
            return
        try:
            root = etree.fromstring(written)
        except etree.XMLSyntaxError:
            return
        leaves = _leaves(root, ret, self.registry)
        if leaves is None or len(leaves) != len(texts):
            return
        found = leaf_spans_in_order(written, list(root.iter()), leaves)
        if found is None:
            return
        spans, order = found
        for (start, end), i in zip(spans, order, strict=True):
            if written[start:end] != texts[i].encode("utf-8"):
                return
        if len(self._shapes) >= CAPACITY:
            self._shapes.clear()  # (a burst of shapes answered once each; the next answers refill it)
        self._shapes[key] = _Shape(ByteTemplate(written, spans), order)


__all__ = ["ShapedAnswers"]
