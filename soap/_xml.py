"""The one hardened XML parser every formatter uses, and :class:`Limits`, the bounds on every message.

No DTD is ever loaded (a DOCTYPE is refused outright, so no entity can be declared, let alone expanded),
nothing is fetched from the network, processing instructions are refused (SOAP forbids them anywhere in a
message), and size, nesting depth, element count and attribute length are capped: the size before
parsing, the rest right after, before any value is decoded.

Strictness must cost next to nothing for ordinary messages, so each check after parsing starts with a scan
of the raw bytes (in C: ``bytes.count`` / ``bytes.find``) that can only say "certainly fine", and walks the
tree (with an XPath expression, also in C) only when the scan cannot rule the problem out.
Carriage returns in values survive (``_eol.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from ._eol import keep_carriage_returns
from ._errors import LimitExceeded, MessageTooLarge, SoapDecodeError


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on everything that comes off the wire, one place for all three formatters.

    Each is checked before the memory it guards is spent, and a message over one is refused with a
    fault naming the limit (``LimitExceeded``; ``MessageTooLarge`` for the body). The table with the
    defaults and where each is checked is in docs/security.md.
    """

    #: bytes of one message body (HTTP 413 when over)
    max_bytes: int = 4 * 1024 * 1024
    #: nesting of XML elements / of MS-NRBF records
    max_depth: int = 64
    #: XML elements / MS-NRBF records in one message
    max_elements: int = 200_000
    #: items of one array
    max_array_length: int = 1_000_000
    #: length of a chain of references (``href`` / MemberReference), i.e. depth of the object graph
    max_ref_depth: int = 64
    # (the fields above keep their positions: ``Limits(max_bytes, max_depth, ...)`` predates the ones below)
    #: characters of one XML attribute value
    max_attribute_length: int = 64 * 1024
    #: characters of one text value (a string, a number, ...) / bytes of one MS-NRBF string (by default as
    #: large as a body may be: a 3 MB string argument is legitimate; lower it where none is)
    max_text_length: int = 4 * 1024 * 1024
    #: decoded bytes of one base64Binary value / one MS-NRBF byte array
    max_binary_length: int = 4 * 1024 * 1024
    #: items of all arrays of one message together
    max_array_items: int = 1_000_000
    #: multi-ref targets (elements with an ``id``) / MS-NRBF objects with an object id, in one message
    max_multirefs: int = 100_000
    #: attributes of one XML element (namespace declarations not counted)
    max_attributes: int = 256

DEFAULT_LIMITS = Limits()

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=False,  # kept, so that they can be refused
    collect_ids=False,
)

_PIS = etree.XPath("//processing-instruction()")
_ELEMENT_COUNT = etree.XPath("count(//*)")
_LONG_ATTRIBUTE = etree.XPath("(//@*[string-length(.) > $n])[1]")
_MANY_ATTRIBUTES = etree.XPath("(//*[count(@*) > $n])[1]")
_DEPTH_PROBES: dict[int, etree.XPath] = {}


def _deeper_than(depth: int) -> etree.XPath:
    """An XPath that is true when some element sits more than ``depth`` levels deep (cached per depth)."""
    probe = _DEPTH_PROBES.get(depth)
    if probe is None:
        probe = _DEPTH_PROBES[depth] = etree.XPath("boolean(" + "/*" * (depth + 1) + ")")
    return probe


def parse_xml(data: bytes, limits: Limits = DEFAULT_LIMITS) -> etree._Element:
    """Parse ``data`` into an element tree, or raise :class:`SoapDecodeError` saying what is wrong."""
    if len(data) > limits.max_bytes:
        raise MessageTooLarge(f"message of {len(data)} bytes exceeds the limit of {limits.max_bytes} bytes")
    # One scan for "<!" (comments, CDATA and DOCTYPEs start so; a SOAP message seldom has any), then the
    # precise checks only when it occurs. In an ASCII-compatible document (it starts with "<", not "<\0")
    # that settles whether a DOCTYPE is there; in any other (UTF-16 ...) the parsed tree is asked.
    markup = _find_markup(data, b"!", 0) != -1
    if markup and (b"<!DOCTYPE" in data or b"<!ENTITY" in data):
        raise SoapDecodeError("DOCTYPE and entity declarations are not allowed")
    ascii_compatible = data[:1] == b"<" and data[1:2] != b"\x00"
    if not ascii_compatible and (not data or data.isspace()):
        raise SoapDecodeError("empty message body")
    if b"\r" in data:  # CR and CRLF in values arrive as sent (see _eol.py)
        data = keep_carriage_returns(data)
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise SoapDecodeError(f"malformed XML: {exc}") from None
    except (LookupError, ValueError) as exc:  # an encoding lxml cannot decode, or bytes it cannot take
        raise SoapDecodeError(f"malformed XML: {exc}") from None
    if (markup or not ascii_compatible) and root.getroottree().docinfo.doctype:
        # A DOCTYPE in another encoding (UTF-16 ...) slipped past the byte check above.
        raise SoapDecodeError("DOCTYPE and entity declarations are not allowed")
    # a processing instruction needs the bytes "<?" (in an ASCII-compatible encoding); only the XML
    # declaration may have them, and only at the very start
    if not ascii_compatible or _find_markup(data, b"?", 0) != -1:  # (at 0 too: not every "<?" is a declaration)
        _check_processing_instructions(data, root)
    _check_shape(data, root, limits, ascii_compatible)
    return root


