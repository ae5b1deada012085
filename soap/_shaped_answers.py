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
why when it refuses one): a return or out value of its declared kind that is not None (a ``str`` through
``escape_text``, an ``int`` in Int32's range for an Int32, the writer's ``scalar`` for the rest, as
:mod:`soap._response_templates`); a context value that is
a ``str``, or an object of a flat registered class (the writer's ``_flat_class``: every field a string or an
Int32) whose fields hold exactly a ``str`` and an ``int`` in Int32's range, no two slots sharing an object
(the writer would refer to it twice), and no object that carries an ObjRef to send instead (a proxy's
``__remoting_objref__``, which the server's marshaller sends in its place). A shape checks and fills its
answer with code made for it (:class:`_Shape`), as the binary templates do.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Sequence
from typing import cast

from lxml import etree

from ._byte_template import ByteTemplate, leaf_spans_in_order
from ._call_context import CALL_CONTEXT_HEADER, known_classes
from ._encoded_writer import _FLAT_CLASSES, _flat_class, _FlatClass
from ._escape import escape_text
from ._model import MethodReturn
from ._response_templates import TEMPLATE_KINDS, value_text
from ._types import K_INT, K_INT32, K_STRING, K_VOID, Kind, TypeRegistry, WireType
from ._xml import local_name

#: shapes kept, and the tries to record one whose values did not show where their text is (an empty string)
CAPACITY = 256
TRIES = 4
#: shapes kept under one (method, namespace, dialect, return kind, slot names): they differ in out values or
#: in a slot's class, tried in turn
PER_KEY = 8

_Key = tuple[str, str, bool, Kind, tuple[tuple[str, Kind], ...], tuple[tuple[str, type], ...] | None]
_Coarse = tuple[str, str, bool, Kind, tuple[str, ...] | None]


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


_INT32_KINDS = (K_INT32, K_INT)  # (a declared Python int is an Int32: the writer's ``scalar``)
#: object slots past which distinctness is checked with a set rather than pair by pair
_PAIRWISE = 4

_Filler = Callable[[MethodReturn, TypeRegistry], "bytes | None"]


class _Shape:
    """One shape's answer: its constant text with a slot per value, filled by straight-line code made for it.

    Made from an answer of the shape that the full writer wrote (:meth:`ShapedAnswers.record`). :meth:`answer`
    is code generated for the shape (a loop over the values, or checks in bulk with ``map``/``zip``, cost
    several times as many instructions on every answer: each C call over an iterator is hundreds): each value
    read in one line, every type checked in one ``if``, the Int32 ranges in one chained comparison, the strings'
    escaping with one test over them all (one by one, with ``escape_text``, only when that test fails), the
    answer one ``join``. It checks what the module docstring lists, nothing less; any other value returns None
    (the full writer then writes it or says why). Names in the code are generated or are field names that are
    identifiers; every constant (chunks, classes, names, wire types) is passed in, never spliced."""

    __slots__ = ("answer", "source")

    def __init__(self, template: ByteTemplate, order: Sequence[int], ret: MethodReturn,
                 flat: Sequence[_FlatClass | None]) -> None:
        scope: dict[str, object] = {"escape_text": escape_text, "value_text": value_text}
        lines: list[str] = []
        #: per value (in :func:`_texts`' order): its expression in the answer
        texts: list[str] = []
        strings: list[str] = []
        ints: list[str] = []
        checks: list[str] = []  # (the type tests, one ``if``)
        others: list[tuple[str, WireType]] = []

        def take(expression: str, wt: WireType | None, kind: Kind) -> None:
            name = f"v{len(texts)}"
            lines.append(f"    {name} = {expression}")
            if kind is K_STRING:
                checks.append(f"type({name}) is not str")
                strings.append(name)
                texts.append(name)
            elif kind in _INT32_KINDS:
                checks.append(f"type({name}) is not int")
                ints.append(name)
                texts.append(f"str({name})")
            else:
                assert wt is not None
                others.append((name, wt))
                texts.append(name)

        if ret.value_type.kind is not K_VOID:
            take("ret.value", ret.value_type, ret.value_type.kind)
        if ret.out_args:
            lines += ["    outs = ret.out_args", f"    if len(outs) != {len(ret.out_args)}: return None"]
            for n, (name, _, wt) in enumerate(ret.out_args):
                scope[f"O{n}"], scope[f"W{n}"] = name, wt
                lines += [f"    o = outs[{n}]", f"    if o[0] != O{n} or o[2] is not W{n}: return None"]
                take("o[1]", wt, wt.kind)
        else:
            lines.append("    if ret.out_args: return None")
        context = ret.call_context
        if context:
            slots = [f"s{n}" for n in range(len(context))]
            # (the slot names and their order are the key's: only the values are read here)
            lines.append(f"    {', '.join(slots)}, = ret.call_context.values()")
            objects: list[str] = []
            classes: dict[type, str] = {}
            for slot, value, known in zip(slots, context.values(), flat, strict=True):
                if known is None:  # a string slot
                    take(slot, None, K_STRING)
                    continue
                cls = type(value)
                if cls not in classes:
                    classes[cls] = f"C{len(classes)}"
                    scope[classes[cls]], scope[f"N{len(classes) - 1}"] = cls, known[0]
                    lines.insert(0, f"    if registry.name_of({classes[cls]}) is not N{len(classes) - 1}: return None")
                lines += [f"    if type({slot}) is not {classes[cls]}"
                          f" or getattr({slot}, '__remoting_objref__', None) is not None: return None"]
                objects.append(slot)
                for attr, _, fast, _ in known[3]:
                    if attr.isidentifier() and not keyword.iskeyword(attr):
                        take(f"{slot}.{attr}", None, K_STRING if fast is K_STRING else K_INT32)
                    else:
                        scope[f"A{len(texts)}"] = attr
                        take(f"getattr({slot}, A{len(texts)})", None, K_STRING if fast is K_STRING else K_INT32)
            if len(objects) > _PAIRWISE:  # (two slots with one object: the writer refers to it twice)
                lines.append(f"    if len({{{', '.join(f'id({o})' for o in objects)}}}) != {len(objects)}: return None")
            elif len(objects) > 1:
                pairs = [f"{a} is {b}" for i, a in enumerate(objects) for b in objects[i + 1:]]
                lines.append(f"    if {' or '.join(pairs)}: return None")
        elif context is None:
            lines.append("    if ret.call_context is not None: return None")
        else:
            lines.append("    if ret.call_context is None or ret.call_context: return None")
        if checks:
            lines.append(f"    if {' or '.join(checks)}: return None")
        if ints:
            lines.append(f"    if not ({' and '.join(f'-2147483648 <= {v} <= 2147483647' for v in ints)}): return None")
        if strings or others:
            lines.append("    try:")
            if strings:
                joined = strings[0] if len(strings) == 1 else " + ".join(strings)
                lines += [f"        s = {joined}",
                          "        if not s.isprintable() or '&' in s or '<' in s or '>' in s:",
                          *(f"            {v} = escape_text({v})" for v in strings)]
            for n, (v, wt) in enumerate(others):
                scope[f"X{n}"] = wt
                lines.append(f"        {v} = value_text({v}, X{n})")
            lines += ["    except Exception:", "        return None"]  # (SoapEncodeError ...: the full writer says it)
        parts = ["P0"]
        scope["P0"] = template.first.decode("utf-8")
        for n, (i, chunk) in enumerate(zip(order, template.chunks, strict=True), 1):
            scope[f"P{n}"] = chunk.decode("utf-8")
            parts += [texts[i], f"P{n}"]
        lines.append(f"    return ''.join(({', '.join(parts)},)).encode('utf-8')")
        self.source = "\n".join(["def answer(ret, registry):", *lines])
        exec(self.source, scope)  # (code made here, of generated names and identifiers only)
        #: the full writer's answer to ``ret`` (whose key is this shape's), or None where the full writer must
        #: write it (a value of another type or shape than the recorded one's, one it refuses: it says why)
        self.answer = cast(_Filler, scope["answer"])


class ShapedAnswers:
    """The templates of answers with out values or a call context (see the module docstring)."""

    def __init__(self, registry: TypeRegistry) -> None:
        self.registry = registry
        #: (method, namespace, dialect, return kind, context slot names) -> the shapes recorded under it
        self._shapes: dict[_Coarse, list[_Shape]] = {}
        #: the shapes recorded (their full keys)
        self._recorded: set[_Key] = set()
        self._tries: dict[_Key, int] = {}

    def write(self, ret: MethodReturn, toolkit: bool) -> bytes | None:
        """The full writer's answer to ``ret`` if a template of its shape is known, else None."""
        context = ret.call_context
        shapes = self._shapes.get((ret.method_name, ret.namespace, toolkit, ret.value_type.kind,
                                   None if context is None else tuple(context)))
        if shapes is None:
            return None
        for shape in shapes:
            written = shape.answer(ret, self.registry)
            if written is not None:
                return written
        return None

    def record(self, ret: MethodReturn, toolkit: bool, written: bytes) -> None:
        """Keep ``written``, the full writer's answer to ``ret``, as the template of its shape if it can be one."""
        key = _key(ret, toolkit)
        if key in self._recorded or self._tries.get(key, 0) >= TRIES or any(kind not in TEMPLATE_KINDS
                                                                           for _, kind in key[4]):
            return
        flat: list[_FlatClass | None] = []
        if ret.call_context:
            objects = [v for v in ret.call_context.values() if type(v) is not str]
            known = known_classes(objects, self.registry, _FLAT_CLASSES, _flat_class)
            if known is None:
                return  # (fills the writer's entries the answers are then checked against)
            found = iter(known)
            flat = [None if type(v) is str else next(found) for v in ret.call_context.values()]
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
        located = leaf_spans_in_order(written, list(root.iter()), leaves)
        if located is None:
            return
        spans, order = located
        for (start, end), i in zip(spans, order, strict=True):
            if written[start:end] != texts[i].encode("utf-8"):
                return
        shape = _Shape(ByteTemplate(written, spans), order, ret, flat)
        if shape.answer(ret, self.registry) != written:
            return  # (the shape's own path must give the recorded answer back: else it is no template of it)
        if len(self._recorded) >= CAPACITY:
            self._shapes.clear()  # (a burst of shapes answered once each; the next answers refill it)
            self._recorded.clear()
        coarse: _Coarse = (*key[:4], None if key[5] is None else tuple(name for name, _ in key[5]))
        kept = self._shapes.get(coarse, [])
        if len(kept) >= PER_KEY:
            return
        self._shapes[coarse] = [*kept, shape]
        self._recorded.add(key)


__all__ = ["ShapedAnswers"]
