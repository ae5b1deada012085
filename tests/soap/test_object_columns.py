"""Arrays of by-value objects read column by column (soap/_object_columns.py) give what reading them one by
one gives: the same objects, or the same error.

Every response here is read twice by the client formatters, once as it is and once with the column reader
switched off (``column_plan`` answering None), after a hypothesis-chosen change to one object of a valid
response: a field dropped, repeated (with its text or empty) or moved, an attribute (``xsi:nil`` and
``xsi:type`` on an object too) or comment or child element added, a text
replaced by one the fast parsers refuse (white space, ``INF``, ``1_000``, an out-of-range number, a text
over the limit), two items sharing one reference; in Remoting SOAP also a change to an array item (an
attribute beside its ``href``, a namespaced ``href``, one without ``#`` or to no object, an inline object in
its place, two objects with one id, two items swapped) and to the objects (another element name, an
element after the last) and a ``max_multirefs`` around the number of ids. Both readings must agree: the
fast paths may only decline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from soap import (
    SOAP11,
    Int16,
    Limits,
    MethodCall,
    MethodReturn,
    RemotingSoapFormatter,
    SoapFormatter,
    TypeRegistry,
    _encoded_reader,
    _literal,
    serializable,
    wire_type,
)
from soap._literal import write_literal_return
from soap._literal_client import LiteralFormatter
from soap._object_columns import column_plan, read_child_columns, read_sibling_columns
from soap._scalars import parse_double, parse_doubles

REGISTRY = TypeRegistry()
NAMESPACE = "http://schemas.microsoft.com/clr/nsassem/Columns.IColumns/Columns"
LIMITS = Limits(max_text_length=40)


@serializable("Columns.Point", "Columns", registry=REGISTRY)
@dataclass
class Point:
    Id: int
    Name: str | None
    Value: float
    Small: Int16


POINTS = wire_type(list[Point])


def points(count: int) -> list[Point]:
    return [Point(i - 3, f"point {i}", i * 0.25, i % 7) for i in range(count)]


def soap_body(values: list[Point]) -> bytes:
    client = RemotingSoapFormatter(REGISTRY)
    request = client.write_call(MethodCall("Get", NAMESPACE, [], [], []))
    server = SoapFormatter(REGISTRY)
    call = server.read_call(request, "text/xml")
    body, _ = server.write_return(call, MethodReturn("Get", NAMESPACE, values, POINTS))
    return body


def literal_body(values: list[Point]) -> bytes:
    return write_literal_return(MethodReturn("Get", "urn:columns", values, POINTS), SOAP11, REGISTRY)


def read(dialect: str, body: bytes, limits: Limits = LIMITS) -> object:
    """The value, or the error's type and text."""
    try:
        if dialect == "soap":
            result = RemotingSoapFormatter(REGISTRY, limits).read_response(body, "Get", POINTS)
        else:
            result = LiteralFormatter(SOAP11, REGISTRY, LIMITS).read_reply(body, "text/xml", "Get", POINTS)
    except Exception as exc:
        return (type(exc).__name__, str(exc))
    return [_comparable(p) for p in result.value]  # type: ignore[union-attr]


def _comparable(point: object) -> object:
    if isinstance(point, Point):
        value = "nan" if isinstance(point.Value, float) and math.isnan(point.Value) else point.Value
        return (point.Id, point.Name, value, point.Small)
    return point


def read_one_by_one(dialect: str, body: bytes, monkeypatch: pytest.MonkeyPatch,
                    limits: Limits = LIMITS) -> object:
    with monkeypatch.context() as patch:
        patch.setattr(_encoded_reader, "column_plan", lambda cls: None)
        patch.setattr(_encoded_reader.EncodedReader, "_plain_objects", lambda self, *args: None)  # href checks too
        patch.setattr(_literal, "column_plan", lambda cls: None)
        return read(dialect, body, limits)


def objects_of(dialect: str, root: etree._Element) -> list[etree._Element]:
    body = root[0] if dialect == "literal" else root.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
    assert body is not None
    if dialect == "literal":
        return list(body[0][0])
    return [el for el in body if el.get("id") not in ("ref-1", "ref-2")]


TEXTS = ["", " 7 ", "+3", "1_000", "INF", "-INF", "NaN", "1e999", "x", "40000", "2147483648", "1.5", ".5",
         "1e", "0" * 41, "a" * 50, "\u0661"]


def mutate(dialect: str, body: bytes, data: st.DataObject) -> bytes:
    root = etree.fromstring(body)
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        change(dialect, root, data)
    return etree.tostring(root)