#: below this size a scan of the bytes is cheaper than asking the tree; above it the tree is asked at once
#: (XPath in C costs per node, a byte scan per byte: a large message is mostly text, a 1 MB base64 node)
_SCAN_BYTES = 8192
#: encodings in which every byte below 0x80 is the ASCII character, so a "<" byte is a "<" (not a byte of
#: a multi-byte character, as in ISO-2022-JP or Shift_JIS)
_ASCII_BYTES = frozenset({"UTF-8", "UTF8", "US-ASCII", "ASCII", "ISO-8859-1", "LATIN1", "ISO-8859-15"})


def _check_shape(data: bytes, root: etree._Element, limits: Limits, ascii_compatible: bool) -> None:
    """Depth, element count, attribute lengths and attribute counts, right after the parse.

    Each is asked of the tree (XPath, in C, no Python object per node) unless a cheaper fact rules it out:
    an element takes at least 4 bytes (``<a/>``), one level of nesting 7 (``<a></a>``), an attribute an
    ``=``, and an attribute value's characters are at most the bytes between two ``<``. Small messages are
    counted byte by byte first; a large one is asked directly (counting a megabyte of base64 costs more
    than walking its few elements).
    """
    size = len(data)
    small = size <= _SCAN_BYTES
    # a "<" byte count bounds the elements in any encoding lxml reads (UTF-16 and -32 included: every "<"
    # character has a 0x3C byte); counted only where that is cheap
    tags = data.count(b"<") if small else size
    if tags > limits.max_depth and size > 7 * limits.max_depth and _deeper_than(limits.max_depth)(root):
        raise LimitExceeded(f"XML nesting deeper than {limits.max_depth} levels", "max_depth")
    if tags > limits.max_elements and size >= 4 * (limits.max_elements + 1):
        count = int(_ELEMENT_COUNT(root))
        if count > limits.max_elements:
            raise LimitExceeded(f"more than {limits.max_elements} XML elements ({count})", "max_elements")
    if size > limits.max_attribute_length and _may_hold_long_attribute(data, root, limits.max_attribute_length,
                                                                        ascii_compatible):
        found = _LONG_ATTRIBUTE(root, n=limits.max_attribute_length)
        if found:
            parent = found[0].getparent()
            where = f" on <{local_name(parent.tag)}>" if parent is not None else ""
            raise LimitExceeded(f"an attribute value{where} longer than {limits.max_attribute_length} characters",
                                "max_attribute_length")
    # every attribute needs an "=": a message with no more of them than the limit cannot be over it
    if (not small or data.count(b"=") > limits.max_attributes) and _over_attributes(limits.max_attributes)(root):
        _check_attribute_count(root, limits.max_attributes)


def _may_hold_long_attribute(data: bytes, root: etree._Element, limit: int, ascii_compatible: bool) -> bool:
    """False only when no attribute value can be over ``limit`` characters: every run of bytes without a
    ``<`` is at most ``limit`` long (a value lies between its tag's ``<`` and the next, and each of its
    characters, a reference included, takes at least a byte).

    Every window of ``limit + 1`` bytes holds exactly one index ``k * (limit + 1) + limit``; a run that long
    is found from the last ``<`` at or before such an index (a C ``memrchr``/``memchr`` each, a handful per
    message). Where a ``<`` byte need not be a ``<`` (other encodings), or probes would be many (a tiny
    limit), the answer is "maybe" and the tree is asked.
    """
    step = limit + 1
    if not ascii_compatible or len(data) // step > 64:
        return True
    encoding = root.getroottree().docinfo.encoding
    if (encoding or "UTF-8").upper() not in _ASCII_BYTES:
        return True
    end = len(data)
    for at in range(limit, end, step):
        last = data.rfind(b"<", at - limit, at + 1)
        if last == -1 or (last + step < end and data.find(b"<", last + 1, last + step + 1) == -1):
            return True
    return False


