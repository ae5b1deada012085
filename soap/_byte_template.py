"""A message's bytes as a template: constant chunks with text slots between them (differential deserialization).

Clients send the same message shape again and again, only the values differ (bSOAP: Abu-Ghazaleh and Lewis,
"Differential Deserialization for Optimized SOAP Performance", SC 2005). Once a message has been read by the
full parser, :func:`leaf_text_spans` finds where the text of chosen leaf elements lies in its bytes, and a
:class:`ByteTemplate` keeps everything else. A later message that is the same constant chunks with other
slot contents in between is then read by a few ``bytes.startswith`` / ``bytes.find`` calls, with no parser.

What makes that safe: a slot is accepted only when it is character data the full parser would read as
exactly itself (:func:`slot_text`): no markup (a slot ends at the next ``<``), no reference (``&``), no
``]]>``, no CR (end-of-line handling and ``_eol.py`` rewrite it), no character XML 1.0 forbids, valid UTF-8
(the template is made only of UTF-8 documents), not empty. Such text changes nothing in the parse but the
text of its own element, so the full parser would build the same tree with other leaf texts; anything else
is not a match, and the full parser reads the message as usual (and gives its usual answer or fault).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: A tag (quoted attribute values may hold ``>``) or a run of character data.
_TOKEN = re.compile(rb"""<(?:[^>"']|"[^"]*"|'[^']*')*>|[^<]+""")
#: The XML declaration of a UTF-8 document (or of one that names no encoding, which is then UTF-8).
_UTF8_DECLARATION = re.compile(
    rb"""<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*(?:"1\.0"|'1\.0')"""
    rb"""(?:[ \t\n]+encoding[ \t\n]*=[ \t\n]*(?:"[uU][tT][fF]-8"|'[uU][tT][fF]-8'))?"""
    rb"""(?:[ \t\n]+standalone[ \t\n]*=[ \t\n]*(?:"(?:yes|no)"|'(?:yes|no)'))?[ \t\n]*\?>"""
)
#: The longest slot taken: far below libxml2's own bound on a text node without XML_PARSE_HUGE (10,000,000
#: bytes), which a ``Limits.max_bytes`` raised past it would let the full parser refuse; longer text is read
#: by the full parser.
MAX_SLOT_BYTES = 1_000_000
#: What a slot may not hold: C0 controls but TAB and LF (so CR too), a reference, the end of a CDATA section,
#: U+FFFE and U+FFFF. (Invalid UTF-8, surrogates included, fails the strict decoding that follows.)
_NOT_PLAIN_TEXT = re.compile(rb"[\x00-\x08\x0b-\x1f&]|\]\]>|\xef\xbf[\xbe\xbf]")


def slot_text(slot: bytes) -> str | None:
    """``slot`` as the text the full parser would read from it as element content, or None when it is not
    plain character data (see the module docstring)."""
    try:
        text = slot.decode("utf-8")
    except UnicodeDecodeError:
        return None
    # printable text (the usual) needs two scans in C: no control character, U+FFFE or U+FFFF is printable
    if text.isprintable() and "&" not in text and "]]>" not in text:
        return text if text else None
    if not slot or _NOT_PLAIN_TEXT.search(slot) is not None:
        return None
    return text


def leaf_text_spans(body: bytes, elements: int, leaves: Sequence[int]) -> list[tuple[int, int]] | None:
    """The byte span of the text of each element numbered in ``leaves`` (document order, the root is 0), in a
    UTF-8 document of ``elements`` elements; None unless each of them is a leaf holding text only and the
    document is plain: no comment, CDATA section, DOCTYPE or processing instruction (an XML declaration
    naming UTF-8 is fine), and its tags count exactly ``elements``.
    """
    wanted = {index: n for n, index in enumerate(leaves)}
    spans: list[tuple[int, int] | None] = [None] * len(leaves)
    pos = 0
    if body.startswith(b"<?"):
        declaration = _UTF8_DECLARATION.match(body)
        if declaration is None:
            return None
        pos = declaration.end()
    elif not body.startswith(b"<"):
        return None  # a byte order mark, or white space first: not worth a template
    size = len(body)
    element = -1
    pending = -1  # the slot whose start tag was the last token
    text: tuple[int, int] | None = None
    while pos < size:
        token = _TOKEN.match(body, pos)
        if token is None:
            return None
        end = token.end()
        if body[pos] == 0x3C:  # "<"
            second = body[pos + 1:pos + 2]
            if second in (b"!", b"?"):
                return None
            if second == b"/":
                if pending >= 0 and text is not None:
                    spans[pending] = text
                pending, text = -1, None
            else:
                element += 1
                pending, text = -1, None
                slot = wanted.get(element)
                if slot is not None:
                    if body[end - 2] == 0x2F:  # "/>": an empty element has no text to template
                        return None
                    pending = slot
        elif pending >= 0:
            if text is not None:
                return None
            text = (pos, end)
        pos = end
    if element + 1 != elements or any(span is None for span in spans):
        return None
    return [span for span in spans if span is not None]


def leaf_spans_in_order(
    body: bytes, elements: Sequence[object], leaves: Sequence[object]
) -> tuple[list[tuple[int, int]], list[int]] | None:
    """:func:`leaf_text_spans` for ``leaves`` (elements of ``elements``, the document's elements in order)
    given in any order: their spans in document order, and which of ``leaves`` each span is the text of."""
    indices = [elements.index(leaf) for leaf in leaves]
    order = sorted(range(len(leaves)), key=indices.__getitem__)
    spans = leaf_text_spans(body, len(elements), [indices[i] for i in order])
    return None if spans is None else (spans, order)


class ByteTemplate:
    """Constant chunks with a text slot between each two (see the module docstring)."""

    __slots__ = ("chunks", "first", "size")

    def __init__(self, body: bytes, spans: Sequence[tuple[int, int]]) -> None:
        chunks = []
        pos = 0
        for start, end in spans:
            chunks.append(body[pos:start])
            pos = end
        chunks.append(body[pos:])
        self.first = chunks[0]
        #: the chunks after each slot (each starts with the "<" of the tag that ends the slot)
        self.chunks = tuple(chunks[1:])
        self.size = sum(map(len, chunks))

    def match(self, body: bytes) -> list[str] | None:
        """The slots' texts if ``body`` is this template with plain text in its slots, else None."""
        if not body.startswith(self.first):
            return None
        pos = len(self.first)
        texts = []
        for chunk in self.chunks:
            end = body.find(b"<", pos)
            if end < 0 or end - pos > MAX_SLOT_BYTES or not body.startswith(chunk, end):
                return None
            text = slot_text(body[pos:end])
            if text is None:
                return None
            texts.append(text)
            pos = end + len(chunk)
        return texts if pos == len(body) else None


__all__ = ["MAX_SLOT_BYTES", "ByteTemplate", "leaf_spans_in_order", "leaf_text_spans", "slot_text"]
