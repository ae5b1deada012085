"""Strict SOAP through the runtime: mustUnderstand, HTTP statuses per SOAP version, the binary formatter's
"cannot cast from client type", and the call inspector hook. In-process (``httpx.ASGITransport``).
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Collection
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

import examples.remoting_samples as samples
from examples.hello import IHello
from gateway import (
    AsyncRemotingClient,
    AuthorizationRules,
    CallInspector,
    Principal,
    RemotingApp,
    RemotingError,
    ServerRequest,
    current_principal,
)
from gateway.model.errors import ClientRequestError
from soap import (
    BINARY_CONTENT_TYPE,
    DEFAULT_REGISTRY,
    SOAP_ENV,
    BinaryFormatter,
    Fault,
    IncomingCall,
    MethodReturn,
    RemotingSoapFormatter,
    clr_type,
    wire_type,
)
from soap._nrbf_writer import write_method_call

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HELLO = (FIXTURES / "mono_soap" / "001_HelloMethod.request.xml").read_bytes()
HELLO_BIN = (FIXTURES / "mono_binary" / "001_HelloMethod.request.bin").read_bytes()
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
SOAP_HEADERS = {"content-type": 'text/xml; charset="utf-8"', "soapaction": '""'}
INTEROP_NS = "urn:interop"
CTX = "http://schemas.microsoft.com/clr/soap/messageProperties"


def run(app: Any, requests: list[tuple[str, bytes, dict[str, str]]]) -> list[httpx.Response]:
    async def go() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app, client=("203.0.113.5", 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return [await client.post(path, content=body, headers=headers) for path, body, headers in requests]

    return asyncio.run(go())


def literal(body: str, version: str = "1.1", header: str = "") -> tuple[bytes, dict[str, str]]:
    env = SOAP_ENV if version == "1.1" else SOAP12_ENV
    data = f'<soap:Envelope xmlns:soap="{env}">{header}<soap:Body>{body}</soap:Body></soap:Envelope>'.encode()
    content_type = "text/xml; charset=utf-8" if version == "1.1" else "application/soap+xml; charset=utf-8"
    return data, {"content-type": content_type}


def fault_code(response: httpx.Response) -> str:
    root = etree.fromstring(response.content)
    if root.tag == f"{{{SOAP12_ENV}}}Envelope":
        return root.findtext(f".//{{{SOAP12_ENV}}}Code/{{{SOAP12_ENV}}}Value") or ""
    return root.findtext(f".//{{{SOAP_ENV}}}Fault/faultcode") or ""


def interop_app(**options: Any) -> RemotingApp:
    from examples.interop import InteropService

    app = RemotingApp(**options)
    app.register_well_known(InteropService, "InteropService.soap", samples.WellKnownObjectMode.SingleCall)
    app.register_well_known(samples.HelloServer, "SayHello.soap", samples.WellKnownObjectMode.SingleCall)
    return app


# ------------------------------------------------------------------ mustUnderstand over HTTP

TX = '<t:Tx xmlns:t="urn:tx" soap:mustUnderstand="{}">5</t:Tx>'


def test_remoting_dialect_must_understand_fault() -> None:
    header = (b'<SOAP-ENV:Header><t:Tx xmlns:t="urn:tx" SOAP-ENV:mustUnderstand="1">5</t:Tx>'
              b"</SOAP-ENV:Header><SOAP-ENV:Body>")
    data = HELLO.replace(b"<SOAP-ENV:Body>", header, 1)
    r, good = run(samples.app, [("/SayHello.soap", data, SOAP_HEADERS), ("/SayHello.soap", HELLO, SOAP_HEADERS)])
    assert r.status_code == 500
    fault = RemotingSoapFormatter().read_response(r.content, "HelloMethod", wire_type(str))
    assert isinstance(fault, Fault) and fault.code == "MustUnderstand"
    assert "{urn:tx}Tx" in fault.message
    assert good.status_code == 200


def test_runtime_headers_may_be_must_understand() -> None:
    header = (f'<SOAP-ENV:Header><h:__CallContext xmlns:h="{CTX}" SOAP-ENV:mustUnderstand="1" '
              'xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" SOAP-ENC:root="1" href="#ref-90"/>'
              '<a1:LogicalCallContext id="ref-90" '
              'xmlns:a1="http://schemas.microsoft.com/clr/ns/System.Runtime.Remoting.Messaging"/>'
              "</SOAP-ENV:Header><SOAP-ENV:Body>").encode()
    [r] = run(samples.app, [("/SayHello.soap", HELLO.replace(b"<SOAP-ENV:Body>", header, 1), SOAP_HEADERS)])
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_literal_must_understand_fault(version: str) -> None:
    must = "1" if version == "1.1" else "true"
    data, headers = literal(f'<hello xmlns="{INTEROP_NS}"><name>x</name></hello>', version,
                            f"<soap:Header>{TX.format(must)}</soap:Header>")
    [r] = run(interop_app(), [("/InteropService.soap", data, headers)])
    assert r.status_code == 500
    assert fault_code(r).endswith(":MustUnderstand")
    if version == "1.2":
        root = etree.fromstring(r.content)
        [block] = root.findall(f"{{{SOAP12_ENV}}}Header/{{{SOAP12_ENV}}}NotUnderstood")
        prefix, _, name = block.get("qname", "").partition(":")
        assert (block.nsmap[prefix], name) == ("urn:tx", "Tx")


def test_an_inspector_that_understands_the_header_satisfies_must_understand() -> None:
    seen: list[str] = []

    class TxInspector:
        understood_headers: Collection[tuple[str, str]] = frozenset({("urn:tx", "Tx")})

        async def inspect(self, call: IncomingCall, request: ServerRequest) -> Principal | None:
            seen.append(call.method_name)
            return None

    inspector: CallInspector = TxInspector()
    data, headers = literal(f'<hello xmlns="{INTEROP_NS}"><name>x</name></hello>', "1.1",
                            f"<soap:Header>{TX.format('1')}</soap:Header>")
    [r] = run(interop_app(inspectors=[inspector]), [("/InteropService.soap", data, headers)])
    assert r.status_code == 200, r.text
    assert seen == ["hello"]


# ------------------------------------------------------------------ statuses per SOAP version


def test_soap12_sender_is_400_receiver_is_500_soap11_is_500() -> None:
    bad12, h12 = literal(f'<add xmlns="{INTEROP_NS}"><a>x</a><b>1</b></add>', "1.2")
    fail12, _ = literal(f'<fail xmlns="{INTEROP_NS}"><message>m</message></fail>', "1.2")
    bad11, h11 = literal(f'<add xmlns="{INTEROP_NS}"><a>x</a><b>1</b></add>', "1.1")
    unreadable12 = b"<soap:Envelope"
    responses = run(interop_app(), [
        ("/InteropService.soap", bad12, h12), ("/InteropService.soap", fail12, h12),
        ("/InteropService.soap", bad11, h11), ("/InteropService.soap", unreadable12, h12),
        ("/InteropService.soap", b"<e:Envelope xmlns:e='urn:x'><e:Body/></e:Envelope>", h12),
    ])
    assert [r.status_code for r in responses] == [400, 500, 500, 400, 500]
    assert [fault_code(r).split(":")[1] for r in responses] == [
        "Sender", "Receiver", "Client", "Sender", "VersionMismatch"]


def test_an_envelope_on_the_other_versions_content_type_gets_a_soap11_version_mismatch() -> None:
    add = f'<add xmlns="{INTEROP_NS}"><a>1</a><b>2</b></add>'
    body12, h12 = literal(add, "1.2")
    body11, h11 = literal(add, "1.1")
    responses = run(interop_app(), [("/InteropService.soap", body12, h11), ("/InteropService.soap", body11, h12),
                                    ("/InteropService.soap", body12, h12), ("/InteropService.soap", body11, h11)])
    assert [r.status_code for r in responses] == [500, 500, 200, 200]
    for r in responses[:2]:
        assert r.headers["content-type"].startswith("text/xml"), r.headers
        assert fault_code(r).split(":")[1] == "VersionMismatch", r.text
        assert b"content type" in r.content


# ------------------------------------------------------------------ SOAPAction against the Body's call

HELLO_NS = "http://schemas.microsoft.com/clr/nsassem/RemotingPeer.IHello/PeerShared"


@pytest.mark.parametrize("action", [None, '""', f'"{HELLO_NS}#HelloMethod"', f"{HELLO_NS}#HelloMethod",
                                    '"urn:anything"', '"urn:toolkit#HelloMethod"'])
def test_remoting_soapaction_naming_the_bodys_method_or_none_is_fine(action: str | None) -> None:
    headers = {"content-type": SOAP_HEADERS["content-type"]} | ({} if action is None else {"soapaction": action})
    [r] = run(binary_app(), [("/SayHello.soap", HELLO, headers)])
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(("action", "named"), [
    (f'"{HELLO_NS}#Evil"', "it names 'Evil' of"),
    ('"http://schemas.microsoft.com/clr/nsassem/RemotingPeer.IRemoteService/PeerShared#HelloMethod"',
     "of 'http://schemas.microsoft.com/clr/nsassem/RemotingPeer.IRemoteService/PeerShared'"),
])
def test_remoting_soapaction_naming_another_method_or_type_is_refused(action: str, named: str) -> None:
    """.NET Framework's SoapServerFormatterSink refuses it too (IsSoapActionValidForMethodBase)."""
    [r] = run(binary_app(), [("/SayHello.soap", HELLO, {**SOAP_HEADERS, "soapaction": action})])
    assert r.status_code == 500 and fault_code(r).endswith("Client"), r.text
    assert "is not valid for the method being called" in r.text and named in r.text
    assert f"the Body calls 'HelloMethod' of '{HELLO_NS}'" in r.text