def change(dialect: str, root: etree._Element, data: st.DataObject) -> None:
    objects = objects_of(dialect, root)
    target = data.draw(st.sampled_from(objects))
    fields = [f for f in target if isinstance(f.tag, str)]
    if not fields:
        return
    field = data.draw(st.sampled_from(fields))
    how = data.draw(st.sampled_from(["drop", "repeat", "move", "text", "field attribute", "field id",
                                     "object attribute", "comment", "child", "nil", "share", "item attribute",
                                     "item namespaced", "item no hash", "item dangling", "item inline",
                                     "duplicate id", "object nil", "object type", "repeat empty", "swap items",
                                     "trailing element", "object tag", "unknown"]))
    items = root.xpath("//*[@href]")[1:] if dialect == "soap" else []  # the array's items (not the return)
    if how == "drop":
        target.remove(field)
    elif how == "repeat":
        target.insert(data.draw(st.integers(min_value=0, max_value=len(target))),
                      etree.fromstring(etree.tostring(field)))
    elif how == "move":
        target.remove(field)
        target.append(field)
    elif how == "text":
        field.text = data.draw(st.sampled_from(TEXTS))
    elif how == "field attribute":
        field.set("{http://www.w3.org/2001/XMLSchema-instance}type", "xsd:string")
    elif how == "field id":
        field.set("id", "ref-9999")
    elif how == "object attribute":
        target.set("extra", "1")
    elif how == "object nil":
        target.set("{http://www.w3.org/2001/XMLSchema-instance}nil", "true")
    elif how == "object type":
        target.set("{http://www.w3.org/2001/XMLSchema-instance}type", "xsd:int")
    elif how == "repeat empty":
        target.append(etree.Element(field.tag))
    elif how == "swap items" and len(items) > 1:
        first, second = data.draw(st.sampled_from(items)), data.draw(st.sampled_from(items))
        href = first.get("href", "")
        first.set("href", second.get("href", ""))
        second.set("href", href)
    elif how == "trailing element" and (parent := target.getparent()) is not None:
        extra = etree.SubElement(parent, data.draw(st.sampled_from(["tail", str(target.tag)])))
        if data.draw(st.booleans()):
            extra.set("id", "ref-9997")
    elif how == "object tag":
        target.tag = data.draw(st.sampled_from([str(target.tag).replace("Point", "Other"), "Point"]))
    elif how == "comment":
        data.draw(st.sampled_from([field, target])).append(etree.Comment("c"))
    elif how == "child":
        etree.SubElement(field, field.tag).text = "1"
    elif how == "nil":
        field.text = None
        field.set("{http://www.w3.org/2001/XMLSchema-instance}nil", "true")
        field.set("{http://www.w3.org/2001/XMLSchema-instance}null", "1")
    elif how == "share" and items:
        items[-1].set("href", items[0].get("href"))
    elif how == "item attribute" and items:
        data.draw(st.sampled_from(items)).set("extra", "1")
    elif how == "item namespaced" and items:
        item = data.draw(st.sampled_from(items))
        item.set("{urn:other}href", item.attrib.pop("href"))
    elif how == "item no hash" and items:
        item = data.draw(st.sampled_from(items))
        item.set("href", item.get("href", "")[1:])
    elif how == "item dangling" and items:
        data.draw(st.sampled_from(items)).set("href", "#ref-9998")
    elif how == "item inline" and items:
        item = data.draw(st.sampled_from(items))
        del item.attrib["href"]
        for field in fields:
            etree.SubElement(item, field.tag).text = field.text
    elif how == "duplicate id" and dialect == "soap" and len(objects) > 1:
        objects[-1].set("id", objects[0].get("id", ""))
    else:
        etree.SubElement(target, str(field.tag).replace("Id", "Other").replace("Name", "Other")).text = "1"


@pytest.mark.parametrize("dialect", ["soap", "literal"])
def test_plain_objects_are_read_by_columns(dialect: str, monkeypatch: pytest.MonkeyPatch) -> None:
    values = points(20)
    body = soap_body(values) if dialect == "soap" else literal_body(values)
    calls: list[object] = []
    module = _encoded_reader if dialect == "soap" else _literal
    reader = read_sibling_columns if dialect == "soap" else read_child_columns  # (the Body's last / the array's)

    def counting(*args: Any, **kwargs: Any) -> object:
        found = reader(*args, **kwargs)
        calls.append(found)
        return found

    monkeypatch.setattr(module, reader.__name__, counting)
    assert read(dialect, body) == [_comparable(p) for p in values]
    assert len(calls) == 1 and calls[0] is not None  # the fast path read them


@pytest.mark.parametrize("dialect", ["soap", "literal"])
@settings(max_examples=300, deadline=None)
@given(data=st.data(), count=st.integers(min_value=1, max_value=6))
def test_changed_objects_read_as_one_by_one(dialect: str, count: int, data: st.DataObject) -> None:
    values = points(count)
    body = mutate(dialect, soap_body(values) if dialect == "soap" else literal_body(values), data)
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert read(dialect, body) == read_one_by_one(dialect, body, monkeypatch)


