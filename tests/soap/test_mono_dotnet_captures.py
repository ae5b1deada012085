"""What Mono itself writes for .NET's own shapes, read and written by our formatters, at the byte level.

The fixtures (``tests/fixtures/mono_dotnet``, made by ``tests/interop/capture_dotnet.py``) are the bodies of
every exchange between Mono's ``DotnetClient.exe`` and ``DotnetServer.exe`` (``tests/interop/csharp/dotnet``),
SOAP and binary: typed arrays (``Person[]``, ``string[]``, ``int[]``, ``Color[]``, ``DateTime[]`` and a
``Team`` holding every kind as members), strings with raw CR and CRLF, and mscorlib's exceptions.

Every request is decoded as the dispatcher does and answered by ``examples.dotnet_types.DotnetService``;
our answer must be Mono's answer: the same bytes for the binary typed-array returns, the same values and
record shapes otherwise. Every response is read as our client reads it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from examples.dotnet_types import Color, DotnetService, IDotnetService, Person, sample_team
from gateway import (
    ArgumentException,
    ArgumentOutOfRangeException,
    CustomErrorsMode,
    RemotingError,
    RemotingException,
    SystemException,
)
from gateway.client.faults import exception_from_fault
from gateway.model.activation import runtime_registry
from gateway.model.dotnet_exceptions import DOTNET_EXCEPTIONS
from gateway.server.faults import fault_for
from soap import (
    DEFAULT_LIMITS,
    DEFAULT_REGISTRY,
    BinaryFormatter,
    Fault,
    IncomingCall,
    MethodReturn,
    RemotingSoapFormatter,
    SoapFormatter,
    parse_xml,
)
from soap._nrbf_records import ArrayRecord, BinaryType, ClassRecord, NrbfReader, RecordType
from tests.soap.test_nrbf_typed_arrays import record_kinds
from wsdl import Operation, contract_of

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mono_dotnet"
REGISTRY = runtime_registry(DEFAULT_REGISTRY)
BINARY = BinaryFormatter(REGISTRY)
SOAP_SERVER = SoapFormatter(REGISTRY)
SOAP_CLIENT = RemotingSoapFormatter(REGISTRY)
CONTRACT = contract_of(IDotnetService)
SERVICE_TYPE = "DotnetInterop.IDotnetService, DotnetShared, Version=0.0.0.0, Culture=neutral, PublicKeyToken=null"
DOTNET_BY_NAME = {cls.__name__: cls for cls in DOTNET_EXCEPTIONS}


def exchanges(kind: str) -> list[str]:
    return sorted(p.name.split(".", 1)[0] for p in (FIXTURES / kind).glob("*.request.*"))


BINARY_EXCHANGES = exchanges("binary")
SOAP_EXCHANGES = exchanges("soap")


def body(kind: str, name: str, direction: str) -> bytes:
    return (FIXTURES / kind / f"{name}.{direction}.{'bin' if kind == 'binary' else 'xml'}").read_bytes()


def read_request(kind: str, name: str) -> tuple[IncomingCall, Operation, list[object]]:
    """Mono's request as the server reads it: the call, its operation, the decoded arguments."""
    formatter = BINARY if kind == "binary" else SOAP_SERVER
    call = formatter.read_call(body(kind, name, "request"), "text/xml")
    op = CONTRACT.operation(call.method_name)
    assert op is not None, call.method_name
    return call, op, call.decode_arguments(op.parameter_types, op.parameter_names)


def read_response(kind: str, name: str) -> MethodReturn | Fault:
    """Mono's response as our client reads it."""
    _, op, _ = read_request(kind, name)
    data = body(kind, name, "response")
    if kind == "binary":
        return BINARY.read_response(data, op.name, op.returns)
    return SOAP_CLIENT.read_response(data, op.name, op.returns)


def answer(kind: str, name: str) -> bytes:
    """Our server's answer to Mono's request: DotnetService runs it, our formatter writes the result."""
    call, op, args = read_request(kind, name)
    formatter = BINARY if kind == "binary" else SOAP_SERVER
    try:
        value = getattr(DotnetService(), op.name)(*args)
    except Exception as exc:  # every exception becomes a fault, as in the formatter sink
        return formatter.write_fault(fault_for(exc, REGISTRY, CustomErrorsMode.On, False), call)[0]
    return formatter.write_return(call, MethodReturn(op.name, call.namespace, value, op.returns))[0]


