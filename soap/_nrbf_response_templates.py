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
"""

from __future__ import annotations

from ._model import MethodReturn
from ._nrbf_writer import primitive_kind, value_with_code
from ._response_templates import around
from ._types import K_ANY, K_VOID, Kind, WireType

#: answers kept (one per argument count and return kind)
CAPACITY = 512
#: the stream header, the record type and its flags: what comes before the return value
_HEAD = 17 + 1 + 4

_Key = tuple[int, Kind]


def _value_bytes(value: object, wt: WireType) -> bytes:
    """The value with its type code, as the full writer writes it inline (raises what it raises)."""
    return value_with_code(primitive_kind(value, wt), value)


def _plain(ret: MethodReturn) -> bool:
    """The answer carries the return value only (no out-argument, no call context)."""
    return ret.call_context is None and not ret.out_args and not ret.out_positions


class BinaryResponseTemplates:
    """The answer templates of one binary formatter (see the module docstring)."""

    def __init__(self) -> None:
        #: key -> (bytes before the value, bytes after it); a void answer is all in the first
        self._answers: dict[_Key, tuple[bytes, bytes]] = {}

    def write(self, ret: MethodReturn, parameter_count: int) -> bytes | None:
        """The answer the full writer would write for ``ret``, or None if there is no template for it."""
        if not _plain(ret):
            return None
        found = self._answers.get((parameter_count, ret.value_type.kind))
        return None if found is None else around(found, ret, _value_bytes)

    def record(self, ret: MethodReturn, parameter_count: int, written: bytes) -> None:
        """Keep ``written``, the full writer's answer to ``ret``, as a template if it can be one."""
        wt = ret.value_type
        kind = wt.kind
        if kind is K_ANY or not _plain(ret):
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


__all__ = ["BinaryResponseTemplates"]
