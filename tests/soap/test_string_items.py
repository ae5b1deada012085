"""Remoting SOAP string arrays read at once (``soap._text_items.plain_item_texts``) give what reading them
item by item gives, and the multi-ref index (``soap._multiref_index``) resolves every id as a walk of every
element does: the same element, or the same error.

The string arrays are responses the server formatter writes, read twice by the client formatter (once as
they are, once with the text path switched off) after hypothesis-chosen changes to their items: an empty or
over-long text, an attribute beside the ``id``, a namespaced ``id``, no ``id``, an ``xsi:type`` or
``xsi:null``, a child element, a comment, CDATA, character references, a reference to another item, two
items with one id, a different declared length; and limits around the texts, the ids and the depth. Both
readings must agree: the fast path may only decline.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from soap import (
    LimitExceeded,
    Limits,
    MethodCall,
    MethodReturn,
    RemotingSoapFormatter,
    SoapDecodeError,
    SoapFormatter,
    TypeRegistry,
    _encoded_reader,
    wire_type,
)
from soap._multiref_index import multiref_index
from soap._text_items import plain_item_texts
from soap._xml import parse_xml

REGISTRY = TypeRegistry()
NAMESPACE = "http://schemas.microsoft.com/clr/nsassem/Strings.IStrings/Strings"
STRINGS = wire_type(list[str])
XSI = "http://www.w3.org/2001/XMLSchema-instance"
TEXTS = ["", " ", "a", "x&y<", "é ü", "s" * 41, "\t\n", "string number 7"]


def soap_body(values: list[str | None]) -> bytes:
    request = RemotingSoapFormatter(REGISTRY).write_call(MethodCall("Get", NAMESPACE, [], [], []))
    server = SoapFormatter(REGISTRY)
    call = server.read_call(request, "text/xml")
    body, _ = server.write_return(call, MethodReturn("Get", NAMESPACE, values, STRINGS))
    return body


def read(body: bytes, limits: Limits) -> object:
    """The value, or the error's type and text."""
    try:
        result = RemotingSoapFormatter(REGISTRY, limits).read_response(body, "Get", STRINGS)
    except Exception as exc:
        return (type(exc).__name__, str(exc))
    assert isinstance(result, MethodReturn)
    return result.value


def read_item_by_item(body: bytes, limits: Limits) -> object:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_encoded_reader, "plain_item_texts", lambda *args: None)
        return read(body, limits)


def mutate(body: bytes, data: st.DataObject) -> bytes:
    root = etree.fromstring(body)
    array = root.find(".//{http://schemas.xmlsoap.org/soap/encoding/}Array")
    assert array is not None
    marker = False
    for _ in range(data.draw(st.integers(min_value=0, max_value=3))):
        items = list(array.iterchildren(etree.Element))
        if not items:
            break
        item = data.draw(st.sampled_from(items))
        how = data.draw(st.sampled_from([
            "text", "attribute", "namespaced id", "no id", "xsi type", "xsi int", "null", "child", "comment",
            "comment between", "cdata", "charref", "href item", "duplicate id", "length", "tail",
        ]))  # fmt: skip
        if how == "text":
            item.text = data.draw(st.sampled_from(TEXTS))
        elif how == "attribute":
            item.set("extra", "1")
        elif how == "namespaced id":
            item.set("{urn:other}id", item.attrib.pop("id", "ref-77"))
        elif how == "no id":
            item.attrib.pop("id", None)
        elif how == "xsi type":
            item.set(f"{{{XSI}}}type", "xsd:string")
        elif how == "xsi int":
            item.set(f"{{{XSI}}}type", "xsd:int")
        elif how == "null":
            item.set(f"{{{XSI}}}null", data.draw(st.sampled_from(["1", "0"])))
        elif how == "child":
            etree.SubElement(item, "b").text = "1"
        elif how == "comment":
            item.insert(0, etree.Comment("c"))
        elif how == "comment between":
            item.addnext(etree.Comment("c"))
        elif how == "cdata":
            item.text = etree.CDATA(data.draw(st.sampled_from(["a<b", "", "]] >"])))
        elif how == "charref":
            item.text, marker = "QQ", True
        elif how == "href item":
            other = data.draw(st.sampled_from(items))
            for name in list(item.attrib):
                del item.attrib[name]
            item.text = None
            item.set("href", "#" + other.get("id", "ref-98"))  # an id inside the array, not a Body child
        elif how == "duplicate id":
            item.set("id", data.draw(st.sampled_from(items)).get("id", "ref-1") or "ref-1")
        elif how == "length":
            declared = data.draw(st.sampled_from(["0", "1", str(len(items) + 2), "", "x"]))
            array.set("{http://schemas.xmlsoap.org/soap/encoding/}arrayType", f"xsd:string[{declared}]")
        else:
            item.tail = " "
    out = etree.tostring(root)
    return out.replace(b">QQ<", b">&#81;&amp;&#x51;<") if marker else out


