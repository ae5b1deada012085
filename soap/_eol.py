"""Carriage returns in character data survive parsing, as they do for .NET's own reader.

XML's end-of-line handling (XML 1.0 section 2.11) makes a parser turn every CRLF and every lone CR into LF
before anything else sees the text, and libxml2 (lxml) does exactly that. .NET's SOAP readers do not:
``XmlTextReader`` normalises nothing unless asked (``Normalization = false`` is its default), and .NET's
and Mono's SOAP writers put CR raw into strings (``XmlTextWriter`` escapes it in attributes only). A
``"a\\r\\nb"`` sent by a .NET peer would reach a Python method as ``"a\\nb"``.

So before parsing, each raw CR in *character data* becomes the character reference ``&#13;``, which
end-of-line handling leaves alone (section 2.11 applies to the literal input, not to references): in
element text, and in CDATA sections (split around it: ``]]>&#13;<![CDATA[``). CR anywhere else is left
as it is, where XML says it is just white space or the parser's business:

* inside markup (between attributes, in an XML declaration, a comment or a processing instruction);
* in attribute values, where attribute-value normalisation turns it into a space (as in .NET);
* in white space between elements: after an end tag or an empty-element tag, or before a start tag, a
  comment or a processing instruction (the CRLF indentation of a message written on Windows), which no
  SOAP reader treats as a value; and in white space outside the root element, where a character reference
  is not even allowed. (In mixed content, which SOAP does not use, such white space would be normalised.)

A message without CR costs one ``bytes.find``. Otherwise one regular expression skips everything that
needs no change, so the indentation of a Windows-written message costs a single scan; each value holding
a CR costs a slice and a ``bytes.replace``. The input is bytes in an ASCII-compatible encoding (UTF-8,
Latin-1 ..., where byte 0x0D is always CR) or UTF-16 with or without a byte order mark (transcoded for the
scan and back); other encodings (UTF-32, EBCDIC) are passed through unchanged.
"""

from __future__ import annotations

import codecs
import re

_WS = r"[\ \t\r\n]"
#: Everything up to the first CR that must be kept: text without CR; white space before markup other than an
#: end tag or a CDATA section (a start tag, a comment, a PI), or at the end; start, end and empty-element
#: tags (with the white space after an end or empty-element tag); comments, processing instructions and
#: CDATA sections without CR. Possessive, so a long run never backtracks.
_SKIP = re.compile(
    rf"""(?:
        [^<\r]++
      | {_WS}++(?=<(?!/|!\[CDATA\[)|\Z)
      | </[^>]*+>{_WS}*+
      | <(?![!?/])(?:[^>"']++|"[^"]*+"|'[^']*+')*+>(?:(?<=/>){_WS}*+)?
      | <!--.*?-->
      | <\?.*?\?>
      | <!\[CDATA\[[^\r]*?\]\]>
    )*+""".encode(),
    re.VERBOSE | re.DOTALL,
)
_CR = 0x0D
_CR_REF = b"&#13;"
_CDATA = b"<![CDATA["
_CDATA_END = b"]]>"

#: UTF-16 documents by their first bytes (a byte order mark, or "<" as one code unit): (prefix, codec).
_UTF16 = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
          (b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be"))
_UTF32 = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, b"<\x00\x00\x00", b"\x00\x00\x00<")


def keep_carriage_returns(data: bytes) -> bytes:
    """``data`` with each raw CR in character data written as ``&#13;`` (``data`` itself when none is)."""
    if b"\r" not in data:  # in UTF-16 too: its CR holds the byte 0x0D
        return data
    if data.startswith(_UTF32):
        return data
    for prefix, codec in _UTF16:
        if data.startswith(prefix):
            bom = prefix if len(prefix) == 2 and prefix[0] in (0xFF, 0xFE) else b""
            try:
                text = data[len(bom):].decode(codec)
            except UnicodeDecodeError:
                return data  # the parser says what is wrong with it
            if "\r" not in text:
                return data
            return bom + _escape(text.encode("utf-8")).decode("utf-8").encode(codec)
    return _escape(data)


def _escape(data: bytes) -> bytes:
    out = bytearray()
    pos = 0
    size = len(data)
    while True:
        match = _SKIP.match(data, pos)
        assert match is not None  # the pattern matches the empty string
        end = match.end()
        if end == size:
            break
        if data[end] == _CR:  # a CR in text: the rest of this text (up to the next markup) in one go
            text_end = data.find(b"<", end)
            if text_end < 0:
                text_end = size
            out += data[pos:end]
            out += data[end:text_end].replace(b"\r", _CR_REF)
            pos = text_end
        elif data.startswith(_CDATA, end):
            close = data.find(_CDATA_END, end)
            if close < 0:
                break
            out += data[pos:end]
            out += data[end:close].replace(b"\r", _CDATA_END + _CR_REF + _CDATA) + _CDATA_END
            pos = close + len(_CDATA_END)
        else:  # not well-formed here: left as it is for the parser to report
            break
    if not out:
        return data
    out += data[pos:]
    return bytes(out)


__all__ = ["keep_carriage_returns"]
