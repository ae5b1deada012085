"""Decoding what a real Mono .NET Remoting client and server put on the wire with the *binary* formatter.

The fixtures (``tests/fixtures/mono_binary``) are the bodies of all 56 exchanges of
``peers/mono/captures/binary/raw`` (HTTP headers and the interim ``100 Continue`` stripped, bytes unchanged):
requests of Mono's ``BinaryClientFormatterSink`` and responses of its ``BinaryServerFormatterSink``. Every
request is decoded with the wire types of the contract the call names (``IHello``, ``IRemoteService``,
``ICounter``, ``IActivator``, ``ILease``) as the dispatcher does, every response as the client does.

Then our writer answers the same calls: what it writes must read back to the same values, and must have the
shape of Mono's answer: the same message flags, header ids, sequence of record types and class metadata.
"""

from __future__ import annotations

import datetime as dt
import math
import struct
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from examples.hello import IHello
from examples.remoting_samples import DayOfWeek, GreetingException, ICounter, IRemoteService, Person
from gateway import CustomErrorsMode, ILease, LeaseState, RemotingError, RemotingException
from gateway.client.faults import exception_from_fault
from gateway.model.activation import ConstructionCall, ConstructionResponse, IActivator, runtime_registry
from gateway.server.faults import fault_for
from soap import (
    ANY,
    DEFAULT_LIMITS,
    DEFAULT_REGISTRY,
    BinaryFormatter,
    ClrDateTime,
    Fault,
    MethodReturn,
    ObjRef,
    SoapDecodeError,
    exception_info,
    wire_type,
)
from soap._nrbf_records import (
    ArrayRecord,
    MessageFlags,
    NrbfReader,
    Primitive,
    PrimitiveValue,
    RecordType,
    read_message,
)
from soap._nrbf_writer import write_exception_return, write_method_return
from wsdl import Operation, contract_of

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mono_binary"
CAPTURES = Path(__file__).resolve().parents[3] / "shared" / "peers" / "mono" / "captures" / "binary" / "raw"

#: The registry the gateway decodes with: the application's types plus the runtime's message types.
REGISTRY = runtime_registry(DEFAULT_REGISTRY)
FORMATTER = BinaryFormatter(REGISTRY)

PEER_SHARED = "PeerShared, Version=0.0.0.0, Culture=neutral, PublicKeyToken=null"
PEER_SERVER = "PeerServer, Version=0.0.0.0, Culture=neutral, PublicKeyToken=null"
MSCORLIB = "mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089"
HELLO_TYPE = f"RemotingPeer.IHello, {PEER_SHARED}"
SERVICE_TYPE = f"RemotingPeer.IRemoteService, {PEER_SHARED}"
CAO_TYPE = f"RemotingPeer.ClientActivatedObject, {PEER_SERVER}"
LEASE_TYPE = f"System.Runtime.Remoting.Lifetime.Lease, {MSCORLIB}"
ECHO_TEXT = "Grüße <&> \"quoted\" 'apos' tab\there line1\nline2 ✓"
CHANNEL_URL = "http://127.0.0.1:8186"  # the tap in front of the Mono server (run-capture.sh --advertise)
CAO_URIS = {
    "027_Activate": "3aff2bf0_106c_453f_8c56_e3d0dc04ec36/157203_2.rem",
    "031_Activate": "3aff2bf0_106c_453f_8c56_e3d0dc04ec36/157297_3.rem",
    "045_Activate": "3aff2bf0_106c_453f_8c56_e3d0dc04ec36/1574a3_5.rem",
}

EXCHANGES = sorted(p.name.split(".", 1)[0] for p in FIXTURES.glob("*.request.bin"))
ALL_METHODS = {
    "HelloMethod", "GetRemoteObjectType", "Increment", "GetProcessId", "Echo", "EchoMore", "Reverse",
    "GetPerson", "Birthday", "Fail", "Activate", "GetName", "GetLifetimeService", "get_InitialLeaseTime",
    "get_RenewOnCallTime", "get_SponsorshipTimeout", "get_CurrentLeaseTime", "get_CurrentState",
}  # fmt: skip

