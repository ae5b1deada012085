"""The hardened parser and reader against hostile and broken input.

Whatever arrives, reading it either succeeds or raises :class:`soap.SoapDecodeError` (or a subclass) with a
message that says what is wrong; no other exception type may escape, nothing is fetched, no entity is
expanded, no unregistered class is instantiated, and every limit is enforced.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from examples.remoting_samples import DayOfWeek, GreetingException, IRemoteService, Person
from soap import (
    ANY,
    Fault,
    Int16,
    Limits,
    MessageTooLarge,
    RemotingSoapFormatter,
    SoapDecodeError,
    WireType,
    wire_type,
)
from wsdl import contract_of

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mono_soap"
FORMATTER = RemotingSoapFormatter()
CONTRACT = contract_of(IRemoteService)

ENVELOPE = (
    '<SOAP-ENV:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" '
    'xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body>{}</SOAP-ENV:Body>'
    "</SOAP-ENV:Envelope>"
)
PEER_SHARED_DATA_NS = (
    "http://schemas.microsoft.com/clr/nsassem/RemotingPeer/"
    "PeerShared%2C%20Version%3D0.0.0.0%2C%20Culture%3Dneutral%2C%20PublicKeyToken%3Dnull"
)


def envelope(body: str) -> bytes:
    return ENVELOPE.format(body).encode()


def call(params: str, siblings: str = "") -> bytes:
    return envelope(f'<i2:M id="ref-1" xmlns:i2="urn:test">{params}</i2:M>{siblings}')


def decode(data: bytes, types: list[WireType], formatter: RemotingSoapFormatter = FORMATTER) -> list[object]:
    return formatter.read_call(data).decode_arguments(types)


def refused(data: bytes, types: list[WireType], phrase: str, formatter: RemotingSoapFormatter = FORMATTER) -> str:
    with pytest.raises(SoapDecodeError) as raised:
        decode(data, types, formatter)
    message = str(raised.value)
    assert phrase.lower() in message.lower(), message
    return message


HELLO = (FIXTURES / "001_HelloMethod.request.xml").read_bytes()
ECHO_MORE = (FIXTURES / "017_EchoMore.request.xml").read_bytes()
STR = [wire_type(str)]
INT = [wire_type(int)]


def test_the_valid_baseline_decodes() -> None:
    assert decode(HELLO, STR) == ["Alice"]


# ------------------------------------------------------------------ DTDs and entities

XXE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    + HELLO.replace(b">Alice<", b">&xxe;<")
)

LAUGHS = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' + b"".join(
    b'<!ENTITY lol%d "%s">' % (i, b"".join(b"&lol%s;" % (b"" if i == 1 else str(i - 1).encode()) for _ in range(10)))
    for i in range(1, 10)
) + b"]><lolz>&lol9;</lolz>"


def test_external_entity_is_refused() -> None:
    message = refused(XXE, STR, "DOCTYPE")
    assert "root:" not in message


def test_billion_laughs_is_refused_quickly() -> None:
    started = time.thread_time()  # CPU time: what an expansion would burn, whatever else the machine runs
    refused(LAUGHS, STR, "DOCTYPE")
    assert time.thread_time() - started < 1.0


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_doctype_in_another_encoding_is_refused(codec: str) -> None:
    declared = codec.upper().replace("-LE", "LE").replace("-BE", "BE")
    text = XXE.decode().replace('<?xml version="1.0"?>', f'<?xml version="1.0" encoding="{declared}"?>')
    message = refused(text.encode(codec), STR, "DOCTYPE")
    assert "root:" not in message


@pytest.mark.parametrize("codec", ["utf-16", "utf-32"])
def test_billion_laughs_in_another_encoding_is_refused_quickly(codec: str) -> None:
    started = time.thread_time()
    refused(LAUGHS.decode().encode(codec), STR, "entit")
    assert time.thread_time() - started < 1.0


def test_plain_doctype_without_entities_is_refused() -> None:
    refused(b"<!DOCTYPE SOAP-ENV:Envelope>" + HELLO, STR, "DOCTYPE")


def test_undefined_entity_is_malformed() -> None:
    refused(HELLO.replace(b">Alice<", b">&nope;<"), STR, "malformed XML")


# ------------------------------------------------------------------ limits


def test_body_over_max_bytes_raises_message_too_large_before_parsing() -> None:
    small = RemotingSoapFormatter(limits=Limits(max_bytes=100))
    with pytest.raises(MessageTooLarge, match="exceeds the limit of 100 bytes"):
        small.read_call(HELLO)
    # the size is checked first: even bytes that are not XML at all fail with the size error
    with pytest.raises(MessageTooLarge):
        small.read_call(b"\x00" * 101)


def test_nesting_deeper_than_max_depth_is_refused() -> None:
    deep = call("<a>" + "<b>" * 70 + "</b>" * 70 + "</a>")
    refused(deep, [ANY], "nesting deeper than 64")
    shallow = RemotingSoapFormatter(limits=Limits(max_depth=5))
    refused(call("<a><b><c/></b></a>"), [ANY], "nesting deeper than 5", shallow)


def test_more_elements_than_max_elements_is_refused() -> None:
    many = call('<a href="#r"/>', '<SOAP-ENC:Array id="r">' + "<item>1</item>" * 50 + "</SOAP-ENC:Array>")
    few = RemotingSoapFormatter(limits=Limits(max_elements=20))
    refused(many, [wire_type(list[int])], "more than 20 XML elements", few)


def test_array_longer_than_max_array_length_is_refused() -> None:
    items = "<item>1</item>" * 5
    data = call('<a href="#r"/>', f'<SOAP-ENC:Array id="r" SOAP-ENC:arrayType="xsd:int[5]">{items}</SOAP-ENC:Array>')
    short = RemotingSoapFormatter(limits=Limits(max_array_length=4))
    refused(data, [wire_type(list[int])], "array longer than 4 items", short)
    assert decode(data, [wire_type(list[int])]) == [[1] * 5]


def test_reference_chain_deeper_than_max_ref_depth_is_refused() -> None:
    chain = "".join(f'<SOAP-ENC:Array id="r{i}"><item href="#r{i + 1}"/></SOAP-ENC:Array>' for i in range(100))
    refused(call('<a href="#r0"/>', chain + '<x id="r100">1</x>'), [ANY], "deeper than 64")


# ------------------------------------------------------------------ references


def test_href_cycle_is_refused() -> None:
    siblings = (
        '<SOAP-ENC:Array id="a" SOAP-ENC:arrayType="xsd:anyType[1]"><item href="#b"/></SOAP-ENC:Array>'
        '<SOAP-ENC:Array id="b" SOAP-ENC:arrayType="xsd:anyType[1]"><item href="#a"/></SOAP-ENC:Array>'
    )
    refused(call('<p href="#a"/>', siblings), [ANY], "cyclic reference")


def test_self_referencing_person_is_refused() -> None:
    person = f'<a1:Person id="p" xmlns:a1="{PEER_SHARED_DATA_NS}"><Name href="#p"/><Age>1</Age></a1:Person>'
    refused(call('<p href="#p"/>', person), [wire_type(Person)], "cyclic reference")


def test_dangling_href_is_refused() -> None:
    refused(call('<p href="#ref-9"/>'), STR, "points to no element")


@pytest.mark.parametrize("href", ["http://evil.example/x.xml#a", "file:///etc/passwd", "ref-2"])
def test_external_href_is_refused(href: str) -> None:
    refused(call(f'<p href="{href}"/>', '<x id="ref-2">a</x>'), STR, "external reference")


def test_duplicate_ids_are_refused() -> None:
    refused(call('<p href="#r"/>', '<x id="r">1</x><y id="r">2</y>'), INT, "duplicate id")


# ------------------------------------------------------------------ types from the wire


@pytest.mark.parametrize(
    "value",
    [
        '<p xmlns:a1="http://schemas.microsoft.com/clr/ns/System.Diagnostics" xsi:type="a1:Process">x</p>',
        '<p xmlns:a1="http://schemas.microsoft.com/clr/nsassem/Evil/EvilAssembly" xsi:type="a1:Payload">x</p>',
    ],
)
def test_unknown_xsi_type_naming_an_unregistered_clr_class_is_refused(value: str) -> None:
    refused(call(value), [ANY], "not a registered by-value type")


def test_unregistered_class_element_is_never_instantiated() -> None:
    sibling = '<a1:os.system id="r" xmlns:a1="http://schemas.microsoft.com/clr/ns/builtins"><x>ls</x></a1:os.system>'
    refused(call('<p href="#r"/>', sibling), [ANY], "not a registered by-value type")


def test_registered_subclass_only_replaces_the_declared_class() -> None:
    """A wire element naming a registered class unrelated to the declared one does not change the type."""
    sibling = (
        f'<a1:GreetingException id="r" xmlns:a1="{PEER_SHARED_DATA_NS}"><Name id="n">Eve</Name><Age>3</Age>'
        "</a1:GreetingException>"
    )
    [value] = decode(call('<p href="#r"/>', sibling), [wire_type(Person)])
    assert type(value) is Person and value == Person("Eve", 3)


def test_unknown_xsd_type_is_refused() -> None:
    refused(call('<p xsi:type="xsd:nonsense">1</p>'), [ANY], "unknown type")


def test_undeclared_prefix_is_refused() -> None:
    refused(call('<p xsi:type="zz:int">1</p>'), [ANY], "undeclared namespace prefix")


# ------------------------------------------------------------------ structure


@pytest.mark.parametrize(
    ("data", "phrase"),
    [
        (b"", "empty message body"),
        (b"  \r\n ", "empty message body"),
        (b"<SOAP-ENV:Envelope", "malformed XML"),
        (HELLO[:-30], "malformed XML"),
        (b"\xff\xfe\x00garbage", "malformed XML"),
        (b"<a><b></a>", "malformed XML"),
        (b"not xml at all", "malformed XML"),
        (b"<Envelope><Body/></Envelope>", "not a SOAP 1.1 envelope"),
        (b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>',
         "not a SOAP 1.1 envelope"),
        (b'<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"/>', "has no Body"),
        (b'<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Header/>'
         b"</SOAP-ENV:Envelope>", "has no Body"),
        (envelope(""), "Body is empty"),
    ],
)
def test_broken_structure_is_refused(data: bytes, phrase: str) -> None:
    with pytest.raises(SoapDecodeError) as raised:
        FORMATTER.read_call(data).decode_arguments(STR)
    assert phrase.lower() in str(raised.value).lower(), str(raised.value)


def test_wrong_argument_count_is_refused() -> None:
    refused(HELLO, [wire_type(str), wire_type(int)], "takes 2 argument(s), the message carries 1")
    refused(ECHO_MORE, CONTRACT.operations["Echo"].parameter_types, "takes 5 argument(s), the message carries 10")


@pytest.mark.parametrize(
    ("value", "hint", "phrase"),
    [
        ('<p xsi:type="xsd:int">abc</p>', int, "not an integer: 'abc'"),
        ("<p>abc</p>", int, "not an integer"),
        ("<p>1.5</p>", int, "not an integer"),
        ("<p>40000</p>", Int16, "out of range for xsd:short"),
        ("<p>-32769</p>", Int16, "out of range for xsd:short"),
        ("<p>" + "9" * 50 + "</p>", int, "not an integer"),
        ("<p>maybe</p>", bool, "not a boolean"),
        ("<p>1,5</p>", float, "not a number"),
        ("<p>12.3.4</p>", Decimal, "not a decimal"),
        ("<p>2024-13-01T00:00:00</p>", dt.datetime, "month must be in 1..12"),
        ("<p>yesterday</p>", dt.datetime, "not an xsd:dateTime"),
        ("<p>P1X</p>", dt.timedelta, "not an xsd:duration"),
        ("<p>!!!</p>", bytes, "not valid base64"),
        ("<p>Funday</p>", DayOfWeek, "not a member of DayOfWeek"),
        ('<p xsi:null="1"/>', int, "is null but a int is required"),
        ("<p><q/></p>", str, "should hold a string, not elements"),
    ],
)
def test_wrong_argument_values_are_refused(value: str, hint: object, phrase: str) -> None:
    refused(call(value), [wire_type(hint)], phrase)


def test_object_with_missing_required_field_is_refused() -> None:
    person = f'<a1:Person id="r" xmlns:a1="{PEER_SHARED_DATA_NS}"><Name id="n">x</Name></a1:Person>'
    refused(call('<p href="#r"/>', person), [wire_type(Person)], "cannot build Person")


def test_person_where_an_int_is_declared_is_refused() -> None:
    person = f'<a1:Person id="r" xmlns:a1="{PEER_SHARED_DATA_NS}"><Name id="n">x</Name><Age>1</Age></a1:Person>'
    refused(call('<p href="#r"/>', person), INT, "should hold a int, not elements")


# ------------------------------------------------------------------ regressions (bugs found by these tests)


def test_a_shared_element_is_decoded_per_declared_type() -> None:
    """One element referenced by an int and a str parameter: each gets a value of its own declared type."""
    data = call('<a href="#r"/><b href="#r"/>', '<x id="r">5</x>')
    assert decode(data, [wire_type(int), wire_type(str)]) == [5, "5"]


def test_a_shared_array_cannot_be_smuggled_into_an_object_parameter() -> None:
    data = call(
        '<a href="#r"/><b href="#r"/>',
        '<SOAP-ENC:Array id="r" SOAP-ENC:arrayType="xsd:int[1]"><item>5</item></SOAP-ENC:Array>',
    )
    refused(data, [wire_type(list[int]), wire_type(Person)], "cannot build Person")


@pytest.mark.parametrize("member", ["__class__", "__traceback__", "with_traceback", "args"])
def test_exception_members_from_the_wire_cannot_set_arbitrary_attributes(member: str) -> None:
    sibling = (
        f'<a1:GreetingException id="r" xmlns:a1="{PEER_SHARED_DATA_NS}">'
        f"<ClassName>RemotingPeer.GreetingException</ClassName><Message>m</Message><{member}>x</{member}>"
        "<Greeting>g</Greeting></a1:GreetingException>"
    )
    [value] = decode(call('<p href="#r"/>', sibling), [ANY])
    assert type(value) is GreetingException
    assert value.Greeting == "g" and value.args == ("m",)
    assert member not in vars(value), f"wire member {member!r} became an attribute"


def test_fault_with_a_non_text_hresult_is_a_decode_error_or_the_default() -> None:
    """Regression: an HResult href'd to an array used to escape as TypeError from ``int(list)``."""
    fault = (FIXTURES / "023_Fail.response.xml").read_bytes()
    fault = fault.replace(b"<HResult>-2146233088</HResult>", b'<HResult href="#ref-40" />')
    fault = fault.replace(b'<Greeting id="ref-10">Hi there</Greeting>', b'<Greeting id="ref-10">Hi there</Greeting>'
                          b'<Extra href="#ref-40" />')
    fault = fault.replace(b"</SOAP-ENV:Body>", b'<SOAP-ENC:Array id="ref-40" SOAP-ENC:arrayType="xsd:int[1]">'
                          b"<item>1</item></SOAP-ENC:Array></SOAP-ENV:Body>")
    try:
        result = FORMATTER.read_response(fault, "Fail", CONTRACT.operations["Fail"].returns)
    except SoapDecodeError as exc:
        assert "should hold a string" in str(exc)
    else:
        assert isinstance(result, Fault) and result.exception is not None
        assert result.exception.hresult == -2146233088


