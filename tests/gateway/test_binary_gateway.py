"""The binary formatter (MS-NRBF, ``application/octet-stream``) end to end, through the gateway.

Every scenario runs twice: the sync :class:`gateway.RemotingClient` over a real uvicorn serving
``examples.remoting_samples:app`` with ``GATEWAY_FORMATTERS=soap,binary``, and the
:class:`gateway.AsyncRemotingClient` in-process (``httpx.ASGITransport``) against a fresh
``RemotingApp(formatters=("soap", "binary"))`` with the same samples. Both clients use
``formatter="binary"``.

Covered: every ``IRemoteService`` method, HelloServer, faults (a ``GreetingException`` with its
``Greeting``, over HTTP 200 with no Content-Type, as .NET does), client-activated objects and their
leases; a server without the binary formatter refuses binary requests with 415 before any decoder runs
(and the client says so clearly); ``GATEWAY_FORMATTERS`` turns the formatter on; malformed binary bodies
get a binary RemotingException fault (HTTP 200) and the server goes on serving.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import struct
from collections.abc import Callable, Coroutine, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from examples.remoting_samples import (
    LIFETIME,
    PEER_SHARED,
    ClientActivatedObject,
    DayOfWeek,
    GreetingException,
    ICounter,
    IHello,
    IRemoteService,
    Person,
    register,
)
from gateway import (
    AsyncRemotingClient,
    ClientCall,
    ClientResponse,
    Lease,
    LeaseState,
    LifetimeSettings,
    MarshalByRefObject,
    RemotingApp,
    RemotingClient,
    RemotingError,
)
from soap import (
    ANY,
    BINARY_CONTENT_TYPE,
    DEFAULT_REGISTRY,
    BinaryFormatter,
    ClrDateTime,
    Fault,
    Limits,
    MethodReturn,
    SoapFormatter,
    clr_type,
    wire_type,
)
from soap._nrbf_writer import write_method_call

from ..support.clock import ManualClock
from ..support.http import http_client
from ..support.server import live_server

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mono_binary"
SAMPLES_APP = "examples.remoting_samples:app"
ASGI_BASE = "http://testserver/"
READER = BinaryFormatter()
ECHO_TEXT = "Grüße <&> \"quoted\" 'apos' tab\there line1\nline2 ✓"


def capture(name: str) -> bytes:
    return (FIXTURES / f"{name}.bin").read_bytes()


@pytest.fixture(autouse=True)
def _no_formatter_override(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process apps get exactly the formatters a test asks for."""
    monkeypatch.delenv("GATEWAY_FORMATTERS", raising=False)


def binary_app(**options: Any) -> RemotingApp:
    return register(RemotingApp(formatters=("soap", "binary"), lifetime=LIFETIME, **options))


@pytest.fixture(scope="module")
def binary_server() -> Iterator[str]:
    """The samples under uvicorn, the binary formatter enabled by the environment only."""
    with live_server(SAMPLES_APP, env={"GATEWAY_FORMATTERS": "soap,binary"}) as url:
        yield url


@pytest.fixture(scope="module")
def soap_only_server() -> Iterator[str]:
    with live_server(SAMPLES_APP, env={"GATEWAY_FORMATTERS": ""}) as url:  # empty = unset: the default
        yield url


# ------------------------------------------------------------------ one client of either kind


class Recorder:
    """A client sink keeping every request's headers and every response's status and headers."""

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self.responses: list[ClientResponse] = []

    def process_request(self, call: ClientCall) -> None:
        self.requests.append(dict(call.headers))

    def process_response(self, call: ClientCall, response: ClientResponse) -> None:
        self.responses.append(response)


class Sync:
    """An async proxy with its calls made synchronous (or a sync proxy, passed through)."""

    def __init__(self, proxy: Any, run: Callable[[Any], Any]) -> None:
        self.proxy = proxy
        self._run = run

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.proxy, name)
        return lambda *args: self._run(method(*args))


