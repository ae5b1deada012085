"""Strict SOAP, as the specifications require, at the formatter level (sans-I/O).

* processing instructions are refused anywhere in a message (the XML declaration is not one);
* header blocks marked mustUnderstand and addressed to this node are reported (the runtime refuses the call
  unless something processes them), in SOAP 1.1 and 1.2, in both dialects;
* a Body holds one call: a second element is refused (the Remoting dialect's id-referenced multi-refs are
  not calls);
* an ``xsi:type`` must name the declared type (or a registered subtype, or a narrower number), its prefix
  must be bound, and the error names it;
* numbers are checked against the declared .NET type in every dialect (a plain ``int`` is an Int32);
* an Envelope in no SOAP namespace is a VersionMismatch;
* MS-NRBF MessageFlags that contradict each other are refused;
* faults carry SOAP's own codes (MustUnderstand with NotUnderstood blocks, VersionMismatch, WS-Security
  subcodes) and each dialect's HTTP status.
"""

from __future__ import annotations

import struct
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from examples.remoting_samples import DayOfWeek, GreetingException, Person
from soap import (
    ANY,
    SOAP11,
    SOAP12,
    SOAP_ENV,
    BinaryFormatter,
    Char,
    Fault,
    Int64,
    LimitExceeded,
    LiteralFormatter,
    MustUnderstand,
    RemotingSoapFormatter,
    Single,
    SoapDecodeError,
    SoapFormatter,
    VersionMismatch,
    WireType,
    not_understood,
    wire_type,
)
from soap._nrbf_records import check_flags, read_message
from soap._xml import DEFAULT_LIMITS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HELLO = (FIXTURES / "mono_soap" / "001_HelloMethod.request.xml").read_bytes()
ECHO_MORE = (FIXTURES / "mono_soap" / "017_EchoMore.request.xml").read_bytes()
BIRTHDAY = (FIXTURES / "mono_soap" / "022_Birthday.request.xml").read_bytes()
SERVER = SoapFormatter()
REMOTING = RemotingSoapFormatter()
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
NS_DECLS = (
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
    'xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/"'
)
#: a CLR method namespace: what makes a SOAP 1.1 call the Remoting dialect
METHOD_NS = "http://schemas.microsoft.com/clr/nsassem/Tests.IStrict/Tests"
PEER_SHARED_DATA_NS = (
    "http://schemas.microsoft.com/clr/nsassem/RemotingPeer/"
    "PeerShared%2C%20Version%3D0.0.0.0%2C%20Culture%3Dneutral%2C%20PublicKeyToken%3Dnull"
)


def encoded(params: str, siblings: str = "", header: str = "") -> bytes:
    return (
        f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV}" {NS_DECLS}>{header}<SOAP-ENV:Body>'
        f'<i2:M id="ref-1" xmlns:i2="{METHOD_NS}">{params}</i2:M>{siblings}</SOAP-ENV:Body></SOAP-ENV:Envelope>'
    ).encode()


def literal(params: str, version: str = "1.1", header: str = "", extra: str = "") -> bytes:
    env = SOAP_ENV if version == "1.1" else SOAP12_ENV
    return (
        f'<soap:Envelope xmlns:soap="{env}" {NS_DECLS}>{header}<soap:Body>'
        f'<tns:op xmlns:tns="urn:svc">{params}</tns:op>{extra}</soap:Body></soap:Envelope>'
    ).encode()


def refused(data: bytes, types: list[WireType], phrase: str, names: list[str] | None = None) -> str:
    with pytest.raises(SoapDecodeError) as raised:
        SERVER.read_call(data).decode_arguments(types, names)
    message = str(raised.value)
    assert phrase.lower() in message.lower(), message
    return message