#: The contract a call's type name selects (as the dispatcher looks methods up).
CONTRACTS: dict[str, type] = {
    "RemotingPeer.IHello": IHello,
    "RemotingPeer.HelloServer": IHello,
    "RemotingPeer.IRemoteService": IRemoteService,
    "RemotingPeer.ClientActivatedObject": ICounter,
    "System.Runtime.Remoting.Activation.IActivator": IActivator,
    "System.Runtime.Remoting.Lifetime.Lease": ILease,
}
#: ``MarshalByRefObject.GetLifetimeService`` as the client channel declares it (an ObjRef comes back).
GET_LIFETIME = Operation("GetLifetimeService", (), Any, ANY, False, None, "GetLifetimeService")


def body(name: str, direction: str) -> bytes:
    return (FIXTURES / f"{name}.{direction}.bin").read_bytes()


def operation(type_name: str, method: str) -> Operation:
    short = type_name.split(",", 1)[0]
    if short == "System.MarshalByRefObject" and method == "GetLifetimeService":
        return GET_LIFETIME
    op = contract_of(CONTRACTS[short]).operation(method)
    assert op is not None, f"{short} has no {method}"
    return op


def decode_request(name: str) -> tuple[str, str, list[object]]:
    call = FORMATTER.read_call(body(name, "request"))
    op = operation(call.namespace, call.method_name)
    return call.method_name, call.namespace, call.decode_arguments(op.parameter_types)


def response_operation(name: str) -> tuple[Operation, int]:
    """The operation of an exchange (from its request) and the request's argument count."""
    call = FORMATTER.read_call(body(name, "request"))
    return operation(call.namespace, call.method_name), call.argument_count


def decode_response(name: str) -> MethodReturn | Fault:
    op, _ = response_operation(name)
    return FORMATTER.read_response(body(name, "response"), op.name, op.returns)


def value_of(name: str) -> object:
    result = decode_response(name)
    assert isinstance(result, MethodReturn), result
    return result.value


def flags_of(data: bytes) -> int:
    return int(read_message(data, DEFAULT_LIMITS).message.flags)


# ------------------------------------------------------------------ the fixtures themselves


def test_every_exchange_is_present_and_covers_every_method() -> None:
    assert len(EXCHANGES) == 56
    assert len(list(FIXTURES.glob("*.bin"))) == 112
    for name in EXCHANGES:
        assert (FIXTURES / f"{name}.response.bin").is_file(), name
    assert {n.split("_", 1)[1] for n in EXCHANGES} == ALL_METHODS


@pytest.mark.parametrize("name", EXCHANGES)
def test_fixture_is_the_exact_captured_body(name: str) -> None:
    for direction in ("request", "response"):
        data = body(name, direction)
        assert data[0] == RecordType.SerializedStreamHeader and data[-1] == RecordType.MessageEnd
        raw_file = CAPTURES / f"{name}.{direction}"
        if raw_file.is_file():  # the shared peers checkout is next to the repository
            raw = raw_file.read_bytes()
            assert raw.endswith(b"\r\n\r\n" + data), f"{name}.{direction} differs from the capture"
            head = raw[: len(raw) - len(data)].decode("latin-1")
            assert f"Content-Length: {len(data)}\r\n" in head


def test_hello_request_is_the_135_bytes_of_the_readme() -> None:
    data = body("001_HelloMethod", "request")
    assert len(data) == 135 and len(body("001_HelloMethod", "response")) == 44
    assert data[:17] == bytes([0]) + struct.pack("<iiii", 0, 0, 1, 0)
    assert data[17] == RecordType.MethodCall and flags_of(data) == 0x12


@pytest.mark.parametrize(("data", "error"), [
    (b"", "truncated at byte 0"),
    (b"\x01" + bytes(30), "not an MS-NRBF stream: no SerializationHeader record"),
    (b"\x00" + struct.pack("<iiii", 1, -1, 1, 0), "truncated at byte 17"),  # the head, then nothing
    (b"\x00" + struct.pack("<iii", 1, -1, 1), "truncated at byte 13"),
    (b"\x00" + struct.pack("<iiii", 1, -1, 2, 0) + b"\x15", "unsupported MS-NRBF version 2.0"),
    (b"\x00" + struct.pack("<iiii", 1, -1, 1, 0) + b"\x0b", "expected a BinaryMethodCall or BinaryMethodReturn"),
    (b"\x00" + struct.pack("<iiii", 1, -1, 1, 0) + b"\x15\x12\x00", "truncated at byte 18"),  # a cut flags field
])
def test_a_bad_stream_head_is_named(data: bytes, error: str) -> None:
    """The fixed head of a message (SerializationHeader and the message record type) is read in one go when
    it is all there; a short or wrong one is refused with the same errors as field by field."""
    with pytest.raises(SoapDecodeError, match=error):
        read_message(data, DEFAULT_LIMITS)