values = st.lists(st.sampled_from(TEXTS) | st.none(), min_size=1, max_size=6)


@settings(max_examples=500, deadline=None)
@given(items=values, data=st.data(), text=st.sampled_from([40, 41, 1000, 1000]),
       depth=st.sampled_from([0, 1, 2, 64, 64, 64]), spare=st.sampled_from([-1, 0, 1, 9, 9, 9]))
def test_changed_string_arrays_read_as_item_by_item(items: list[str | None], data: st.DataObject, text: int,
                                                     depth: int, spare: int) -> None:
    body = mutate(soap_body(list(items)), data)
    ids = len(etree.fromstring(body).xpath("//@id"))
    limits = Limits(max_text_length=text, max_ref_depth=depth, max_multirefs=max(0, ids + spare))
    assert read(body, limits) == read_item_by_item(body, limits)


def test_plain_string_items_are_read_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    values: list[str | None] = [f"string number {i}" for i in range(50)]
    calls: list[object] = []

    def counting(*args: object) -> object:
        found = plain_item_texts(*args)  # type: ignore[arg-type]
        calls.append(found)
        return found

    monkeypatch.setattr(_encoded_reader, "plain_item_texts", counting)
    assert read(soap_body(values), Limits()) == values
    assert len(calls) == 1 and calls[0] == values  # the fast path read them


# ------------------------------------------------------------------ the multi-ref index


def walk_index(parts: list[etree._Element], limit: int) -> object:
    """The index as a walk of every element builds it, or its error: the reference for ``multiref_index``."""
    ids: dict[str, etree._Element] = {}
    try:
        for part in parts:
            for el in part.iter():
                ident = el.get("id")
                if ident is not None:
                    if ident in ids:
                        raise SoapDecodeError(f"duplicate id {ident[:60]!r}")
                    ids[ident] = el
                    if len(ids) > limit:
                        raise LimitExceeded(f"more than {limit} multi-ref values (elements with an id)",
                                            "max_multirefs")
    except SoapDecodeError as exc:
        return (type(exc).__name__, str(exc))
    return ids


POOL = ["a", "b", "c", "d", "e", "f", "g"]


@settings(max_examples=400, deadline=None)
@given(data=st.data(), header=st.booleans(), spare=st.integers(min_value=-2, max_value=2), sized=st.booleans())
def test_the_multiref_index_resolves_ids_as_a_walk(data: st.DataObject, header: bool, spare: int,
                                                   sized: bool) -> None:
    """Ids on the Body's children, deeper, in the Header, repeated, around ``max_multirefs``, with and
    without the message's size (which may spare the count): every lookup gives the element the walk gives
    (or None), and the errors are the walk's."""
    envelope = etree.Element("Envelope")
    parts = [etree.SubElement(envelope, "Header")] if header else []
    parts.append(etree.SubElement(envelope, "Body"))
    nodes = list(parts)
    for _ in range(data.draw(st.integers(min_value=0, max_value=12))):
        el = etree.SubElement(data.draw(st.sampled_from(nodes)), "e")
        ident = data.draw(st.sampled_from([*POOL, None, None]))
        if ident is not None:
            el.set("id", ident)
        nodes.append(el)
    message = etree.tostring(envelope)
    root = parse_xml(message)  # as a reader gets it
    parts = list(root)
    count = len(root.xpath("//@id"))
    limit = max(0, count + spare)
    expected = walk_index(parts, limit)
    try:
        index = multiref_index(parts, limit, len(message) if sized else None)
    except (SoapDecodeError, LimitExceeded) as exc:
        assert (type(exc).__name__, str(exc)) == expected
        return
    assert isinstance(expected, dict)
    # lookups one by one first (the children indexed as far as they need), or all at once first
    first = data.draw(st.lists(st.sampled_from([*POOL, "zz"]), max_size=4))
    for key in first:
        assert index.get(key) is expected.get(key)
    keys = data.draw(st.lists(st.sampled_from([*POOL, "zz"]), max_size=8))
    assert index.targets(keys) == [expected.get(k) for k in keys]
    for key in [*POOL, "zz"]:
        assert index.get(key) is expected.get(key)


def test_a_lookup_near_the_start_indexes_only_that_far() -> None:
    """A reply's return value is found among the first children: the index of a 1000-object message looks at
    as many children as it takes, not at every multi-ref value (a Python object each)."""
    body = etree.Element("Body")
    for n in range(1, 1001):
        etree.SubElement(body, "e", id=f"ref-{n}")
    index = multiref_index([body], 2000)
    assert index.get("ref-2") is body[1]
    assert len(index._found) == 2
    assert index.get("ref-1000") is body[999] and len(index._found) == 1000
