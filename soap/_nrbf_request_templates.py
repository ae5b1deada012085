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
"""

from __future__ import annotations

import struct
import threading
from dataclasses import dataclass

from ._nrbf_records import (
    _CONVERTED,
    _FIXED_BY_CODE,
    ArrayRecord,
    BT_Primitive,
    MessageFlags,
    MethodCallRecord,
    NrbfMessage,
    P_Byte,
    P_Decimal,
    P_String,
    Primitive,
    PrimitiveValue,
    RT_ArraySingleObject,
    RT_ArraySinglePrimitive,
    RT_MemberReference,
    RT_MessageEnd,
    RT_MethodCall,
)
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

#: the flags of a call whose arguments are the call array (ArgsIsArray), no context: read as array slots
ARRAY_FLAGS = (MessageFlags.ArgsIsArray | MessageFlags.NoContext).value
#: ArraySinglePrimitive record: type, object id, length (then the primitive type code)
_ARRAY_HEAD = struct.Struct("<Bii")


@dataclass(frozen=True, slots=True)
class ArraySlot:
    """The items of an ``ArraySinglePrimitive`` record of a fixed-size primitive type: its record type, id,
    length and type code are constant bytes before the slot, so the slot is ``size`` bytes, read as the
    full reader reads them (one ``struct.unpack_from`` into a list; a ``byte[]`` one slice). The length
    was checked against the limits when the template's message was read, and the limits are the
    formatter's own."""

    object_id: int
    primitive: Primitive
    #: the whole array's unpacker (None: a ``byte[]``)
    unpack: struct.Struct | None
    size: int

    def record(self, body: bytes, pos: int) -> ArrayRecord:
        if self.unpack is None:
            return ArrayRecord(self.object_id, [], BT_Primitive, self.primitive, data=body[pos:pos + self.size])
        return ArrayRecord(self.object_id, list(self.unpack.unpack_from(body, pos)), BT_Primitive, self.primitive)


#: a slot: (primitive, unpacker and size for a fixed-size one, or None for a string), or a primitive array's
_Slot = tuple[Primitive, struct.Struct | None, int] | ArraySlot


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


def _slot_spans(body: bytes) -> list[tuple[int, int, _Slot]] | None:
    """The span and kind of each argument value of a simple call (see the module docstring) the full reader
    accepted, or None if the call is not of a simple shape."""
    if len(body) < _HEADER.size + 5 or body[_HEADER.size] != RT_MethodCall:
        return None
    pos = _HEADER.size + 1
    flags = _I32.unpack_from(body, pos)[0]
    if flags not in SIMPLE_FLAGS and flags != ARRAY_FLAGS:
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
                spans.append((start, pos, (text, None, 0)))
            elif fixed is not None:
                prim, unpack, size = fixed
                pos += size
                spans.append((start, pos, (prim, unpack, size)))
            else:
                return None  # a null, a char (its width varies): not templated
    elif flags == ARRAY_FLAGS:
        found = _array_spans(body, pos)
        if found is None:
            return None
        spans, pos = found
    if pos != len(body) - 1 or body[pos] != RT_MessageEnd:
        return None
    return spans


def _array_spans(body: bytes, pos: int) -> tuple[list[tuple[int, int, _Slot]], int] | None:
    """The array slots of a call array that holds only references (an ``ArraySingleObject`` of
    ``MemberReference`` records: every argument an array), followed by ``ArraySinglePrimitive`` records of
    fixed-size types, and the position after them; None for any other shape. The full reader read this
    message, so the references resolve and the lengths are within the limits."""
    size = len(body)
    if pos + 9 > size or body[pos] != RT_ArraySingleObject:
        return None
    count = _I32.unpack_from(body, pos + 5)[0]
    pos += 9
    for _ in range(count):
        if pos + 5 > size or body[pos] != RT_MemberReference:
            return None
        pos += 5
    spans: list[tuple[int, int, _Slot]] = []
    while pos + _ARRAY_HEAD.size < size and body[pos] == RT_ArraySinglePrimitive:
        _, object_id, length = _ARRAY_HEAD.unpack_from(body, pos)
        fixed = _FIXED_BY_CODE.get(body[pos + _ARRAY_HEAD.size])
        if fixed is None or fixed[0] in _CONVERTED or length < 0:
            return None
        prim, unpack, width = fixed
        start = pos + _ARRAY_HEAD.size + 1
        pos = start + length * width
        whole = None if prim is P_Byte else struct.Struct(f"<{length}{unpack.format[-1]}")
        spans.append((start, pos, ArraySlot(object_id, prim, whole, length * width)))
    return spans, pos