class Remote:
    """The binary client under test: ``live`` (sync, real uvicorn) or ``inprocess`` (async, ASGI)."""

    def __init__(self, kind: str, base: str, app: RemotingApp | None = None) -> None:
        self.kind = kind
        self.base = base
        self.sink = Recorder()
        self.loop: asyncio.AbstractEventLoop | None = None
        if kind == "live":
            self.client: RemotingClient | AsyncRemotingClient = RemotingClient(
                formatter="binary", sinks=[self.sink], http_client=http_client(timeout=10.0)
            )
        else:
            assert app is not None
            self.loop = asyncio.new_event_loop()
            self.app = app
            http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))  # type: ignore[arg-type]
            self.client = AsyncRemotingClient(formatter="binary", sinks=[self.sink], http_client=http)

    def run(self, value: Any) -> Any:
        if self.loop is None:
            return value
        assert isinstance(value, Coroutine)
        return self.loop.run_until_complete(value)

    def get(self, interface: type, uri: str) -> Any:
        return Sync(self.client.get_object(interface, self.base + uri), self.run)

    def create(self, cls: type, *args: object) -> Any:
        return Sync(self.run(self.client.create_instance(cls, self.base, *args)), self.run)

    def lease(self, proxy: Sync) -> Any:
        return Sync(self.run(self.client.get_lifetime_service(proxy.proxy)), self.run)

    def close(self) -> None:
        if isinstance(self.client, RemotingClient):
            self.client.close()
        else:
            assert self.loop is not None
            self.loop.run_until_complete(self.client.aclose())
            self.loop.run_until_complete(self.app.leases.stop())  # its lease manager runs on this loop
            self.loop.close()


@pytest.fixture(params=["live", "inprocess"])
def remote(request: pytest.FixtureRequest) -> Iterator[Remote]:
    if request.param == "live":
        r = Remote("live", request.getfixturevalue("binary_server"))
    else:
        r = Remote("inprocess", ASGI_BASE, binary_app())
    yield r
    r.close()


# ------------------------------------------------------------------ calls


@pytest.mark.parametrize("uri", ["SayHello.soap", "SayHello.rem"])
def test_hello(remote: Remote, uri: str) -> None:
    hello = remote.get(IHello, uri)
    assert hello.HelloMethod("Alice") == "Hi there Alice"
    assert hello.HelloMethod("Zoë <&> ✓ 😀") == "Hi there Zoë <&> ✓ 😀"
    request, response = remote.sink.requests[-1], remote.sink.responses[-1]
    assert request["content-type"] == BINARY_CONTENT_TYPE and "soapaction" not in request
    assert response.status == 200 and "content-type" not in response.headers


def test_singlecall_and_singleton(remote: Remote) -> None:
    single = remote.get(IRemoteService, "SingleCallService.rem")
    assert [single.Increment(), single.Increment(), single.Increment()] == [1, 1, 1]
    assert single.GetRemoteObjectType() == "RemotingPeer.SingleCallObject"
    singleton = remote.get(IRemoteService, "SingletonService.rem")
    n = singleton.Increment()
    assert [singleton.Increment(), singleton.Increment()] == [n + 1, n + 2]
    assert singleton.GetRemoteObjectType() == "RemotingPeer.SingletonObject"
    pid = single.GetProcessId()
    assert pid == singleton.GetProcessId()
    assert (pid == os.getpid()) == (remote.kind == "inprocess")


def test_echo(remote: Remote) -> None:
    svc = remote.get(IRemoteService, "SingleCallService.rem")
    when = ClrDateTime(2024, 2, 29, 13, 45, 30, 123456, tzinfo=dt.UTC)
    when.hundred_nanoseconds = 7
    assert svc.Echo(42, 3.141592653589793, True, ECHO_TEXT, when) == (
        f"42|3.141592653589793|True|{ECHO_TEXT}|2024-02-29T13:45:30.1234567Z|Utc"
    )
    assert svc.Echo(-(2**31), float("nan"), False, "", dt.datetime(1924, 2, 29, 13, 45, 30)) == (
        "-2147483648|NaN|False||1924-02-29T13:45:30.0000000Z|Unspecified"
    )
    assert svc.Echo(0, float("-inf"), False, None, when).split("|")[1:4] == ["-Infinity", "False", "<null>"]


