"""Each rpc/encoded caller gets a null it reads, and a null never reaches a ``str`` parameter.

A .NET Remoting client (its SoapFormatter numbers the method element ``id="ref-1"``) is answered as .NET
answers: ``xsi:null="1"``, strings with ids. A SOAP toolkit calling through ``?wsdl=remoting`` (suds, Axis,
PHP: no id on the method element) is answered in standard SOAP encoding: ``xsi:nil="true"``, plain strings.
The real toolkits: tests/interop/test_rpc_encoded_toolkits.py; the real Mono client:
tests/interop/test_mono_client.py. In-process over httpx here.
"""

from __future__ import annotations

import httpx
import pytest
from lxml import etree

import examples.remoting_samples as samples
from examples.hello import app as hello_app

pytestmark = pytest.mark.anyio

XSI = "http://www.w3.org/2001/XMLSchema-instance"
SERVICE_NS = "http://schemas.microsoft.com/clr/nsassem/RemotingPeer.IRemoteService/PeerShared"
HELLO_NS = "http://schemas.microsoft.com/clr/nsassem/RemotingPeer.IHello/PeerShared"
HEADERS = {"content-type": 'text/xml; charset="utf-8"', "soapaction": '""'}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def call(method: str, namespace: str, params: str, dotnet: bool) -> bytes:
    ident = ' id="ref-1"' if dotnet else ""
    return (
        '<SOAP-ENV:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" '
        'xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" '
        'SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><SOAP-ENV:Body>'
        f'<i2:{method}{ident} xmlns:i2="{namespace}">{params}</i2:{method}></SOAP-ENV:Body></SOAP-ENV:Envelope>'
    ).encode()


async def post(app: object, uri: str, body: bytes) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:  # type: ignore[arg-type]
        return await c.post(uri, content=body, headers=HEADERS)


def returned(response: httpx.Response) -> etree._Element:
    root = etree.fromstring(response.content)
    (ret,) = root.iter("return")
    return ret


@pytest.mark.parametrize("method", ["Reverse", "Birthday"])
async def test_a_dotnet_caller_gets_xsi_null(method: str) -> None:
    null_arg = {"Reverse": '<a xsi:null="1"/>', "Birthday": '<p xsi:null="1"/>'}[method]
    response = await post(samples.app, "/SingleCallService.rem", call(method, SERVICE_NS, null_arg, dotnet=True))
    assert response.status_code == 200, response.text
    ret = returned(response)
    assert dict(ret.attrib) == {f"{{{XSI}}}null": "1"}


@pytest.mark.parametrize("method", ["Reverse", "Birthday"])
async def test_a_toolkit_gets_xsi_nil(method: str) -> None:
    null_arg = {"Reverse": '<a xsi:nil="true"/>', "Birthday": '<p xsi:nil="true"/>'}[method]
    response = await post(samples.app, "/SingleCallService.rem", call(method, SERVICE_NS, null_arg, dotnet=False))
    assert response.status_code == 200, response.text
    assert b"xsi:null" not in response.content
    assert dict(returned(response).attrib) == {f"{{{XSI}}}nil": "true"}


async def test_strings_carry_ids_for_dotnet_only() -> None:
    params = '<name xsi:type="xsd:string">Ann</name><age xsi:type="xsd:int">3</age>'
    dotnet = await post(samples.app, "/SingleCallService.rem", call("GetPerson", SERVICE_NS, params, dotnet=True))
    toolkit = await post(samples.app, "/SingleCallService.rem", call("GetPerson", SERVICE_NS, params, dotnet=False))
    name_dotnet = next(etree.fromstring(dotnet.content).iter("Name"))
    name_toolkit = next(etree.fromstring(toolkit.content).iter("Name"))
    assert name_dotnet.get("id") is not None and name_dotnet.text == "Ann"
    assert dict(name_toolkit.attrib) == {} and name_toolkit.text == "Ann"


async def test_faults_to_a_toolkit_carry_standard_nulls() -> None:
    response = await post(samples.app, "/SingleCallService.rem",
                          call("Fail", SERVICE_NS, '<message xsi:type="xsd:string">no</message>', dotnet=False))
    assert response.status_code == 500
    assert b"xsi:null" not in response.content and b'xsi:nil="true"' in response.content
    fault = etree.fromstring(response.content).find(".//{http://schemas.xmlsoap.org/soap/envelope/}Fault")
    assert fault is not None and fault.get("id") is None
    assert fault.findtext("faultstring") == " **** RemotingPeer.GreetingException - no"


@pytest.mark.parametrize("dotnet", [True, False], ids=["dotnet", "toolkit"])
async def test_a_null_str_parameter_is_a_client_fault_not_a_crash(dotnet: bool) -> None:
    """``HelloMethod(self, name: str)``: a null is legal in rpc/encoded, but the method was promised a str.
    The caller is told which parameter; the method never runs with None (which would be an internal error)."""
    null = 'xsi:null="1"' if dotnet else 'xsi:nil="true"'
    response = await post(hello_app, "/SayHello.soap", call("HelloMethod", HELLO_NS, f"<name {null}/>", dotnet))
    assert response.status_code == 500
    fault = etree.fromstring(response.content).find(".//{http://schemas.xmlsoap.org/soap/envelope/}Fault")
    assert fault is not None
    assert fault.findtext("faultcode") == "SOAP-ENV:Client"
    expected = "bad arguments for HelloMethod: <name> is null but a string is required"
    assert expected in (fault.findtext("faultstring") or "")
    assert "internal error" not in response.text


async def test_a_nil_str_parameter_is_refused_in_document_literal_too() -> None:
    body = (
        b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
        b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body>'
        b'<HelloMethod xmlns="urn:RemotingPeer.HelloServer"><name xsi:nil="true"/></HelloMethod>'
        b"</soap:Body></soap:Envelope>"
    )
    response = await post(hello_app, "/SayHello.soap", body)
    assert response.status_code == 500
    assert "<faultcode>soap:Client</faultcode>" in response.text
    assert "&lt;name&gt; is nil but a string is required" in response.text


def test_our_client_refuses_to_send_none_for_a_str_parameter() -> None:
    """The same promise on the calling side: nothing is sent (the address is never contacted)."""
    from examples.hello import IHello
    from gateway import CallArgumentError, RemotingClient

    with RemotingClient() as client:
        hello = client.get_object(IHello, "http://127.0.0.1:9/SayHello.soap")
        with pytest.raises(CallArgumentError, match="None given where a string is required"):
            hello.HelloMethod(None)  # type: ignore[arg-type]