def test_the_stream_head_ids_are_read() -> None:
    message = read_message(body("001_HelloMethod", "request"), DEFAULT_LIMITS)
    assert (message.root_id, message.header_id) == (0, 0)
    reply = read_message(write_method_return(Person("Dave", 42), wire_type(Person), 2, DEFAULT_REGISTRY),
                         DEFAULT_LIMITS)
    assert (reply.root_id, reply.header_id) == (1, -1)


# ------------------------------------------------------------------ requests


@pytest.mark.parametrize("name", EXCHANGES)
def test_every_request_decodes(name: str) -> None:
    method, type_name, args = decode_request(name)
    assert method == name.split("_", 1)[1]
    assert len(args) == len(operation(type_name, method).parameters)


def test_hello_method_requests() -> None:
    assert decode_request("001_HelloMethod") == ("HelloMethod", HELLO_TYPE, ["Alice"])
    assert decode_request("002_HelloMethod") == ("HelloMethod", HELLO_TYPE, ["Bob"])
    # the third call goes through the class metadata (HelloServer), not the interface
    assert decode_request("003_HelloMethod") == ("HelloMethod", f"RemotingPeer.HelloServer, {PEER_SERVER}", ["Carol"])


def test_increment_request_has_no_arguments() -> None:
    data = body("005_Increment", "request")
    call = FORMATTER.read_call(data)
    assert (call.method_name, call.namespace, call.argument_count) == ("Increment", SERVICE_TYPE, 0)
    assert call.decode_arguments([]) == []
    assert flags_of(data) == MessageFlags.NoArgs | MessageFlags.NoContext


def test_echo_request_keeps_every_value_the_seventh_digit_and_the_kind() -> None:
    method, type_name, args = decode_request("014_Echo")
    assert (method, type_name) == ("Echo", SERVICE_TYPE)
    i, d, b, s, t = args
    assert i == 42 and type(i) is int
    assert d == 3.141592653589793 and type(d) is float
    assert b is True
    assert s == ECHO_TEXT
    assert isinstance(t, ClrDateTime)
    assert t == dt.datetime(2024, 2, 29, 13, 45, 30, 123456, tzinfo=dt.UTC)
    assert t.tzinfo is dt.UTC  # Kind=Utc on the wire
    assert t.hundred_nanoseconds == 7 and t.ticks % 10 == 7
    # the raw DateTime: Mono sends the Echo arguments in the call array (flags 0x14), Kind bits = 1 (Utc)
    message = read_message(body("014_Echo", "request"), DEFAULT_LIMITS)
    assert message.message.flags == MessageFlags.ArgsIsArray | MessageFlags.NoContext
    call_array = message.objects[message.root_id]
    assert isinstance(call_array, ArrayRecord)
    raw = call_array.items[4]
    assert isinstance(raw, PrimitiveValue) and raw.type is Primitive.DateTime
    assert isinstance(raw.value, int) and raw.value >> 62 == 1 and (raw.value & ((1 << 62) - 1)) == t.ticks


def test_echo_request_edge_values() -> None:
    _, _, (i, d, b, s, t) = decode_request("015_Echo")
    assert i == -(2**31)
    assert isinstance(d, float) and math.isnan(d)
    assert b is False
    assert s == ""
    assert t == dt.datetime(1924, 2, 29, 13, 45, 30, 123456, tzinfo=dt.UTC)
    assert isinstance(t, ClrDateTime) and t.hundred_nanoseconds == 7


def test_echo_request_negative_infinity() -> None:
    _, _, (i, d, b, s, _t) = decode_request("016_Echo")
    assert (i, d, b, s) == (0, -math.inf, False, "x")