def test_echo_more(remote: Remote) -> None:
    svc = remote.get(IRemoteService, "SingleCallService.rem")
    span = dt.timedelta(days=1, hours=2, minutes=3, seconds=4, milliseconds=5)
    reply = svc.EchoMore(2**63 - 1, 0.1, Decimal("12345.6789"), "Ω", 255, -32768, span, b"\x00\x01\x02\xfe\xff",
                         None, DayOfWeek.Friday)  # fmt: skip
    assert reply == "9223372036854775807|0.1|12345.6789|937|255|-32768|937840050000|000102feff|<null>|Friday"
    reply = svc.EchoMore(-(2**63), -2.5, Decimal("-0.0001"), "a", 0, -1, dt.timedelta(milliseconds=-1500), b"", "",
                         DayOfWeek.Sunday)  # fmt: skip
    assert reply == "-9223372036854775808|-2.5|-0.0001|97|0|-1|-15000000||[]|Sunday"


def test_reverse(remote: Remote) -> None:
    svc = remote.get(IRemoteService, "SingleCallService.rem")
    assert svc.Reverse([1, 2, 3, 4, 5]) == [5, 4, 3, 2, 1]
    assert svc.Reverse([]) == []
    assert svc.Reverse(None) is None
    big = list(range(-5000, 5000))
    assert svc.Reverse(big) == big[::-1]


def test_person_by_value(remote: Remote) -> None:
    svc = remote.get(IRemoteService, "SingletonService.rem")
    dave = svc.GetPerson("Dave", 42)
    assert isinstance(dave, Person) and dave == Person("Dave", 42)
    assert svc.Birthday(Person("Erin", 29)) == Person("Erin", 30)
    assert svc.Birthday(Person(None, -1)) == Person(None, 0)
    assert svc.Birthday(None) is None


def test_fault_is_the_greeting_exception_over_http_200_without_content_type(remote: Remote) -> None:
    svc = remote.get(IRemoteService, "SingletonService.rem")
    before = svc.Increment()
    with pytest.raises(GreetingException) as info:
        svc.Fail("No greeting for you")
    assert str(info.value) == "No greeting for you" and info.value.Message == "No greeting for you"
    assert info.value.Greeting == "Hi there"
    response = remote.sink.responses[-1]
    assert response.status == 200
    assert "content-type" not in response.headers
    fault = READER.read_response(response.body, "Fail", ANY)
    assert isinstance(fault, Fault) and fault.exception is not None
    assert fault.exception.type_name == "RemotingPeer.GreetingException"
    # the Singleton survives, the channel goes on
    assert svc.Increment() == before + 1
    with pytest.raises(GreetingException):
        svc.Fail("Kein Gruß <&> \"✓\"")


def test_unknown_uri_and_method_are_remoting_errors(remote: Remote) -> None:
    missing = remote.get(IHello, "NoSuchService.rem")
    with pytest.raises(RemotingError) as info:
        missing.HelloMethod("x")
    assert info.value.remote_type == "System.Runtime.Remoting.RemotingException"
    assert "NoSuchService.rem" in str(info.value)
    assert remote.sink.responses[-1].status == 200  # a binary fault, as .NET answers
    untyped = Sync(remote.client.get_object(None, remote.base + "SayHello.soap"), remote.run)
    with pytest.raises(RemotingError):
        untyped.NoSuchMethod("x")
    assert remote.get(IHello, "SayHello.soap").HelloMethod("again") == "Hi there again"


def test_client_activated_objects_and_leases(remote: Remote) -> None:
    alpha = remote.create(ClientActivatedObject, "alpha")
    assert alpha.GetName() == "alpha"
    assert [alpha.Increment(), alpha.Increment()] == [1, 2]
    beta = remote.create(ClientActivatedObject, "beta")
    assert beta.GetName() == "beta"
    assert [beta.Increment(), alpha.Increment(), beta.Increment()] == [1, 3, 2]
    lease = remote.lease(alpha)
    assert lease.get_InitialLeaseTime() == dt.timedelta(seconds=5)
    assert lease.get_RenewOnCallTime() == dt.timedelta(seconds=2)
    assert lease.get_SponsorshipTimeout() == dt.timedelta(seconds=2)
    assert lease.get_CurrentState() == LeaseState.Active
    assert dt.timedelta(0) < lease.get_CurrentLeaseTime() <= dt.timedelta(seconds=5)
    assert lease.Renew(dt.timedelta(seconds=30)) > dt.timedelta(seconds=20)
    assert lease.get_CurrentLeaseTime() > dt.timedelta(seconds=20)
    assert alpha.Increment() == 4


