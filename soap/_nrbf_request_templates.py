"""Binary (MS-NRBF) calls read without the record reader when their shape was read before.

The binary counterpart of ``soap/_request_templates.py`` (differential deserialization). A .NET or Mono
client sends the same ``BinaryMethodCall`` again and again: the stream header, the method record's flags,
the method and type names, the argument count and each argument's type code are the same bytes every time,
only the arguments' values differ. After the full reader has read a call and its arguments were decoded,
:meth:`BinaryRequestTemplates.record` keeps the message as constant bytes with a *slot* for each
argument's value, when the call is of a simple shape: flags ``ArgsInline|NoContext`` or
``NoArgs|NoContext`` (so no call context, no method signature, no call array), every argument a string, a
decimal or a fixed-size primitive inline, and nothing but ``MessageEnd`` after the record.

A later message that is those constant bytes with slot contents in between is read by
:meth:`BinaryRequestTemplate.match` into the :class:`~soap._nrbf_records.NrbfMessage` the full reader
would build: a string's slot is its length prefix (7 bits a byte, at most 5 bytes, the length at most
``max_text_length``) and that many bytes of strict UTF-8; a fixed-size primitive's slot is its bytes,
unpacked with the reader's own ``struct``. Since the constant bytes are those of a message the full reader
accepted (its flags checked, its header's version, nothing after ``MessageEnd``), and a slot holds only what
the reader reads as that value, the full reader would build the same message; the call made of it is the
same :class:`~soap._binary.BinaryCall`, whose decoding makes every per-type check. Whatever does not match
(other constant bytes, a truncated or over-long string, invalid UTF-8, a non-canonical length prefix the
reader would still take...) is read by the full reader, which gives its own answer or fault.

Calls whose arguments are all fixed-size primitive arrays (``ArgsIsArray|NoContext``: a call array of references,
then ``ArraySinglePrimitive`` records, e.g. ``SumInts(int[])``) are kept too (:func:`_array_spans`): each array's
length and its items are slots, the length bounded in the match as the reader bounds it (``max_array_length``,
``max_binary_length`` for a ``byte[]``, the message's ``max_array_items``) before any item is read, so one template
reads such a call whatever the arrays' lengths; the records are made afresh for every message.

Calls with a call context in the call array (``ContextInArray``; the arguments or a method signature may be
there too), of at most :data:`MAX_RECORDS` records, are kept the same way once their arguments *and* call context
were decoded: the slots of the records are found by the full reader itself (soap/_nrbf_spans.py): each
string record's value (its length prefix read and bounded like the reader's, strict UTF-8) and each
fixed-size primitive member of a class record; every other byte (record types, object ids, class names and
member lists, libraries, references, nulls) is constant. A match builds fresh records (:class:`_Builder`) with
the new values in the slots: the message the full reader would read, so the decoder refuses an unregistered
class (its name is constant bytes) or a bad value exactly as for a message read in full.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Callable
from typing import NamedTuple, cast

from ._errors import SoapDecodeError
from ._nrbf_records import (
    _CONVERTED,
    _FIXED_BY_CODE,
    ArrayRecord,
    BinaryType,
    BT_Object,
    BT_Primitive,
    ClassRecord,
    MessageFlags,
    MethodCallRecord,
    NrbfMessage,
    P_Byte,
    P_Decimal,
    P_Null,
    P_String,
    Primitive,
    PrimitiveValue,
    Ref,
    RT_ArraySingleObject,
    RT_ArraySinglePrimitive,
    RT_MemberReference,
    RT_MessageEnd,
    RT_MethodCall,
    StringRecord,
    fixed_items,
)
from ._nrbf_spans import SpanReader, constant_parts
from ._xml import Limits

#: the flags of a simple call: arguments inline or none, no call context
SIMPLE_FLAGS = frozenset({(MessageFlags.ArgsInline | MessageFlags.NoContext).value,
                          (MessageFlags.NoArgs | MessageFlags.NoContext).value})
_ARGS_INLINE = MessageFlags.ArgsInline.value
#: SerializationHeader record: type, root id, header id, major and minor version
_HEADER = struct.Struct("<Biiii")
_I32 = struct.Struct("<i")
#: argument type codes whose slot is a length-prefixed UTF-8 string
_STRING_CODES = {int(P_String): P_String, int(P_Decimal): P_Decimal}
#: templates kept, most recently used first
CAPACITY = 32
#: constant bytes of one template (a call, not a document)
MAX_CONSTANT_BYTES = 16 * 1024
#: records of a call with a context kept as a template (a call context's few objects, not a document's)
MAX_RECORDS = 64
_CONTEXT_IN_ARRAY = MessageFlags.ContextInArray.value

#: the flags of a call whose arguments are the call array (``ArgsIsArray``), no context: kept when every
#: argument is a primitive array (see :func:`_array_spans`)
ARRAY_FLAGS = (MessageFlags.ArgsIsArray | MessageFlags.NoContext).value
#: an ArraySingleObject or ArraySinglePrimitive record's head: record type, object id, length
_ARRAY_HEAD = struct.Struct("<Bii")

#: how a slot's bytes are read: a length-prefixed UTF-8 string, a fixed-size primitive, nothing (a null), a
#: primitive array's length (4 bytes, bounded as the reader bounds it), that array's items (length x size bytes)
TEXT, FIXED, NULL, LENGTH, ITEMS = 0, 1, 2, 3, 4
#: a slot: (how it is read, the primitive its value is wrapped in (None: a string record's bare text; an
#: array's item type), unpacker and size for a fixed-size one (an array's item size))
_Slot = tuple[int, Primitive | None, struct.Struct | None, int]
#: the flags no record template takes: a context inline (a string in the method record)
_CONTEXT_INLINE = MessageFlags.ContextInline.value


def _length_prefix(body: bytes, pos: int) -> tuple[int, int] | None:
    """(length, position after the prefix) of the 7-bit encoded length at ``pos``, as the reader reads it."""
    length = 0
    size = len(body)
    for shift in range(0, 35, 7):
        if pos >= size:
            return None
        byte = body[pos]
        pos += 1
        length |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return length, pos
    return None


def _slot_spans(body: bytes, simple: bool) -> tuple[list[tuple[int, int, _Slot]], int] | None:
    """The span and kind of each inline argument value of a call the full reader accepted, and where its
    method record ends; None if the call is not of a shape kept (see the module docstring). ``simple``: the
    call has no records after its method record (its flags are :data:`SIMPLE_FLAGS`)."""
    if len(body) < _HEADER.size + 5 or body[_HEADER.size] != RT_MethodCall:
        return None
    pos = _HEADER.size + 1
    flags = _I32.unpack_from(body, pos)[0]
    if (flags not in SIMPLE_FLAGS) if simple else bool(flags & _CONTEXT_INLINE):
        return None
    pos += 4
    for _ in range(2):  # the method's name, then its type's: constant
        if pos >= len(body) or body[pos] != P_String:
            return None
        prefix = _length_prefix(body, pos + 1)
        if prefix is None:
            return None
        pos = prefix[1] + prefix[0]
    spans: list[tuple[int, int, _Slot]] = []
    if flags & _ARGS_INLINE:
        if pos + 4 > len(body):
            return None
        count = _I32.unpack_from(body, pos)[0]
        pos += 4
        for _ in range(count):
            if pos >= len(body):
                return None
            code = body[pos]
            start = pos = pos + 1
            text = _STRING_CODES.get(code)
            fixed = _FIXED_BY_CODE.get(code)
            if text is not None:
                prefix = _length_prefix(body, pos)
                if prefix is None:
                    return None
                pos = prefix[1] + prefix[0]
                spans.append((start, pos, (TEXT, text, None, 0)))
            elif fixed is not None:
                prim, unpack, size = fixed
                pos += size
                spans.append((start, pos, (FIXED, prim, unpack, size)))
            elif code == P_Null:
                spans.append((start, start, (NULL, None, None, 0)))  # (an out parameter's slot)
            else:
                return None  # a char (its width varies): not templated
    if simple and (pos != len(body) - 1 or body[pos] != RT_MessageEnd):
        return None
    return spans, pos


def _array_spans(body: bytes, pos: int) -> tuple[list[tuple[int, int, _Slot]], tuple[int, tuple[Ref, ...]],
                                                  tuple[tuple[int, Primitive], ...]] | None:
    """The slots of a call whose arguments are all primitive arrays, from ``pos`` (after its method record):
    an ``ArraySingleObject`` call array of ``MemberReference`` records, then ``ArraySinglePrimitive`` records
    of fixed-size types (no DateTime or TimeSpan: their items are converted), then ``MessageEnd``. Each array's
    length and its items are slots (its record type, id and type code constant bytes), so one template reads
    the call whatever the arrays' lengths. Returns the spans, the call array (id, references) and each
    array's (id, item type); None for any other shape. The full reader read this message: the references
    resolve, the lengths were within the limits."""
    size = len(body)
    if pos + _ARRAY_HEAD.size > size or body[pos] != RT_ArraySingleObject:
        return None
    _, call_id, count = _ARRAY_HEAD.unpack_from(body, pos)
    pos += _ARRAY_HEAD.size
    refs: list[Ref] = []
    for _ in range(count):
        if pos + 5 > size or body[pos] != RT_MemberReference:
            return None
        refs.append(Ref(_I32.unpack_from(body, pos + 1)[0]))
        pos += 5
    spans: list[tuple[int, int, _Slot]] = []
    arrays: list[tuple[int, Primitive]] = []
    while pos + _ARRAY_HEAD.size < size and body[pos] == RT_ArraySinglePrimitive:
        _, object_id, length = _ARRAY_HEAD.unpack_from(body, pos)
        fixed = _FIXED_BY_CODE.get(body[pos + _ARRAY_HEAD.size])
        if fixed is None or fixed[0] in _CONVERTED or length < 0:
            return None
        prim, _, width = fixed
        spans.append((pos + 5, pos + _ARRAY_HEAD.size, (LENGTH, prim, None, 0)))
        start = pos + _ARRAY_HEAD.size + 1  # (after the type code: a constant byte between the two slots)
        pos = start + length * width
        spans.append((start, pos, (ITEMS, prim, None, width)))
        arrays.append((object_id, prim))
    if not arrays or pos != size - 1 or body[pos] != RT_MessageEnd:
        return None
    return spans, (call_id, tuple(refs)), tuple(arrays)


#: how a fresh record's member or item is made: (0, the value itself) for a constant one (a reference, a null,
#: a primitive: all immutable), (1, object id) for a record of the message, (2, slot index) for a slot's value
_Part = tuple[int, object]


class _StringStep(NamedTuple):
    oid: int
    slot: int  # -1: constant
    text: str


class _ClassStep(NamedTuple):
    oid: int
    name: str
    library: str | None
    members: tuple[tuple[str, int, object], ...]


class _ArrayStep(NamedTuple):
    oid: int
    element: BinaryType
    primitive: Primitive | None
    class_name: str | None
    data: bytes | None
    #: per item, a :data:`_Part`; None for a primitive array, whose items are ``constant``
    items: tuple[_Part, ...] | None
    constant: tuple[object, ...]


#: per record of the message, in the reader's order, how :class:`_Builder` makes a fresh one
_Plan = tuple[_StringStep | _ClassStep | _ArrayStep, ...]


def _plan(objects: dict[int, object], strings: dict[int, int], members: dict[tuple[int, str], int]) -> _Plan | None:
    """How :class:`_Builder` makes fresh records like ``objects`` with new slot values: ``strings`` maps a string
    record (by ``id()``) to its slot, ``members`` a (class record's ``id()``, member) to its slot. None when a
    record holds something else than references, nulls, primitives and the message's records."""

    def part(value: object) -> _Part | None:
        if value is None or isinstance(value, Ref | PrimitiveValue):
            return (0, value)
        if isinstance(value, StringRecord | ClassRecord | ArrayRecord) and objects.get(value.id) is value:
            return (1, value.id)
        return None

    steps: list[_StringStep | _ClassStep | _ArrayStep] = []
    for oid, record in objects.items():
        if isinstance(record, StringRecord):
            steps.append(_StringStep(oid, strings.get(id(record), -1), record.value))
        elif isinstance(record, ClassRecord):
            parts: list[tuple[str, int, object]] = []
            for name, value in record.members.items():
                slot = members.get((id(record), name))
                found = (2, slot) if slot is not None else part(value)
                if found is None:
                    return None
                parts.append((name, found[0], found[1]))
            steps.append(_ClassStep(oid, record.name, record.library, tuple(parts)))
        elif isinstance(record, ArrayRecord):
            if record.primitive is not None:  # plain values (or immutable PrimitiveValues): copied as they are
                steps.append(_ArrayStep(oid, record.element_type, record.primitive, record.class_name, record.data,
                                        None, tuple(record.items)))
                continue
            items = [part(item) for item in record.items]
            kept = [item for item in items if item is not None]
            if len(kept) != len(items):
                return None
            steps.append(_ArrayStep(oid, record.element_type, None, record.class_name, record.data, tuple(kept), ()))
        else:
            return None
    return tuple(steps)


class _Builder:
    """Makes the records of a call of one template (see :func:`_plan`): the records with no slot in them (nor
    a record with one) are the recorded ones, shared (records are inert: the decoder only reads them, and
    builds new objects from them for every call); the others are made afresh with the slots' values. A
    primitive array with items is made afresh too (its items a copy of the recorded ones): the decoder hands
    an integer array's list to the method as it is (soap/_nrbf_decode.py), which may change it."""

    __slots__ = ("build", "shared", "steps")

    def __init__(self, plan: _Plan, objects: dict[int, object]) -> None:
        dynamic = {step.oid for step in plan if isinstance(step, _ArrayStep) and step.constant}
        changed = True
        while changed:  # a record is made afresh if a slot or a record made afresh is in it
            changed = False
            for step in plan:
                if step.oid in dynamic:
                    continue
                if isinstance(step, _StringStep):
                    parts: tuple[tuple[int, object], ...] = ((2, 0),) if step.slot >= 0 else ()
                elif isinstance(step, _ClassStep):
                    parts = tuple((how, x) for _, how, x in step.members)
                else:
                    parts = step.items or ()
                if any(how == 2 or (how == 1 and x in dynamic) for how, x in parts):
                    dynamic.add(step.oid)
                    changed = True
        #: the records as read, the ones made afresh replaced on every call (the dict keeps the reader's order)
        self.shared = dict(objects)
        self.steps = tuple(step for step in plan if step.oid in dynamic)

        self.build = self._compile()

    def _compile(self) -> Callable[[list[object]], dict[int, object]]:
        """``build(values)``: the records the full reader would read with ``values`` in the slots, as
        straight-line code for this template's records (a loop over the plan costs several times as many
        bytecodes, on every call). Records are made first, then their members and items (a record may refer
        to one made after it). Constants are passed in, never spliced: the code holds generated names and
        ints only."""
        scope: dict[str, object] = {"SHARED": self.shared, "StringRecord": StringRecord, "ClassRecord": ClassRecord,
                                    "ArrayRecord": ArrayRecord}
        lines = ["def build(values):", "    objects = SHARED.copy()"]
        made = {step.oid: f"r{n}" for n, step in enumerate(self.steps)}

        def expression(how: int, x: object, name: str) -> str:
            if how == 2:
                return f"values[{int(cast(int, x))}]"
            if how == 1:
                return made.get(cast(int, x)) or f"objects[{int(cast(int, x))}]"
            scope[name] = x
            return name

        for n, step in enumerate(self.steps):
            scope[f"I{n}"] = step.oid
            if isinstance(step, _StringStep):
                lines.append(f"    r{n} = StringRecord(I{n}, values[{int(step.slot)}])")
            elif isinstance(step, _ClassStep):
                scope[f"N{n}"], scope[f"L{n}"] = step.name, step.library
                lines.append(f"    r{n} = ClassRecord(I{n}, N{n}, L{n}, {{}})")
            else:
                scope[f"E{n}"], scope[f"P{n}"], scope[f"C{n}"], scope[f"D{n}"] = (step.element, step.primitive,
                                                                                step.class_name, step.data)
                scope[f"K{n}"] = step.constant
                lines.append(f"    r{n} = ArrayRecord(I{n}, list(K{n}), E{n}, P{n}, C{n}, D{n})")
            lines.append(f"    objects[I{n}] = r{n}")
        for n, step in enumerate(self.steps):
            if isinstance(step, _ClassStep):
                members = []
                for m, (member, how, x) in enumerate(step.members):
                    scope[f"M{n}_{m}"] = member
                    members.append(f"M{n}_{m}: {expression(how, x, f'X{n}_{m}')}")
                lines.append(f"    r{n}.members = {{{', '.join(members)}}}")
            elif isinstance(step, _ArrayStep) and step.items is not None:
                items = [expression(how, x, f"X{n}_{m}") for m, (how, x) in enumerate(step.items)]
                lines.append(f"    r{n}.items = [{', '.join(items)}]")
        lines.append("    return objects")
        exec("\n".join(lines), scope)  # (code made here, of generated names and ints only)
        return cast(Callable[[list[object]], dict[int, object]], scope["build"])


class BinaryRequestTemplate:
    """One recorded call shape: its constant bytes, its slots, and what its record says."""

    __slots__ = ("arg_count", "arrays", "call_array", "chunks", "first", "flags", "header_id", "inline",
                 "method_name", "pairs", "plan", "root_id", "size", "slots", "type_name")

    def __init__(self, body: bytes, spans: list[tuple[int, int, _Slot]], record: MethodCallRecord,
                 root_id: int, header_id: int, arg_count: int, plan: _Builder | None,
                 arrays: tuple[tuple[int, tuple[Ref, ...]], tuple[tuple[int, Primitive], ...]] | None = None) -> None:
        #: the constant bytes before the first slot, and after each slot (never empty: a type code, a record or
        #: MessageEnd)
        self.first, self.chunks = constant_parts(body, spans)
        self.slots = tuple(slot for _, _, slot in spans)
        #: each slot with the constant bytes after it (what match walks)
        self.pairs = tuple(zip(self.slots, self.chunks, strict=True))
        self.size = len(self.first) + sum(map(len, self.chunks))
        self.flags = record.flags
        #: the arguments are inline (a list, maybe empty), not absent (None)
        self.inline = bool(record.flags.value & _ARGS_INLINE)
        self.method_name = record.method_name
        self.type_name = record.type_name
        self.root_id = root_id
        self.header_id = header_id
        #: the first slots are the inline arguments; the others are the records' (``plan``: None without records)
        self.arg_count = arg_count
        self.plan = plan
        #: a call of primitive arrays (:func:`_array_spans`): its call array (id, references), constant, and
        #: each array's (id, item type); their slots are all the template's
        self.call_array, self.arrays = arrays if arrays is not None else ((0, ()), ())

    def same_as(self, other: BinaryRequestTemplate) -> bool:
        return self.first == other.first and self.chunks == other.chunks

    def match(self, body: bytes, limits: Limits) -> NrbfMessage | None:
        """The message the full reader reads from ``body`` if it is this template with values in its slots
        the reader reads as themselves (within ``limits``, the reader's), else None."""
        first = self.first
        if not body.startswith(first):
            return None
        pos = len(first)
        size = len(body)
        values: list[object] = []
        max_text_length = limits.max_text_length
        length = 0
        items = len(self.call_array[1])  # the array items of the message so far, as the reader counts them
        for (reading, prim, unpack, width), chunk in self.pairs:  # (the usual slots first)
            if reading == TEXT:
                if pos < size and body[pos] < 0x80:  # a one-byte length: nearly every string
                    length = body[pos]
                    start = pos + 1
                else:
                    prefix = _length_prefix(body, pos)
                    if prefix is None or prefix[0] > max_text_length:
                        return None
                    length, start = prefix
                pos = start + length
                if pos > size:
                    return None
                try:
                    text = body[start:pos].decode("utf-8")
                except UnicodeDecodeError:
                    return None
                values.append(text if prim is None else PrimitiveValue(prim, text))
            elif reading == FIXED:
                if pos + width > size:
                    return None
                values.append(PrimitiveValue(prim, unpack.unpack_from(body, pos)[0]))  # type: ignore[arg-type,union-attr]
                pos += width
            elif reading == LENGTH:  # bounded as NrbfReader._array_length does, before anything is read
                if pos + 4 > size:
                    return None
                length = _I32.unpack_from(body, pos)[0]
                pos += 4
                if prim is P_Byte:
                    if length < 0 or length > limits.max_binary_length:
                        return None
                else:
                    items += length
                    if length < 0 or length > limits.max_array_length or items > limits.max_array_items:
                        return None
            elif reading == ITEMS:  # (the length slot before it is read and bounded)
                end = pos + length * width
                if end > size:
                    return None
                values.append(body[pos:end] if prim is P_Byte else fixed_items(body, pos, length, prim))  # type: ignore[arg-type]
                pos = end
            else:
                values.append(None)
            if not body.startswith(chunk, pos):
                return None
            pos += len(chunk)
        if pos != size:
            return None
        plan = self.plan
        if plan is None:
            call = MethodCallRecord(self.flags, self.method_name, self.type_name, values if self.inline else None)
            if self.arrays:
                return NrbfMessage(self.root_id, self.header_id, call, self._arrays(values))
            return NrbfMessage(self.root_id, self.header_id, call, {})
        count = self.arg_count
        call = MethodCallRecord(self.flags, self.method_name, self.type_name, values[:count] if self.inline else None)
        return NrbfMessage(self.root_id, self.header_id, call, plan.build(values[count:]))

    def _arrays(self, values: list[object]) -> dict[int, object]:
        """The records of a call of primitive arrays, made afresh (the decoder hands an integer array's list to
        the method as it is), in the reader's order: the call array, then the arrays."""
        call_id, refs = self.call_array
        objects: dict[int, object] = {call_id: ArrayRecord(call_id, list(refs), BT_Object)}
        for (object_id, prim), items in zip(self.arrays, values, strict=True):
            if prim is P_Byte:
                objects[object_id] = ArrayRecord(object_id, [], BT_Primitive, prim, data=cast(bytes, items))
            else:
                objects[object_id] = ArrayRecord(object_id, cast("list[object]", items), BT_Primitive, prim)
        return objects


def _record_slots(body: bytes, message: NrbfMessage, limits: Limits
                  ) -> tuple[list[tuple[int, int, _Slot]], int, _Builder] | None:
    """The slots of a call with records after its method record (inline arguments first, then the records'
    string values and fixed-size members, in byte order), how many are arguments, and the plan of its
    records; None if it is not of a shape kept."""
    head = _slot_spans(body, simple=False)
    if head is None:
        return None
    spans, _ = head
    reader = SpanReader(body, limits)
    try:
        again = reader.message()
    except SoapDecodeError:
        return None  # (the full reader read it: never expected)
    if not reader.followed or again != message:
        return None
    strings: dict[int, int] = {}
    members: dict[tuple[int, str], int] = {}
    found: list[tuple[int, int, _Slot, int | tuple[int, str]]] = []
    for start, end, owner in reader.spans:
        if isinstance(owner, StringRecord):
            found.append((start, end, (TEXT, None, None, 0), id(owner)))
        else:
            record, name, prim = owner
            _, unpack, size = _FIXED_BY_CODE[int(prim)]
            found.append((start, end, (FIXED, prim, unpack, size), (id(record), name)))
    found.sort(key=lambda item: item[0])
    for index, (_, _, _, key) in enumerate(found):
        if isinstance(key, int):
            strings[key] = index
        else:
            members[key] = index
    # the records' objects are the ones this reader built: map them onto the message's by object id
    plan = _plan(reader.objects, strings, members)
    if plan is None:
        return None
    return spans + [(start, end, slot) for start, end, slot, _ in found], len(spans), _Builder(plan, reader.objects)


def _shape_of(record: MethodCallRecord, message: NrbfMessage) -> tuple[object, ...]:
    """What a call with records is, roughly (its method, flags and the kinds and classes of its records): a
    call of a shape found not to be a template is not read again to find out (a second read per call)."""
    kinds = tuple([r.name if isinstance(r, ClassRecord) else type(r) for r in message.objects.values()])
    return (record.method_name, record.type_name, record.flags.value, kinds)


class BinaryRequestTemplates:
    """The request templates of one binary formatter (see the module docstring)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        #: most recently used first (replaced whole, never changed in place)
        self._templates: tuple[BinaryRequestTemplate, ...] = ()
        self._lock = threading.Lock()
        #: shapes of calls with records found not to be templates (:func:`_shape_of`): not read again for it
        self._refused: set[tuple[object, ...]] = set()

    def read(self, body: bytes) -> NrbfMessage | None:
        """The message ``body`` holds if it matches a template, else None (read it with the full reader)."""
        templates = self._templates
        if not templates or len(body) > self.limits.max_bytes:
            return None
        limits = self.limits
        for position, template in enumerate(templates):
            message = template.match(body, limits)
            if message is not None:
                if position:
                    self._promote(template)
                return message
        return None

    def _promote(self, template: BinaryRequestTemplate) -> None:
        with self._lock:
            others = tuple(t for t in self._templates if t is not template)
            self._templates = (template, *others)

    def record(self, message: NrbfMessage, body: bytes) -> None:
        """Keep ``body``, a call the full reader read as ``message`` and whose arguments (and call context, if
        it carries one) were decoded, as a template if it is of a shape kept. Cheap when it is not: its flags
        say so first."""
        record = message.message
        if not isinstance(record, MethodCallRecord):
            return
        arrays = None
        if not message.objects:
            if record.flags.value not in SIMPLE_FLAGS:
                return
            head = _slot_spans(body, simple=True)
            if head is None:
                return
            spans, arg_count, plan = head[0], len(head[0]), None
        elif record.flags.value == ARRAY_FLAGS:
            head = _slot_spans(body, simple=False)
            found_arrays = _array_spans(body, head[1]) if head is not None else None
            if found_arrays is None:
                return
            spans, arg_count, plan, arrays = found_arrays[0], 0, None, found_arrays[1:]
        else:
            if not record.flags.value & _CONTEXT_IN_ARRAY or len(body) > MAX_CONSTANT_BYTES \
                    or len(message.objects) > MAX_RECORDS:
                return  # (arrays of arguments alone: their size varies, as their count of records)
            shape = _shape_of(record, message)
            if shape in self._refused:
                return
            found = _record_slots(body, message, self.limits)
            if found is None:
                if len(self._refused) >= CAPACITY * 8:
                    self._refused.clear()
                self._refused.add(shape)
                return
            spans, arg_count, plan = found
        template = BinaryRequestTemplate(body, spans, record, message.root_id, message.header_id, arg_count, plan,
                                         arrays)
        if template.size > MAX_CONSTANT_BYTES:
            return
        again = template.match(body, self.limits)
        if again is None or again.message != record or again.objects != message.objects:
            return  # (not what the reader read: never expected, but then nothing is kept)
        with self._lock:
            others = tuple(t for t in self._templates if not t.same_as(template))
            self._templates = (template, *others[:CAPACITY - 1])


__all__ = ["BinaryRequestTemplates"]