# ------------------------------------------------------------------ processing instructions


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?>\n<?xml-stylesheet href="x.xsl"?>' + HELLO,
        b'<?xml-stylesheet href="x.xsl"?>' + HELLO,  # first in the message, without a declaration
        HELLO.replace(b"<SOAP-ENV:Body>", b"<SOAP-ENV:Body><?evil payload?>"),
        HELLO.replace(b"</SOAP-ENV:Envelope>", b"</SOAP-ENV:Envelope><?after?>"),
        HELLO.replace(b">Alice<", b"><?php system('id'); ?><"),
        literal("<tns:a>1</tns:a>", header="<soap:Header><?pi?></soap:Header>"),
        ('<?xml version="1.0" encoding="UTF-16"?>' + HELLO.decode().replace(">Alice<", "><?x?><")).encode("utf-16"),
    ],
    ids=["prolog", "first", "body", "epilog", "text", "header", "utf16"],
)
def test_processing_instructions_are_refused(data: bytes) -> None:
    with pytest.raises(SoapDecodeError, match="processing instructions are not allowed"):
        SERVER.read_call(data)


def test_the_xml_declaration_is_not_a_processing_instruction() -> None:
    for declaration in (b'<?xml version="1.0" encoding="utf-8"?>\n', b"<?xml version='1.0'?>", b"\xef\xbb\xbf"):
        assert SERVER.read_call(declaration + HELLO).decode_arguments([wire_type(str)]) == ["Alice"]


def test_cdata_with_question_marks_is_fine() -> None:
    data = HELLO.replace(b">Alice<", b"><![CDATA[a<?b?>c]]><")
    assert SERVER.read_call(data).decode_arguments([wire_type(str)]) == ["a<?b?>c"]


# ------------------------------------------------------------------ mustUnderstand

CTX = "http://schemas.microsoft.com/clr/soap/messageProperties"


@pytest.mark.parametrize(
    ("version", "attributes", "reported"),
    [
        ("1.1", 'soap:mustUnderstand="1"', True),
        ("1.1", 'soap:mustUnderstand="true"', True),
        ("1.1", 'soap:mustUnderstand="0"', False),
        ("1.1", "", False),
        ("1.1", 'soap:mustUnderstand="1" soap:actor="http://schemas.xmlsoap.org/soap/actor/next"', True),
        ("1.1", 'soap:mustUnderstand="1" soap:actor="urn:some-intermediary"', False),
        ("1.2", 'soap:mustUnderstand="true"', True),
        ("1.2", 'soap:mustUnderstand="1"', True),
        ("1.2", 'soap:mustUnderstand="false"', False),
        ("1.2", 'soap:mustUnderstand="true" soap:role="http://www.w3.org/2003/05/soap-envelope/role/next"', True),
        ("1.2", 'soap:mustUnderstand="true" '
                'soap:role="http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver"', True),
        ("1.2", 'soap:mustUnderstand="true" soap:role="http://www.w3.org/2003/05/soap-envelope/role/none"', False),
        ("1.2", 'soap:mustUnderstand="true" soap:role="urn:other"', False),
    ],
)
def test_literal_must_understand_blocks_addressed_to_us_are_reported(
    version: str, attributes: str, reported: bool
) -> None:
    header = f'<soap:Header><t:Tx xmlns:t="urn:tx" {attributes}>5</t:Tx><t:Info xmlns:t="urn:tx">x</t:Info>' \
             "</soap:Header>"
    call = SERVER.read_call(literal("<tns:a>1</tns:a>", version, header))
    assert not_understood(call.header_blocks, ()) == ([("urn:tx", "Tx")] if reported else [])
    assert not_understood(call.header_blocks, {("urn:tx", "Tx")}) == []  # declared by the operation


