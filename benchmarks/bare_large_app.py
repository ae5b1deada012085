"""Baseline (b) of ``bench_large.py``: the least a Python server must do for each large-message call.

A bare ASGI application -- no framework, no gateway -- answering the ``ILarge`` contract of
``benchmarks/large_app.py`` on ``POST /Large.soap`` in the three dialects, told apart like the gateway does
(Content-Type, then the operation element's namespace):

* **Remoting SOAP** and **document/literal**: it parses the request with a safe lxml parser (no DTD, no
  entities, no network), takes the arguments (following ``href`` to the multi-ref sibling in Remoting SOAP;
  base64 decoded, integers converted), and builds the response tree with lxml in the shape the gateway
  writes (multi-refs, ids and ``xsi:type`` in Remoting SOAP; qualified wrapper elements in literal);
* **binary** (``application/octet-stream``): it only *copies the bytes*: the argument bytes of ``PutBytes``
  out of the request, the ``GetBytes`` payload into a response whose framing (MS-NRBF records around the
  bytes) was written once per size. This is the floor of moving a binary message through ASGI. For
  ``SumInts`` it does what no Python server can skip: the 10,000 ``Int32`` items become the ``list[int]`` the
  method takes (``soap``'s ``fixed_items``, the gateway's own reader: shared int objects from
  ``soap._int_lists`` where it is built, else ``array.tolist()``) and the method's ``sum``; it checks nothing
  and finds the array by its record header. The other binary calls are not part of its
  contract.

::

    uvicorn benchmarks.bare_large_app:app --port 8000
"""

from __future__ import annotations

import base64
import functools

from lxml import etree

from benchmarks._asgi import BodyTooLarge, Receive, Scope, Send, is_request, read_body, respond
from benchmarks.large_app import MAX_BYTES, items, payload, strings
from soap import BinaryFormatter, Kind, MethodReturn, WireType
from soap._nrbf_records import Primitive, fixed_items

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP_ENC = "http://schemas.xmlsoap.org/soap/encoding/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"
CLR = "http://schemas.microsoft.com/clr/"
LITERAL_NS = "urn:large"
ITEM_NS = "http://schemas.microsoft.com/clr/nsassem/LargePeer/LargeShared"

ENCODED_NSMAP = {"xsi": XSI, "xsd": XSD, "SOAP-ENC": SOAP_ENC, "SOAP-ENV": SOAP_ENV, "clr": CLR}
LITERAL_NSMAP = {"soap": SOAP_ENV, "xsi": XSI, "xsd": XSD}
BODY = f"{{{SOAP_ENV}}}Body"
ARRAY = f"{{{SOAP_ENC}}}Array"
ARRAY_TYPE = f"{{{SOAP_ENC}}}arrayType"
XSI_TYPE = f"{{{XSI}}}type"
DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)

ENCODED_HEADERS = [(b"content-type", b'text/xml; charset="utf-8"')]
LITERAL_HEADERS = [(b"content-type", b"text/xml; charset=utf-8")]
BINARY_HEADERS: list[tuple[bytes, bytes]] = []
TEXT_HEADERS = [(b"content-type", b"text/plain; charset=utf-8")]


class BadRequest(Exception):
    """The request is not an ``ILarge`` call this app understands."""


# ------------------------------------------------------------------ Remoting SOAP


def _encoded_response(method: etree._Element) -> tuple[etree._Element, etree._Element, etree._Element]:
    """(envelope, Body, <XResponse id="ref-1">) in the namespaces Mono and the gateway write."""
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=ENCODED_NSMAP)
    envelope.set(f"{{{SOAP_ENV}}}encodingStyle", SOAP_ENC)
    body = etree.SubElement(envelope, BODY)
    qname = etree.QName(method)
    response = etree.SubElement(body, f"{{{qname.namespace}}}{qname.localname}Response", nsmap={"i2": qname.namespace})
    response.set("id", "ref-1")
    return envelope, body, response


def _target(body: etree._Element, param: etree._Element) -> etree._Element:
    href = param.get("href")
    if href is None:
        return param
    found = body.find(f"*[@id='{href[1:]}']")
    if found is None:
        raise BadRequest(f"{href} points nowhere")
    return found


def encoded(data: bytes) -> bytes:
    root = etree.fromstring(data, PARSER)
    body = root.find(BODY)
    if body is None or not len(body):
        raise BadRequest("no SOAP Body")
    method = body[0]
    name = etree.QName(method).localname
    params = list(method)
    envelope, out_body, response = _encoded_response(method)
    ret = etree.SubElement(response, "return")
    if name == "GetBytes":
        ret.set("href", "#ref-3")
        array = etree.SubElement(out_body, ARRAY, id="ref-3")
        array.set(XSI_TYPE, "SOAP-ENC:base64")
        array.text = base64.b64encode(payload(int(params[0].text or ""))).decode("ascii")
    elif name == "PutBytes":
        ret.set(XSI_TYPE, "xsd:int")
        ret.text = str(len(base64.b64decode(_target(body, params[0]).text or "")))
    elif name == "SumInts":
        ret.set(XSI_TYPE, "xsd:int")
        ret.text = str(sum(int(c.text or "") for c in _target(body, params[0])))
    elif name == "GetStrings":
        values = strings(int(params[0].text or ""))
        ret.set("href", "#ref-3")
        array = etree.SubElement(out_body, ARRAY, id="ref-3")
        array.set(ARRAY_TYPE, f"xsd:string[{len(values)}]")
        for n, value in enumerate(values, 4):
            etree.SubElement(array, "item", id=f"ref-{n}").text = value
    elif name == "GetItems":
        values = items(int(params[0].text or ""))
        ret.set("href", "#ref-3")
        array = etree.SubElement(out_body, ARRAY, id="ref-3", nsmap={"a1": ITEM_NS})
        array.set(ARRAY_TYPE, f"a1:Item[{len(values)}]")
        ref = 4
        for value in values:
            etree.SubElement(array, "item", href=f"#ref-{ref}")
            item = etree.SubElement(out_body, f"{{{ITEM_NS}}}Item", id=f"ref-{ref}", nsmap={"a1": ITEM_NS})
            etree.SubElement(item, "Id").text = str(value.Id)
            etree.SubElement(item, "Name", id=f"ref-{ref + 1}").text = value.Name
            etree.SubElement(item, "Value").text = repr(value.Value)
            ref += 2
    else:
        raise BadRequest(f"no operation {name}")
    return etree.tostring(envelope)