# ------------------------------------------------------------------ fuzzing

SEEDS = {
    name: (FIXTURES / f"{name}.request.xml").read_bytes()
    for name in ("014_Echo", "017_EchoMore", "018_Reverse", "021_GetPerson", "022_Birthday", "023_Fail")
}
RESPONSE_SEEDS = {
    name: (FIXTURES / f"{name}.response.xml").read_bytes()
    for name in ("018_Reverse", "021_GetPerson", "023_Fail", "056_Increment")
}
TOKENS = [
    b"<", b">", b"/>", b"&", b"&amp;", b'"', b"=", b":", b"#", b" ", b"\x00", b"\xff", b"\xc3", b"]]>", b"<!--", b"<?",
    b' href="#ref-2"', b' href="#ref-1"', b' href="#ref-3"', b' id="ref-2"', b' id="ref-1"', b' xsi:null="1"',
    b' xsi:type="xsd:int"', b' xsi:type="SOAP-ENC:string"', b' xsi:type="SOAP-ENC:Array"', b' xsi:type="xsd:anyType"',
    b' xsi:type="a1:Person"', b' SOAP-ENC:arrayType="xsd:int[3]"', b' SOAP-ENC:arrayType="xsd:anyType[2]"',
    b' SOAP-ENC:arrayType="a1:Person[1]"', b"<item>1</item>", b"<item href=\"#ref-2\"/>", b"<Age>x</Age>",
    b"<SOAP-ENC:Array>", b"</SOAP-ENC:Array>", b"-9223372036854775809", b"NaN", b"INF", b"P", b"T",
    b"9999-12-31T23:59:60",
    b"0001-01-01T00:00:00-23:59", b"PT99999999999999999999S", b"1e400", b"AAEC/v8", b"Friday", b"Funday",
]


