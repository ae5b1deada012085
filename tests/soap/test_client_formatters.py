"""The client side of all three wire formats through the one :class:`soap.ClientFormatter` interface.

What a client channel relies on: ``write_request`` gives the body *and* the headers a peer needs to route
it (the headers Mono's client sends, in the Remoting dialect and binary: ``peers/mono/captures/*/raw``);
``accepts_response`` tells a response in the format from an error page; ``read_reply`` turns the response
bytes, captured from Mono or written by our own server side, into the result or the fault.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from lxml import etree

from examples.hello import IHello
from examples.remoting_samples import GreetingException, IRemoteService
from soap import (
    DEFAULT_REGISTRY,
    SOAP11,
    SOAP12,
    VOID,
    BinaryFormatter,
    ClientFormatter,
    Fault,
    LiteralFormatter,
    MethodCall,
    MethodReturn,
    RemotingSoapFormatter,
    SoapDecodeError,
    SoapEncodeError,
    SoapFormatter,
    SoapVersion,
    WireType,
    exception_info,
    method_namespace,
    type_name_for_namespace,
    wire_type,
)
from wsdl import contract_of

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HELLO_NS = "http://schemas.microsoft.com/clr/nsassem/RemotingPeer.IHello/PeerShared"
SERVICE_NS = "http://schemas.microsoft.com/clr/nsassem/RemotingPeer.IRemoteService/PeerShared"
STRING = wire_type(str)
INT = wire_type(int)
CALC_NS = "urn:example:calculator"


def returns(contract: type, method: str) -> WireType:
    op = contract_of(contract).operation(method)
    assert op is not None
    return op.returns


def hello_call(action: str | None = None) -> MethodCall:
    return MethodCall("HelloMethod", HELLO_NS, ["Alice"], ["name"], [STRING], action=action)


def all_formatters() -> list[ClientFormatter]:
    return [RemotingSoapFormatter(), BinaryFormatter(), LiteralFormatter(SOAP11), LiteralFormatter(SOAP12)]


# ------------------------------------------------------------------ the Remoting SOAP dialect


def test_remoting_request_carries_the_headers_mono_sends() -> None:
    request = RemotingSoapFormatter().write_request(hello_call())
    # exactly as Mono's SoapClientFormatterSink (captures/soap/raw/001_HelloMethod.request)
    assert request.headers == {
        "content-type": 'text/xml; charset="utf-8"',
        "soapaction": f'"{HELLO_NS}#HelloMethod"',
    }


def test_remoting_request_body_reads_like_monos() -> None:
    server = SoapFormatter()
    ours = server.read_call(RemotingSoapFormatter().write_request(hello_call()).body)
    mono = server.read_call((FIXTURES / "mono_soap" / "001_HelloMethod.request.xml").read_bytes())
    for call in (ours, mono):
        assert (call.method_name, call.namespace) == ("HelloMethod", HELLO_NS)
        assert call.decode_arguments([STRING], ["name"]) == ["Alice"]


def test_remoting_request_with_an_explicit_action() -> None:
    request = RemotingSoapFormatter().write_request(hello_call(action="urn:custom#Hello"))
    assert request.headers["soapaction"] == '"urn:custom#Hello"'


def test_remoting_reply_from_mono() -> None:
    body = (FIXTURES / "mono_soap" / "001_HelloMethod.response.xml").read_bytes()
    result = RemotingSoapFormatter().read_reply(body, "text/xml; charset=utf-8", "HelloMethod", STRING)
    assert result == MethodReturn("HelloMethod", HELLO_NS, "Hi there Alice", STRING)


def test_remoting_fault_from_mono_carries_the_registered_exception() -> None:
    body = (FIXTURES / "mono_soap" / "023_Fail.response.xml").read_bytes()
    result = RemotingSoapFormatter().read_reply(body, "text/xml", "Fail", returns(IRemoteService, "Fail"))
    assert isinstance(result, Fault) and result.code == "Server"
    assert result.exception is not None
    exc = result.exception.value
    assert isinstance(exc, GreetingException)
    assert (str(exc), exc.Greeting) == ("No greeting for you", "Hi there")


# ------------------------------------------------------------------ binary


def test_binary_request_names_the_type_and_sends_no_soapaction() -> None:
    request = BinaryFormatter().write_request(hello_call(action="ignored"))
    assert request.headers == {"content-type": "application/octet-stream"}  # as Mono's binary client sends
    call = BinaryFormatter().read_call(request.body)
    assert (call.method_name, call.namespace) == ("HelloMethod", "RemotingPeer.IHello, PeerShared")
    assert call.decode_arguments([STRING]) == ["Alice"]


@pytest.mark.parametrize(
    ("namespace", "type_name"),
    [
        (HELLO_NS, "RemotingPeer.IHello, PeerShared"),
        (method_namespace("RemotingPeer.IHello", "PeerShared, Version=0.0.0.0, Culture=neutral"),
         "RemotingPeer.IHello, PeerShared"),
        ("http://schemas.microsoft.com/clr/ns/System.Runtime.Remoting.Activation.IActivator",
         "System.Runtime.Remoting.Activation.IActivator, mscorlib"),
        ("RemotingPeer.IHello, PeerShared", "RemotingPeer.IHello, PeerShared"),
    ],
)
def test_type_name_for_namespace(namespace: str, type_name: str) -> None:
    assert type_name_for_namespace(namespace) == type_name


def test_binary_reply_from_mono_without_a_content_type() -> None:
    body = (FIXTURES / "mono_binary" / "001_HelloMethod.response.bin").read_bytes()
    result = BinaryFormatter().read_reply(body, "", "HelloMethod", returns(IHello, "HelloMethod"))
    assert isinstance(result, MethodReturn) and result.value == "Hi there Alice"


def test_binary_fault_from_mono_carries_the_registered_exception() -> None:
    body = (FIXTURES / "mono_binary" / "023_Fail.response.bin").read_bytes()
    result = BinaryFormatter().read_reply(body, "application/octet-stream", "Fail", returns(IRemoteService, "Fail"))
    assert isinstance(result, Fault) and result.exception is not None
    exc = result.exception.value
    assert isinstance(exc, GreetingException)
    assert (str(exc), exc.Greeting) == ("No greeting for you", "Hi there")


# ------------------------------------------------------------------ document/literal


def add_call(action: str | None = "urn:example:calculator/Add") -> MethodCall:
    """A call whose wire names (element ``AddNumbers``, parameters ``first``/``second``) are the WSDL's."""
    return MethodCall("AddNumbers", CALC_NS, [2, 3], ["first", "second"], [INT, INT], action=action)


