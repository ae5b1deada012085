"""Arrays read or written in one step behave exactly as item by item: same values, same refusals.

The readers parse an array of plain integers all at once, and the Remoting SOAP writer writes ints, floats
and strings without the per-item checks of ``member``. Whatever the items hold (signs, white space,
underscores, non-ASCII digits, values out of range, nulls, bools), the result must be what reading or
writing each item alone gives.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soap import (
    SOAP11,
    BinaryFormatter,
    Byte,
    Int16,
    Int32,
    Int64,
    Kind,
    MethodCall,
    MethodReturn,
    RemotingSoapFormatter,
    Single,
    SoapDecodeError,
    SoapEncodeError,
    SoapFormatter,
    UInt32,
    wire_type,
)
from soap._encoded_writer import EncodedWriter
from soap._literal import LiteralWriter
from soap._nrbf_writer import NrbfWriter, primitive_bytes
from soap._scalars import parse_integer
from soap._types import DEFAULT_REGISTRY

NAMESPACE = "http://schemas.microsoft.com/clr/nsassem/Arrays.IArrays/Arrays"
INTS = wire_type(list[int])

item_texts = st.one_of(
    st.integers(min_value=-(2**40), max_value=2**40).map(str),
    st.sampled_from(["", " 7 ", "+3", "-0", "1_000", "\u0661", "0x10", "2147483648", "-2147483649", "9" * 41, "1.5"]),
)


def _expected(texts: list[str], kind: Kind) -> list[int] | str:
    try:
        return [parse_integer(kind, t) for t in texts]
    except (ValueError, OverflowError):
        return "error"


def _read(body: bytes) -> list[int] | str:
    formatter = SoapFormatter()
    try:
        call = formatter.read_call(body, "text/xml")
        (values,) = call.decode_arguments([INTS], ["values"])
    except SoapDecodeError:
        return "error"
    assert isinstance(values, list)
    return values


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(item_texts, max_size=12))
def test_literal_integer_arrays_read_as_item_by_item(texts: list[str]) -> None:
    items = "".join(f"<tns:int>{escape(t)}</tns:int>" for t in texts)
    body = (
        f'<soap:Envelope xmlns:soap="{SOAP11.envelope_ns}"><soap:Body><tns:Sum xmlns:tns="urn:arrays">'
        f"<tns:values>{items}</tns:values></tns:Sum></soap:Body></soap:Envelope>"
    ).encode()
    assert _read(body) == _expected(texts, Kind.INT32)


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(item_texts, max_size=12))
def test_encoded_integer_arrays_read_as_item_by_item(texts: list[str]) -> None:
    items = "".join(f"<item>{escape(t)}</item>" for t in texts)
    body = (
        '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema"><SOAP-ENV:Body>'
        f'<i2:Sum id="ref-1" xmlns:i2="{NAMESPACE}"><values href="#ref-2"/></i2:Sum>'
        f'<SOAP-ENC:Array id="ref-2" SOAP-ENC:arrayType="xsd:int[{len(texts)}]">{items}</SOAP-ENC:Array>'
        "</SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ).encode()
    assert _read(body) == _expected(texts, Kind.INT32)  # a plain int is a .NET Int32


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**65), max_value=2**65),
    st.floats(allow_nan=False),
    st.text(max_size=5),
)


@pytest.mark.parametrize("toolkit", [False, True])
@pytest.mark.parametrize("declared", [list[int], list[float], list[str], list[int | None], list[str | None]])
@settings(max_examples=40, deadline=None)
@given(items=st.lists(values, max_size=8))
def test_encoded_typed_arrays_written_as_item_by_item(declared: type, items: list[object], toolkit: bool) -> None:
    wt = wire_type(declared)
    item = wt.item
    assert item is not None
    reference = EncodedWriter(DEFAULT_REGISTRY, toolkit=toolkit)
    try:
        expected = "".join(reference.member("item", v, item, False) for v in items)
    except SoapEncodeError:
        expected = "error"
    try:
        got = EncodedWriter(DEFAULT_REGISTRY, toolkit=toolkit)._items(items, item)
    except SoapEncodeError:
        got = "error"
    assert got == expected


def test_an_int_array_round_trips_through_the_fast_paths() -> None:
    values = list(range(-500, 500))
    client = RemotingSoapFormatter()
    body = client.write_call(MethodCall("Sum", NAMESPACE, [values], ["values"], [INTS]))
    call = SoapFormatter().read_call(body, "text/xml")
    assert call.decode_arguments([INTS], ["values"]) == [values]
    out, _ = SoapFormatter().write_return(call, MethodReturn("Sum", NAMESPACE, values, INTS))
    assert client.read_response(out, "Sum", INTS).value == values  # type: ignore[union-attr]


@pytest.mark.parametrize(("sent", "declared", "lo", "hi"), [
    (Int32, Int16, -(2**15), 2**15 - 1),  # narrower: every item checked
    (Int32, UInt32, 0, 2**32 - 1),  # same width, other sign
    (Int32, Int32, -(2**31), 2**31 - 1),  # the wire type fits: nothing can be out of range
    (Int16, Int64, -(2**63), 2**63 - 1),
])
@settings(max_examples=40, deadline=None)
@given(items=st.lists(st.integers(min_value=-(2**15), max_value=2**15 - 1) | st.integers(min_value=-(2**31),
                      max_value=2**31 - 1), max_size=10))
def test_binary_integer_arrays_are_range_checked_as_item_by_item(items: list[int], sent: type, declared: type,
                                                                  lo: int, hi: int) -> None:
    formatter = BinaryFormatter()
    if sent is Int16:
        items = [v for v in items if -(2**15) <= v < 2**15]
    body = formatter.write_call("Sum", "Arrays.IArrays, Arrays", [items], [wire_type(list[sent])])
    call = formatter.read_call(body)
    if all(lo <= v <= hi for v in items):
        assert call.decode_arguments([wire_type(list[declared])]) == [items]
    else:
        with pytest.raises(SoapDecodeError, match="out of range"):
            call.decode_arguments([wire_type(list[declared])])


@pytest.mark.parametrize("declared", [list[int], list[Int16], list[Byte], list[float], list[Single]])
@settings(max_examples=40, deadline=None)
@given(items=st.lists(values, max_size=8))
def test_binary_primitive_arrays_written_as_item_by_item(declared: type, items: list[object]) -> None:
    wt = wire_type(declared)
    writer = NrbfWriter(DEFAULT_REGISTRY)
    try:
        got = writer.array(2, items, wt.item)  # type: ignore[arg-type]
    except SoapEncodeError:
        got = b"error"
    kind = Kind.INT32 if wt.item is not None and wt.item.kind is Kind.INT else wt.item.kind  # type: ignore[union-attr]
    try:
        if any(v is None for v in items):
            raise SoapEncodeError("None")
        expected = b"".join(primitive_bytes(kind, v)[1] for v in items)
    except SoapEncodeError:
        expected = b"error"
    assert (got == b"error") == (expected == b"error")
    if expected != b"error":
        assert got.endswith(expected)


@pytest.mark.parametrize("declared", [list[int], list[Int16], list[str], list[int | None], list[str | None]])
@settings(max_examples=40, deadline=None)
@given(items=st.lists(values, max_size=8))
def test_literal_arrays_written_as_item_by_item(declared: type, items: list[object]) -> None:
    item = wire_type(declared).item
    assert item is not None
    writer = LiteralWriter(DEFAULT_REGISTRY, "urn:arrays")
    try:
        expected = "".join(writer.element("v", v, item, 1) for v in items)
    except SoapEncodeError:
        expected = "error"
    try:
        got = writer._items("v", items, item, 1, "tns", None)
    except SoapEncodeError:
        got = "error"
    assert got == expected
