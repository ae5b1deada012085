"""Binary (MS-NRBF) answers written from a template: an earlier answer's bytes with only the value replaced.

The binary counterpart of ``soap/_response_templates.py``. :func:`soap._nrbf_writer.write_method_return`
writes the answer to a method with a primitive return (a string, a number, a bool, a DateTime ...) or
none, no out-arguments and no call context, as the same bytes every time but for the value: the stream
header, the ``BinaryMethodReturn`` record and its flags, the value with its type code
(:func:`~soap._nrbf_writer.value_with_code`), the argument slots (one null each) and ``MessageEnd``. So once
the full writer has written one such answer, the bytes before and after its value are kept, per argument
count and declared return kind, and later answers are those bytes around the new value written by the
writer's own ``value_with_code`` (a string's length prefix changes with it). The answer is the full
writer's byte for byte; a value it refuses (or null) is handed to the full writer, which says why.

Answers with out/ref values (inline, in their argument positions) and a call context back
(``ContextInArray``) are kept per *shape* (:func:`_shape`: argument count, the return value's and each
out value's primitive kind, the context's slot names and the class of each slot's value) when every value
in them is a primitive inline, a string, or an object of a by-value class the writer writes in one step
(:func:`~soap._nrbf_writer.flat_fields`: every field a ``str``, ``float`` or 32-bit ``int``): then the
writer's bytes for that shape differ only in those values. The slots are found by reading the answer back
(soap/_nrbf_spans.py) and named by where their value comes from (:data:`_Source`); a template is kept only
if it writes the recorded answer again byte for byte, and filled only when each value is of the type its
slot was recorded with (else the full writer writes it, or says why not).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import cast

from ._call_context import LOGICAL_CALL_CONTEXT
from ._errors import SoapDecodeError
from ._model import MethodReturn
from ._nrbf_records import (
    _FIXED_BY_CODE,
    ClassRecord,
    MessageFlags,
    P_Decimal,
    P_Null,
    P_String,
    PrimitiveValue,
    Ref,
    RT_MethodReturn,
    StringRecord,
)
from ._nrbf_spans import SpanReader, constant_parts
from ._nrbf_writer import flat_fields, lps, primitive_bytes, primitive_kind, value_with_code
from ._response_templates import around
from ._types import K_ANY, K_DOUBLE, K_INT32, K_STRING, K_VOID, Kind, TypeRegistry, WireType
from ._xml import DEFAULT_LIMITS

#: answers kept (one per argument count and return kind)
CAPACITY = 512
#: the stream header, the record type and its flags: what comes before the return value
_HEAD = 17 + 1 + 4

_Key = tuple[int, Kind]
#: a string value's type code, as value_with_code writes it before the string
_STRING_CODE = bytes([P_String])


def _value_bytes(value: object, wt: WireType) -> bytes:
    """The value with its type code, as the full writer writes it inline (raises what it raises)."""
    return value_with_code(primitive_kind(value, wt), value)


def _plain(ret: MethodReturn) -> bool:
    """The answer carries the return value only (no out-argument, no call context)."""
    return ret.call_context is None and not ret.out_args and not ret.out_positions


class BinaryResponseTemplates:
    """The answer templates of one binary formatter (see the module docstring)."""

    def __init__(self, registry: TypeRegistry | None = None) -> None:
        #: key -> (bytes before the value, bytes after it); a void answer is all in the first
        self._answers: dict[_Key, tuple[bytes, bytes]] = {}
        #: answers with out values or a call context, by :func:`_shape` (None: a shape found not templatable)
        self._shaped: dict[_Shape, _ShapedAnswer | None] = {}
        self._registry = registry

    def write(self, ret: MethodReturn, parameter_count: int) -> bytes | None:
        """The answer the full writer would write for ``ret``, or None if there is no template for it."""
        if ret.call_context is not None or ret.out_args or ret.out_positions:  # (not _plain(ret), in line)
            if self._registry is None or not self._shaped:
                return None
            shape = _shape(ret, parameter_count)
            known = self._shaped.get(shape) if shape is not None else None
            return None if known is None else known.fill(ret, self._registry)
        kind = ret.value_type.kind
        found = self._answers.get((parameter_count, kind))
        if found is None:
            return None
        value = ret.value
        if value.__class__ is str and kind is K_STRING:  # the usual answer: around() and value_with_code, in line
            return found[0] + _STRING_CODE + lps(value) + found[1]
        return around(found, ret, _value_bytes)

    def record(self, ret: MethodReturn, parameter_count: int, written: bytes) -> None:
        """Keep ``written``, the full writer's answer to ``ret``, as a template if it can be one."""
        wt = ret.value_type
        kind = wt.kind
        if not _plain(ret):
            self._record_shaped(ret, parameter_count, written)
            return
        if kind is K_ANY:
            return  # (an undeclared return's type code follows the value: not templated)
        key = (parameter_count, kind)
        if key in self._answers:
            return
        if kind is K_VOID:
            found = (written, b"")
        else:
            value = ret.value
            if value is None or primitive_kind(value, wt) is None:
                return
            middle = _value_bytes(value, wt)
            if written[_HEAD:_HEAD + len(middle)] != middle:
                return
            found = (written[:_HEAD], written[_HEAD + len(middle):])
        if len(self._answers) >= CAPACITY:
            self._answers.clear()  # (a burst of shapes answered once each; the next answers refill it)
        self._answers[key] = found

    def _record_shaped(self, ret: MethodReturn, parameter_count: int, written: bytes) -> None:
        if self._registry is None:
            return
        shape = _shape(ret, parameter_count)
        if shape is None or shape in self._shaped:
            return
        if len(self._shaped) >= CAPACITY:
            self._shaped.clear()
        answer = _ShapedAnswer.of(ret, written, self._registry)
        self._shaped[shape] = answer if answer is not None and answer.fill(ret, self._registry) == written else None