@st.composite
def mutated(draw: st.DrawFn, seeds: dict[str, bytes]) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(seeds)))
    data = bytearray(seeds[name])
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "duplicate"]))
        if op == "insert":
            data[at:at] = draw(st.one_of(st.sampled_from(TOKENS), st.binary(max_size=8)))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 40))]
        elif op == "replace":
            data[at:at + draw(st.integers(1, 12))] = draw(st.sampled_from(TOKENS))
        else:
            end = min(len(data), at + draw(st.integers(1, 200)))
            data[at:at] = data[at:end]
    return name, bytes(data)


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read_and_decode(data: bytes, fallback_method: str) -> None:
    incoming = FORMATTER.read_call(data)
    op = CONTRACT.operation(incoming.method_name) or CONTRACT.operations[fallback_method]
    incoming.decode_arguments(op.parameter_types)


def only_decode_errors(action: object, *args: object) -> None:
    try:
        action(*args)  # type: ignore[operator]
    except SoapDecodeError as exc:
        assert str(exc), "a decode error must say what is wrong"


@FUZZ
@given(st.binary(max_size=2048))
def test_random_bytes_raise_only_decode_errors(data: bytes) -> None:
    only_decode_errors(read_and_decode, data, "Echo")


@FUZZ
@given(mutated(SEEDS))
def test_mutated_requests_raise_only_decode_errors(case: tuple[str, bytes]) -> None:
    name, data = case
    only_decode_errors(read_and_decode, data, name.split("_", 1)[1])


@FUZZ
@given(mutated(SEEDS))
def test_mutated_requests_decoded_as_object_raise_only_decode_errors(case: tuple[str, bytes]) -> None:
    _, data = case

    def as_object(data: bytes) -> None:
        incoming = FORMATTER.read_call(data)
        incoming.decode_arguments([ANY] * incoming.argument_count)

    only_decode_errors(as_object, data)


@FUZZ
@given(mutated(RESPONSE_SEEDS))
def test_mutated_responses_raise_only_decode_errors(case: tuple[str, bytes]) -> None:
    name, data = case
    method = name.split("_", 1)[1]
    only_decode_errors(FORMATTER.read_response, data, method, CONTRACT.operations[method].returns)