def test_remoting_dialect_must_understand_blocks_and_runtime_headers() -> None:
    header = (
        f'<SOAP-ENV:Header><h:__CallContext xmlns:h="{CTX}" SOAP-ENV:mustUnderstand="1" href="#ref-9"/>'
        f'<h:__MethodSignature xmlns:h="{CTX}" SOAP-ENV:mustUnderstand="1">x</h:__MethodSignature>'
        '<v:Value id="ref-9" xmlns:v="urn:v" SOAP-ENV:mustUnderstand="1">multi-ref, not a block</v:Value>'
        '<t:Tx xmlns:t="urn:tx" SOAP-ENV:mustUnderstand="1">5</t:Tx></SOAP-ENV:Header>'
    )
    call = SERVER.read_call(encoded("<p>1</p>", header=header))
    assert not_understood(call.header_blocks, ()) == [("urn:tx", "Tx")]


def test_no_header_reports_nothing() -> None:
    assert list(SERVER.read_call(HELLO).header_blocks) == []
    assert list(SERVER.read_call(literal("<tns:a>1</tns:a>")).header_blocks) == []


# ------------------------------------------------------------------ one call per Body


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_literal_body_with_a_second_element_is_refused(version: str) -> None:
    with pytest.raises(SoapDecodeError, match="more than one element"):
        SERVER.read_call(literal("<tns:a>1</tns:a>", version, extra='<tns:op xmlns:tns="urn:svc"/>'))


@pytest.mark.parametrize("dialect", ["1.1", "1.2", "remoting"])
def test_a_second_body_is_refused(dialect: str) -> None:
    data = HELLO if dialect == "remoting" else literal("<tns:a>1</tns:a>", dialect)
    prefix = b"SOAP-ENV" if dialect == "remoting" else b"soap"
    end = b"</%s:Envelope>" % prefix
    with pytest.raises(SoapDecodeError, match="more than one Body"):
        SERVER.read_call(data.replace(end, b"<%s:Body/>" % prefix + end))


def test_referenced_multi_refs_are_not_calls() -> None:
    assert SERVER.read_call(BIRTHDAY).decode_arguments([wire_type(Person)]) == [Person("Erin", 29)]


@pytest.mark.parametrize(
    "siblings",
    [
        '<x id="ref-2">1</x><i3:Other xmlns:i3="urn:test"/>',  # no id
        '<x id="ref-2">1</x><y id="ref-3">2</y>',  # an id nothing refers to
        '<x id="ref-2">1</x><y id="ref-3" href="#ref-3">2</y>',  # refers to itself only... still referenced
    ][:2],
    ids=["no-id", "unreferenced-id"],
)
def test_unreferenced_body_element_is_a_second_call(siblings: str) -> None:
    with pytest.raises(SoapDecodeError, match="more than one call"):
        SERVER.read_call(encoded('<p href="#ref-2"/>', siblings))


# ------------------------------------------------------------------ xsi:type against the declared type


@pytest.mark.parametrize(
    ("value", "hint", "phrase"),
    [
        ('<p xsi:type="xsd:string">5</p>', int, "xsi:type 'xsd:string'"),
        ('<p xsi:type="xsd:long">5</p>', int, "is not the declared type int"),
        ('<p xsi:type="xsd:int">5</p>', str, "is not the declared type string"),
        ('<p xsi:type="xsd:double">5</p>', Single, "is not the declared type float"),
        ('<p xsi:type="zz:int">5</p>', int, "undeclared namespace prefix 'zz'"),
        ('<p xsi:type="SOAP-ENC:Array">5</p>', int, "is not the declared type int"),
        ('<p xmlns:a="urn:elsewhere" xsi:type="a:ArrayOfInt"><item>1</item></p>', list[int],
         "is not the declared type list[int]"),
        ('<p xmlns:a="http://schemas.microsoft.com/clr/ns/System.Diagnostics" xsi:type="a:Process">x</p>', str,
         "System.Diagnostics}Process"),
        (f'<p xmlns:a="{PEER_SHARED_DATA_NS}" xsi:type="a:GreetingException">x</p>', Person,
         "is not the declared type Person or a registered subtype"),
        ('<p xmlns:a="http://schemas.microsoft.com/clr/ns/System" xsi:type="a:ConsoleColor">Red</p>', DayOfWeek,
         "is not the declared type DayOfWeek"),
    ],
)
def test_xsi_type_must_name_the_declared_type(value: str, hint: object, phrase: str) -> None:
    refused(encoded(value), [wire_type(hint)], phrase)


