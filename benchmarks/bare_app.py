"""Baseline (c) of the server benchmark: the least a Python server must do to answer ``HelloMethod``.

A bare ASGI application -- no Starlette, no gateway -- that reads the POST body, parses it with lxml (a safe
parser: no entities, no network, no DTD), takes the method element under ``SOAP-ENV:Body`` and its ``name``
child, and builds with lxml the same response the Mono .NET Remoting server sends (``hello_response.xml``,
from ``../shared/peers/mono/captures/soap/001_HelloMethod.txt``: canonically equal; lxml only writes
``xmlns:i2`` before ``id`` and ends with a newline)::

    uvicorn benchmarks.bare_app:app --port 8000

Anything that is not a well-formed SOAP envelope with a method element gets a 400 with a short text body.
"""

from __future__ import annotations

from lxml import etree

from benchmarks._asgi import BodyTooLarge, Receive, Scope, Send, is_request, read_body, respond

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP_ENC = "http://schemas.xmlsoap.org/soap/encoding/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"
CLR = "http://schemas.microsoft.com/clr/"

# The envelope namespaces in the order (and with the prefixes) that Mono's SoapFormatter writes them.
ENVELOPE_NSMAP = {"xsi": XSI, "xsd": XSD, "SOAP-ENC": SOAP_ENC, "SOAP-ENV": SOAP_ENV, "clr": CLR}

BODY_TAG = f"{{{SOAP_ENV}}}Body"
MAX_BODY = 1 << 20

PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=True
)

XML_HEADERS = [(b"content-type", b'text/xml; charset="utf-8"')]
TEXT_HEADERS = [(b"content-type", b"text/plain; charset=utf-8")]


class BadRequest(Exception):
    """The request body is not a SOAP call this app understands."""


def hello_response(body: bytes) -> bytes:
    """Parse a SOAP ``HelloMethod(name)`` call and return the serialized response envelope."""
    try:
        root = etree.fromstring(body, PARSER)
    except etree.XMLSyntaxError as exc:
        raise BadRequest(f"malformed XML: {exc}") from exc
    soap_body = root.find(BODY_TAG)
    if soap_body is None:
        raise BadRequest("no SOAP-ENV:Body")
    method = next((el for el in soap_body if isinstance(el.tag, str)), None)
    if method is None:
        raise BadRequest("no method element in the Body")
    name_el = method.find("name")
    if name_el is None:
        raise BadRequest("no <name> parameter")
    qname = etree.QName(method)
    ns = qname.namespace
    if ns is None:
        raise BadRequest("the method element has no namespace")

    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=ENVELOPE_NSMAP)
    envelope.set(f"{{{SOAP_ENV}}}encodingStyle", SOAP_ENC)
    out_body = etree.SubElement(envelope, BODY_TAG)
    response = etree.SubElement(out_body, f"{{{ns}}}{qname.localname}Response", nsmap={"i2": ns})
    response.set("id", "ref-1")
    ret = etree.SubElement(response, "return")
    ret.set("id", "ref-2")
    ret.set(f"{{{XSI}}}type", "SOAP-ENC:string")
    ret.text = "Hi there " + (name_el.text or "")
    return etree.tostring(envelope, pretty_print=True)


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if not await is_request(scope, receive, send):
        return
    if scope["method"] != "POST":
        await respond(send, 405, [*TEXT_HEADERS, (b"allow", b"POST")], b"POST a SOAP call\n")
        return
    try:
        result = hello_response(await read_body(receive, MAX_BODY))
    except (BadRequest, BodyTooLarge) as exc:
        await respond(send, 400, TEXT_HEADERS, f"{exc}\n".encode())
        return
    except ConnectionError:
        return
    await respond(send, 200, XML_HEADERS, result)