#: where a slot's value comes from: the return value, an out value (by its index in ``out_args``), a call
#: context slot's value (by its index) or one of its fields
RETURN, OUT, CONTEXT = 0, 1, 2
#: (source, index, field attribute or None, kind the value is written as)
_Source = tuple[int, int, str | None, Kind]
#: (argument count, return kind, out positions, out kinds, context slot names, their values' classes)
_Shape = tuple[int, Kind | None, tuple[int, ...], tuple[Kind | None, ...], tuple[str, ...] | None, tuple[type, ...]]
_I32 = struct.Struct("<i")
#: a one-byte length prefix, by length (as lps writes it)
_LENGTHS = [bytes([n]) for n in range(0x80)]
_DOUBLE = struct.Struct("<d")
#: the stream header, the record type, its flags
_RETURN_HEAD = 17 + 1 + 4
_RETURN_VALUE_INLINE = MessageFlags.ReturnValueInline.value
_ARGS_INLINE = MessageFlags.ArgsInline.value
_CONTEXT_INLINE = MessageFlags.ContextInline.value


#: the kind a value of a declared primitive kind is written as (primitive_kind's answer for it, found once)
_DECLARED = {kind: primitive_kind(None, WireType(kind)) for kind in Kind if kind is not K_ANY
             and primitive_kind(None, WireType(kind)) is not None}


def _shape(ret: MethodReturn, parameter_count: int) -> _Shape | None:
    """What the full writer's bytes for ``ret`` depend on besides its values; None for an answer that is
    not templated (a return or out value that is no primitive, one object in two context slots)."""
    value, wt = ret.value, ret.value_type
    kind = None
    if value is not None and wt.kind is not K_VOID:
        kind = _DECLARED.get(wt.kind) or primitive_kind(value, wt)  # (the same: primitive_kind's declared case)
        if kind is None:
            return None
    kinds: list[Kind | None] = []
    for _, out, out_type in ret.out_args:
        out_kind = (_DECLARED.get(out_type.kind) or primitive_kind(out, out_type)) if out is not None else None
        if out is not None and out_kind is None:
            return None
        kinds.append(out_kind)
    context = ret.call_context
    if context is None:
        return (parameter_count, kind, tuple(ret.out_positions), tuple(kinds), None, ())
    values = context.values()
    if len(values) > 1 and len(set(map(id, values))) != len(values):
        return None  # (written once, referred to twice)
    return (parameter_count, kind, tuple(ret.out_positions), tuple(kinds), tuple(context), tuple(map(type, values)))


