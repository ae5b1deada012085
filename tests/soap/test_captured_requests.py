"""Decoding what a real Mono .NET Remoting client and server put on the wire.

The fixtures are the bodies of ``peers/mono/captures/soap/raw`` (HTTP headers stripped): requests of Mono's
``SoapClientFormatterSink`` and responses of Mono's ``SoapServerFormatterSink``. Every value is decoded with
the wire types of the examples' ``IRemoteService`` contract, exactly as the dispatcher and the client do.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path

import pytest

from examples.hello import IHello
from examples.remoting_samples import DayOfWeek, GreetingException, IRemoteService, Person
from soap import VOID, ClrDateTime, Fault, MethodReturn, RemotingSoapFormatter, WireType
from wsdl import contract_of

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mono_soap"

SERVICE_NS = "http://schemas.microsoft.com/clr/nsassem/RemotingPeer.IRemoteService/PeerShared"
HELLO_NS = "http://schemas.microsoft.com/clr/nsassem/RemotingPeer.IHello/PeerShared"
ECHO_TEXT = "Grüße <&> \"quoted\" 'apos' tab\there line1\nline2 ✓"

FORMATTER = RemotingSoapFormatter()


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parameter_types(method: str) -> list[WireType]:
    contract = contract_of(IHello) if method == "HelloMethod" else contract_of(IRemoteService)
    op = contract.operation(method)
    assert op is not None, method
    return op.parameter_types


def return_type(method: str) -> WireType:
    contract = contract_of(IHello) if method == "HelloMethod" else contract_of(IRemoteService)
    op = contract.operation(method)
    assert op is not None, method
    return op.returns


def decode_request(name: str) -> tuple[str, str, list[object]]:
    call = FORMATTER.read_call(fixture(f"{name}.request.xml"))
    return call.method_name, call.namespace, call.decode_arguments(parameter_types(call.method_name))


def decode_response(name: str) -> MethodReturn | Fault:
    method = name.split("_", 1)[1]
    return FORMATTER.read_response(fixture(f"{name}.response.xml"), method, return_type(method))


# ------------------------------------------------------------------ requests


def test_hello_method_request() -> None:
    assert decode_request("001_HelloMethod") == ("HelloMethod", HELLO_NS, ["Alice"])


def test_increment_request_has_no_arguments() -> None:
    call = FORMATTER.read_call(fixture("005_Increment.request.xml"))
    assert (call.method_name, call.namespace, call.argument_count) == ("Increment", SERVICE_NS, 0)
    assert call.decode_arguments(parameter_types("Increment")) == []


def test_increment_on_client_activated_object_request() -> None:
    call = FORMATTER.read_call(fixture("056_Increment.request.xml"))
    assert call.method_name == "Increment"
    assert call.namespace == "http://schemas.microsoft.com/clr/nsassem/RemotingPeer.ClientActivatedObject/PeerServer"
    assert call.decode_arguments(parameter_types("Increment")) == []


def test_echo_request_keeps_every_value_and_the_seventh_digit() -> None:
    method, namespace, args = decode_request("014_Echo")
    assert (method, namespace) == ("Echo", SERVICE_NS)
    i, d, b, s, t = args
    assert i == 42 and type(i) is int
    assert d == 3.141592653589793
    assert b is True
    assert s == ECHO_TEXT
    assert isinstance(t, ClrDateTime)
    assert t == dt.datetime(2024, 2, 29, 13, 45, 30, 123456, tzinfo=dt.UTC)
    assert t.utcoffset() == dt.timedelta(0)
    assert t.hundred_nanoseconds == 7
    assert t.ticks % 10 == 7


def test_echo_request_edge_values() -> None:
    _, _, (i, d, b, s, t) = decode_request("015_Echo")
    assert i == -(2**31)
    assert math.isnan(d)
    assert b is False
    assert s == ""
    assert t == dt.datetime(1924, 2, 29, 13, 45, 30, 123456, tzinfo=dt.UTC)
    assert isinstance(t, ClrDateTime) and t.hundred_nanoseconds == 7


def test_echo_request_negative_infinity() -> None:
    _, _, (i, d, b, s, _t) = decode_request("016_Echo")
    assert (i, d, b, s) == (0, -math.inf, False, "x")


def test_echo_more_request_decodes_every_primitive() -> None:
    method, _, args = decode_request("017_EchoMore")
    assert method == "EchoMore"
    assert args == [
        9223372036854775807,
        pytest.approx(0.1, rel=1e-7),
        Decimal("12345.6789"),
        "Ω",
        255,
        -32768,
        dt.timedelta(days=1, hours=2, minutes=3, seconds=4, milliseconds=5),
        b"\x00\x01\x02\xfe\xff",
        None,
        DayOfWeek.Friday,
    ]
    # xsd:float is a 32-bit float: the decoded value is exactly float32(0.1), not the double 0.1
    assert args[1] == 0.10000000149011612
    assert args[9] is DayOfWeek.Friday


@pytest.mark.parametrize(
    ("name", "expected"), [("018_Reverse", [1, 2, 3, 4, 5]), ("019_Reverse", []), ("020_Reverse", None)]
)
def test_reverse_request_arrays(name: str, expected: list[int] | None) -> None:
    _, _, args = decode_request(name)
    assert args == [expected]


def test_get_person_request() -> None:
    assert decode_request("021_GetPerson")[2] == ["Dave", 42]


def test_birthday_request_carries_a_person_by_value() -> None:
    _, _, (p,) = decode_request("022_Birthday")
    assert type(p) is Person
    assert p == Person("Erin", 29)


def test_fail_request() -> None:
    assert decode_request("023_Fail")[2] == ["No greeting for you"]


def test_asmx_client_form_is_accepted() -> None:
    """What a wsdl.exe-generated SoapHttpClientProtocol sends: soap: prefixes, XML declaration, no ids."""
    call = FORMATTER.read_call(fixture("asmx_hello.request.xml"))
    assert call.method_name == "HelloMethod"
    assert call.namespace == "http://schemas.microsoft.com/clr/nsassem/RemotingPeer.HelloServer/PeerServer"
    assert call.argument_names == ["name"]
    assert call.decode_arguments(parameter_types("HelloMethod")) == ["Zed"]


# ------------------------------------------------------------------ responses (as a client reads them)


def ok(name: str) -> MethodReturn:
    result = decode_response(name)
    assert isinstance(result, MethodReturn), result
    return result


def test_hello_method_response() -> None:
    result = ok("001_HelloMethod")
    assert (result.method_name, result.namespace, result.value) == ("HelloMethod", HELLO_NS, "Hi there Alice")


def test_increment_response() -> None:
    result = ok("005_Increment")
    assert result.value == 1 and type(result.value) is int
    assert result.namespace == SERVICE_NS


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("014_Echo", f"42|3.1415926535897931|True|{ECHO_TEXT}|2024-02-29T13:45:30.1234567Z|Local"),
        ("015_Echo", "-2147483648|NaN|False||1924-02-29T13:45:30.1234567Z|Local"),
        ("016_Echo", "0|-Infinity|False|x|2024-02-29T13:45:30.1234567Z|Local"),
        ("017_EchoMore", "9223372036854775807|0.1|12345.6789|937|255|-32768|937840050000|000102feff|<null>|Friday"),
    ],
)
def test_string_responses(name: str, expected: str) -> None:
    assert ok(name).value == expected


@pytest.mark.parametrize(
    ("name", "expected"), [("018_Reverse", [5, 4, 3, 2, 1]), ("019_Reverse", []), ("020_Reverse", None)]
)
def test_reverse_responses(name: str, expected: list[int] | None) -> None:
    assert ok(name).value == expected


@pytest.mark.parametrize(
    ("name", "expected"), [("021_GetPerson", Person("Dave", 42)), ("022_Birthday", Person("Erin", 30))]
)
def test_person_responses_are_real_local_objects(name: str, expected: Person) -> None:
    value = ok(name).value
    assert type(value) is Person
    assert value == expected


def test_greeting_exception_fault() -> None:
    result = decode_response("023_Fail")
    assert isinstance(result, Fault)
    assert result.code == "Server"
    assert result.message == " **** RemotingPeer.GreetingException - No greeting for you"
    info = result.exception
    assert info is not None
    assert info.type_name == "RemotingPeer.GreetingException"
    assert info.assembly == "PeerShared, Version=0.0.0.0, Culture=neutral, PublicKeyToken=null"
    assert info.message == "No greeting for you"
    assert info.source == "PeerServer"
    assert info.hresult == -2146233088
    assert info.stack_trace is not None and info.stack_trace.startswith("  at RemotingPeer.ServiceBase.Fail")
    assert [(name, value) for name, value, _ in info.fields] == [("Greeting", "Hi there")]
    exc = info.value
    assert type(exc) is GreetingException
    assert exc.Greeting == "Hi there"
    assert exc.Message == "No greeting for you"
    assert str(exc) == "No greeting for you"


def test_remoting_exception_fault_for_an_expired_object() -> None:
    result = FORMATTER.read_response(fixture("056_Increment.response.xml"), "Increment", return_type("Increment"))
    assert isinstance(result, Fault)
    assert result.code == "Server"
    uri = "/159de443_7823_47a9_87d5_54376e015431/154337_2.rem"
    assert result.message == f" **** System.Runtime.Remoting.RemotingException - No receiver for uri {uri}"
    info = result.exception
    assert info is not None
    assert (info.type_name, info.assembly) == ("System.Runtime.Remoting.RemotingException", "mscorlib")
    assert info.message == f"No receiver for uri {uri}"
    assert info.hresult == -2146233087
    assert info.source == "System.Runtime.Remoting"
    assert info.fields == []
    assert info.value is None  # not a registered type: never instantiated, reported by name


def test_a_void_method_reads_a_fault_too() -> None:
    result = FORMATTER.read_response(fixture("023_Fail.response.xml"), "Fail", VOID)
    assert isinstance(result, Fault)
    assert result.exception is not None and isinstance(result.exception.value, GreetingException)
