"""Remoting SOAP answers written from a template: the bytes of an earlier answer with only the value replaced.

(Answers with out values or a call context: soap/_shaped_answers.py.)

The answer to a method with a scalar return (or none), no out-arguments and no call context is the same
envelope every time but for the return value's text: :func:`soap._encoded_writer.write_return` writes the
envelope, ``<XResponse id="ref-1" xmlns:i2="...">``, ``<return`` with the type attribute of the return
type's kind (the string's ``id="ref-2"``: the first id after the method's), the escaped text, and the
closing tags. So once the full writer has written one such answer, the bytes before and after its value
text are kept (per method, namespace, dialect and return kind), and later answers are those bytes around
the new value's text, made by the writer's own functions (``escape_text`` for strings, the writer's
``scalar`` for the other kinds, whose text and type attribute need no per-message state). The answer is the
full writer's byte for byte; a value these functions refuse is handed to the full writer, which says why.
"""

from __future__ import annotations

from collections.abc import Callable

from ._encoded_writer import EncodedWriter
from ._errors import SoapEncodeError
from ._escape import escape_text
from ._model import MethodReturn
from ._types import (
    DEFAULT_REGISTRY,
    INTEGER_KINDS,
    K_BOOL,
    K_DATE,
    K_DATETIME,
    K_DECIMAL,
    K_DOUBLE,
    K_DURATION,
    K_SINGLE,
    K_STRING,
    K_VOID,
    Kind,
    WireType,
)

#: return kinds whose text and ``xsi:type`` depend on the value alone (a char's and an enum's type attribute
#: declare a namespace prefix, numbered per message: not templated)
TEMPLATE_KINDS = frozenset({K_STRING, K_VOID, K_DOUBLE, K_SINGLE, K_BOOL, K_DECIMAL, K_DATETIME, K_DATE,
                            K_DURATION, *INTEGER_KINDS})
#: answers kept (one per method, namespace, dialect and return kind)
CAPACITY = 512
_RETURN_END = b"</return>"
#: writes the text of a scalar of the kinds above (``scalar`` uses no state of the writer for them)
_SCALARS = EncodedWriter(DEFAULT_REGISTRY)

_Key = tuple[str, str, bool, Kind]


def value_text(value: object, wt: WireType) -> str:
    """The return value's text exactly as :meth:`EncodedWriter.member` writes it (raises what it raises)."""
    if wt.kind is K_STRING:
        if not isinstance(value, str):
            raise SoapEncodeError(f"return: expected str, got {type(value).__name__}")
        return escape_text(value)
    return _SCALARS.scalar("return", value, wt)[0]


def around(found: tuple[bytes, bytes], ret: MethodReturn,
           value_bytes: Callable[[object, WireType], bytes]) -> bytes | None:
    """A kept answer's (head, tail) around ``value_bytes`` of ``ret``'s value (a void answer is its head), or
    None where the full writer must write it (a null value, one ``value_bytes`` refuses: it says why)."""
    head, tail = found
    wt = ret.value_type
    if wt.kind is K_VOID:
        return head
    value = ret.value
    if value is None:
        return None
    try:
        middle = value_bytes(value, wt)
    except Exception:  # (SoapEncodeError ...): the full writer raises it
        return None
    return head + middle + tail


def _value_bytes(value: object, wt: WireType) -> bytes:
    return value_text(value, wt).encode("utf-8")


class ResponseTemplates:
    """The answer templates of one formatter (see the module docstring)."""

    def __init__(self) -> None:
        #: key -> (bytes before the value's text, bytes after it); a void answer is all in the first
        self._answers: dict[_Key, tuple[bytes, bytes]] = {}

    def write(self, ret: MethodReturn, toolkit: bool) -> bytes | None:
        """The answer the full writer would write for ``ret``, or None if there is no template for it."""
        if ret.call_context is not None or ret.out_args:
            return None
        found = self._answers.get((ret.method_name, ret.namespace, toolkit, ret.value_type.kind))
        return None if found is None else around(found, ret, _value_bytes)

    def record(self, ret: MethodReturn, toolkit: bool, written: bytes) -> None:
        """Keep ``written``, the full writer's answer to ``ret``, as a template if it can be one."""
        wt = ret.value_type
        if wt.kind not in TEMPLATE_KINDS or ret.call_context is not None or ret.out_args:
            return
        key = (ret.method_name, ret.namespace, toolkit, wt.kind)
        if key in self._answers:
            return
        if wt.kind is K_VOID:
            found = (written, b"")
        else:
            if ret.value is None:
                return
            text = value_text(ret.value, wt).encode("utf-8")
            end = written.rfind(_RETURN_END)
            start = end - len(text)
            if end < 0 or written[start:end] != text:
                return
            found = (written[:start], written[end:])
        if len(self._answers) >= CAPACITY:
            self._answers.clear()  # (a burst of methods answered once each; the next answers refill it)
        self._answers[key] = found


__all__ = ["TEMPLATE_KINDS", "ResponseTemplates", "around", "value_text"]