def _value_sources(ret: MethodReturn, written: bytes) -> list[tuple[int, int, _Source]] | None:
    """The span and source of each value in the method record of ``written`` (the return value, the out
    values inline), or None if it is not of a shape templated."""
    if len(written) < _RETURN_HEAD + 1 or written[_RETURN_HEAD - 5] != RT_MethodReturn:
        return None
    flags = _I32.unpack_from(written, _RETURN_HEAD - 4)[0]
    if flags & _CONTEXT_INLINE:
        return None
    pos = _RETURN_HEAD
    found: list[tuple[int, int, _Source]] = []
    kind = primitive_kind(ret.value, ret.value_type) if ret.value is not None else None

    def value(at: int, source: _Source) -> int | None:
        code = written[at]
        if code == P_Null:
            return at + 1
        if code in (P_String, P_Decimal):
            raw = primitive_bytes(source[3], _source_value(ret, source))[1]
        elif code in _FIXED_BY_CODE:
            raw = b"x" * _FIXED_BY_CODE[code][2]
        else:
            return None  # (a char: its width varies)
        found.append((at + 1, at + 1 + len(raw), source))
        return at + 1 + len(raw)

    if flags & _RETURN_VALUE_INLINE:
        if kind is None:
            return None
        after = value(pos, (RETURN, 0, None, kind))
        if after is None:
            return None
        pos = after
    if flags & _ARGS_INLINE:
        count = _I32.unpack_from(written, pos)[0]
        pos += 4
        outs = {position: index for index, position in enumerate(ret.out_positions)}
        for position in range(count):
            index = outs.get(position)
            out = ret.out_args[index][1] if index is not None else None
            if out is None:
                if written[pos] != P_Null:
                    return None
                pos += 1
                continue
            out_kind = primitive_kind(out, ret.out_args[index][2])  # type: ignore[index]
            if out_kind is None:
                return None
            after = value(pos, (OUT, index, None, out_kind))  # type: ignore[arg-type]
            if after is None:
                return None
            pos = after
    elif ret.out_args:
        return None  # (out values in an array)
    return found


def _source_value(ret: MethodReturn, source: _Source) -> object:
    where, index, attr, _ = source
    if where == RETURN:
        return ret.value
    if where == OUT:
        return ret.out_args[index][1]
    value = list(ret.call_context.values())[index] if ret.call_context is not None else None
    return value if attr is None else getattr(value, attr)