# ------------------------------------------------------------------ document/literal


def literal(data: bytes) -> bytes:
    root = etree.fromstring(data, PARSER)
    body = root.find(BODY)
    if body is None or not len(body):
        raise BadRequest("no SOAP Body")
    operation = body[0]
    name = etree.QName(operation).localname
    params = list(operation)
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=LITERAL_NSMAP)
    out_body = etree.SubElement(envelope, BODY)
    response = etree.SubElement(out_body, f"{{{LITERAL_NS}}}{name}Response", nsmap={"tns": LITERAL_NS})
    result = etree.SubElement(response, f"{{{LITERAL_NS}}}{name}Result")
    if name == "GetBytes":
        result.text = base64.b64encode(payload(int(params[0].text or ""))).decode("ascii")
    elif name == "PutBytes":
        result.text = str(len(base64.b64decode(params[0].text or "")))
    elif name == "SumInts":
        result.text = str(sum(int(c.text or "") for c in params[0]))
    elif name == "GetStrings":
        for value in strings(int(params[0].text or "")):
            etree.SubElement(result, f"{{{LITERAL_NS}}}string").text = value
    elif name == "GetItems":
        for value in items(int(params[0].text or "")):
            item = etree.SubElement(result, f"{{{LITERAL_NS}}}Item")
            etree.SubElement(item, f"{{{LITERAL_NS}}}Id").text = str(value.Id)
            etree.SubElement(item, f"{{{LITERAL_NS}}}Name").text = value.Name
            etree.SubElement(item, f"{{{LITERAL_NS}}}Value").text = repr(value.Value)
    else:
        raise BadRequest(f"no operation {name}")
    return DECLARATION + etree.tostring(envelope, encoding="utf-8")


# ------------------------------------------------------------------ binary: copying the bytes

_BYTE_ARRAY_ID2 = b"\x0f\x02\x00\x00\x00"  # ArraySinglePrimitive, object id 2
_INT32_ITEMS = 8  # the ArraySinglePrimitive's PrimitiveType: Int32
_INT_RETURN = BinaryFormatter()


@functools.lru_cache(maxsize=8)
def _bytes_framing(size: int) -> tuple[bytes, bytes]:
    """The MS-NRBF records before and after the payload of a ``GetBytes(size)`` answer, written once."""
    ret = MethodReturn("GetBytes", "", payload(size), WireType(Kind.BYTES))
    whole = BinaryFormatter().write_return(_Call(), ret)[0]
    start = whole.index(payload(size)) if size else len(whole) - 1
    return whole[:start], whole[start + size :]


class _Call:
    argument_count = 1


def binary(data: bytes) -> bytes:
    head = data[:200]
    if b"GetBytes" in head:
        size = int.from_bytes(data[-5:-1], "little")  # the inline Int32 argument, before MessageEnd
        before, after = _bytes_framing(size)
        return b"".join((before, payload(size), after))  # the payload, copied once
    if b"PutBytes" in head:
        pos = data.index(_BYTE_ARRAY_ID2)
        size = int.from_bytes(data[pos + 5 : pos + 9], "little")
        copied = data[pos + 10 : pos + 10 + size]  # the bytes, copied once
        ret = MethodReturn("PutBytes", "", len(copied), WireType(Kind.INT32))
        return _INT_RETURN.write_return(_Call(), ret)[0]
    if b"SumInts" in head:
        pos = data.index(_BYTE_ARRAY_ID2)
        count = int.from_bytes(data[pos + 5 : pos + 9], "little")
        if data[pos + 9] != _INT32_ITEMS:
            raise BadRequest("SumInts takes an Int32 array")
        values = fixed_items(data, pos + 10, count, Primitive.Int32)  # the list[int] the method takes
        ret = MethodReturn("SumInts", "", sum(values), WireType(Kind.INT32))
        return _INT_RETURN.write_return(_Call(), ret)[0]
    raise BadRequest("the bare binary app answers GetBytes, PutBytes and SumInts only")


# ------------------------------------------------------------------ ASGI


def _content_type(scope: Scope) -> bytes:
    return next((v for k, v in scope["headers"] if k == b"content-type"), b"")


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if not await is_request(scope, receive, send):
        return
    if scope["method"] != "POST":
        await respond(send, 405, [*TEXT_HEADERS, (b"allow", b"POST")], b"POST an ILarge call\n")
        return
    try:
        data = await read_body(receive, MAX_BYTES)
        if _content_type(scope).startswith(b"application/octet-stream"):
            status, headers, result = 200, BINARY_HEADERS, binary(data)
        elif b"urn:large" in data[:400]:
            status, headers, result = 200, LITERAL_HEADERS, literal(data)
        else:
            status, headers, result = 200, ENCODED_HEADERS, encoded(data)
    except (BadRequest, BodyTooLarge, etree.XMLSyntaxError, ValueError, IndexError) as exc:
        await respond(send, 400, TEXT_HEADERS, f"{exc}\n".encode())
        return
    except ConnectionError:
        return
    await respond(send, status, headers, result)