def test_echo_more_request_decodes_every_primitive_exactly() -> None:
    method, _, args = decode_request("017_EchoMore")
    assert method == "EchoMore"
    float32_01 = struct.unpack("<f", struct.pack("<f", 0.1))[0]
    expected = [
        9223372036854775807,
        float32_01,
        Decimal("12345.6789"),
        "Ω",
        255,
        -32768,
        dt.timedelta(days=1, hours=2, minutes=3, seconds=4, milliseconds=5),
        b"\x00\x01\x02\xfe\xff",
        None,
        DayOfWeek.Friday,
    ]
    assert args == expected
    assert [type(a) for a in args] == [type(e) for e in expected]
    assert args[1] == float32_01 != 0.1  # exactly the float32 value, not rounded to a double's 0.1


@pytest.mark.parametrize(
    ("name", "expected"), [("018_Reverse", [1, 2, 3, 4, 5]), ("019_Reverse", []), ("020_Reverse", None)]
)
def test_reverse_requests(name: str, expected: list[int] | None) -> None:
    assert decode_request(name)[2] == [expected]


def test_by_value_person_requests() -> None:
    assert decode_request("021_GetPerson")[2] == ["Dave", 42]
    (person,) = decode_request("022_Birthday")[2]
    assert isinstance(person, Person) and person == Person("Erin", 29)


def test_fail_requests() -> None:
    assert decode_request("023_Fail")[2] == ["No greeting for you"]
    assert decode_request("025_Fail")[2] == ["x"]


@pytest.mark.parametrize(
    ("name", "ctor_arg"), [("027_Activate", "alpha"), ("031_Activate", "beta"), ("045_Activate", "gamma")]
)
def test_activation_request_is_a_construction_call(name: str, ctor_arg: str) -> None:
    data = body(name, "request")
    assert flags_of(data) == MessageFlags.ArgsIsArray | MessageFlags.NoContext
    method, type_name, (msg,) = decode_request(name)
    assert (method, type_name) == ("Activate", f"System.Runtime.Remoting.Activation.IActivator, {MSCORLIB}")
    assert isinstance(msg, ConstructionCall)
    assert msg.TypeName == CAO_TYPE and msg.ActivationTypeName == CAO_TYPE
    assert msg.MethodName == ".ctor"
    assert msg.Args == [ctor_arg]


def test_calls_on_client_activated_objects_and_their_lease() -> None:
    assert decode_request("028_GetName") == ("GetName", CAO_TYPE, [])
    assert decode_request("056_Increment") == ("Increment", CAO_TYPE, [])
    mbr = f"System.MarshalByRefObject, {MSCORLIB}"
    assert decode_request("036_GetLifetimeService") == ("GetLifetimeService", mbr, [])
    assert decode_request("037_get_InitialLeaseTime") == ("get_InitialLeaseTime", LEASE_TYPE, [])
    assert decode_request("041_get_CurrentState") == ("get_CurrentState", LEASE_TYPE, [])


# ------------------------------------------------------------------ responses


@pytest.mark.parametrize("name", EXCHANGES)
def test_every_response_decodes(name: str) -> None:
    result = decode_response(name)
    expect_fault = name in ("023_Fail", "025_Fail", "056_Increment")
    assert isinstance(result, Fault) == expect_fault, result


SIMPLE_RETURNS: dict[str, object] = {
    "001_HelloMethod": "Hi there Alice",
    "002_HelloMethod": "Hi there Bob",
    "003_HelloMethod": "Hi there Carol",
    "004_GetRemoteObjectType": "RemotingPeer.SingleCallObject",
    "008_GetRemoteObjectType": "RemotingPeer.SingletonObject",
    **{f"{n:03d}_Increment": 1 for n in (5, 6, 7)},  # SingleCall: state not kept
    "009_Increment": 1, "010_Increment": 2, "011_Increment": 3, "024_Increment": 4, "026_Increment": 5,
    "014_Echo": f"42|3.1415926535897931|True|{ECHO_TEXT}|2024-02-29T13:45:30.1234567Z|Utc",
    "015_Echo": "-2147483648|NaN|False||1924-02-29T13:45:30.1234567Z|Utc",
    "016_Echo": "0|-Infinity|False|x|2024-02-29T13:45:30.1234567Z|Utc",
    "017_EchoMore": "9223372036854775807|0.1|12345.6789|937|255|-32768|937840050000|000102feff|<null>|Friday",
    "018_Reverse": [5, 4, 3, 2, 1],
    "019_Reverse": [],
    "020_Reverse": None,
    "028_GetName": "alpha", "029_Increment": 1, "030_Increment": 2,
    "032_GetName": "beta", "033_Increment": 1, "034_Increment": 3, "035_Increment": 2,
    **{f"{n:03d}_Increment": n - 45 for n in range(46, 56)},  # gamma, called every second: 1..10
    "037_get_InitialLeaseTime": dt.timedelta(seconds=5),
    "038_get_RenewOnCallTime": dt.timedelta(seconds=2),
    "039_get_SponsorshipTimeout": dt.timedelta(seconds=2),
    "041_get_CurrentState": LeaseState.Active,
    "042_get_InitialLeaseTime": dt.timedelta(seconds=5),
    "043_get_RenewOnCallTime": dt.timedelta(seconds=2),
    "044_get_SponsorshipTimeout": dt.timedelta(seconds=2),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(SIMPLE_RETURNS))