def test_xsi_type_on_a_reference_is_checked_too() -> None:
    value = '<p xmlns:a="http://schemas.microsoft.com/clr/nsassem/os/posix" xsi:type="a:system" href="#ref-2"/>'
    refused(encoded(value, '<s id="ref-2">x</s>'), [wire_type(str)], "xsi:type 'a:system'")
    fine = '<p xsi:type="xsd:string" href="#ref-2"/>'
    assert SERVER.read_call(encoded(fine, '<s id="ref-2">x</s>')).decode_arguments([wire_type(str)]) == ["x"]


@pytest.mark.parametrize(
    ("value", "hint", "expected"),
    [
        ('<p xsi:type="xsd:int">5</p>', int, 5),
        ('<p xsi:type="xsd:short">5</p>', Int64, 5),  # a narrower number widens
        ('<p xsi:type="xsd:float">0.5</p>', float, 0.5),
        ('<p xsi:type="SOAP-ENC:string">x</p>', str, "x"),
        ('<p xsi:type="xsd:string">x</p>', Char, "x"),  # a char, as the gateway's WSDLs declare it
        ('<p xmlns:a="http://schemas.microsoft.com/clr/ns/System" xsi:type="a:Char">x</p>', Char, "x"),
        ('<p xmlns:a="http://schemas.microsoft.com/clr/ns/System" xsi:type="a:DayOfWeek">Friday</p>', DayOfWeek,
         DayOfWeek.Friday),
        # an array as the gateway's rpc/encoded WSDL names it (suds and PHP send that name)
        ('<p xmlns:a="http://schemas.microsoft.com/clr/nsassem/Peer/PeerServer" xsi:type="a:ArrayOfInt" '
         'SOAP-ENC:arrayType="xsd:int[2]"><item>1</item><item>2</item></p>', list[int], [1, 2]),
    ],
)
def test_xsi_type_naming_the_declared_type_is_fine(value: str, hint: object, expected: object) -> None:
    assert SERVER.read_call(encoded(value)).decode_arguments([wire_type(hint)]) == [expected]


def test_mono_messages_with_xsi_types_still_decode() -> None:
    from examples.remoting_samples import IRemoteService
    from wsdl import contract_of

    op = contract_of(IRemoteService).operations["EchoMore"]
    args = SERVER.read_call(ECHO_MORE).decode_arguments(op.parameter_types)
    assert args[0] == 9223372036854775807 and args[-1] is DayOfWeek.Friday


def test_literal_xsi_types() -> None:
    ok = literal('<tns:a xsi:type="xsd:int">1</tns:a><tns:p xsi:type="tns:Person"><tns:Name>n</tns:Name>'
                 "<tns:Age>3</tns:Age></tns:p>")
    args = SERVER.read_call(ok).decode_arguments([wire_type(int), wire_type(Person)], ["a", "p"])
    assert args == [1, Person("n", 3)]
    refused(literal('<tns:a xsi:type="xsd:string">1</tns:a>'), [wire_type(int)], "xsi:type 'xsd:string'", ["a"])
    refused(literal('<tns:p xsi:type="tns:Order"/>'), [wire_type(Person)], "xsi:type 'tns:Order'", ["p"])
    refused(literal('<tns:a xsi:type="q:int">1</tns:a>'), [wire_type(int)], "undeclared namespace prefix", ["a"])


def test_registered_subtype_in_xsi_type_is_accepted() -> None:
    sibling = (f'<a1:GreetingException id="r" xmlns:a1="{PEER_SHARED_DATA_NS}">'
               "<ClassName>RemotingPeer.GreetingException</ClassName><Message>m</Message></a1:GreetingException>")
    value = f'<p href="#r" xmlns:a1="{PEER_SHARED_DATA_NS}"/>'
    [exc] = SERVER.read_call(encoded(value, sibling)).decode_arguments([wire_type(Exception)])
    assert isinstance(exc, GreetingException)