#: What each call of DotnetClient.cs's arrays group carries and returns (by method; EchoX returns its argument).
PEOPLE = [Person("Cy", 1), None, Person("Di", 2), Person("Cy", 1)]
ARGUMENTS: dict[str, list[object]] = {
    "002_EchoPeople": [PEOPLE],
    "003_EchoPeople": [[]],
    "004_EchoPeople": [None],
    "006_EchoStrings": [["x", "", None, "Zoë <&>"]],
    "008_EchoInts": [[-(2**31), 0, 7]],
    "009_EchoDoubles": [[0.1, -2.5e300, float("inf")]],
    "010_EchoColors": [[Color.Green, Color.Blue]],
    "013_EchoTeam": [sample_team()],
}
RETURNS: dict[str, object] = {
    "001_GetPeople": [Person("Ann", 30), None, Person("Bob", 40)],
    "005_GetStrings": ["a", None, "b"],
    "007_GetInts": [1, -2, 2**31 - 1],
    "012_GetTeam": sample_team(),
}
#: The strings of the text group: (exchange, the argument as the client sent it).
TEXTS = {
    "014_CodeUnits": "a\rb", "015_CodeUnits": "a\r\nb", "016_CodeUnits": "x\r", "017_EchoText": "one\rtwo\r\nthree\n\r",
}


def soap_name(binary_name: str) -> str:
    """The SOAP exchange of the same call (the SOAP run has no EchoDates: Mono's SOAP reader fails on it)."""
    number, method = binary_name.split("_", 1)
    n = int(number)
    return f"{n - 1 if n > 11 else n:03d}_{method}"


def test_the_captures_cover_the_contract() -> None:
    assert len(BINARY_EXCHANGES) == 33 and len(SOAP_EXCHANGES) == 32
    methods = {n.split("_", 1)[1] for n in BINARY_EXCHANGES}
    assert methods == set(CONTRACT.operations)
    for kind, names in (("binary", BINARY_EXCHANGES), ("soap", SOAP_EXCHANGES)):
        for name in names:
            assert (FIXTURES / kind / f"{name}.response.{'bin' if kind == 'binary' else 'xml'}").is_file()


# ------------------------------------------------------------------ binary: typed arrays


@pytest.mark.parametrize("name", BINARY_EXCHANGES)
def test_every_binary_request_decodes(name: str) -> None:
    call, _, args = read_request("binary", name)
    assert (call.method_name, call.namespace) == (name.split("_", 1)[1], SERVICE_TYPE)
    if name in ARGUMENTS:
        assert args == ARGUMENTS[name]
    if name == "011_EchoDates":
        assert args == [[dt.datetime(2024, 2, 29, 12, tzinfo=dt.UTC), dt.datetime(1999, 12, 31)]]


@pytest.mark.parametrize("name", [n for n in BINARY_EXCHANGES if not n.endswith("Throw")])
def test_every_binary_response_reads_back(name: str) -> None:
    result = read_response("binary", name)
    assert isinstance(result, MethodReturn)
    _, _, args = read_request("binary", name)
    expected = RETURNS.get(name, args[0] if args else None)
    if name.endswith("CodeUnits"):
        expected = " ".join(f"{ord(c):02X}" for c in str(args[0]))
    assert result.value == expected


#: Exchanges whose answer we write byte for byte as Mono does. (002_EchoPeople: Mono's client sent the
#: interned "Cy" twice, which Mono writes as one string record the second time refers to; GetTeam/EchoTeam:
#: see test_team_has_monos_shape.)
IDENTICAL = [n for n in BINARY_EXCHANGES if not n.endswith(("Throw", "002_EchoPeople", "Team"))]


@pytest.mark.parametrize("name", IDENTICAL)
def test_our_binary_answer_is_monos_bytes(name: str) -> None:
    assert answer("binary", name) == body("binary", name, "response")