def test_simple_returns(name: str) -> None:
    value = value_of(name)
    expected = SIMPLE_RETURNS[name]
    assert value == expected
    assert type(value) is type(expected)


def test_hello_response_is_inline_string_with_one_null_out_arg_slot() -> None:
    data = body("001_HelloMethod", "response")
    assert flags_of(data) == 0x0812  # ReturnValueInline | ArgsInline | NoContext
    message = read_message(data, DEFAULT_LIMITS)
    assert message.message.args == [None]


def test_process_id_responses() -> None:
    first, second = value_of("012_GetProcessId"), value_of("013_GetProcessId")
    assert isinstance(first, int) and first > 0 and first == second


def test_current_lease_time_response() -> None:
    value = value_of("040_get_CurrentLeaseTime")
    assert isinstance(value, dt.timedelta) and dt.timedelta(0) < value <= dt.timedelta(seconds=5)


def test_person_responses_are_by_value_copies() -> None:
    dave, erin = value_of("021_GetPerson"), value_of("022_Birthday")
    assert isinstance(dave, Person) and dave == Person("Dave", 42)
    assert isinstance(erin, Person) and erin == Person("Erin", 30)
    assert flags_of(body("021_GetPerson", "response")) == 0x1012  # ReturnValueInArray | ArgsInline | NoContext


@pytest.mark.parametrize(("name", "message"), [("023_Fail", "No greeting for you"), ("025_Fail", "x")])
def test_greeting_exception_fault(name: str, message: str) -> None:
    data = body(name, "response")
    assert flags_of(data) == 0x2211  # ExceptionInArray | NoReturnValue | NoContext | NoArgs
    header = read_message(data, DEFAULT_LIMITS)
    assert (header.root_id, header.header_id) == (1, -1)
    fault = decode_response(name)
    assert isinstance(fault, Fault) and fault.exception is not None
    info = fault.exception
    assert (info.type_name, info.assembly) == ("RemotingPeer.GreetingException", PEER_SHARED)
    assert info.message == message and info.source == "PeerServer" and info.hresult == -2146233088
    assert info.stack_trace is not None and "RemotingPeer.ServiceBase.Fail" in info.stack_trace
    exc = info.value
    assert isinstance(exc, GreetingException)
    assert str(exc) == message and exc.Message == message
    assert exc.Greeting == "Hi there"
    assert exception_from_fault(fault, 200) is exc  # what the client raises


def test_remoting_exception_after_lease_expiry() -> None:
    fault = decode_response("056_Increment")
    assert isinstance(fault, Fault) and fault.exception is not None
    info = fault.exception
    assert (info.type_name, info.assembly) == ("System.Runtime.Remoting.RemotingException", "mscorlib")
    assert info.message is not None
    assert info.message.endswith(f"No receiver for uri /{CAO_URIS['027_Activate']}")
    assert info.hresult == -2146233087 and info.source == "mscorlib"
    error = exception_from_fault(fault, 200)
    assert isinstance(error, RemotingError)
    assert error.remote_type == "System.Runtime.Remoting.RemotingException"
    assert "No receiver for uri" in str(error)


@pytest.mark.parametrize("name", sorted(CAO_URIS))
def test_activation_response_carries_the_objref(name: str) -> None:
    assert flags_of(body(name, "response")) == 0x1012
    response = value_of(name)
    assert isinstance(response, ConstructionResponse)
    ref = response.Return
    assert isinstance(ref, ObjRef)
    assert ref.uri == CAO_URIS[name]
    assert ref.server_type == CAO_TYPE
    assert ref.channel_urls == [CHANNEL_URL]
    assert ref.url() == f"{CHANNEL_URL}/{CAO_URIS[name]}"
    assert ref.interfaces == [f"RemotingPeer.ICounter, {PEER_SHARED}"]
    assert ref.is_marshalled is False
    assert ref.process_guid == "c0b01086-704e-4b8d-88a7-d06f80e7e7b4"