# ------------------------------------------------------------------ numbers against the declared .NET type

INT_CASES = [("2147483648", "out of range for xsd:int"), ("-2147483649", "out of range for xsd:int"),
             ("NaN", "not an integer"), ("1e3", "not an integer"), ("", "not an integer"),
             ("1.0", "not an integer"), ("0x10", "not an integer")]


@pytest.mark.parametrize(("text", "phrase"), INT_CASES)
def test_integers_are_int32_unless_annotated_in_the_remoting_dialect(text: str, phrase: str) -> None:
    refused(encoded(f"<p>{text}</p>"), [wire_type(int)], phrase)


@pytest.mark.parametrize(("text", "phrase"), INT_CASES)
def test_integers_are_int32_unless_annotated_in_document_literal(text: str, phrase: str) -> None:
    refused(literal(f"<tns:a>{text}</tns:a>"), [wire_type(int)], phrase, ["a"])


def test_int32_edges_and_int64_annotation() -> None:
    assert SERVER.read_call(encoded("<p>2147483647</p><q>-2147483648</q>")).decode_arguments(
        [wire_type(int), wire_type(int)]) == [2**31 - 1, -(2**31)]
    assert SERVER.read_call(encoded("<p>2147483648</p>")).decode_arguments([wire_type(Int64)]) == [2**31]


def test_integers_are_int32_unless_annotated_in_binary() -> None:
    """MS-NRBF carries typed numbers (no text to be NaN, an exponent or empty): an Int64 on the wire is read
    into a plain ``int`` parameter, array item or field only when it fits an Int32."""
    binary = BinaryFormatter()
    body = binary.write_call("M", "T, A", [2**31, [1, 2**31]], [wire_type(Int64), wire_type(list[Int64])])
    call = binary.read_call(body)
    with pytest.raises(SoapDecodeError, match="out of range for xsd:int"):
        call.decode_arguments([wire_type(int), wire_type(list[Int64])])
    call = binary.read_call(body)
    with pytest.raises(SoapDecodeError, match="out of range for xsd:int"):
        call.decode_arguments([wire_type(Int64), wire_type(list[int])])
    fits = binary.write_call("M", "T, A", [2**31 - 1, [-(2**31)]], [wire_type(Int64), wire_type(list[Int64])])
    assert binary.read_call(fits).decode_arguments([wire_type(int), wire_type(list[int])]) == [2**31 - 1, [-(2**31)]]
    assert binary.read_call(body).decode_arguments([wire_type(Int64), wire_type(list[Int64])]) == [2**31, [1, 2**31]]


@pytest.mark.parametrize(
    ("text", "hint", "phrase"),
    [
        ("1e400", float, "out of range for xsd:double"),
        ("-1e400", float, "out of range for xsd:double"),
        ("3.5e38", Single, "out of range for xsd:float"),
        ("1E5", Decimal, "not a decimal"),
        ("NaN", Decimal, "not a decimal"),
        ("79228162514264337593543950336", Decimal, "out of range for System.Decimal"),
        ("ab", Char, "exactly one character"),
    ],
)
def test_other_numbers_are_checked_against_their_net_type(text: str, hint: object, phrase: str) -> None:
    refused(encoded(f"<p>{text}</p>"), [wire_type(hint)], phrase)
    refused(literal(f"<tns:a>{text}</tns:a>"), [wire_type(hint)], phrase, ["a"])


def test_largest_decimal_and_special_doubles_are_fine() -> None:
    args = SERVER.read_call(encoded("<p>-79228162514264337593543950335</p><q>INF</q><r>NaN</r>")).decode_arguments(
        [wire_type(Decimal), wire_type(float), wire_type(float)])
    assert args[0] == Decimal("-79228162514264337593543950335") and args[1] == float("inf") and args[2] != args[2]