def test_literal_soap11_request_headers() -> None:
    assert LiteralFormatter(SOAP11).write_request(add_call()).headers == {
        "content-type": "text/xml; charset=utf-8",
        "soapaction": '"urn:example:calculator/Add"',
    }
    # SOAP 1.1 requires the header even without an action
    assert LiteralFormatter(SOAP11).write_request(add_call(None)).headers["soapaction"] == '""'


def test_literal_soap12_request_puts_the_action_in_the_content_type() -> None:
    assert LiteralFormatter(SOAP12).write_request(add_call()).headers == {
        "content-type": 'application/soap+xml; charset=utf-8; action="urn:example:calculator/Add"',
    }
    assert LiteralFormatter(SOAP12).write_request(add_call("")).headers == {
        "content-type": "application/soap+xml; charset=utf-8",
    }


@pytest.mark.parametrize("version", [SOAP11, SOAP12], ids=["soap11", "soap12"])
def test_literal_request_body_uses_the_wire_names(version: SoapVersion) -> None:
    root = etree.fromstring(LiteralFormatter(version).write_request(add_call()).body)
    assert root.tag == f"{{{version.envelope_ns}}}Envelope"
    wrapper = root[0][0]
    assert wrapper.tag == f"{{{CALC_NS}}}AddNumbers"
    assert [(child.tag, child.text) for child in wrapper] == [
        (f"{{{CALC_NS}}}first", "2"), (f"{{{CALC_NS}}}second", "3"),
    ]


@pytest.mark.parametrize("version", [SOAP11, SOAP12], ids=["soap11", "soap12"])
def test_literal_round_trip_through_the_server_formatter(version: SoapVersion) -> None:
    client, server = LiteralFormatter(version), SoapFormatter()
    request = client.write_request(add_call())
    call = server.read_call(request.body, request.headers["content-type"])
    assert (call.method_name, call.namespace) == ("AddNumbers", CALC_NS)
    assert call.decode_arguments([INT, INT], ["first", "second"]) == [2, 3]
    body, content_type = server.write_return(call, MethodReturn("AddNumbers", CALC_NS, 5, INT))
    assert content_type == version.content_type
    result = client.read_reply(body, content_type, "add", INT)
    assert result == MethodReturn("add", CALC_NS, 5, INT)


