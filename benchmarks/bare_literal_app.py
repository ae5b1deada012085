"""Baseline (c) of the document/literal benchmark: the least a Python server must do to answer ``hello``.

A bare ASGI application -- no Starlette, no gateway -- that does the XML work a document/literal SOAP server
cannot skip: it reads the POST body, parses it with a safe lxml parser (no DTD, no entities, no network),
takes the operation element (the Body's first child) and its ``name`` child *by namespace and local name*
(so prefixed and default-namespace wrappers both work), and builds with lxml the response the gateway sends
for ``InteropService.hello`` (``examples.interop``), byte for byte::

    <?xml version="1.0" encoding="utf-8"?>
    <soap:Envelope xmlns:soap="..." xmlns:xsi="..." xmlns:xsd="..."><soap:Body><tns:helloResponse
    xmlns:tns="urn:interop"><tns:helloResult>Hi there NAME</tns:helloResult></tns:helloResponse></soap:Body>
    </soap:Envelope>

served as ``text/xml; charset=utf-8``::

    uvicorn benchmarks.bare_literal_app:app --port 8000

Anything that is not a SOAP 1.1 envelope holding ``{urn:interop}hello`` gets a 400 with a short text body.
"""

from __future__ import annotations

from lxml import etree

from benchmarks._asgi import BodyTooLarge, Receive, Scope, Send, is_request, read_body, respond

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"
TNS = "urn:interop"

ENVELOPE_TAG = f"{{{SOAP_ENV}}}Envelope"
BODY_TAG = f"{{{SOAP_ENV}}}Body"
HELLO_TAG = f"{{{TNS}}}hello"
NAME_TAG = f"{{{TNS}}}name"
MAX_BODY = 1 << 20
DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)

XML_HEADERS = [(b"content-type", b"text/xml; charset=utf-8")]
TEXT_HEADERS = [(b"content-type", b"text/plain; charset=utf-8")]


class BadRequest(Exception):
    """The request body is not a document/literal ``hello`` call."""


def hello_response(body: bytes) -> bytes:
    """Parse a document/literal ``hello(name)`` call and return the serialized response envelope."""
    try:
        root = etree.fromstring(body, PARSER)
    except etree.XMLSyntaxError as exc:
        raise BadRequest(f"malformed XML: {exc}") from exc
    if root.tag != ENVELOPE_TAG:
        raise BadRequest("not a SOAP 1.1 envelope")
    soap_body = root.find(BODY_TAG)
    if soap_body is None:
        raise BadRequest("no soap:Body")
    operation = next((el for el in soap_body if isinstance(el.tag, str)), None)
    if operation is None or operation.tag != HELLO_TAG:
        raise BadRequest("the Body holds no {urn:interop}hello element")
    name_el = operation.find(NAME_TAG)
    name = "" if name_el is None else (name_el.text or "")

    envelope = etree.Element(ENVELOPE_TAG, nsmap={"soap": SOAP_ENV, "xsi": XSI, "xsd": XSD})
    out_body = etree.SubElement(envelope, BODY_TAG)
    response = etree.SubElement(out_body, f"{{{TNS}}}helloResponse", nsmap={"tns": TNS})
    etree.SubElement(response, f"{{{TNS}}}helloResult").text = "Hi there " + name
    return DECLARATION + etree.tostring(envelope, encoding="utf-8")


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