# ------------------------------------------------------------------ VersionMismatch


@pytest.mark.parametrize("namespace", ["urn:nope", "http://schemas.xmlsoap.org/soap/envelope", ""])
def test_envelope_in_no_soap_namespace_is_a_version_mismatch(namespace: str) -> None:
    data = (f'<e:Envelope xmlns:e="{namespace}"><e:Body><x/></e:Body></e:Envelope>' if namespace
            else "<Envelope><Body><x/></Body></Envelope>").encode()
    with pytest.raises(VersionMismatch, match=r"not a SOAP 1\.1"):
        SERVER.read_call(data)
    with pytest.raises(VersionMismatch):
        REMOTING.read_call(data)


def test_something_that_is_no_envelope_is_a_plain_client_error() -> None:
    with pytest.raises(SoapDecodeError) as raised:
        SERVER.read_call(b"<Invoice/>")
    assert not isinstance(raised.value, VersionMismatch)


# ------------------------------------------------------------------ MS-NRBF MessageFlags


@pytest.mark.parametrize(
    ("flags", "call", "phrase"),
    [
        (0x03, True, "2 Args flags"),  # NoArgs | ArgsInline
        (0x06, True, "2 Args flags"),  # ArgsInline | ArgsIsArray
        (0x30, True, "2 Context flags"),  # NoContext | ContextInline
        (0x60, True, "2 Context flags"),
        (0x812, True, "return or exception flags"),  # a call with ReturnValueInline
        (0x2011, True, "return or exception flags"),
        (0x2012, True, "Args and Exception"),
        (0x1812, False, "2 Return flags"),
        (0x2811, False, "Return and Exception"),
        (0x2012, False, "Args and Exception"),
        (0x8812, False, "call-only flags"),
        (0x4011, True, "undefined bits"),
        (0x10011, True, "undefined bits"),
        (-1, True, "undefined bits"),
    ],
)
def test_contradicting_message_flags_are_refused(flags: int, call: bool, phrase: str) -> None:
    with pytest.raises(SoapDecodeError, match=phrase):
        check_flags(flags, call)


def test_every_captured_message_has_consistent_flags() -> None:
    for path in sorted((FIXTURES / "mono_binary").glob("*.bin")):
        read_message(path.read_bytes(), DEFAULT_LIMITS)  # raises for inconsistent flags


def test_a_call_with_contradicting_flags_is_refused_by_the_formatter() -> None:
    data = bytearray((FIXTURES / "mono_binary" / "001_HelloMethod.request.bin").read_bytes())
    flags = struct.unpack_from("<i", data, 18)[0]
    struct.pack_into("<i", data, 18, flags | 0x4)  # ArgsInline and ArgsIsArray
    with pytest.raises(SoapDecodeError, match="Args flags"):
        BinaryFormatter().read_call(bytes(data))


def test_binary_call_names_its_type_the_soap_dialects_do_not() -> None:
    binary = BinaryFormatter().read_call((FIXTURES / "mono_binary" / "001_HelloMethod.request.bin").read_bytes())
    assert binary.claimed_type is not None and binary.claimed_type.startswith("RemotingPeer.IHello, PeerShared")
    assert SERVER.read_call(HELLO).claimed_type is None
    assert SERVER.read_call(literal("<tns:a>1</tns:a>")).claimed_type is None


# ------------------------------------------------------------------ faults: codes, NotUnderstood, statuses


def _fault_element(data: bytes, envelope_ns: str) -> etree._Element:
    root = etree.fromstring(data)
    body = root.find(f"{{{envelope_ns}}}Body")
    assert body is not None
    return body[0]