def test_soap12_action_parameter_must_name_the_operation() -> None:
    add = f'<add xmlns="{INTEROP_NS}"><a>1</a><b>2</b></add>'
    body, headers = literal(add, "1.2")
    typed = headers["content-type"]
    responses = run(interop_app(), [
        ("/InteropService.soap", body, {"content-type": f'{typed}; action="{INTEROP_NS}/add"'}),
        ("/InteropService.soap", body, {"content-type": f'{typed}; action="{INTEROP_NS}/fail"'}),
    ])
    assert [r.status_code for r in responses] == [200, 400]
    assert "names operation 'fail', but the Body calls 'add'" in responses[1].text


# ------------------------------------------------------------------ binary: the type the call names


@clr_type("Tests.Strict.IOther", "Tests")
class IOther:
    def HelloMethod(self, name: str) -> str:
        raise NotImplementedError


def binary_app() -> RemotingApp:
    return samples.register(RemotingApp(formatters=("soap", "binary"), lifetime=samples.LIFETIME))


def test_binary_call_naming_a_type_the_object_is_not_gets_cannot_cast() -> None:
    wrong = write_method_call("HelloMethod", "Tests.Strict.IOther, Tests", ["x"], [wire_type(str)], DEFAULT_REGISTRY)
    headers = {"content-type": BINARY_CONTENT_TYPE}
    r, good = run(binary_app(), [("/SayHello.rem", wrong, headers), ("/SayHello.rem", HELLO_BIN, headers)])
    assert r.status_code == 200 and good.status_code == 200
    fault = BinaryFormatter().read_response(r.content, "HelloMethod", wire_type(str))
    assert isinstance(fault, Fault) and fault.exception is not None
    assert fault.exception.type_name == "System.Runtime.Remoting.RemotingException"
    assert "Cannot cast from client type 'Tests.Strict.IOther, Tests'" in (fault.exception.message or "")
    ok = BinaryFormatter().read_response(good.content, "HelloMethod", wire_type(str))
    assert isinstance(ok, MethodReturn) and ok.value == "Hi there Alice"


