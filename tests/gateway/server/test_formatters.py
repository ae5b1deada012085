"""gateway.server.formatters, and the server's ``soap.SoapFormatter``: which dialect a message is read as, and
document/literal SOAP 1.1 and 1.2 read and answered without any HTTP.

A message's dialect shows in its answer: the Remoting dialect answers ``<XResponse><return>`` with
``text/xml; charset="utf-8"``, document/literal ``<XResponse><XResult>`` in the request's SOAP version.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from lxml import etree

from gateway.server.formatters import enabled_formatters_from_env, make_formatters, media_type, select_formatter
from soap import (
    DEFAULT_LIMITS,
    DEFAULT_REGISTRY,
    REMOTING_SOAP_CONTENT_TYPE,
    SOAP11,
    SOAP12,
    BinaryFormatter,
    Fault,
    IncomingCall,
    Limits,
    MessageTooLarge,
    MethodReturn,
    SoapDecodeError,
    SoapFormatter,
    SoapVersion,
    wire_type,
)

FORMATTER = SoapFormatter()
STRING = wire_type(str)
ENV11 = "http://schemas.xmlsoap.org/soap/envelope/"
ENV12 = "http://www.w3.org/2003/05/soap-envelope"
ENC = "http://schemas.xmlsoap.org/soap/encoding/"
CLR_NS = "http://schemas.microsoft.com/clr/nsassem/Tests.IEcho/Tests"
NAMESPACES = (
    f'xmlns:SOAP-ENV="{ENV11}" xmlns:SOAP-ENC="{ENC}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
)


def soap11(body: str, envelope_attrs: str = "", body_attrs: str = "") -> bytes:
    return (
        f"<SOAP-ENV:Envelope {NAMESPACES} {envelope_attrs}><SOAP-ENV:Body {body_attrs}>{body}</SOAP-ENV:Body>"
        "</SOAP-ENV:Envelope>"
    ).encode()


def soap12(body: str) -> bytes:
    return f'<env:Envelope xmlns:env="{ENV12}"><env:Body>{body}</env:Body></env:Envelope>'.encode()


def answer(call: IncomingCall, value: str = "x") -> tuple[bytes, str]:
    return FORMATTER.write_return(call, MethodReturn(call.method_name, call.namespace, value, STRING))


def dialect(call: IncomingCall) -> str:
    """``remoting``, ``soap11`` or ``soap12``: what the server would answer ``call`` in."""
    body, content_type = answer(call)
    root = etree.fromstring(body)
    response = root[0][0]
    if content_type == REMOTING_SOAP_CONTENT_TYPE:
        assert root.tag == f"{{{ENV11}}}Envelope" and response[0].tag == "return", body
        return "remoting"
    assert etree.QName(response[0]).localname == f"{call.method_name}Result", body
    if content_type == SOAP11.content_type:
        assert root.tag == f"{{{ENV11}}}Envelope", body
        return "soap11"
    assert content_type == SOAP12.content_type and root.tag == f"{{{ENV12}}}Envelope", (content_type, body)
    return "soap12"


# ------------------------------------------------------------------ dialect detection

PLAIN_OP = '<m:Echo xmlns:m="urn:plain"><m:value>x</m:value></m:Echo>'
ENCODED_VALUE = '<value xsi:type="xsd:string">x</value>'

DIALECTS = [
    ("literal-1.1", soap11(PLAIN_OP), "soap11"),
    ("clr-namespace", soap11(f'<i2:Echo xmlns:i2="{CLR_NS}"><value>x</value></i2:Echo>'), "remoting"),
    (
        "href-multi-ref",
        soap11('<m:Echo xmlns:m="urn:plain"><value href="#ref-3"/></m:Echo>'
               '<item id="ref-3" xsi:type="xsd:string">x</item>'),
        "remoting",
    ),
    (
        "encodingStyle-on-body",
        soap11(f'<m:Echo xmlns:m="urn:plain">{ENCODED_VALUE}</m:Echo>', body_attrs=f'SOAP-ENV:encodingStyle="{ENC}"'),
        "remoting",
    ),
    (
        "encodingStyle-on-operation",
        soap11(f'<m:Echo xmlns:m="urn:plain" SOAP-ENV:encodingStyle="{ENC}">{ENCODED_VALUE}</m:Echo>'),
        "remoting",
    ),
    (  # SOAP::Lite puts encodingStyle on the Envelope of literal messages: it does not count
        "encodingStyle-only-on-envelope",
        soap11(PLAIN_OP, envelope_attrs=f'SOAP-ENV:encodingStyle="{ENC}"'),
        "soap11",
    ),
    ("soap-1.2", soap12(PLAIN_OP), "soap12"),
    (  # SOAP 1.2 is always document/literal, whatever the operation's namespace
        "soap-1.2-clr-namespace",
        soap12(f'<m:Echo xmlns:m="{CLR_NS}"><m:value>x</m:value></m:Echo>'),
        "soap12",
    ),
]


@pytest.mark.parametrize(("message", "expected"), [d[1:] for d in DIALECTS], ids=[d[0] for d in DIALECTS])
def test_dialect_of_a_message(message: bytes, expected: str) -> None:
    call = FORMATTER.read_call(message)
    assert call.method_name == "Echo"
    assert call.decode_arguments([STRING], ["value"]) == ["x"]
    assert dialect(call) == expected


@pytest.mark.parametrize(
    ("message", "phrase"),
    [
        (b"<x/>", "not a SOAP 1.1 envelope"),
        (soap12(""), "Body is empty"),
        (f'<env:Envelope xmlns:env="{ENV12}"/>'.encode(), "no Body"),
        (soap11(""), "Body is empty"),
        (b"<SOAP-ENV:Envelope", "malformed XML"),
    ],
    ids=["not-soap", "empty-1.2-body", "no-1.2-body", "empty-1.1-body", "not-xml"],
)
def test_messages_that_are_no_call_are_decode_errors(message: bytes, phrase: str) -> None:
    with pytest.raises(SoapDecodeError, match=phrase):
        FORMATTER.read_call(message)


def test_message_over_the_limits_is_refused() -> None:
    small = SoapFormatter(limits=Limits(max_bytes=64))
    with pytest.raises(MessageTooLarge):
        small.read_call(soap11(PLAIN_OP))


# ------------------------------------------------------------------ document/literal, SOAP 1.1 and 1.2

HELLO = '<tns:Hello xmlns:tns="urn:test"><tns:name>Bob</tns:name><tns:times>3</tns:times></tns:Hello>'


@pytest.mark.parametrize(("wrap", "version"), [(soap11, SOAP11), (soap12, SOAP12)], ids=["1.1", "1.2"])
def test_literal_call_read_and_answered(wrap: Callable[[str], bytes], version: SoapVersion) -> None:
    call = FORMATTER.read_call(wrap(HELLO))
    assert (call.method_name, call.namespace, call.argument_count) == ("Hello", "urn:test", 2)
    # matched by name, in any order; a missing optional parameter is None
    assert call.decode_arguments([wire_type(int), STRING], ["times", "name"]) == [3, "Bob"]
    assert call.decode_arguments([STRING, wire_type(int), wire_type(str | None)], ["name", "times", "extra"]) == [
        "Bob", 3, None,
    ]
    with pytest.raises(SoapDecodeError, match="no parameter"):
        call.decode_arguments([STRING], ["name"])  # <times> is not a parameter of this signature
    body, content_type = FORMATTER.write_return(call, MethodReturn("Hello", "urn:test", "Hi Bob", STRING))
    assert content_type == version.content_type
    root = etree.fromstring(body)
    assert root.tag == f"{{{version.envelope_ns}}}Envelope"
    result = root.find(".//{urn:test}HelloResponse/{urn:test}HelloResult")
    assert result is not None and result.text == "Hi Bob"


@pytest.mark.parametrize(
    ("wrap", "code_path", "code", "text_path"),
    [
        (soap11, "faultcode", "soap:Client", "faultstring"),
        (soap12, f"{{{ENV12}}}Code/{{{ENV12}}}Value", "soap:Sender", f"{{{ENV12}}}Reason/{{{ENV12}}}Text"),
    ],
    ids=["1.1", "1.2"],
)
def test_literal_fault_in_the_version_of_the_call(
    wrap: Callable[[str], bytes], code_path: str, code: str, text_path: str
) -> None:
    call = FORMATTER.read_call(wrap(HELLO))
    body, content_type = FORMATTER.write_fault(Fault("Client", "no such thing <here>", None), call)
    version = SOAP11 if wrap is soap11 else SOAP12
    assert content_type == version.content_type
    fault = etree.fromstring(body).find(f".//{{{version.envelope_ns}}}Fault")
    assert fault is not None
    assert fault.findtext(code_path) == code
    assert fault.findtext(text_path) == "no such thing <here>"
    server_fault, _ = FORMATTER.write_fault(Fault("Server", "oops", None), call)
    assert (b"soap:Server" if version is SOAP11 else b"soap:Receiver") in server_fault


def test_fault_without_a_call_follows_the_content_type() -> None:
    body, content_type = FORMATTER.write_fault(Fault("Client", "unreadable", None), None, "application/soap+xml")
    assert content_type == SOAP12.content_type
    assert etree.fromstring(body).tag == f"{{{ENV12}}}Envelope"
    body, content_type = FORMATTER.write_fault(Fault("Client", "unreadable", None), None, 'text/xml; charset="utf-8"')
    assert content_type == REMOTING_SOAP_CONTENT_TYPE  # a SOAP 1.1 caller we know nothing of: the Remoting dialect
    assert b"SOAP-ENV:Client" in body and b"unreadable" in body


def test_remoting_call_answered_in_the_remoting_dialect() -> None:
    call = FORMATTER.read_call(soap11(f'<i2:Echo xmlns:i2="{CLR_NS}"><value>x</value></i2:Echo>'))
    body, content_type = FORMATTER.write_fault(Fault("Server", "broken", None), call)
    assert content_type == REMOTING_SOAP_CONTENT_TYPE
    assert b"SOAP-ENV:Server" in body and b"broken" in body


# ------------------------------------------------------------------ gateway.server.formatters


def test_media_type() -> None:
    assert media_type('Text/XML; charset="utf-8"') == "text/xml"
    assert media_type("application/soap+xml;action=x") == "application/soap+xml"
    assert media_type(None) == media_type("") == ""


def test_make_formatters_in_order_and_refuses_unknown_or_none() -> None:
    both = make_formatters(["binary", "soap"], DEFAULT_REGISTRY, DEFAULT_LIMITS)
    assert list(both) == ["binary", "soap"]
    assert isinstance(both["soap"], SoapFormatter) and isinstance(both["binary"], BinaryFormatter)
    with pytest.raises(ValueError, match="unknown formatter"):
        make_formatters(["soap", "json"], DEFAULT_REGISTRY, DEFAULT_LIMITS)
    with pytest.raises(ValueError, match="at least one"):
        make_formatters([], DEFAULT_REGISTRY, DEFAULT_LIMITS)


def test_select_formatter_only_among_the_enabled_ones() -> None:
    soap_only = make_formatters(["soap"], DEFAULT_REGISTRY, DEFAULT_LIMITS)
    both = make_formatters(["soap", "binary"], DEFAULT_REGISTRY, DEFAULT_LIMITS)
    for content_type in ("text/xml; charset=utf-8", "application/soap+xml", None):
        assert select_formatter(soap_only, content_type) is soap_only["soap"]
    assert select_formatter(soap_only, "application/octet-stream") is None
    assert select_formatter(both, "application/octet-stream") is both["binary"]
    assert select_formatter(both, "application/json") is None


def test_environment_overrides_the_enabled_formatters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GATEWAY_FORMATTERS", raising=False)
    assert enabled_formatters_from_env(("soap",)) == ["soap"]
    monkeypatch.setenv("GATEWAY_FORMATTERS", " SOAP , binary ,")
    assert enabled_formatters_from_env(("soap",)) == ["soap", "binary"]
    monkeypatch.setenv("GATEWAY_FORMATTERS", "")
    assert enabled_formatters_from_env(("soap",)) == ["soap"]