class _ShapedAnswer:
    """An answer of one :data:`_Shape`: constant bytes around slots, each filled from its :data:`_Source`."""

    __slots__ = ("chunks", "classes", "filler", "first", "sources")

    def __init__(self, written: bytes, spans: list[tuple[int, int, _Source]],
                 classes: tuple[tuple[int, type, object], ...]) -> None:
        self.first, self.chunks = constant_parts(written, spans)
        self.sources = tuple(source for _, _, source in spans)
        #: (context slot index, class, CLR name the registry gave it) of each by-value object in the context
        self.classes = classes
        self.filler = self._compile()

    @staticmethod
    def of(ret: MethodReturn, written: bytes, registry: TypeRegistry) -> _ShapedAnswer | None:
        """The template of ``written``, the full writer's answer to ``ret``, or None if it cannot be one (a
        value that is not a slot: an object of a class written field by field, ...)."""
        spans = _value_sources(ret, written)
        if spans is None:
            return None
        context = ret.call_context
        expected = len(spans)
        classes: list[tuple[int, type, object]] = []
        if context is not None:
            reader = SpanReader(written, DEFAULT_LIMITS)
            try:
                message = reader.message()
            except SoapDecodeError:
                return None
            if not reader.followed:
                return None
            holders = [r for r in message.objects.values()
                       if isinstance(r, ClassRecord) and r.name == LOGICAL_CALL_CONTEXT]
            if len(holders) != 1 or list(holders[0].members) != list(context):
                return None
            strings: dict[int, _Source] = {}
            members: dict[tuple[int, str], _Source] = {}
            for index, (slot, raw) in enumerate(zip(context.values(), holders[0].members.values(), strict=True)):
                if slot is None:
                    continue
                if type(slot) is str:
                    if not isinstance(raw, StringRecord):
                        return None
                    strings[id(raw)] = (CONTEXT, index, None, K_STRING)
                    expected += 1
                    continue
                flat = flat_fields(type(slot), registry)
                record = message.objects.get(raw.id) if isinstance(raw, Ref) else None
                if flat is None or not isinstance(record, ClassRecord) or len(record.members) != len(flat[1]):
                    return None
                classes.append((index, type(slot), registry.name_of(type(slot))))
                for (name, member), (attr, kind) in zip(record.members.items(), flat[1], strict=True):
                    source = (CONTEXT, index, attr, kind)
                    if isinstance(member, StringRecord):
                        strings[id(member)] = source
                    elif isinstance(member, PrimitiveValue):
                        members[(id(record), name)] = source
                    else:
                        return None
                    expected += 1
            for start, end, owner in reader.spans:
                found = strings.get(id(owner)) if isinstance(owner, StringRecord) \
                    else members.get((id(owner[0]), owner[1]))
                if found is None:
                    return None
                spans.append((start, end, found))
        if len(spans) != expected:
            return None  # (a value that is no slot: its bytes would be constant)
        spans.sort(key=lambda span: span[0])
        return _ShapedAnswer(written, spans, tuple(classes))

    def fill(self, ret: MethodReturn, registry: TypeRegistry) -> bytes | None:
        """The full writer's answer to ``ret`` (of this template's shape), or None where the full writer must
        write it: a value of another type than its slot's, a value it refuses (it says why)."""
        context = ret.call_context
        return self.filler(ret, list(context.values()) if context is not None else [], registry)

    def _compile(self) -> Callable[[MethodReturn, list[object], TypeRegistry], bytes | None]:
        """:meth:`fill` as straight-line code for this template's slots (a loop over them costs several times
        as many bytecodes, on every answer). Each slot takes a value of the type it was recorded with and
        writes it as the writer does (``_flat_record``'s one-step forms, ``primitive_bytes`` inline); any
        other value returns None. Names in the code are generated; constants are passed in, never spliced."""
        scope: dict[str, object] = {"lps": lps, "LENGTHS": _LENGTHS, "pack_i": _I32.pack, "pack_d": _DOUBLE.pack,
                                    "primitive_bytes": primitive_bytes}
        lines = ["def fill(ret, values, registry):"]
        for n, (cls, name) in enumerate(dict.fromkeys((cls, name) for _, cls, name in self.classes)):  # (once each)
            scope[f"C{n}"], scope[f"N{n}"] = cls, name
            lines.append(f"    if registry.name_of(C{n}) is not N{n}: return None")  # (registered again)
        parts = ["FIRST"]
        scope["FIRST"] = self.first
        for n, ((where, index, attr, kind), chunk) in enumerate(zip(self.sources, self.chunks, strict=True)):
            if where == CONTEXT:
                scope[f"A{n}"] = attr
                lines.append(f"    v = values[{index}]" if attr is None else f"    v = getattr(values[{index}], A{n})")
            else:
                lines.append("    v = ret.value" if where == RETURN else f"    v = ret.out_args[{index}][1]")
            if kind is K_STRING:
                lines += ["    if type(v) is not str: return None", "    r = v.encode('utf-8', 'surrogatepass')",
                          f"    b{n} = LENGTHS[len(r)] + r if len(r) < 128 else lps(v)"]  # (lps, in line)
            elif kind is K_INT32:
                lines += ["    if type(v) is not int or not -2147483648 <= v <= 2147483647: return None",
                          f"    b{n} = pack_i(v)"]
            elif kind is K_DOUBLE:
                lines += ["    if type(v) is not float: return None", f"    b{n} = pack_d(v)"]
            elif where == CONTEXT:
                lines.append("    return None")
            else:  # (SoapEncodeError ...: the full writer raises it)
                scope[f"K{n}"] = kind
                lines += ["    try:", f"        b{n} = primitive_bytes(K{n}, v)[1]", "    except Exception:",
                          "        return None"]
            scope[f"T{n}"] = chunk
            parts += [f"b{n}", f"T{n}"]
        lines.append(f"    return b''.join(({', '.join(parts)},))")
        exec("\n".join(lines), scope)  # (code made here, of generated names only)
        return cast(Callable[[MethodReturn, list[object], TypeRegistry], "bytes | None"], scope["fill"])


__all__ = ["BinaryResponseTemplates"]