_ATTRIBUTE_PROBES: dict[int, etree.XPath] = {}


def _over_attributes(limit: int) -> etree.XPath:
    """An XPath that is true when some element has more than ``limit`` attributes (cached per limit).

    ``@*[n]`` is a positional step, which libxml2 evaluates by stopping at the n-th attribute of each
    element: an order of magnitude cheaper than ``count(@*)`` per element, which builds every node set.
    """
    probe = _ATTRIBUTE_PROBES.get(limit)
    if probe is None:
        probe = _ATTRIBUTE_PROBES[limit] = etree.XPath(f"boolean(/descendant::*/@*[{limit + 1}])")
    return probe


def _check_attribute_count(root: etree._Element, limit: int) -> None:
    """Refuse an element with more than ``limit`` attributes (searched in C, by XPath).

    libxml2 has no such bound of its own; the body size bounds what the parse spent, and this check comes
    before any value is decoded.
    """
    found = _MANY_ATTRIBUTES(root, n=limit)
    if found:
        element = found[0]
        raise LimitExceeded(f"<{local_name(element.tag)}> has {len(element.attrib)} attributes, more than {limit}",
                            "max_attributes")


def _find_markup(data: bytes, mark: bytes, start: int) -> int:
    """``data.find(b"<" + mark, start)``, searching for the rarer ``mark`` byte (``memchr``: a two-byte search
    takes 1.6 ms over a megabyte of base64, this 0.02 ms); after a few ``mark`` bytes without a ``<`` before
    them it leaves the rest to the two-byte search."""
    for _ in range(8):
        at = data.find(mark, start)
        if at == -1:
            return -1
        if at > start and data[at - 1] == 0x3C:  # "<"
            return at - 1
        start = at + 1
    return data.find(b"<" + mark, start)


_ASCII_START = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*<[^\x00]")


def _check_processing_instructions(data: bytes, root: etree._Element) -> None:
    """Refuse processing instructions, anywhere (SOAP 1.1 section 3, SOAP 1.2 part 1 section 5).

    The XML declaration is not one. In an ASCII-compatible document (UTF-8, Latin-1 ...; not UTF-16 or
    EBCDIC) a processing instruction needs the bytes ``<?`` after the declaration: only when they occur is
    the tree searched (in C, by XPath).
    """
    if _ASCII_START.match(data):
        at = data.find(b"<?")
        if at != -1 and data.startswith(b"<?xml", at) and data[at + 5:at + 6] in (b" ", b"\t", b"\r", b"\n"):
            at = _find_markup(data, b"?", data.find(b"?>", at) + 2)
        if at == -1:
            return
    found = _PIS(root)
    if found:
        target = found[0].target
        raise SoapDecodeError(f"processing instructions are not allowed in a SOAP message (found <?{target}?>)")


def element_text(el: etree._Element, limits: Limits, binary: bool = False) -> str:
    """The text of ``el`` as a scalar's lexical form, within ``max_text_length`` (or, for ``binary``
    base64 text, the ``max_binary_length`` it decodes to: checked before decoding)."""
    text = el.text or ""
    if binary:
        if len(text) // 4 * 3 > limits.max_binary_length:
            raise LimitExceeded(f"<{local_name(el.tag)}> holds more than {limits.max_binary_length} bytes of base64",
                                "max_binary_length")
    elif len(text) > limits.max_text_length:
        raise LimitExceeded(f"<{local_name(el.tag)}> holds more than {limits.max_text_length} characters",
                            "max_text_length")
    return text


def count_array_items(total: int, added: int, limits: Limits) -> int:
    """``total + added`` array items read so far in one message, refused past ``max_array_length`` for one
    array or ``max_array_items`` for the message."""
    if added > limits.max_array_length:
        raise LimitExceeded(f"array longer than {limits.max_array_length} items ({added})", "max_array_length")
    total += added
    if total > limits.max_array_items:
        raise LimitExceeded(f"more than {limits.max_array_items} array items in one message", "max_array_items")
    return total


def local_name(tag: object) -> str:
    """``{ns}name`` -> ``name`` (comments and processing instructions have no string tag: ``""``)."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def namespace_of(tag: object) -> str:
    """``{ns}name`` -> ``ns``; ``""`` for an unqualified name."""
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""