class BinaryRequestTemplate:
    """One recorded call shape: its constant bytes, its slots, and what its record says."""

    __slots__ = ("chunks", "first", "flags", "header_id", "inline", "method_name", "objects", "root_id", "size",
                 "slots", "type_name")

    def __init__(self, body: bytes, spans: list[tuple[int, int, _Slot]], record: MethodCallRecord,
                 root_id: int, header_id: int, objects: dict[int, object] | None = None) -> None:
        chunks = []
        pos = 0
        for start, end, _ in spans:
            chunks.append(body[pos:start])
            pos = end
        chunks.append(body[pos:])
        self.first = chunks[0]
        #: the constant bytes after each slot (never empty: a type code or MessageEnd)
        self.chunks = tuple(chunks[1:])
        self.slots = tuple(slot for _, _, slot in spans)
        self.size = sum(map(len, chunks))
        self.flags = record.flags
        #: the arguments are inline (a list, maybe empty), not absent (None)
        self.inline = bool(record.flags.value & _ARGS_INLINE)
        self.method_name = record.method_name
        self.type_name = record.type_name
        self.root_id = root_id
        self.header_id = header_id
        #: the records besides the array slots' (the call array of references), copied into every message
        slotted = {slot.object_id for slot in self.slots if isinstance(slot, ArraySlot)}
        self.objects = [record for key, record in (objects or {}).items() if key not in slotted]

    def same_as(self, other: BinaryRequestTemplate) -> bool:
        return self.first == other.first and self.chunks == other.chunks

    def match(self, body: bytes, max_text_length: int) -> NrbfMessage | None:
        """The message the full reader reads from ``body`` if it is this template with values in its slots
        the reader reads as themselves, else None."""
        first = self.first
        if not body.startswith(first):
            return None
        pos = len(first)
        size = len(body)
        args: list[object] = []
        objects: dict[int, object] = {}
        for slot, chunk in zip(self.slots, self.chunks, strict=True):
            if isinstance(slot, ArraySlot):
                if pos + slot.size > size:
                    return None
                objects[slot.object_id] = slot.record(body, pos)
                pos += slot.size
                if not body.startswith(chunk, pos):
                    return None
                pos += len(chunk)
                continue
            prim, unpack, width = slot
            if unpack is None:
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
                    args.append(PrimitiveValue(prim, body[start:pos].decode("utf-8")))
                except UnicodeDecodeError:
                    return None
            else:
                if pos + width > size:
                    return None
                args.append(PrimitiveValue(prim, unpack.unpack_from(body, pos)[0]))
                pos += width
            if not body.startswith(chunk, pos):
                return None
            pos += len(chunk)
        if pos != size:
            return None
        call = MethodCallRecord(self.flags, self.method_name, self.type_name, args if self.inline else None)
        for constant in self.objects:  # (a call array: an ArrayRecord of references, fresh per message)
            if not isinstance(constant, ArrayRecord):
                return None
            objects[constant.id] = ArrayRecord(constant.id, list(constant.items), constant.element_type,
                                               constant.primitive, constant.class_name, constant.data)
        return NrbfMessage(self.root_id, self.header_id, call, objects)


class BinaryRequestTemplates:
    """The request templates of one binary formatter (see the module docstring)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        #: most recently used first (replaced whole, never changed in place)
        self._templates: tuple[BinaryRequestTemplate, ...] = ()
        self._lock = threading.Lock()

    def read(self, body: bytes) -> NrbfMessage | None:
        """The message ``body`` holds if it matches a template, else None (read it with the full reader)."""
        templates = self._templates
        if not templates or len(body) > self.limits.max_bytes:
            return None
        limit = self.limits.max_text_length
        for position, template in enumerate(templates):
            message = template.match(body, limit)
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
        """Keep ``body``, a call the full reader read as ``message`` and whose arguments were decoded, as a
        template if it is of a simple shape. Cheap when it is not: its flags say so first."""
        record = message.message
        if not isinstance(record, MethodCallRecord):
            return
        flags = record.flags.value
        if (flags not in SIMPLE_FLAGS or message.objects) and flags != ARRAY_FLAGS:
            return
        spans = _slot_spans(body)
        if spans is None:
            return
        template = BinaryRequestTemplate(body, spans, record, message.root_id, message.header_id, message.objects)
        if template.size > MAX_CONSTANT_BYTES:
            return
        again = template.match(body, self.limits.max_text_length)
        if again is None or again.message != record or again.objects != message.objects:
            return  # (not what the reader read: never expected, but then nothing is kept)
        with self._lock:
            others = tuple(t for t in self._templates if not t.same_as(template))
            self._templates = (template, *others[:CAPACITY - 1])


__all__ = ["BinaryRequestTemplates"]