def test_shared_references_stay_one_object() -> None:
    body = soap_body(points(3))
    root = etree.fromstring(body)
    items = root.xpath("//*[@href]")[1:]
    items[2].set("href", items[0].get("href"))
    result = RemotingSoapFormatter(REGISTRY, LIMITS).read_response(etree.tostring(root), "Get", POINTS)
    assert isinstance(result, MethodReturn)
    read_back = result.value
    assert isinstance(read_back, list) and read_back[0] is read_back[2]


def test_a_class_with_more_than_its_wire_fields_is_read_one_by_one() -> None:
    @dataclass
    class Extra:
        A: int
        B: str = "x"

    assert column_plan(Point) is not None
    assert column_plan(Extra) is not None  # every constructor argument is a wire field

    @dataclass
    class Nested:
        A: int
        P: Point

    assert column_plan(Nested) is None  # an object field has no text parser


@settings(max_examples=500, deadline=None)
@given(texts=st.lists(st.text(alphabet="0123456789+-.eE \nINFa_", max_size=8), max_size=5))
def test_doubles_at_once_are_parse_double_or_declined(texts: list[str]) -> None:
    found = parse_doubles(texts)
    if found is None:
        return
    assert found == [parse_double(t) for t in texts]


@pytest.mark.parametrize("dialect", ["soap", "literal"])
def test_a_field_moved_to_the_object_before_is_not_read_as_aligned(dialect: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The texts taken in document order still repeat Id, Name, Value, Small, but one object has two Ids and
    the next none: read one by one, that is an error, and so it must be here."""
    root = etree.fromstring(soap_body(points(3)) if dialect == "soap" else literal_body(points(3)))
    first, second, _ = objects_of(dialect, root)
    first.append(second[0])  # moves the second object's Id to the end of the first
    body = etree.tostring(root)
    found = read(dialect, body)
    assert found == read_one_by_one(dialect, body, monkeypatch)
    assert isinstance(found, tuple) and "cannot build Point" in found[1]


def id_count(body: bytes) -> int:
    return len(etree.fromstring(body).xpath("//*[@id]"))


@settings(max_examples=100, deadline=None)
@given(data=st.data(), count=st.integers(min_value=1, max_value=6), spare=st.integers(min_value=-2, max_value=2))
def test_multiref_limit_read_as_one_by_one(count: int, spare: int, data: st.DataObject) -> None:
    """The multi-ref index takes at most ``max_multirefs`` + 1 ids in one bounded pass: around the limit (a
    changed response may carry one id more, or one twice) both readings agree."""
    body = soap_body(points(count))
    if data.draw(st.booleans()):
        body = mutate("soap", body, data)
    limits = Limits(max_text_length=40, max_multirefs=max(0, id_count(body) + spare))
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert read("soap", body, limits) == read_one_by_one("soap", body, monkeypatch, limits)


def test_too_many_multirefs_are_refused_by_both_readings(monkeypatch: pytest.MonkeyPatch) -> None:
    body = soap_body(points(5))
    ids = id_count(body)  # the array's, its objects' and their strings'
    limits = Limits(max_text_length=40, max_multirefs=ids - 1)
    found = read("soap", body, limits)
    assert found == read_one_by_one("soap", body, monkeypatch, limits)
    assert isinstance(found, tuple) and found[0] == "LimitExceeded" and f"more than {ids - 1} multi-ref" in found[1]
    assert read("soap", body, Limits(max_text_length=40, max_multirefs=ids)) == [_comparable(p) for p in points(5)]


def test_an_element_after_the_objects_does_not_hide_a_renamed_field(monkeypatch: pytest.MonkeyPatch) -> None:
    """The objects read as the Body's last elements must be exactly the referenced ones: an element of
    their name after them (no id, no fields) would make up, in the counts of names, for a field renamed in
    one of them. Read one by one, the renamed field is unknown and the object lacks one: an error."""
    root = etree.fromstring(soap_body(points(3)))
    *_, last = objects_of("soap", root)
    last[0].tag = "Other"
    body = root.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
    assert body is not None
    etree.SubElement(body, last.tag)
    found = read("soap", etree.tostring(root))
    assert found == read_one_by_one("soap", etree.tostring(root), monkeypatch)
    assert isinstance(found, tuple) and "cannot build Point" in found[1]


@pytest.mark.parametrize("dialect", ["soap", "literal"])
def test_fields_in_another_order_are_read_by_name(dialect: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """One object (not the first) with two fields swapped whose texts either column's parser takes: only the
    fields' names tell the columns apart, and the values must follow the names."""
    root = etree.fromstring(soap_body(points(4)) if dialect == "soap" else literal_body(points(4)))
    target = objects_of(dialect, root)[2]
    value, small = target[2], target[3]
    value.text, small.text = "3", "5"
    target.remove(small)
    target.insert(2, small)  # Id, Name, Small, Value
    body = etree.tostring(root)
    found = read(dialect, body)
    assert found == read_one_by_one(dialect, body, monkeypatch)
    assert isinstance(found, list) and found[2] == (-1, "point 2", 3.0, 5)