def test_soap12_must_understand_fault_lists_not_understood_blocks() -> None:
    call = SERVER.read_call(literal("<tns:a>1</tns:a>", "1.2"))
    fault = Fault("MustUnderstand", "not understood", not_understood=(("urn:tx", "Tx"), ("urn:y", "Y")))
    data, content_type = SERVER.write_fault(fault, call)
    assert content_type.startswith("application/soap+xml")
    root = etree.fromstring(data)
    blocks = root.findall(f"{{{SOAP12_ENV}}}Header/{{{SOAP12_ENV}}}NotUnderstood")
    assert [b.get("qname") for b in blocks] == ["q0:Tx", "q1:Y"]
    assert [b.nsmap[b.get("qname").split(":")[0]] for b in blocks] == ["urn:tx", "urn:y"]
    code = _fault_element(data, SOAP12_ENV).findtext(f"{{{SOAP12_ENV}}}Code/{{{SOAP12_ENV}}}Value")
    assert code == "soap:MustUnderstand"
    assert SERVER.fault_status(fault, call) == 500


@pytest.mark.parametrize("version", [SOAP11, SOAP12])
def test_subcode_round_trip_through_the_literal_client(version: object) -> None:
    wsse = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
    call = SERVER.read_call(literal("<tns:a>1</tns:a>", "1.1" if version is SOAP11 else "1.2"))
    fault = Fault("Client", "bad token", subcode=(wsse, "FailedAuthentication"))
    data, content_type = SERVER.write_fault(fault, call)
    assert b"wsse:FailedAuthentication" in data
    back = LiteralFormatter(version).read_reply(data, content_type, "op", ANY)  # type: ignore[arg-type]
    assert isinstance(back, Fault)
    assert (back.code, back.subcode, back.message) == ("Client", (wsse, "FailedAuthentication"), "bad token")


@pytest.mark.parametrize(
    ("code", "version", "status"),
    [("Client", "1.2", 400), ("Server", "1.2", 500), ("MustUnderstand", "1.2", 500), ("VersionMismatch", "1.2", 500),
     ("Client", "1.1", 500), ("Server", "1.1", 500), ("Client", "remoting", 500)],
)
def test_fault_status_per_soap_version(code: str, version: str, status: int) -> None:
    call = SERVER.read_call(HELLO if version == "remoting" else literal("<tns:a>1</tns:a>", version))
    assert SERVER.fault_status(Fault(code, "x"), call) == status
    if version == "1.2":  # a SOAP 1.2 request that could not be read at all: known by its content type
        assert SERVER.fault_status(Fault(code, "x"), None, "application/soap+xml; charset=utf-8") == status


def test_binary_faults_are_200() -> None:
    assert BinaryFormatter().fault_status(Fault("Client", "x")) == 200


def test_remoting_dialect_writes_must_understand_and_version_mismatch_codes() -> None:
    for code in ("MustUnderstand", "VersionMismatch"):
        data, _ = SERVER.write_fault(Fault(code, "x"))
        assert f"SOAP-ENV:{code}".encode() in data
        back = REMOTING.read_response(data, "M", ANY)
        assert isinstance(back, Fault) and back.code == code


def test_must_understand_error_names_every_block() -> None:
    error = MustUnderstand([("urn:a", "A"), ("", "B")])
    assert "{urn:a}A" in str(error) and "B" in str(error) and error.headers == (("urn:a", "A"), ("", "B"))


# ------------------------------------------------------------------ each SOAP version on its own binding


def test_soap12_envelope_sent_as_text_xml_is_a_version_mismatch() -> None:
    data = literal("<tns:a>1</tns:a>", "1.2")
    with pytest.raises(VersionMismatch, match=r"SOAP 1\.2 envelope sent as text/xml"):
        SERVER.read_call(data, 'text/xml; charset="utf-8"')
    assert SERVER.read_call(data, "application/soap+xml; charset=utf-8").method_name == "op"


@pytest.mark.parametrize("data", [HELLO, literal("<tns:a>1</tns:a>", "1.1")], ids=["remoting", "literal"])
def test_soap11_envelope_sent_as_soap12_content_type_is_a_version_mismatch(data: bytes) -> None:
    with pytest.raises(VersionMismatch, match=r"SOAP 1\.1 envelope sent as application/soap"):
        SERVER.read_call(data, "application/soap+xml")
    SERVER.read_call(data, "text/xml")
    SERVER.read_call(data)  # no content type: nothing to compare