def test_a_list_of_a_registered_class_is_a_typed_binary_array() -> None:
    reader = NrbfReader(body("binary", "001_GetPeople", "response"), DEFAULT_LIMITS)
    reader.message()
    arrays = [r for r in reader.objects.values() if isinstance(r, ArrayRecord) and r.id != 1]
    assert [(a.element_type, a.class_name, len(a.items)) for a in arrays] == [
        (BinaryType.Class, "DotnetInterop.Person", 3)]
    ours = NrbfReader(answer("binary", "001_GetPeople"), DEFAULT_LIMITS)
    ours.message()
    assert [(a.element_type, a.class_name) for a in ours.objects.values()
            if isinstance(a, ArrayRecord) and a.id != 1] == [(BinaryType.Class, "DotnetInterop.Person")]


def _member_types(data: bytes, class_name: str) -> list[tuple[str, BinaryType, object]]:
    reader = NrbfReader(data, DEFAULT_LIMITS)
    reader.message()
    info = next(i for i in reader.metadata.values() if i.name == class_name)
    assert info.types is not None
    return [(n, t, extra) for n, (t, extra) in zip(info.member_names, info.types, strict=True)]


@pytest.mark.parametrize("name", ["012_GetTeam", "013_EchoTeam"])
def test_team_has_monos_shape(name: str) -> None:
    """Every array member is declared as .NET declares it: ``Person[]`` and ``Color[]`` as classes,
    ``string[]`` as StringArray, primitives as PrimitiveArray. The one difference: for ``decimal[]`` and
    ``TimeSpan[]`` we write PrimitiveArray (.NET Framework's choice, which Mono reads), Mono the class names
    ``System.Decimal[]`` / ``System.TimeSpan[]``."""
    ours = answer("binary", name)
    mono = body("binary", name, "response")
    theirs = _member_types(mono, "DotnetInterop.Team")
    mine = _member_types(ours, "DotnetInterop.Team")
    assert [m[0] for m in mine] == [m[0] for m in theirs]
    differences = [(a, b) for a, b in zip(mine, theirs, strict=True) if a != b]
    assert [(a[0], a[1], b[1], b[2]) for a, b in differences] == [
        ("Prices", BinaryType.PrimitiveArray, BinaryType.SystemClass, "System.Decimal[]"),
        ("Spans", BinaryType.PrimitiveArray, BinaryType.SystemClass, "System.TimeSpan[]"),
    ]
    assert dict((m[0], m[2]) for m in mine)["Members"] == "DotnetInterop.Person[]"
    assert dict((m[0], m[2]) for m in mine)["Colors"] == "DotnetInterop.Color[]"
    # the same records in the same order: the classes, the arrays (typed as Mono types them), ClassWithId
    assert record_kinds(ours) == record_kinds(mono)
    assert BINARY.read_response(ours, "GetTeam", CONTRACT.operation("GetTeam").returns).value == sample_team()


def test_enum_arrays_are_written_inline_with_class_with_id() -> None:
    kinds = record_kinds(answer("binary", "010_EchoColors"))
    assert kinds == record_kinds(body("binary", "010_EchoColors", "response"))
    assert RecordType.BinaryArray in kinds and RecordType.ClassWithId in kinds


# ------------------------------------------------------------------ binary: exceptions

THROWS = [n for n in BINARY_EXCHANGES if n.endswith("Throw")]
SOAP_THROWS = [n for n in SOAP_EXCHANGES if n.endswith("Throw")]


def _kind_of(kind: str, name: str) -> str:
    _, _, args = read_request(kind, name)
    assert isinstance(args[0], str)
    return args[0]


@pytest.mark.parametrize(("kind", "name"), [("binary", n) for n in THROWS] + [("soap", n) for n in SOAP_THROWS])
def test_monos_exceptions_arrive_as_ours(kind: str, name: str) -> None:
    thrown = _kind_of(kind, name)
    result = read_response(kind, name)
    assert isinstance(result, Fault) and result.exception is not None
    exc = exception_from_fault(result)
    if thrown == "RemotingException":
        assert isinstance(exc, RemotingError) and exc.remote_type == "System.Runtime.Remoting.RemotingException"
        return
    cls = DOTNET_BY_NAME[thrown]
    assert type(exc) is cls and str(exc) == f"bad {thrown}" and isinstance(exc, SystemException)
    assert result.exception.hresult == cls.hresult  # the HRESULT Mono sends is the one we send
    if isinstance(exc, ArgumentException):
        assert exc.param_name == "name" and isinstance(exc, ValueError)
    if isinstance(exc, ArgumentOutOfRangeException):
        # binary: a boxed Int32; Mono's SOAP writer leaves the object-typed member untyped: its text
        assert exc.actual_value == (42 if kind == "binary" else "42") and isinstance(exc, IndexError)


