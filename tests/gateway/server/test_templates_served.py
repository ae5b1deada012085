"""A served call read from a template (soap/_request_templates.py) answers as one read by the full parser.

The same Mono-shaped call is sent several times with other values: each answer carries its own values, a
value the method's declared type refuses is the same Client fault the first (fully parsed) call gets, and
the server's own checks (the SOAPAction against the Body's method, unknown URIs) still run.
"""

from __future__ import annotations

import httpx

from gateway import MarshalByRefObject, RemotingApp, WellKnownObjectMode
from soap import SoapFormatter
from soap._request_templates import TemplateCall

from .asgi import http

NAMESPACE = "http://schemas.microsoft.com/clr/nsassem/Shop.ICalc/Shop"


class Calc(MarshalByRefObject):
    def Add(self, label: str, a: int, b: int) -> str:
        return f"{label}={a + b}"


def add_call(label: str, a: str, b: str) -> bytes:
    return (
        '<SOAP-ENV:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" '
        'xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" '
        'SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">\n<SOAP-ENV:Body>\n'
        f'<i2:Add id="ref-1" xmlns:i2="{NAMESPACE}">\n<label id="ref-3" xsi:type="SOAP-ENC:string">{label}</label>\n'
        f'<a xsi:type="xsd:int">{a}</a>\n<b xsi:type="xsd:int">{b}</b>\n</i2:Add>\n'
        "</SOAP-ENV:Body>\n</SOAP-ENV:Envelope>"
    ).encode()


def served() -> RemotingApp:
    app = RemotingApp()
    app.register_well_known(Calc, "Calc.soap", WellKnownObjectMode.SingleCall)
    return app


HEADERS = {"content-type": 'text/xml; charset="utf-8"', "soapaction": f'"{NAMESPACE}#Add"'}


async def post(client: httpx.AsyncClient, body: bytes, headers: dict[str, str] = HEADERS,
               uri: str = "/Calc.soap") -> tuple[int, str]:
    reply = await client.post(uri, content=body, headers=headers)
    return reply.status_code, reply.text


def test_repeated_calls_answer_with_their_own_values_and_the_same_faults() -> None:
    fresh: dict[str, tuple[int, str]] = {}

    async def first_calls(client: httpx.AsyncClient) -> None:  # each on a new server: read by the full parser
        fresh["overflow"] = await post(client, add_call("x", "2147483648", "1"))

    http(served(), first_calls)

    async def scenario(client: httpx.AsyncClient) -> None:
        assert (await post(client, add_call("sum", "1", "2")))[1].count(">sum=3</return>") == 1
        formatter = app.formatters["soap"]
        assert isinstance(formatter, SoapFormatter)  # the next calls are read from the first one's template
        assert isinstance(formatter.read_call(add_call("t", "4", "2"), HEADERS["content-type"]), TemplateCall)
        for label, a, b in (("total", "40", "2"), ("Zürich &amp; Co", "-5", "5"), ("x y", "7", "0")):
            status, text = await post(client, add_call(label, a, b))
            expected = f"{label}={int(a) + int(b)}"  # (the answer escapes "&" as the request did)
            assert status == 200 and f">{expected}</return>" in text
        assert await post(client, add_call("x", "2147483648", "1")) == fresh["overflow"]
        status, text = fresh["overflow"]
        assert status == 500 and "Client" in text and "&lt;a&gt;" in text
        wrong_action = {**HEADERS, "soapaction": f'"{NAMESPACE}#Remove"'}
        status, text = await post(client, add_call("sum", "1", "2"), wrong_action)
        assert status == 500 and "is not valid for the method being called" in text
        status, _ = await post(client, add_call("sum", "1", "2"), uri="/Other.soap")
        assert status != 200

    app = served()
    http(app, scenario)