def test_version_mismatch_to_a_soap12_request_is_a_soap11_fault_with_an_upgrade_block() -> None:
    """SOAP 1.2 part 1, appendix A: a SOAP/1.1 message gets a VersionMismatch in SOAP 1.1's format."""
    fault = Fault("VersionMismatch", "wrong version")
    data, content_type = SERVER.write_fault(fault, None, "application/soap+xml")
    assert content_type.startswith("text/xml") and SERVER.fault_status(fault, None, "application/soap+xml") == 500
    root = etree.fromstring(data)
    assert root.tag == f"{{{SOAP_ENV}}}Envelope"
    assert _fault_element(data, SOAP_ENV).findtext("faultcode") == "soap:VersionMismatch"
    supported = root.findall(f"{{{SOAP_ENV}}}Header/{{{SOAP12_ENV}}}Upgrade/{{{SOAP12_ENV}}}SupportedEnvelope")
    assert [s.nsmap[s.get("qname").split(":")[0]] for s in supported] == [SOAP12_ENV, SOAP_ENV]
    # any other fault to a SOAP 1.2 request stays a SOAP 1.2 one
    assert SERVER.write_fault(Fault("Client", "x"), None, "application/soap+xml")[1].startswith("application/soap")


# ------------------------------------------------------------------ SOAP-ENC:arrayType's declared length


def array(declared: str, items: str, item_type: str = "xsd:int") -> bytes:
    return encoded('<p href="#a"/>', f'<SOAP-ENC:Array id="a" SOAP-ENC:arrayType="{item_type}[{declared}]">'
                                     f"{items}</SOAP-ENC:Array>")


def test_more_items_than_the_array_declares_are_refused() -> None:
    message = refused(array("2", "<item>1</item>" * 3), [wire_type(list[int])], "holds 3 items")
    assert "declares 2" in message
    refused(array("2,1", "<item>1</item>" * 3), [wire_type(list[int])], "declares 2")


@pytest.mark.parametrize(("hint", "item_type", "padding"), [
    (list[int], "xsd:int", 0), (list[float], "xsd:double", 0.0), (list[bool], "xsd:boolean", False),
    (list[str], "xsd:string", None), (list[Any], "xsd:anyType", None),
])
def test_fewer_items_than_declared_leave_the_defaults_as_dotnet_does(
        hint: object, item_type: str, padding: object) -> None:
    """Mono's SoapReader allocates the declared length and fills it in order: the rest keeps its default."""
    value = {"xsd:int": "7", "xsd:double": "7", "xsd:boolean": "true"}.get(item_type, "x")
    data = array("3", f"<item>{value}</item>", item_type)
    [decoded] = SERVER.read_call(data).decode_arguments([wire_type(hint)])
    assert decoded[1:] == [padding, padding] and len(decoded) == 3


def test_undeclared_and_exact_lengths_are_read_as_sent() -> None:
    for declared in ("", "2"):
        assert SERVER.read_call(array(declared, "<item>1</item><item>2</item>")).decode_arguments(
            [wire_type(list[int])]) == [[1, 2]]


@pytest.mark.parametrize("declared", ["-1", "x", "1.5", "٣"])
def test_a_malformed_declared_length_is_refused(declared: str) -> None:
    refused(array(declared, "<item>1</item>"), [wire_type(list[int])], "declares no valid length")


@pytest.mark.parametrize("declared", ["1000001", "2147483647", "99999999999999999999", "65536,65536"])
def test_a_declared_length_over_the_limit_is_refused_before_anything_is_allocated(declared: str) -> None:
    with pytest.raises(LimitExceeded) as raised:
        SERVER.read_call(array(declared, "<item>1</item>")).decode_arguments([wire_type(list[int])])
    assert raised.value.limit == "max_array_length"