@pytest.mark.parametrize("version", [SOAP11, SOAP12], ids=["soap11", "soap12"])
def test_literal_fault_round_trip(version: SoapVersion) -> None:
    client, server = LiteralFormatter(version), SoapFormatter()
    call = server.read_call(client.write_request(add_call()).body)
    body, content_type = server.write_fault(Fault("Client", "second must not be 3"), call)
    result = client.read_reply(body, content_type, "add", INT)
    assert isinstance(result, Fault)
    assert (result.code, result.message) == ("Client", "second must not be 3")


@pytest.mark.parametrize("version", [SOAP11, SOAP12], ids=["soap11", "soap12"])
def test_literal_declared_fault_brings_back_the_exception(version: SoapVersion) -> None:
    client, server = LiteralFormatter(version), SoapFormatter()
    call = server.read_call(client.write_request(add_call()).body)
    info = exception_info(GreetingException("No greeting for you", "Hello"), DEFAULT_REGISTRY, None)
    body, content_type = server.write_fault(Fault("Server", "No greeting for you", info, declared=True), call)
    result = client.read_reply(body, content_type, "add", VOID)
    assert isinstance(result, Fault) and result.exception is not None
    exc = result.exception.value
    assert isinstance(exc, GreetingException)
    assert (str(exc), exc.Greeting) == ("No greeting for you", "Hello")


@dataclasses.dataclass
class Sum:
    """A by-value result (reading it needs no registration: its Python type is declared)."""

    total: int
    terms: list[int]


def test_literal_reply_as_an_asmx_service_writes_it() -> None:
    """Unprefixed elements in a default namespace, a complex result, other envelope prefixes."""
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
        f'<AddNumbersResponse xmlns="{CALC_NS}"><AddNumbersResult><total>5</total>'
        "<terms><int>2</int><int>3</int></terms></AddNumbersResult></AddNumbersResponse>"
        "</s:Body></s:Envelope>"
    ).encode()
    result = LiteralFormatter(SOAP11).read_reply(body, "text/xml; charset=utf-8", "add", wire_type(Sum))
    assert isinstance(result, MethodReturn) and result.value == Sum(5, [2, 3])


def test_soap12_client_reads_a_soap11_version_mismatch_fault() -> None:
    """A SOAP 1.1-only server answers a 1.2 request with a 1.1 fault: the caller must see that fault."""
    body = (
        b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>'
        b"<faultcode>soap:VersionMismatch</faultcode><faultstring>Wrong SOAP version</faultstring>"
        b"</soap:Fault></soap:Body></soap:Envelope>"
    )
    result = LiteralFormatter(SOAP12).read_reply(body, "text/xml", "add", INT)
    assert isinstance(result, Fault)
    assert (result.code, result.message) == ("Server", "Wrong SOAP version")


# ------------------------------------------------------------------ every formatter


@pytest.mark.parametrize(
    ("media_type", "soap", "binary"),
    [
        ("text/xml", True, False),
        ("application/soap+xml", True, False),
        ("text/html", False, False),
        ("text/plain", False, False),
        ("application/octet-stream", False, True),
        ("", False, True),  # .NET's binary server sends no Content-Type at all
    ],
)
def test_accepts_response(media_type: str, soap: bool, binary: bool) -> None:
    for formatter in all_formatters():
        expected = binary if formatter.name == "binary" else soap
        assert formatter.accepts_response(media_type) is expected, (formatter.name, media_type)


@pytest.mark.parametrize("formatter", all_formatters(), ids=lambda f: f.name)
def test_an_error_page_is_a_decode_error_not_a_result(formatter: ClientFormatter) -> None:
    page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    with pytest.raises(SoapDecodeError, match="text/html"):
        formatter.read_reply(page, "text/html; charset=utf-8", "add", INT)


@pytest.mark.parametrize("formatter", all_formatters(), ids=lambda f: f.name)
def test_unreadable_bytes_are_a_decode_error(formatter: ClientFormatter) -> None:
    content_type = "application/octet-stream" if formatter.name == "binary" else "text/xml"
    with pytest.raises(SoapDecodeError):
        formatter.read_reply(b"<notsoap/>", content_type, "add", INT)


@pytest.mark.parametrize("formatter", all_formatters(), ids=lambda f: f.name)
def test_an_action_that_would_break_the_header_is_refused(formatter: ClientFormatter) -> None:
    call = add_call('urn:x"\r\nX-Injected: 1')
    if formatter.name == "binary":  # binary calls carry no action: nothing to refuse
        assert "x-injected" not in str(formatter.write_request(call).headers).lower()
        return
    with pytest.raises(SoapEncodeError, match="SOAP action"):
        formatter.write_request(call)
