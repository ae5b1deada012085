"""Where a message's values lie in its bytes: the record reader, telling what it read where.

The binary templates (soap/_nrbf_request_templates.py, soap/_nrbf_response_templates.py) keep a message as
constant bytes with *slots* for its values. Their slots in the method record (inline arguments, an inline
return value) are found by parsing its few fields; the records after it (the call array, a
``LogicalCallContext``, the objects in its slots, strings) are found here, by reading the message with the
full reader itself and noting, as it reads them, the bytes of each string record's value and of each
fixed-size primitive member of a class record. Nothing else is a slot: the rest of the records is constant
bytes, which read the same way every time. Read once per template, never on the hot path.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._nrbf_records import (
    BT_Primitive,
    ClassRecord,
    NrbfReader,
    Primitive,
    RT_BinaryObjectString,
    StringRecord,
    _ClassInfo,
)
from ._xml import Limits

#: what a span holds: a string record's value, or (the class record, the member's name, its primitive)
SpanOwner = StringRecord | tuple[ClassRecord, str, Primitive]
#: (start, end, owner) of one value's bytes in the message
Span = tuple[int, int, SpanOwner]


class SpanReader(NrbfReader):
    """The full reader, noting the span of each string record's value and each fixed-size primitive member
    (:data:`Span`); ``followed`` turns False when a record has a member whose end it cannot tell (a char or
    decimal member: read in place, variable in length), so its spans are incomplete."""

    def __init__(self, data: bytes, limits: Limits) -> None:
        super().__init__(data, limits)
        self.spans: list[Span] = []
        #: record start -> the position after it (its members' records included)
        self.ends: dict[int, int] = {}
        self.followed = True

    def _record(self, kind: int) -> object:
        start = self.pos - 1  # (record() has read the record type)
        value = super()._record(kind)
        self.ends[start] = self.pos
        if kind == RT_BinaryObjectString:
            assert isinstance(value, StringRecord)
            self.spans.append((start + 5, self.pos, value))  # after the record type and the object id
        return value

    def _class_values(self, object_id: int, info: _ClassInfo) -> ClassRecord:
        pos = self.pos
        record = super()._class_values(object_id, info)
        fixed = info.fixed or []
        for i, name in enumerate(info.member_names):
            plain = fixed[i]
            if plain is not None:
                self.spans.append((pos, pos + plain[2], (record, name, plain[0])))
                pos += plain[2]
            elif info.types is not None and info.types[i][0] is BT_Primitive:
                self.followed = False  # (a char or a decimal inline: its end is not noted)
                return record
            else:
                end = self.ends.get(pos)
                if end is None:
                    self.followed = False
                    return record
                pos = end
        return record


def constant_parts(message: bytes, spans: Sequence[tuple[int, int, object]]) -> tuple[bytes, tuple[bytes, ...]]:
    """The bytes of ``message`` around its slots (``spans`` in byte order): the bytes before the first, and
    those after each one: a template's constant bytes."""
    chunks = []
    pos = 0
    for start, end, _ in spans:
        chunks.append(message[pos:start])
        pos = end
    chunks.append(message[pos:])
    return chunks[0], tuple(chunks[1:])


__all__ = ["Span", "SpanOwner", "SpanReader", "constant_parts"]