@pytest.mark.parametrize("name", THROWS)
def test_our_binary_exceptions_have_monos_members(name: str) -> None:
    kind = _kind_of("binary", name)
    mono = body("binary", name, "response")
    ours = answer("binary", name)
    class_name = f"System.{kind}" if kind != "KeyNotFoundException" else "System.Collections.Generic." + kind
    class_name = {"IOException": "System.IO.IOException",
                  "RemotingException": "System.Runtime.Remoting.RemotingException"}.get(kind, class_name)
    assert _member_types(ours, class_name) == _member_types(mono, class_name)
    ours_info, mono_info = (BINARY.read_response(b, "Throw", CONTRACT.operation("Throw").returns) for b in (ours, mono))
    assert isinstance(ours_info, Fault) and isinstance(mono_info, Fault)
    assert ours_info.exception is not None and mono_info.exception is not None
    assert ours_info.exception.hresult == mono_info.exception.hresult
    assert ours_info.exception.message == mono_info.exception.message


# ------------------------------------------------------------------ SOAP: raw CR, typed arrays, exceptions


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_monos_raw_cr_reaches_the_method(name: str) -> None:
    soap = soap_name(name)
    data = body("soap", soap, "request")
    assert TEXTS[name].encode() in data  # Mono writes CR raw: no character reference protects it
    _, _, args = read_request("soap", soap)
    assert args == [TEXTS[name]]


def test_monos_raw_cr_reaches_our_client() -> None:
    data = body("soap", "016_EchoText", "response")
    assert b"one\rtwo\r\nthree\n\r" in data
    result = read_response("soap", "016_EchoText")
    assert isinstance(result, MethodReturn) and result.value == "one\rtwo\r\nthree\n\r"


@pytest.mark.parametrize("name", ["014_CodeUnits", "015_CodeUnits", "016_CodeUnits", "017_EchoText"])
def test_our_soap_answer_keeps_cr(name: str) -> None:
    soap = soap_name(name)
    ours = SOAP_CLIENT.read_response(answer("soap", soap), "X", CONTRACT.operation(name.split("_", 1)[1]).returns)
    mono = read_response("soap", soap)
    assert isinstance(ours, MethodReturn) and isinstance(mono, MethodReturn)
    assert ours.value == mono.value


@pytest.mark.parametrize("name", [n for n in SOAP_EXCHANGES if not n.endswith("Throw")])
def test_every_soap_exchange_reads_back(name: str) -> None:
    mono = read_response("soap", name)
    ours_body = answer("soap", name)
    _, op, _ = read_request("soap", name)
    ours = SOAP_CLIENT.read_response(ours_body, op.name, op.returns)
    assert isinstance(mono, MethodReturn) and isinstance(ours, MethodReturn)
    assert ours.value == mono.value


@pytest.mark.parametrize("name", SOAP_THROWS)
def test_our_soap_exceptions_have_monos_members_in_monos_order(name: str) -> None:
    def members(data: bytes) -> list[str]:
        body_el = parse_xml(data)[0]
        exception = body_el[-1]  # the exception element follows the Fault and the ServerFault
        return [child.tag for child in exception]

    assert members(answer("soap", name)) == members(body("soap", name, "response"))


def test_remoting_exception_raised_by_a_service_reaches_the_caller() -> None:
    fault = fault_for(RemotingException("bad remoting"), REGISTRY, CustomErrorsMode.On, False)
    assert fault.exception is not None and fault.exception.message == "bad remoting"
    assert isinstance(read_response("binary", THROWS[-1]), Fault)


def test_every_class_record_of_an_exception_is_a_system_class() -> None:
    """mscorlib's exceptions are SystemClassWithMembersAndTypes records, in Mono's and in ours."""
    for name in THROWS:
        for data in (body("binary", name, "response"), answer("binary", name)):
            reader = NrbfReader(data, DEFAULT_LIMITS)
            reader.message()
            records = [r for r in reader.objects.values() if isinstance(r, ClassRecord)]
            assert records and all(r.library is None for r in records), name
