"""The ASGI app under hostile and mistaken requests, and the customErrors policy, in-process over httpx.

Every bad request gets a SOAP Fault that our own reader can parse (HTTP 500, or 413 / 415), with fault code
``Client`` when the caller got something wrong and a fault string saying what. A caller that is not on this
machine never sees a Python traceback. The server keeps serving: a good call right after each bad one works.
"""

from __future__ import annotations

import asyncio
import gzip
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings

import examples.remoting_samples as samples
from examples.remoting_samples import GreetingException
from gateway import CustomErrorsMode, MarshalByRefObject, RemotingApp, WellKnownObjectMode
from soap import VOID, Fault, Limits, MethodReturn, RemotingSoapFormatter, clr_type, wire_type

from ..soap.test_hostile_input import LAUGHS, SEEDS, XXE, envelope, mutated

pytestmark = pytest.mark.anyio

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mono_soap"
HELLO = (FIXTURES / "001_HelloMethod.request.xml").read_bytes()
ECHO = (FIXTURES / "014_Echo.request.xml").read_bytes()
ECHO_MORE = (FIXTURES / "017_EchoMore.request.xml").read_bytes()
REVERSE = (FIXTURES / "018_Reverse.request.xml").read_bytes()
GET_PERSON = (FIXTURES / "021_GetPerson.request.xml").read_bytes()
SOAP_HEADERS = {
    "content-type": 'text/xml; charset="utf-8"',
    "soapaction": '""',  # the requests call several methods: an empty action names none (gateway/server/soap_action.py)
}
REMOTE = ("203.0.113.5", 1234)
LOOPBACK = ("127.0.0.1", 1234)
FORMATTER = RemotingSoapFormatter()
HIDDEN = "Server encountered an internal error"
SERVICE_NS = "http://schemas.microsoft.com/clr/nsassem/RemotingPeer.IRemoteService/PeerShared"
STRING = wire_type(str)
WIRE_PERSON = wire_type(samples.Person)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# ------------------------------------------------------------------ a small service of our own


@clr_type("GatewayTests.Probe", "GatewayTests")
class Probe(MarshalByRefObject):
    def Take(self, value: object) -> str:
        return type(value).__name__

    def Many(self, values: list[int] | None) -> int:
        return 0 if values is None else len(values)

    def Boom(self) -> None:
        raise ValueError("secret detail 42")

    def Declared(self) -> None:
        raise GreetingException("declared message", "Hi there")

    def HelloMethod(self, name: str) -> str:
        return "Hi there " + name


def probe_app(
    custom_errors: CustomErrorsMode = CustomErrorsMode.RemoteOnly, limits: Limits | None = None
) -> RemotingApp:
    app = RemotingApp(custom_errors=custom_errors, **({"limits": limits} if limits else {}))
    app.register_well_known(Probe, "Probe.rem", WellKnownObjectMode.SingleCall)
    app.register_well_known(samples.HelloServer, "SayHello.soap", WellKnownObjectMode.SingleCall)
    return app


def probe_call(method: str, params: str = "", siblings: str = "") -> bytes:
    namespace = "http://schemas.microsoft.com/clr/nsassem/GatewayTests.Probe/GatewayTests"
    return envelope(f'<i2:{method} id="ref-1" xmlns:i2="{namespace}">{params}</i2:{method}>{siblings}')


async def client_for(app: object, client: tuple[str, int]) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=client), base_url="http://testserver")  # type: ignore[arg-type]


@pytest.fixture(params=[REMOTE, LOOPBACK], ids=["remote", "loopback"])
def peer(request: pytest.FixtureRequest) -> tuple[str, int]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
async def samples_client(peer: tuple[str, int]) -> AsyncIterator[httpx.AsyncClient]:
    async with await client_for(samples.app, peer) as c:
        yield c
    await samples.app.leases.stop()  # its lease manager started on this test's loop: not left pending


# ------------------------------------------------------------------ helpers


def read_fault(response: httpx.Response) -> Fault:
    assert response.headers["content-type"].startswith("text/xml"), response.headers
    result = FORMATTER.read_response(response.content, "X", VOID)
    assert isinstance(result, Fault), response.text
    return result


def assert_no_traceback(response: httpx.Response, fault: Fault) -> None:
    body = response.text
    for leak in ("Traceback", 'File "', ".py\", line", "/work/", "site-packages"):
        assert leak not in body, f"{leak!r} leaked into the fault body"
    assert fault.exception is None or fault.exception.stack_trace is None