def test_lifetime_service_response_is_the_lease_objref() -> None:
    assert flags_of(body("036_GetLifetimeService", "response")) == 0x1011  # ReturnValueInArray | NoContext | NoArgs
    ref = value_of("036_GetLifetimeService")
    assert isinstance(ref, ObjRef)
    assert ref.uri == "3aff2bf0_106c_453f_8c56_e3d0dc04ec36/15737f_4.rem"
    assert ref.server_type == LEASE_TYPE
    assert ref.interfaces == [f"System.Runtime.Remoting.Lifetime.ILease, {MSCORLIB}"]
    assert ref.url() == f"{CHANNEL_URL}/3aff2bf0_106c_453f_8c56_e3d0dc04ec36/15737f_4.rem"
    assert ref.is_marshalled is None  # a lease's ObjRef has no fIsMarshalled member


def test_lease_state_is_a_boxed_enum_in_the_call_array() -> None:
    data = body("041_get_CurrentState", "response")
    assert flags_of(data) == 0x1011
    assert Shape.of(data).records == [RecordType.ArraySingleObject, RecordType.MemberReference,
                                      RecordType.SystemClassWithMembersAndTypes]  # fmt: skip


def test_timespan_return_is_inline() -> None:
    data = body("037_get_InitialLeaseTime", "response")
    assert flags_of(data) == 0x0811  # ReturnValueInline | NoContext | NoArgs
    record = read_message(data, DEFAULT_LIMITS).message.return_value
    assert record == PrimitiveValue(Primitive.TimeSpan, 50_000_000)


# ------------------------------------------------------------------ our writer, shaped like Mono's