@clr_type("BinaryGateway.ShortLived", "BinaryGatewayTests")
class ShortLived(MarshalByRefObject, ICounter):
    """A client-activated counter whose lease runs out after half a second without calls."""

    def __init__(self, name: str | None) -> None:
        self._name = name
        self._count = 0

    def InitializeLifetimeService(self) -> Lease | None:
        lease = super().InitializeLifetimeService()
        assert lease is not None
        lease.InitialLeaseTime = dt.timedelta(milliseconds=500)
        lease.RenewOnCallTime = dt.timedelta(milliseconds=500)
        return lease

    def Increment(self) -> int:
        self._count += 1
        return self._count

    def GetName(self) -> str | None:
        return self._name


def test_call_after_lease_expiry_is_a_remoting_error() -> None:
    clock = ManualClock()
    lifetime = LifetimeSettings(lease_manager_poll_time=dt.timedelta(hours=1), clock=clock)
    app = RemotingApp(formatters=("soap", "binary"), lifetime=lifetime)
    app.register_activated(ShortLived)
    remote = Remote("inprocess", ASGI_BASE, app)
    try:
        doomed = remote.create(ShortLived, "doomed")
        assert doomed.Increment() == 1
        clock.advance(1.5)
        assert app.leases.sweep() == 1
        with pytest.raises(RemotingError) as info:
            doomed.Increment()
        assert "No receiver" in str(info.value) or "not found" in str(info.value).lower(), str(info.value)
    finally:
        remote.close()


# ------------------------------------------------------------------ Mono's own bytes


def _post(base_kind: str, url: str, data: bytes, app: RemotingApp | None = None,
          content_type: str = BINARY_CONTENT_TYPE) -> httpx.Response:  # fmt: skip
    headers = {"content-type": content_type}
    if base_kind == "live":
        with http_client(timeout=10.0) as http:
            return http.post(url, content=data, headers=headers)

    async def send() -> httpx.Response:
        assert app is not None
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:  # type: ignore[arg-type]
            try:
                return await http.post(url, content=data, headers=headers)
            finally:
                await app.leases.stop()

    return asyncio.run(send())


@pytest.fixture(params=["live", "inprocess"])
def poster(request: pytest.FixtureRequest) -> Callable[..., httpx.Response]:
    """POST raw bytes to one binary-enabled server: ``poster(uri, data, content_type=...)``."""
    if request.param == "live":
        base = request.getfixturevalue("binary_server")
        return lambda uri, data, **kw: _post("live", base + uri, data, **kw)
    app = binary_app()
    return lambda uri, data, **kw: _post("inprocess", ASGI_BASE + uri, data, app, **kw)


@pytest.mark.parametrize(
    ("uri", "name", "method", "expected"),
    [
        ("SayHello.soap", "001_HelloMethod", "HelloMethod", "Hi there Alice"),
        ("SayHello.rem", "003_HelloMethod", "HelloMethod", "Hi there Carol"),  # called through HelloServer
        ("SingleCallService.rem", "005_Increment", "Increment", 1),
        ("SingleCallService.rem", "014_Echo", "Echo",
         f"42|3.141592653589793|True|{ECHO_TEXT}|2024-02-29T13:45:30.1234567Z|Utc"),
        ("SingleCallService.rem", "017_EchoMore", "EchoMore",
         "9223372036854775807|0.1|12345.6789|937|255|-32768|937840050000|000102feff|<null>|Friday"),
        ("SingleCallService.rem", "018_Reverse", "Reverse", [5, 4, 3, 2, 1]),
        ("SingleCallService.rem", "020_Reverse", "Reverse", None),
        ("SingletonService.rem", "021_GetPerson", "GetPerson", Person("Dave", 42)),
        ("SingleCallService.rem", "022_Birthday", "Birthday", Person("Erin", 30)),
    ],
)  # fmt: skip
def test_monos_captured_requests_get_monos_answers(poster: Callable[..., httpx.Response], uri: str, name: str,
                                                   method: str, expected: object) -> None:  # fmt: skip
    response = poster(uri, capture(f"{name}.request"))
    assert response.status_code == 200 and "content-type" not in response.headers
    result = READER.read_response(response.content, method, ANY)
    assert isinstance(result, MethodReturn) and result.value == expected
    mono = READER.read_response(capture(f"{name}.response"), method, ANY)
    assert isinstance(mono, MethodReturn)
    if name != "014_Echo":  # Mono's "R" format writes pi with 17 digits
        assert result.value == mono.value