async def assert_hello_still_works(c: httpx.AsyncClient) -> None:
    r = await c.post("/SayHello.soap", content=HELLO, headers=SOAP_HEADERS)
    assert r.status_code == 200, r.text
    result = FORMATTER.read_response(r.content, "HelloMethod", STRING)
    assert isinstance(result, MethodReturn) and result.value == "Hi there Alice"


# ------------------------------------------------------------------ hostile bodies, examples app


def _with(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data
    return data.replace(old, new, 1)


NESTED = _with(GET_PERSON, b"<age", b"<deep>" + b"<x>" * 70 + b"</x>" * 70 + b"</deep><age")
HOSTILE: list[tuple[str, str, bytes, str]] = [
    ("xxe", "/SingleCallService.rem", XXE, "DOCTYPE"),
    ("billion_laughs", "/SingleCallService.rem", LAUGHS, "DOCTYPE"),
    ("utf16_doctype", "/SingleCallService.rem",
     XXE.decode().replace('version="1.0"?>', 'version="1.0" encoding="UTF-16"?>').encode("utf-16"), "DOCTYPE"),
    ("too_deep", "/SingleCallService.rem", NESTED, "nesting deeper than 64"),
    ("too_many_elements", "/SingleCallService.rem",
     _with(REVERSE, b"<item>1</item>", b"<item>1</item>" * 200_001), "more than 200000 XML elements"),
    ("href_cycle", "/SingleCallService.rem",
     _with(REVERSE, b"<item>1</item>", b'<item href="#ref-2" />'), "cyclic reference"),
    ("dangling_href", "/SingleCallService.rem", _with(REVERSE, b"<item>1</item>", b'<item href="#ref-7" />'),
     "points to no element"),
    ("external_href", "/SingleCallService.rem",
     _with(REVERSE, b"<item>1</item>", b'<item href="http://evil.example/a.xml#ref-2" />'), "external reference"),
    ("unreferenced_sibling", "/SingleCallService.rem", _with(REVERSE, b'<a href="#ref-2" />', b'<a href="#ref-2" />'
     b"</i2:Reverse><i2:Reverse xmlns:i2=\"urn:x\"><a href=\"#ref-2\" />"), "more than one call"),
    ("duplicate_ids", "/SingleCallService.rem",
     _with(REVERSE, b"<item>1</item>", b'<item id="ref-2">1</item>'), "duplicate id"),
    ("malformed", "/SingleCallService.rem", ECHO[:-40], "malformed XML"),
    ("empty_body", "/SingleCallService.rem", b"", "empty message body"),
    ("wrong_root", "/SingleCallService.rem", b"<Invoice><Body/></Invoice>", "not a SOAP 1.1 envelope"),
    ("no_body", "/SingleCallService.rem",
     b'<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"/>', "has no Body"),
    ("too_many_arguments", "/SingleCallService.rem",
     _with(ECHO, b'<b xsi:type="xsd:boolean">true</b>', b'<b xsi:type="xsd:boolean">true</b><extra>1</extra>'),
     "takes 5 argument(s), the message carries 6"),
    ("missing_argument", "/SingleCallService.rem", _with(ECHO, b'<b xsi:type="xsd:boolean">true</b>', b""),
     "missing parameter <b>"),
    ("wrong_argument_type", "/SingleCallService.rem", _with(ECHO, b">42<", b">abc<"), "not an integer: 'abc'"),
    ("int16_out_of_range", "/SingleCallService.rem", _with(ECHO_MORE, b">-32768<", b">40000<"),
     "40000 is out of range for xsd:short"),
    ("unknown_method", "/SingleCallService.rem",
     _with(_with(ECHO, b"i2:Echo ", b"i2:Nope "), b"</i2:Echo>", b"</i2:Nope>"),
     "No method 'Nope'"),
]


@pytest.mark.parametrize(("path", "data", "phrase"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
async def test_hostile_request_gets_a_client_fault(
    samples_client: httpx.AsyncClient, peer: tuple[str, int], path: str, data: bytes, phrase: str
) -> None:
    r = await samples_client.post(path, content=data, headers=SOAP_HEADERS)
    assert r.status_code == 500
    fault = read_fault(r)
    assert fault.code == "Client"
    assert phrase.lower() in fault.message.lower(), fault.message
    assert fault.exception is not None
    assert fault.exception.type_name == "System.Runtime.Remoting.RemotingException"
    if peer == REMOTE:
        assert_no_traceback(r, fault)
    await assert_hello_still_works(samples_client)


async def test_unknown_uri(samples_client: httpx.AsyncClient, peer: tuple[str, int]) -> None:
    r = await samples_client.post("/NoSuchService.rem", content=HELLO, headers=SOAP_HEADERS)
    assert r.status_code == 500
    fault = read_fault(r)
    # .NET answers an unknown URI with a Server fault too ("No receiver for uri", capture 056)
    assert fault.code == "Server"
    assert "No receiver for uri /NoSuchService.rem" in fault.message
    assert fault.exception is not None and fault.exception.type_name == "System.Runtime.Remoting.RemotingException"
    if peer == REMOTE:
        assert_no_traceback(r, fault)
    await assert_hello_still_works(samples_client)


async def test_wrong_content_type_is_415(samples_client: httpx.AsyncClient, peer: tuple[str, int]) -> None:
    json = {"content-type": "application/json"}
    r = await samples_client.post("/SayHello.soap", content=b'{"name": "Alice"}', headers=json)
    assert r.status_code == 415
    fault = read_fault(r)
    assert fault.code == "Client"
    assert "content type application/json is not accepted" in fault.message
    if peer == REMOTE:
        assert_no_traceback(r, fault)
    await assert_hello_still_works(samples_client)


async def test_oversized_body_is_413(samples_client: httpx.AsyncClient, peer: tuple[str, int]) -> None:
    r = await samples_client.post("/SayHello.soap", content=b" " * (4 * 1024 * 1024 + 1), headers=SOAP_HEADERS)
    assert r.status_code == 413
    assert r.headers["connection"] == "close"
    fault = read_fault(r)
    assert fault.code == "Client"
    assert "exceeds the limit of 4194304 bytes" in fault.message
    if peer == REMOTE:
        assert_no_traceback(r, fault)
    await assert_hello_still_works(samples_client)


async def test_oversized_content_length_is_refused_before_reading(samples_client: httpx.AsyncClient) -> None:
    headers = {**SOAP_HEADERS, "content-length": str(10**12)}
    r = await samples_client.post("/SayHello.soap", content=HELLO, headers=headers)
    assert r.status_code == 413
    assert "exceeds the limit" in read_fault(r).message
    await assert_hello_still_works(samples_client)


async def test_a_compressed_request_is_415_saying_so(samples_client: httpx.AsyncClient) -> None:
    """The server reads uncompressed messages (as .NET Remoting's): a gzip body is refused unread with 415 and
    a fault that says why, not parsed as XML ("malformed XML" said nothing useful), and not inflated."""
    headers = {**SOAP_HEADERS, "content-encoding": "gzip"}
    r = await samples_client.post("/SayHello.soap", content=gzip.compress(HELLO), headers=headers)
    assert r.status_code == 415 and r.headers["connection"] == "close"
    fault = read_fault(r)
    assert fault.code == "Client"
    assert "Content-Encoding 'gzip'; this server reads uncompressed messages only" in fault.message
    identity = {**SOAP_HEADERS, "content-encoding": "identity"}
    assert (await samples_client.post("/SayHello.soap", content=HELLO, headers=identity)).status_code == 200
    await assert_hello_still_works(samples_client)


async def test_a_content_length_that_is_no_ascii_number_is_not_a_crash() -> None:
    """``"\xb2"`` (a server passing the header through as Latin-1: "²") is a digit to ``str.isdigit`` but not to
    ``int``; the declared length is only a hint (the body read is what counts), so the call is answered."""
    app = samples.register(RemotingApp(lifetime=samples.LIFETIME))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": "/SayHello.soap", "raw_path": b"/SayHello.soap", "query_string": b"",
             "root_path": "", "client": LOOPBACK, "server": ("127.0.0.1", 8000),
             "headers": [(b"host", b"127.0.0.1"), (b"content-length", b"\xb2"),
                         *((k.encode(), v.encode()) for k, v in SOAP_HEADERS.items())]}  # fmt: skip
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": HELLO, "more_body": False}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    await app(scope, receive, send)  # type: ignore[arg-type]
    assert sent[0]["status"] == 200
    assert b"Hi there" in b"".join(m.get("body", b"") for m in sent[1:])  # type: ignore[misc]


async def test_streamed_body_over_the_limit_is_413(peer: tuple[str, int]) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b" " * 500

    async with await client_for(probe_app(limits=Limits(max_bytes=2000)), peer) as c:
        r = await c.post("/Probe.rem", content=chunks(), headers=SOAP_HEADERS)
        assert r.status_code == 413
        assert "exceeds the limit of 2000 bytes" in read_fault(r).message
        await assert_hello_still_works(c)


# ------------------------------------------------------------------ hostile bodies that need an object parameter

PROBE_HOSTILE: list[tuple[str, bytes, str]] = [
    ("unregistered_clr_type",
     probe_call("Take", '<v xmlns:a1="http://schemas.microsoft.com/clr/ns/System.Diagnostics" '
                'xsi:type="a1:Process">x</v>'),
     "System.Diagnostics.Process is not a registered by-value type"),
    ("unregistered_class_element",
     probe_call("Take", '<v href="#r"/>', '<a1:Payload id="r" xmlns:a1="http://schemas.microsoft.com/clr/nsassem/Evil/Evil">'
                '<cmd>rm</cmd></a1:Payload>'),
     "Evil.Payload is not a registered by-value type"),
    ("array_too_long",
     probe_call("Many", '<v href="#r"/>', '<SOAP-ENC:Array id="r" SOAP-ENC:arrayType="xsd:int[4]">'
                + "<item>1</item>" * 4 + "</SOAP-ENC:Array>"),
     "array longer than 3 items"),
    ("too_large_for_limits", probe_call("Take", "<v>" + "x" * 3000 + "</v>"), "exceeds the limit of 2500 bytes"),
]


@pytest.mark.parametrize(("data", "phrase"), [h[1:] for h in PROBE_HOSTILE], ids=[h[0] for h in PROBE_HOSTILE])
async def test_hostile_object_parameters_get_a_client_fault(peer: tuple[str, int], data: bytes, phrase: str) -> None:
    app = probe_app(limits=Limits(max_bytes=2500, max_array_length=3))
    async with await client_for(app, peer) as c:
        r = await c.post("/Probe.rem", content=data, headers=SOAP_HEADERS)
        assert r.status_code in (413, 500)
        fault = read_fault(r)
        assert fault.code == "Client"
        assert phrase in fault.message
        if peer == REMOTE:
            assert_no_traceback(r, fault)
        good_call = probe_call("Take", '<v xsi:type="xsd:int">1</v>')
        good = await c.post("/Probe.rem", content=good_call, headers=SOAP_HEADERS)
        assert good.status_code == 200
        result = FORMATTER.read_response(good.content, "Take", STRING)
        assert isinstance(result, MethodReturn) and result.value == "int"


# ------------------------------------------------------------------ customErrors


async def fault_of(app: RemotingApp, peer: tuple[str, int], method: str) -> tuple[httpx.Response, Fault]:
    async with await client_for(app, peer) as c:
        r = await c.post("/Probe.rem", content=probe_call(method), headers=SOAP_HEADERS)
        assert r.status_code == 500
        fault = read_fault(r)
        await assert_hello_still_works(c)
    return r, fault


@pytest.mark.parametrize(
    ("mode", "peer_", "shown"),
    [
        (CustomErrorsMode.RemoteOnly, REMOTE, False),
        (CustomErrorsMode.RemoteOnly, LOOPBACK, True),
        (CustomErrorsMode.On, REMOTE, False),
        (CustomErrorsMode.On, LOOPBACK, False),
        (CustomErrorsMode.Off, REMOTE, True),
        (CustomErrorsMode.Off, LOOPBACK, True),
    ],
    ids=["RemoteOnly-remote", "RemoteOnly-loopback", "On-remote", "On-loopback", "Off-remote", "Off-loopback"],
)
async def test_undeclared_exception_details_follow_custom_errors(
    mode: CustomErrorsMode, peer_: tuple[str, int], shown: bool
) -> None:
    r, fault = await fault_of(probe_app(mode), peer_, "Boom")
    assert fault.code == "Server"
    info = fault.exception
    assert info is not None
    if shown:
        assert "secret detail 42" in fault.message
        # a ValueError travels as .NET's ArgumentException (gateway.model.dotnet_exceptions), its stack names it
        assert info.type_name == "System.ArgumentException" and info.message == "secret detail 42"
        assert info.stack_trace is not None and "ValueError: secret detail 42" in info.stack_trace
        assert "Traceback" in info.stack_trace and "in Boom" in info.stack_trace
    else:
        assert "secret detail 42" not in r.text
        assert "ValueError" not in r.text
        assert info.message is not None and HIDDEN in info.message
        assert HIDDEN in fault.message
        assert_no_traceback(r, fault)


@pytest.mark.parametrize(
    ("mode", "peer_", "stack"),
    [
        (CustomErrorsMode.RemoteOnly, REMOTE, False),
        (CustomErrorsMode.RemoteOnly, LOOPBACK, False),
        (CustomErrorsMode.On, REMOTE, False),
        (CustomErrorsMode.On, LOOPBACK, False),
        (CustomErrorsMode.Off, REMOTE, False),
        (CustomErrorsMode.Off, LOOPBACK, False),
    ],
    ids=["RemoteOnly-remote", "RemoteOnly-loopback", "On-remote", "On-loopback", "Off-remote", "Off-loopback"],
)
async def test_declared_exception_always_reaches_the_caller_without_a_stack(
    mode: CustomErrorsMode, peer_: tuple[str, int], stack: bool
) -> None:
    r, fault = await fault_of(probe_app(mode), peer_, "Declared")
    assert fault.code == "Server"
    assert fault.message == " **** RemotingPeer.GreetingException - declared message"
    info = fault.exception
    assert info is not None
    assert info.type_name == "RemotingPeer.GreetingException"
    assert info.message == "declared message"
    assert [(n, v) for n, v, _ in info.fields] == [("Greeting", "Hi there")]
    assert isinstance(info.value, GreetingException) and info.value.Greeting == "Hi there"
    if stack:
        assert info.stack_trace is not None and "in Declared" in info.stack_trace
    else:
        assert_no_traceback(r, fault)


async def test_default_custom_errors_mode_hides_details_from_every_caller(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = RemotingApp()
    app.register_well_known(Probe, "Probe.rem", WellKnownObjectMode.SingleCall)
    app.register_well_known(samples.HelloServer, "SayHello.soap", WellKnownObjectMode.SingleCall)
    for peer_ in (REMOTE, LOOPBACK):
        caplog.clear()
        with caplog.at_level("ERROR", logger="gateway.server"):
            r, fault = await fault_of(app, peer_, "Boom")
        assert "secret detail 42" not in r.text and "ValueError" not in r.text
        assert_no_traceback(r, fault)
        # the caller gets an error id; the server log has the traceback under the same id
        match = re.search(r"error id ([0-9a-f]{8})", fault.message)
        assert match is not None, fault.message
        logged = [rec for rec in caplog.records if match.group(1) in rec.getMessage()]
        assert len(logged) == 1 and logged[0].levelname == "ERROR"
        assert logged[0].exc_info is not None and "secret detail 42" in str(logged[0].exc_info[1])


async def test_remote_only_counts_a_forwarded_loopback_request_as_remote() -> None:
    app = probe_app(CustomErrorsMode.RemoteOnly)
    transport = httpx.ASGITransport(app=app, client=LOOPBACK)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for header in ("X-Forwarded-For", "Forwarded"):
            headers = {**SOAP_HEADERS, header: "203.0.113.9"}
            r = await client.post("/Probe.rem", content=probe_call("Boom"), headers=headers)
            assert r.status_code == 500
            assert "secret detail 42" not in r.text


async def test_a_good_call_through_the_examples_app(samples_client: httpx.AsyncClient) -> None:
    r = await samples_client.post("/SingleCallService.rem", content=GET_PERSON, headers=SOAP_HEADERS)
    assert r.status_code == 200
    result = FORMATTER.read_response(r.content, "GetPerson", WIRE_PERSON)
    assert isinstance(result, MethodReturn)
    assert result.namespace == SERVICE_NS
    assert result.value == samples.Person("Dave", 42)


# ------------------------------------------------------------------ fuzzing over HTTP


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated(SEEDS))
def test_mutated_requests_from_a_remote_caller_never_leak_internals(case: tuple[str, bytes]) -> None:
    """Whatever a remote caller sends, the answer is SOAP, leaks nothing, and the server keeps serving."""
    _, data = case

    async def exchange() -> None:
        async with await client_for(samples.app, REMOTE) as c:
            r = await c.post("/SingleCallService.rem", content=data, headers=SOAP_HEADERS)
            assert r.status_code in (200, 413, 500), r.status_code
            assert r.headers["content-type"].startswith("text/xml")
            result = FORMATTER.read_response(r.content, "X", VOID)
            if r.status_code != 200:
                assert isinstance(result, Fault)
                assert_no_traceback(r, result)
            await assert_hello_still_works(c)
        await samples.app.leases.stop()

    asyncio.run(exchange())