class _TracingReader(NrbfReader):
    """The inert reader, also noting the type byte of every record it reads."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data, DEFAULT_LIMITS)
        self.kinds: list[int] = []

    def _record(self, kind: int) -> object:
        self.kinds.append(kind)
        return super()._record(kind)


class Shape:
    """What two messages must share to be "the same message" regardless of ids and values."""

    def __init__(self, flags: int, root_id: int, header_id: int, records: list[int],
                 classes: list[tuple[str, tuple[str, ...], tuple[tuple[int, str], ...], str | None]]) -> None:
        self.flags, self.root_id, self.header_id = flags, root_id, header_id
        self.records, self.classes = records, classes

    @classmethod
    def of(cls, data: bytes) -> Shape:
        reader = _TracingReader(data)
        message = reader.message()
        classes = [
            (info.name, tuple(info.member_names),
             tuple((int(kind), str(extra)) for kind, extra in info.types or ()), info.library)
            for info in reader.metadata.values()
        ]  # fmt: skip
        return cls(int(message.message.flags), message.root_id, message.header_id, reader.kinds, classes)

    def __repr__(self) -> str:
        return f"Shape(flags={self.flags:#06x}, ids=({self.root_id}, {self.header_id}), records={self.records})"


#: Mono types every ConstructionResponse member as Object (the ObjRef one as SystemClass); we declare the
#: string members as String. Same records, same member names; Mono and .NET read either.
LOOSER_MEMBER_TYPES = {"System.Runtime.Remoting.Messaging.ConstructionResponse"}


def assert_same_shape(ours: bytes, mono: bytes) -> None:
    a, b = Shape.of(ours), Shape.of(mono)
    assert (a.flags, a.root_id, a.header_id) == (b.flags, b.root_id, b.header_id), (a, b)
    assert a.records == b.records, (a, b)
    assert [c[0] for c in a.classes] == [c[0] for c in b.classes]
    for ours_class, mono_class in zip(a.classes, b.classes, strict=True):
        name = mono_class[0]
        assert ours_class[1] == mono_class[1], f"{name}: member names differ"
        assert ours_class[3] == mono_class[3], f"{name}: library differs"
        if name not in LOOSER_MEMBER_TYPES:
            assert ours_class[2] == mono_class[2], f"{name}: member types differ"


RETURNS = [n for n in EXCHANGES if n not in ("023_Fail", "025_Fail", "056_Increment")]
#: Answers our writer reproduces byte for byte (everything inline, or a primitive array).
BYTE_EXACT = [
    n for n in RETURNS
    if n.split("_", 1)[1] not in ("GetPerson", "Birthday", "Activate", "GetLifetimeService", "get_CurrentState",
                                  "get_CurrentLeaseTime")  # ids numbered differently / sub-microsecond ticks
]  # fmt: skip


@pytest.mark.parametrize("name", RETURNS)
def test_our_return_reads_back_and_has_monos_shape(name: str) -> None:
    op, argument_count = response_operation(name)
    mono = body(name, "response")
    value = value_of(name)
    ours = write_method_return(value, op.returns, argument_count, REGISTRY)
    back = FORMATTER.read_response(ours, op.name, op.returns)
    assert isinstance(back, MethodReturn)
    assert back.value == value or (isinstance(value, float) and math.isnan(value))
    assert type(back.value) is type(value)
    assert_same_shape(ours, mono)
    if name in BYTE_EXACT:
        assert ours == mono


def test_our_return_flags_match_the_readme() -> None:
    def flags(value: object, hint: object, params: int) -> int:
        return flags_of(write_method_return(value, wire_type(hint), params, REGISTRY))

    assert flags("Hi there Alice", str, 1) == 0x0812  # inline string, one (null) out-arg slot
    assert flags(1, int, 0) == 0x0811  # inline int, no parameters
    assert flags(Person("Dave", 42), Person, 2) == 0x1012  # object return in the call array, args inline
    assert flags(None, list[int] | None, 1) == 0x0212  # a null return: NoReturnValue, as Mono writes it
    assert flags(None, None, 1) == 0x0212  # a void method: the same


def test_our_person_return_records() -> None:
    ours = write_method_return(Person("Dave", 42), wire_type(Person), 2, REGISTRY)
    assert Shape.of(ours).records == [
        RecordType.ArraySingleObject, RecordType.MemberReference, RecordType.BinaryLibrary,
        RecordType.ClassWithMembersAndTypes, RecordType.BinaryObjectString,
    ]  # fmt: skip


@pytest.mark.parametrize(("name", "message"), [("023_Fail", "No greeting for you"), ("025_Fail", "x")])
def test_our_greeting_exception_has_monos_shape(name: str, message: str) -> None:
    mono = body(name, "response")
    # as the server writes it: through the customErrors policy (a registered exception always goes out)
    fault = fault_for(GreetingException(message, "Hi there"), REGISTRY, CustomErrorsMode.Off, "127.0.0.1")
    ours, content_type = FORMATTER.write_fault(fault)
    assert content_type == ""  # binary responses carry no Content-Type
    a, b = Shape.of(ours), Shape.of(mono)
    assert (a.flags, a.root_id, a.header_id) == (b.flags, b.root_id, b.header_id) == (0x2211, 1, -1)
    assert a.classes == b.classes  # 11 System.Exception members (same types) then Greeting, same library
    # with a Source, as Mono has, the record sequence is Mono's too
    info = exception_info(GreetingException(message, "Hi there"), REGISTRY, "  at somewhere")
    info.source = "PeerServer"
    assert_same_shape(write_exception_return(info, REGISTRY), mono)
    for data in (ours, mono):
        back = FORMATTER.read_response(data, "Fail", contract_of(IRemoteService).operations["Fail"].returns)
        assert isinstance(back, Fault) and back.exception is not None
        exc = back.exception.value
        assert isinstance(exc, GreetingException) and str(exc) == message and exc.Greeting == "Hi there"


def test_our_remoting_exception_has_monos_shape() -> None:
    mono = body("056_Increment", "response")
    fault = fault_for(RemotingException("No receiver for uri /gone.rem"), REGISTRY, CustomErrorsMode.Off, "127.0.0.1")
    ours, _ = FORMATTER.write_fault(fault)
    assert_same_shape(ours, mono)  # mscorlib: SystemClassWithMembersAndTypes, no library record
    back = FORMATTER.read_response(ours, "Increment", contract_of(ICounter).operations["Increment"].returns)
    assert isinstance(back, Fault) and back.exception is not None
    assert back.exception.type_name == "System.Runtime.Remoting.RemotingException"
    assert back.exception.message == "No receiver for uri /gone.rem"
    assert back.exception.hresult == -2146233087