def test_binary_call_with_contradicting_flags_gets_a_binary_exception_reply() -> None:
    data = bytearray(HELLO_BIN)
    struct.pack_into("<i", data, 18, struct.unpack_from("<i", data, 18)[0] | 0x4)
    headers = {"content-type": BINARY_CONTENT_TYPE}
    [r] = run(binary_app(), [("/SayHello.rem", bytes(data), headers)])
    assert r.status_code == 200
    fault = BinaryFormatter().read_response(r.content, "HelloMethod", wire_type(str))
    assert isinstance(fault, Fault) and "Args flags" in fault.message


def test_binary_interfaces_base_types_and_untyped_proxies_still_work() -> None:
    app = binary_app()

    async def go() -> None:
        transport = httpx.ASGITransport(app=app)
        async with AsyncRemotingClient(formatter="binary", http_client=httpx.AsyncClient(transport=transport)) as c:
            assert await c.get_object(IHello, "http://testserver/SayHello.rem").HelloMethod("a") == "Hi there a"
            untyped = c.get_object(None, "http://testserver/SayHello.rem")
            assert await untyped.HelloMethod("b") == "Hi there b"
            counter = await c.create_instance(samples.ClientActivatedObject, "http://testserver/", "n")
            assert await counter.Increment() == 1
            lease = await c.get_lifetime_service(counter)  # called as System.MarshalByRefObject, then ILease
            assert await lease.get_CurrentState() is not None
            with pytest.raises(RemotingError, match="Cannot cast"):
                await c.get_object(IOther, "http://testserver/SayHello.rem").HelloMethod("c")

    asyncio.run(go())


