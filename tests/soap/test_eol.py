"""Raw CR and CRLF in character data survive parsing, in all three SOAP dialects (``soap/_eol.py``).

.NET and Mono write CR raw inside strings; XML end-of-line handling would turn it into LF. These messages
are written by hand with raw CR bytes, as Mono writes them (``test_mono_dotnet_captures.py`` reads Mono's
own); our writers escape CR, so a round trip through them alone would prove nothing.
"""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from soap import (
    DEFAULT_REGISTRY,
    MethodCall,
    SoapDecodeError,
    SoapFormatter,
    parse_xml,
    wire_type,
)
from soap._encoded_writer import write_call
from soap._eol import keep_carriage_returns

STR = wire_type(str)
FORMATTER = SoapFormatter(DEFAULT_REGISTRY)
TEXT = "one\rtwo\r\nthree\n\rfour\r"


def literal11(text: bytes) -> bytes:
    return (b'<?xml version="1.0" encoding="utf-8"?>\r\n'
            b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">\r\n  <soap:Body>\r\n'
            b'    <EchoText xmlns="urn:dotnet">\r\n      <text>' + text + b'</text>\r\n    </EchoText>\r\n'
            b"  </soap:Body>\r\n</soap:Envelope>\r\n")


def literal12(text: bytes) -> bytes:
    return (b'<?xml version="1.0" encoding="utf-8"?>\r\n'
            b'<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope">\r\n<env:Body>\r\n'
            b'<EchoText xmlns="urn:dotnet">\r\n<text>' + text + b"</text>\r\n</EchoText>\r\n</env:Body>\r\n"
            b"</env:Envelope>")


def remoting(text: bytes) -> bytes:
    """A Remoting-dialect call as Mono writes one (CR raw, LF indentation), here with CRLF indentation."""
    call = MethodCall("EchoText", "http://schemas.microsoft.com/clr/nsassem/DotnetInterop.IDotnetService/"
                      "DotnetShared", ["PLACEHOLDER"], ["text"], [STR])  # fmt: skip
    return write_call(call, DEFAULT_REGISTRY).replace(b"\n", b"\r\n").replace(b"PLACEHOLDER", text)


def decoded(body: bytes, content_type: str = "text/xml") -> object:
    return FORMATTER.read_call(body, content_type).decode_arguments([STR], ["text"])[0]


@pytest.mark.parametrize(
    ("dialect", "content_type"),
    [(literal11, "text/xml"), (literal12, "application/soap+xml"), (remoting, "text/xml")],
    ids=["literal-soap11", "literal-soap12", "remoting"],
)
def test_raw_cr_and_crlf_reach_the_method(dialect: object, content_type: str) -> None:
    assert callable(dialect)
    body = dialect(TEXT.encode())
    assert b"\r" in body and b"&#" not in body
    assert decoded(body, content_type) == TEXT


def test_a_value_of_line_ends_only_is_kept() -> None:
    assert decoded(literal11(b"\r\n")) == "\r\n"
    assert decoded(remoting(b"\r")) == "\r"


def test_cdata_keeps_cr() -> None:
    assert decoded(literal11(b"<![CDATA[a\rb\r\n<c>]]>d\re")) == "a\rb\r\n<c>d\re"


def test_escaped_cr_still_works() -> None:
    assert decoded(literal11(b"a&#xD;b&#13;\r\nc")) == "a\rb\r\r\nc"


def test_cr_in_markup_stays_white_space() -> None:
    """Between attributes, in the XML declaration, in a comment, in a processing instruction, outside the
    root element, and in attribute values (normalised to a space, as XML and .NET do): nothing is
    rewritten there."""
    doc = (b'<?xml version="1.0"\r\nencoding="utf-8"?>\r\n<?pi a\r\nb?>\r\n<!-- c\r\n -->\r\n'
           b'<a\r\n x="1\r\n2"\r\n\ty=\'\r\'>\r\n<b\r\n/>\r\n<c>v\rw</c>\r\n</a\r\n>\r\n<!-- after -->\r\n<?pi x?>\r\n')
    root = parse_xml(doc)
    assert root.get("x") == "1 2" and root.get("y") == " "
    assert root.find("c").text == "v\rw"  # type: ignore[union-attr]