def test_monos_captured_fail_request(poster: Callable[..., httpx.Response]) -> None:
    response = poster("SingleCallService.rem", capture("023_Fail.request"))
    assert response.status_code == 200 and "content-type" not in response.headers
    assert response.content[17:22] == bytes([22]) + struct.pack("<i", 0x2211)  # like 023_Fail.response
    fault = READER.read_response(response.content, "Fail", ANY)
    assert isinstance(fault, Fault) and isinstance(fault.exception.value if fault.exception else None,
                                                   GreetingException)  # fmt: skip


def test_monos_captured_activation_request(poster: Callable[..., httpx.Response]) -> None:
    response = poster("RemoteActivationService.rem", capture("027_Activate.request"))
    assert response.status_code == 200
    result = BinaryFormatter(binary_app().registry).read_response(response.content, "Activate", ANY)
    assert isinstance(result, MethodReturn)
    ref = result.value.Return  # type: ignore[attr-defined]
    assert ref.server_type.startswith("RemotingPeer.ClientActivatedObject, PeerServer")
    assert ref.url() is not None and ref.url().endswith(".rem") and ref.is_marshalled is False


# ------------------------------------------------------------------ malformed bodies

HELLO = capture("001_HelloMethod.request")
MALFORMED = {
    "empty": b"",
    "garbage": b"this is not an MS-NRBF message",
    "soap-envelope": b'<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"/>',
    "truncated": HELLO[:60],
    "trailing-bytes": HELLO + b"\x00",
    "a-return-record": capture("001_HelloMethod.response"),
    "unknown-record": HELLO[:-1] + bytes([99]) + b"\x0b",
    "huge-array": (bytes([0]) + struct.pack("<iiii", 1, -1, 1, 0) + bytes([21]) + struct.pack("<i", 0x14)
                   + bytes([18, 2]) + b"Do" + bytes([18, 4]) + b"T, A" + bytes([15]) + struct.pack("<ii", 1, 2**31 - 1)
                   + bytes([8]) + b"\x0b"),
    "wrong-argument-count": HELLO.replace(struct.pack("<i", 1) + bytes([18, 5]) + b"Alice",
                                          struct.pack("<i", 2) + bytes([18, 5]) + b"Alice" + bytes([17])),
    "wrong-argument-type": HELLO.replace(bytes([18, 5]) + b"Alice", bytes([8]) + struct.pack("<i", 5) + b"e"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_body_gets_a_binary_fault_and_the_server_keeps_serving(
    poster: Callable[..., httpx.Response], name: str
) -> None:
    response = poster("SayHello.soap", MALFORMED[name])
    assert response.status_code == 200, response.content[:200]
    assert "content-type" not in response.headers
    fault = READER.read_response(response.content, "HelloMethod", ANY)
    assert isinstance(fault, Fault) and fault.exception is not None
    assert fault.exception.type_name == "System.Runtime.Remoting.RemotingException"
    assert fault.exception.message  # (MS-NRBF carries no SOAP fault code)
    ok = poster("SayHello.soap", HELLO)
    assert ok.status_code == 200
    assert READER.read_response(ok.content, "HelloMethod", ANY) == MethodReturn(
        "HelloMethod", "", "Hi there Alice", ANY
    )


def test_an_object_where_a_string_is_declared_is_a_fault_saying_so(poster: Callable[..., httpx.Response]) -> None:
    """``HelloMethod(name: str)`` called with a Person (a registered by-value type) is refused with a
    RemotingException naming both; the binary reader used to hand the Person to the method."""
    body = write_method_call("HelloMethod", f"RemotingPeer.IHello, {PEER_SHARED}", [Person("Bob", 42)],
                             [wire_type(Person)], DEFAULT_REGISTRY)  # fmt: skip
    fault = READER.read_response(poster("SayHello.soap", body).content, "HelloMethod", ANY)
    assert isinstance(fault, Fault) and fault.exception is not None
    assert fault.exception.message == "bad arguments for HelloMethod: a RemotingPeer.Person where a string is expected"


def test_malformed_bodies_back_to_back_on_the_live_server(binary_server: str) -> None:
    with http_client(timeout=10.0) as http:
        for _ in range(3):
            for body in MALFORMED.values():
                headers = {"content-type": BINARY_CONTENT_TYPE}
                r = http.post(binary_server + "SayHello.rem", content=body, headers=headers)
                assert r.status_code == 200
        with RemotingClient(formatter="binary", http_client=http) as client:
            assert client.get_object(IHello, binary_server + "SayHello.rem").HelloMethod("still") == "Hi there still"


def test_oversized_binary_body_gets_a_binary_413() -> None:
    app = binary_app(limits=Limits(max_bytes=100))
    response = _post("inprocess", ASGI_BASE + "SayHello.soap", HELLO + b"\x00" * 100, app)
    assert response.status_code == 413
    assert "content-type" not in response.headers  # answered in the request's dialect
    fault = READER.read_response(response.content, "HelloMethod", ANY)
    assert isinstance(fault, Fault) and "exceeds the limit" in fault.message


# ------------------------------------------------------------------ who enables the formatter


def test_soap_only_app_refuses_binary_with_415_before_any_decoder(monkeypatch: pytest.MonkeyPatch) -> None:
    app = register(RemotingApp(lifetime=LIFETIME))  # default formatters, GATEWAY_FORMATTERS unset
    assert list(app.formatters) == ["soap"]

    def no_decoding(*args: object, **kwargs: object) -> None:
        raise AssertionError("a decoder ran on a request no enabled formatter accepts")

    monkeypatch.setattr(SoapFormatter, "read_call", no_decoding)
    monkeypatch.setattr(BinaryFormatter, "read_call", no_decoding)
    response = _post("inprocess", ASGI_BASE + "SayHello.soap", HELLO, app)
    assert response.status_code == 415
    assert b"application/octet-stream" in response.content and b"enabled: soap" in response.content

    remote = Remote("inprocess", ASGI_BASE, app)
    try:
        with pytest.raises(RemotingError) as info:
            remote.get(IHello, "SayHello.soap").HelloMethod("Alice")
    finally:
        remote.close()
    assert info.value.http_status == 415
    assert "415" in str(info.value) and "binary formatter enabled" in str(info.value)


def test_soap_only_live_server_refuses_binary(soap_only_server: str) -> None:
    with RemotingClient(formatter="binary", timeout=10.0) as client, pytest.raises(RemotingError) as info:
        client.get_object(IHello, soap_only_server + "SayHello.soap").HelloMethod("Alice")
    assert info.value.http_status == 415 and "binary formatter" in str(info.value)
    raw = httpx.post(soap_only_server + "SayHello.soap", content=HELLO,
                     headers={"content-type": BINARY_CONTENT_TYPE}, timeout=10.0)  # fmt: skip
    assert raw.status_code == 415
    with RemotingClient(timeout=10.0) as soap:  # SOAP still works
        assert soap.get_object(IHello, soap_only_server + "SayHello.soap").HelloMethod("x") == "Hi there x"


def test_environment_enables_binary_on_the_live_samples(binary_server: str) -> None:
    with RemotingClient(formatter="binary", timeout=10.0) as binary, RemotingClient(timeout=10.0) as soap:
        assert binary.get_object(IHello, binary_server + "SayHello.soap").HelloMethod("b") == "Hi there b"
        assert soap.get_object(IHello, binary_server + "SayHello.soap").HelloMethod("s") == "Hi there s"


def test_environment_variable_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_FORMATTERS", "soap, binary")
    assert list(RemotingApp().formatters) == ["soap", "binary"]
    monkeypatch.setenv("GATEWAY_FORMATTERS", "binary")
    app = register(RemotingApp(formatters=("soap",), lifetime=LIFETIME))  # the environment wins
    assert list(app.formatters) == ["binary"]
    assert _post("inprocess", ASGI_BASE + "SayHello.soap", HELLO, app).status_code == 200
    soap_hello = (Path(__file__).resolve().parents[2] / "benchmarks" / "hello_request.xml").read_bytes()
    refused = _post("inprocess", ASGI_BASE + "SayHello.soap", soap_hello, app, content_type='text/xml; charset="utf-8"')
    assert refused.status_code == 415
    monkeypatch.setenv("GATEWAY_FORMATTERS", "soap,xml")
    with pytest.raises(ValueError, match="unknown formatter"):
        RemotingApp()


def test_client_rejects_an_unknown_formatter() -> None:
    with pytest.raises(ValueError, match="unknown formatter"):
        RemotingClient(formatter="json")
