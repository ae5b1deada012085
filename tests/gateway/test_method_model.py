"""The method model served and called: out/ref parameters, overloads, properties, ToString/Equals.

The server answers Mono's own captured requests (``tests/fixtures/mono_methodmodel/``) with what Mono's
server answered; bad input (a signature naming no overload, an ambiguous call, a wrong argument count for
an out/ref method) gets a clean fault and the server keeps serving; our clients, sync and async, see the
Pythonic shapes; document/literal and both WSDL dialects publish out/ref and overloads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from examples.method_model import ICalculator, ICalculatorObject, Item, register
from gateway import (
    AsyncRemotingClient,
    CallArgumentError,
    CustomErrorsMode,
    LiteralBinding,
    MarshalByRefObject,
    RemotingApp,
    RemotingClient,
    RemotingError,
    WellKnownObjectMode,
)
from soap import BinaryFormatter, MethodReturn, Out, Ref, RemotingSoapFormatter, wire_type
from soap._nrbf_writer import MSCORLIB, write_method_call
from wsdl import OBJECT_OPERATIONS, Operation, clr_method, contract_of, literal_wsdl, remoting_wsdl

from ..support.server import live_server

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mono_methodmodel"
CONTRACT = contract_of(ICalculator)
BASE = "http://testserver/"
SOAP_HEADERS = {"content-type": 'text/xml; charset="utf-8"', "soapaction": '""'}
BINARY_HEADERS = {"content-type": "application/octet-stream"}
ENVELOPE = ('<SOAP-ENV:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" '
            'xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">{header}<SOAP-ENV:Body>'
            '<i2:{method} xmlns:i2="http://schemas.microsoft.com/clr/nsassem/MethodModel.ICalculator/MethodModel">'
            "{params}</i2:{method}></SOAP-ENV:Body></SOAP-ENV:Envelope>")


def post(app: RemotingApp, uri: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    async def send() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
            return await http.post(uri, content=body, headers=headers)

    return asyncio.run(send())


def soap_call(method: str, params: str, header: str = "") -> bytes:
    return ENVELOPE.format(method=method, params=params, header=header).encode()


def signature_header(types: str) -> str:
    return ('<SOAP-ENV:Header><h4:__MethodSignature SOAP-ENC:root="1" xsi:type="SOAP-ENC:methodSignature" '
            f'xmlns:h4="http://schemas.microsoft.com/clr/soap/messageProperties">{types}</h4:__MethodSignature>'
            "</SOAP-ENV:Header>")


def read(fmt: str, body: bytes, op: Operation) -> object:
    outputs = [(i, p.name, p.wire) for i, p in op.outputs]
    formatter = RemotingSoapFormatter() if fmt == "soap" else BinaryFormatter()
    ret = formatter.read_reply(body, "text/xml" if fmt == "soap" else "", op.name, op.returns, None, outputs)
    assert isinstance(ret, MethodReturn), ret
    return (ret.value, *(v for _, v, _ in ret.out_args)) if op.outputs else ret.value


def fault_text(response: httpx.Response) -> str:
    return response.content.decode("utf-8", "replace")


# ------------------------------------------------------------------ Mono's requests


#: capture -> (object URI, operation to read the reply with)
CAPTURES = {
    "001_TryParse": ("Calculator", CONTRACT.operations["TryParse"]),
    "002_TryParse": ("Calculator", CONTRACT.operations["TryParse"]),
    "003_Divide": ("Calculator", CONTRACT.operations["Divide"]),
    "004_Swap": ("Calculator", CONTRACT.operations["Swap"]),
    "005_Rename": ("Calculator", CONTRACT.operations["Rename"]),
    "006_Restock": ("Calculator", CONTRACT.operations["Restock"]),
    "007_Add": ("Calculator", CONTRACT.operations["Add"]),
    "008_Add": ("Calculator", CONTRACT.operations["AddStrings"]),
    "009_Add": ("Calculator", CONTRACT.operations["AddThree"]),
    "010_set_Name": ("Calculator", CONTRACT.operations["set_Name"]),
    "011_get_Name": ("Calculator", CONTRACT.operations["get_Name"]),
    "012_set_Name": ("Calculator", CONTRACT.operations["set_Name"]),
    "013_ToString": ("Calculator", OBJECT_OPERATIONS["ToString"]),
    "014_Equals": ("Calculator", OBJECT_OPERATIONS["Equals"]),
    "015_Equals": ("Calculator", OBJECT_OPERATIONS["Equals"]),
    "016_ToString": ("Plain", OBJECT_OPERATIONS["ToString"]),
    "017_Equals": ("Plain", OBJECT_OPERATIONS["Equals"]),
}


@pytest.mark.parametrize("fmt", ["soap", "binary"])
def test_server_answers_monos_requests_as_mono_did(fmt: str) -> None:
    """Every captured request, in order (the Name property changes state), answered with the same values."""
    app = register(RemotingApp(formatters=("soap", "binary")))
    ext, suffix, headers = ("soap", "xml", SOAP_HEADERS) if fmt == "soap" else ("rem", "bin", BINARY_HEADERS)
    for name, (uri, op) in CAPTURES.items():
        request = (FIXTURES / fmt / f"{name}.request.{suffix}").read_bytes()
        monos = (FIXTURES / fmt / f"{name}.response.{suffix}").read_bytes()
        response = post(app, f"/{uri}.{ext}", request, headers)
        assert response.status_code == 200, (name, fault_text(response))
        assert read(fmt, response.content, op) == read(fmt, monos, op), name


# ------------------------------------------------------------------ bad input


@pytest.fixture
def app() -> RemotingApp:
    return register(RemotingApp(formatters=("soap", "binary")))


def assert_still_serving(app: RemotingApp) -> None:
    params = '<a xsi:type="xsd:int">2</a><b xsi:type="xsd:int">3</b>'
    body = soap_call("Add", params, signature_header("xsd:int xsd:int"))
    response = post(app, "/Calculator.soap", body, SOAP_HEADERS)
    assert response.status_code == 200 and read("soap", response.content, CONTRACT.operations["Add"]) == 5


def test_soap_signature_naming_no_overload_is_a_clean_fault(app: RemotingApp) -> None:
    body = soap_call("Add", '<a xsi:type="xsd:boolean">true</a><b xsi:type="xsd:boolean">true</b>',
                     signature_header("xsd:boolean xsd:boolean"))
    response = post(app, "/Calculator.soap", body, SOAP_HEADERS)
    assert response.status_code == 500
    assert "no overload of Add fits the call" in fault_text(response)
    assert "Traceback" not in fault_text(response)
    assert_still_serving(app)


def test_soap_signature_with_an_undeclared_prefix_is_a_clean_fault(app: RemotingApp) -> None:
    body = soap_call("Add", "<a>1</a><b>2</b>", signature_header("nope:int nope:int"))
    response = post(app, "/Calculator.soap", body, SOAP_HEADERS)
    assert response.status_code == 500 and "undeclared namespace prefix" in fault_text(response)
    assert_still_serving(app)


def test_binary_signature_naming_no_overload_is_a_clean_fault(app: RemotingApp) -> None:
    body = _binary_add_booleans()
    response = post(app, "/Calculator.rem", body, BINARY_HEADERS)
    assert response.status_code == 200  # .NET answers a binary fault inside a 200 reply
    with pytest.raises(RuntimeError, match="no overload of Add fits"):
        _raise_fault(response.content)
    assert_still_serving(app)


def _binary_add_booleans() -> bytes:
    return write_method_call("Add", "MethodModel.ICalculator, MethodModel", [True, False],
                             [wire_type(bool)] * 2, BinaryFormatter().registry, None,
                             [("System.Boolean", MSCORLIB)] * 2)


def _raise_fault(body: bytes) -> None:
    ret = BinaryFormatter().read_response(body, "Add", CONTRACT.operations["Add"].returns)
    if not isinstance(ret, MethodReturn):
        raise RuntimeError(ret.message)


def test_a_call_without_signature_fitting_two_overloads_is_a_clean_fault(app: RemotingApp) -> None:
    """Untyped arguments fit Add(int, int) and Add(string, string): the fault says how to choose."""
    response = post(app, "/Calculator.soap", soap_call("Add", "<a>1</a><b>2</b>"), SOAP_HEADERS)
    assert response.status_code == 500
    assert "fits several overloads" in fault_text(response) and "__MethodSignature" in fault_text(response)
    assert_still_serving(app)


@pytest.mark.parametrize(
    ("params", "expected"),
    [('<a xsi:type="xsd:string">1</a><b xsi:type="xsd:string">2</b>', "12"),
     ('<a xsi:type="xsd:int">1</a><b xsi:type="xsd:int">2</b>', 3),
     ("<a>1</a><b>2</b><c>3.5</c>", 6.5)],
    ids=["wire-types-strings", "wire-types-ints", "count"],
)
def test_overloads_resolve_without_signature_by_count_and_wire_types(
    app: RemotingApp, params: str, expected: object
) -> None:
    response = post(app, "/Calculator.soap", soap_call("Add", params), SOAP_HEADERS)
    assert response.status_code == 200, fault_text(response)
    root = etree.fromstring(response.content)
    assert root.findtext(".//return") == str(expected)


@pytest.mark.parametrize("params", ["<dividend>1</dividend>", "<a>1</a><b>2</b><c>3</c><d>4</d>"],
                         ids=["too-few", "too-many"])
def test_wrong_argument_count_for_an_out_method_is_a_clean_fault(app: RemotingApp, params: str) -> None:
    response = post(app, "/Calculator.soap", soap_call("Divide", params), SOAP_HEADERS)
    assert response.status_code == 500
    assert "bad arguments for Divide" in fault_text(response)
    assert_still_serving(app)


def test_wrong_argument_count_for_a_binary_ref_method_is_a_clean_fault(app: RemotingApp) -> None:
    body = write_method_call("Swap", "MethodModel.ICalculator, MethodModel", [1, 2, 3], [wire_type(int)] * 3,
                             BinaryFormatter().registry)
    response = post(app, "/Calculator.rem", body, BINARY_HEADERS)
    with pytest.raises(RuntimeError, match="bad arguments for Swap"):
        _raise_fault(response.content)
    assert_still_serving(app)


def test_a_method_returning_the_wrong_shape_is_a_server_fault() -> None:
    class Broken(ICalculator):
        def TryParse(self, text: str, value: Out[int] = 0) -> tuple[bool, int]:
            return True  # type: ignore[return-value]

    class Served(MarshalByRefObject, Broken):
        pass

    app = RemotingApp(custom_errors=CustomErrorsMode.Off)
    app.register_well_known(Served, "Broken.soap", WellKnownObjectMode.SingleCall)
    response = post(app, "/Broken.soap", soap_call("TryParse", "<text>1</text>"), SOAP_HEADERS)
    assert response.status_code == 500 and "must return a tuple of 2 items" in fault_text(response)


# ------------------------------------------------------------------ our clients


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with live_server("examples.method_model:app") as url:
        yield url


@pytest.mark.parametrize("fmt", ["soap", "binary"])
def test_sync_client_shapes(server_url: str, fmt: str) -> None:
    with RemotingClient(formatter=fmt) as client:
        calc = client.get_object(ICalculatorObject, server_url + "Calculator.rem")
        assert calc.TryParse("42") == (True, 42)
        assert calc.TryParse("42", 7) == (True, 42)  # an out argument may be passed: it is ignored
        assert calc.Divide(-17, 5) == (-3, -2)
        assert calc.Swap(1, 2) == (None, 2, 1)
        assert calc.Rename("abc", "-x") == ("abc", "abc-x", 5)
        assert calc.Restock(Item("pen", 1), 4) == (Item("pen!", 5), Item("pen", 5), Item("pen", 1))
        assert (calc.Add(2, 3), calc.AddStrings("2", "3"), calc.AddThree(0.5, 0.25, 0.25)) == (5, "23", 1.0)
        calc.Name = "zed"  # set_Name
        try:
            assert calc.Name == "zed"
            assert str(calc) == "Calculator zed" and calc.ToString() == "Calculator zed"
            assert calc == "zed" and calc != "calc"  # the server's __eq__
            assert hash(calc) == 4242
        finally:
            calc.Name = "calc"
        plain = client.get_object(ICalculator, server_url + "Plain.rem")
        assert str(plain).startswith("<remote MethodModel.ICalculator")  # not declared: runs locally
        assert plain.ToString() == "MethodModel.PlainCalculator"  # System.Object's answer, from the server
        assert plain == client.get_object(ICalculator, server_url + "Plain.rem") and plain != calc
        with pytest.raises(CallArgumentError, match="takes 1 argument"):
            calc.TryParse()
        with pytest.raises(AttributeError, match="settable"):
            calc.Nothing = 1


def test_async_client_shapes() -> None:
    app = register(RemotingApp(formatters=("soap", "binary")))

    async def scenario() -> None:
        for fmt in ("soap", "binary"):
            http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
            async with AsyncRemotingClient(http_client=http, formatter=fmt) as client:
                calc: Any = client.get_object(ICalculator, BASE + "Calculator.rem")
                assert await calc.Rename("a", "b") == ("a", "ab", 2)
                assert await calc.AddStrings("x", "y") == "xy"
                with pytest.raises(AttributeError, match=r"await proxy.set_Name\(value\)"):
                    calc.Name = "async"
                await calc.set_Name("async")
                assert await calc.get_Name() == "async" and await calc.ToString() == "Calculator async"
                await calc.set_Name("calc")

    asyncio.run(scenario())


@pytest.mark.parametrize("fmt", ["soap", "binary"])
def test_untyped_proxy_reaches_overloads_by_wire_types(server_url: str, fmt: str) -> None:
    """Without a contract no signature is sent: the arguments' wire types choose the overload, and a
    call fitting none is a fault the caller reads."""
    with RemotingClient(formatter=fmt) as client:
        untyped = client.get_object(None, server_url + "Calculator.soap")
        assert (untyped.Add("1", "2"), untyped.Add(1, 2), untyped.Add(1.0, 2.0, 0.5)) == ("12", 3, 3.5)
        assert untyped.Divide(17, 5) == 3  # only the return value: an untyped proxy knows no out parameters
        with pytest.raises(RemotingError, match="no overload of Add fits"):
            untyped.Add(True, False)


# ------------------------------------------------------------------ document/literal and WSDL


def test_literal_out_and_ref_parameters_and_overload_names(app: RemotingApp) -> None:
    ns = CONTRACT.literal_namespace
    body = (f'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><t:Rename xmlns:t="{ns}">'
            f"<t:name>ab</t:name><t:suffix>c</t:suffix></t:Rename></s:Body></s:Envelope>").encode()
    response = post(app, "/Calculator.soap", body, {"content-type": "text/xml", "soapaction": '""'})
    assert response.status_code == 200, fault_text(response)
    wrapper = etree.fromstring(response.content)[0][0]
    assert [(etree.QName(c).localname, c.text) for c in wrapper] == [
        ("RenameResult", "ab"), ("name", "abc"), ("length", "3")]
    body = (f'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><t:AddStrings xmlns:t="{ns}">'
            f"<t:a>1</t:a><t:b>2</t:b></t:AddStrings></s:Body></s:Envelope>").encode()
    response = post(app, "/Calculator.soap", body, {"content-type": "text/xml", "soapaction": '""'})
    assert b"<tns:AddStringsResult>12</tns:AddStringsResult>" in response.content


def test_literal_wsdl_names_overloads_apart_and_puts_outs_in_the_response() -> None:
    doc = etree.fromstring(literal_wsdl(CONTRACT, "http://x/Calculator.soap"))
    xs = "{http://www.w3.org/2001/XMLSchema}"
    names = [o.get("name") for o in doc.iter("{http://schemas.xmlsoap.org/wsdl/}operation")]
    assert {"Add", "AddStrings", "AddThree"} <= set(names) and len(names) == len(set(names)) * 2

    def fields(element: str) -> list[str | None]:
        found = next(e for e in doc.iter(xs + "element") if e.get("name") == element)
        return [e.get("name") for e in found.iter(xs + "element")][1:]

    assert fields("Rename") == ["name", "suffix"]
    assert fields("RenameResponse") == ["RenameResult", "name", "length"]
    assert fields("TryParse") == ["text"]


def test_remoting_wsdl_puts_out_parameters_only_in_the_output_message() -> None:
    doc = etree.fromstring(remoting_wsdl(CONTRACT, "http://x/Calculator.soap"))
    messages = {m.get("name"): [p.get("name") for p in m] for m in doc.iter("{http://schemas.xmlsoap.org/wsdl/}message")}
    assert messages["ICalculator.RenameInput"] == ["name", "suffix"]
    assert messages["ICalculator.RenameOutput"] == ["return", "name", "length"]
    assert messages["ICalculator.SwapOutput"] == ["a", "b"]
    assert "ICalculator.AddStringsInput" in messages and "ICalculator.AddInput" in messages


# ------------------------------------------------------------------ declaring


def test_an_out_parameter_needs_a_default() -> None:
    class Bad:
        def Get(self, value: Out[int]) -> tuple[None, int]:
            return None, 1

    with pytest.raises(TypeError, match="needs a default"):
        contract_of(Bad)


def test_out_and_ref_methods_declare_a_tuple() -> None:
    class Bad:
        def Get(self, value: Ref[int]) -> int:
            return value

    with pytest.raises(TypeError, match=r"tuple\[<return type or None>"):
        contract_of(Bad)


def test_clr_method_publishes_under_the_dotnet_name() -> None:
    class Renamed:
        @clr_method("Sum")
        def sum_of(self, a: int, b: int) -> int:
            return a + b

    contract = contract_of(Renamed)
    assert list(contract.operations) == ["Sum"] and contract.operations["Sum"].target == "sum_of"
    assert not contract.overloads


def test_literal_proxy_shapes() -> None:
    """A proxy bound to document/literal sends in and ref parameters, reads outs by name, and calls an
    overload by its own operation name."""
    app = register(RemotingApp())

    async def scenario() -> None:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
        async with AsyncRemotingClient(http_client=http) as client:
            binding = LiteralBinding(CONTRACT.literal_namespace)
            calc: Any = client.get_object(ICalculator, BASE + "Calculator.soap", binding)
            assert await calc.Rename("a", "b") == ("a", "ab", 2)
            assert await calc.Swap(3, 4) == (None, 4, 3)
            assert await calc.Restock(Item("x", 1), 1) == (Item("x!", 2), Item("x", 2), Item("x", 1))
            assert (await calc.Add(1, 2), await calc.AddStrings("1", "2")) == (3, "12")

    asyncio.run(scenario())
