"""Escaping text for XML 1.0, shared by every writer that builds SOAP as strings (encoded and literal).

The writers build their envelopes as text rather than trees (several times faster for small messages), so
they must refuse what XML 1.0 cannot carry themselves: no parser is there to catch it before the peer's.
"""

from __future__ import annotations

import re

from ._errors import SoapEncodeError

#: Characters XML 1.0 cannot carry, not even escaped: C0 controls other than TAB/LF/CR, lone surrogates and
#: the two non-characters U+FFFE/U+FFFF.
INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# CR is escaped so that it survives the receiving parser's line-end normalization.
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#xD;"})
# TAB/LF/CR too: attribute-value normalization would turn them into spaces.
_ATTR_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#xD;", "\n": "&#xA;", "\t": "&#x9;"}
)


def escape_text(text: str) -> str:
    """``text`` as element content, or :class:`SoapEncodeError` if XML 1.0 cannot carry it."""
    # Most text is printable and has nothing to escape: three scans in C instead of a search and a translation.
    # (Every character XML 1.0 cannot carry, and CR, is unprintable: such text takes the full way.)
    if text.isprintable() and "&" not in text and "<" not in text and ">" not in text:
        return text
    if INVALID_XML_CHARS.search(text):
        raise SoapEncodeError("string contains a character that XML 1.0 cannot carry (control or surrogate)")
    return text.translate(_TEXT_ESCAPES)


def xml_safe(text: str) -> str:
    """``text`` with each character XML 1.0 cannot carry written as its escape (``\\x01``, ``\\ud800``): for a
    fault's message that quotes what a caller sent (an object URI, a method name), which must still say what
    was wrong rather than fail to encode."""
    if text.isprintable() or not INVALID_XML_CHARS.search(text):
        return text
    return INVALID_XML_CHARS.sub(lambda found: found.group(0).encode("unicode_escape").decode("ascii"), text)


def escape_attr(text: str) -> str:
    """``text`` as a double-quoted attribute value, or :class:`SoapEncodeError` if XML 1.0 cannot carry it."""
    if INVALID_XML_CHARS.search(text):
        raise SoapEncodeError("attribute contains a character that XML 1.0 cannot carry")
    return text.translate(_ATTR_ESCAPES)