def test_indentation_is_left_alone() -> None:
    doc = b"<a>\r\n  <b>x</b>\r\n  <c/>\r\n  <d>\r\n    <e>y</e>\r\n  </d>\r\n</a>\r\n"
    assert keep_carriage_returns(doc) == doc  # nothing there is a value


def test_a_message_without_cr_is_not_copied() -> None:
    doc = literal11(b"plain")
    assert keep_carriage_returns(doc) is doc


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_documents_keep_cr(codec: str) -> None:
    doc = '<?xml version="1.0" encoding="UTF-16"?>\r\n<a b="\r">x\r\ny\u0d0a\r</a>'.encode(codec)
    root = parse_xml(doc)
    assert root.text == "x\r\ny\u0d0a\r" and root.get("b") == " "


def test_latin1_document_keeps_cr() -> None:
    doc = '<?xml version="1.0" encoding="iso-8859-1"?><a>é\r\n</a>'.encode("latin-1")
    assert parse_xml(doc).text == "é\r\n"


@pytest.mark.parametrize(
    "doc",
    [b"<a>x\r<b</a>", b"<a x='1\r>y</a>", b"<a><![CDATA[x\r</a>", b"<a>\r<!-- x</a>", b"<a>\r</b>"],
)
def test_malformed_messages_still_fail_cleanly(doc: bytes) -> None:
    with pytest.raises(SoapDecodeError, match="malformed XML"):
        parse_xml(doc)


# ------------------------------------------------------------------ properties

XML_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufffe\uffff").filter(
    lambda c: c in "\t\n\r" or ord(c) >= 0x20
)


def raw(text: str) -> bytes:
    """``text`` as element content the way Mono writes it: markup characters escaped, CR raw."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode()


@settings(max_examples=200, deadline=None)
@given(st.text(XML_CHARS, max_size=60))
def test_any_string_with_raw_cr_arrives_unchanged(text: str) -> None:
    assert decoded(literal11(raw(text))) == text
    assert decoded(literal12(raw(text)), "application/soap+xml") == text
    assert decoded(remoting(raw(text))) == text


WS = st.sampled_from([" ", "\r\n", "\r", "\n", "\t", "\r\n  "])
NAMES = st.text(string.ascii_lowercase, min_size=1, max_size=4)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(WS, st.text(XML_CHARS.filter(lambda c: c not in "<&\"'"), max_size=8), WS),
                min_size=1, max_size=4),
       st.lists(st.tuples(NAMES, st.text(XML_CHARS.filter(lambda c: c not in "<&>"), max_size=12), WS),
                max_size=5))
def test_only_character_data_changes(attrs: list[tuple[str, str, str]], children: list[tuple[str, str, str]]) -> None:
    """Whatever the white space in tags and between elements, the tree is the one libxml2 builds, except
    that values keep their CRs."""
    attributes = "".join(f'{before}a{i}="{value}"{after}' for i, (before, value, after) in enumerate(attrs))
    inner = "".join(f"<{name}>{text}</{name}>{ws}" for name, text, ws in children)
    doc = f"<?xml version='1.0'?>\r\n<root{attributes}>\r\n{inner}</root>\r\n".encode()
    ours = parse_xml(doc)
    plain = etree.fromstring(doc)
    assert dict(ours.attrib) == dict(plain.attrib)
    assert [c.tag for c in ours] == [c.tag for c in plain]
    for mine, theirs, (_, text, _) in zip(ours, plain, children, strict=True):
        assert (mine.text or "") == text
        assert (theirs.text or "") == text.replace("\r\n", "\n").replace("\r", "\n")