# ------------------------------------------------------------------ the call inspector hook


class RoleFromHeader:
    """A toy inspector: the caller named in an HTTP header (a real one reads the call's SOAP headers)."""

    understood_headers: Collection[tuple[str, str]] = frozenset()

    def __init__(self) -> None:
        self.calls = 0

    async def inspect(self, call: IncomingCall, request: ServerRequest) -> Principal | None:
        self.calls += 1
        who = request.headers.get("x-test-user")
        if who == "mallory":
            raise ClientRequestError("mallory is not welcome")
        return Principal.of(who, ["admin"] if who == "alice" else []) if who else None


class WhoAmI(samples.MarshalByRefObject):
    def WhoAmI(self) -> str:
        principal = current_principal()
        return principal.name if principal is not None else "(anonymous)"

    def Admin(self) -> str:
        return "ok"


def test_inspector_principal_reaches_the_method_and_the_rules_and_is_reset() -> None:
    rules = AuthorizationRules().require("Who.rem", "admin", method="Admin")
    inspector = RoleFromHeader()
    app = RemotingApp(inspectors=[inspector], authorization=rules)
    app.register_well_known(WhoAmI, "Who.rem", samples.WellKnownObjectMode.SingleCall)

    async def go() -> None:
        for user, expected in (("alice", "alice"), ("bob", "bob"), (None, "(anonymous)")):
            headers = {"x-test-user": user} if user else {}
            transport = httpx.ASGITransport(app=app)
            client = httpx.AsyncClient(transport=transport, headers=headers)
            async with AsyncRemotingClient(http_client=client) as c:
                proxy = c.get_object(WhoAmI, "http://testserver/Who.rem")
                assert await proxy.WhoAmI() == expected
                if user == "alice":
                    assert await proxy.Admin() == "ok"
                else:
                    with pytest.raises(Exception, match=r"denied|requires"):
                        await proxy.Admin()
            assert current_principal() is None  # nothing leaks into the caller's context
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), headers={"x-test-user": "mallory"})
        async with AsyncRemotingClient(http_client=client) as c:
            with pytest.raises(RemotingError, match="mallory is not welcome"):
                await c.get_object(WhoAmI, "http://testserver/Who.rem").WhoAmI()

    asyncio.run(go())
    assert inspector.calls == 7  # every call, refused ones included

