"""Every field of ``soap.Limits``, in every reader it applies to: over the limit is refused with a
``LimitExceeded`` that names the field, before the memory it guards is spent; at the limit is fine.

The defaults are the table of docs/security.md; ``test_defaults_are_the_documented_ones`` keeps the two in
step.
"""

from __future__ import annotations

import base64
import re
import struct
import tracemalloc
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

import pytest

from soap import (
    ANY,
    DEFAULT_LIMITS,
    DEFAULT_REGISTRY,
    SOAP_ENV,
    BinaryFormatter,
    LimitExceeded,
    Limits,
    MessageTooLarge,
    SoapDecodeError,
    SoapFormatter,
    WireType,
    parse_xml,
    wire_type,
)
from soap._nrbf_records import read_message
from soap._nrbf_writer import lps, write_method_call

DOCS = Path(__file__).resolve().parents[2] / "docs" / "security.md"
METHOD_NS = "http://schemas.microsoft.com/clr/nsassem/Tests.ILimits/Tests"
DECLS = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/"'


def encoded(params: str, siblings: str = "") -> bytes:
    return (f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP_ENV}" {DECLS}><SOAP-ENV:Body>'
            f'<i2:M id="ref-1" xmlns:i2="{METHOD_NS}">{params}</i2:M>{siblings}</SOAP-ENV:Body>'
            "</SOAP-ENV:Envelope>").encode()


def literal(params: str) -> bytes:
    return (f'<soap:Envelope xmlns:soap="{SOAP_ENV}" {DECLS}><soap:Body><tns:op xmlns:tns="urn:svc">{params}'
            "</tns:op></soap:Body></soap:Envelope>").encode()


def decode(data: bytes, types: list[WireType], limits: Limits, names: list[str] | None = None) -> list[object]:
    return SoapFormatter(limits=limits).read_call(data).decode_arguments(types, names)


def over(limit: str, action: Callable[[], object], max_peak: int = 2 * 1024 * 1024) -> LimitExceeded:
    """``action`` raises LimitExceeded naming ``limit`` without a large peak of allocations (so before the
    memory the limit guards was spent)."""
    tracemalloc.start()
    try:
        with pytest.raises(LimitExceeded) as raised:
            action()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert raised.value.limit == limit, raised.value
    assert f"Limits.{limit}" in str(raised.value) or limit == "max_bytes"
    assert peak < max_peak, f"peak {peak} bytes"
    return raised.value


# ------------------------------------------------------------------ the defaults, as documented


def test_defaults_are_the_documented_ones() -> None:
    text = DOCS.read_text()
    for field in fields(Limits):
        value = getattr(DEFAULT_LIMITS, field.name)
        row = re.search(rf"^\| `{field.name}` \| ([^|]+) \|", text, re.M)
        assert row is not None, f"docs/security.md has no row for {field.name}"
        documented = row.group(1).strip().replace(",", "").replace(" ", "")
        human = {4 * 1024 * 1024: "4MiB", 1024 * 1024: "1MiB", 64 * 1024: "64KiB"}.get(value, str(value))
        assert documented in (str(value), human), (field.name, documented, value)


# ------------------------------------------------------------------ XML: parse time


def test_max_bytes() -> None:
    over("max_bytes", lambda: parse_xml(b"<a/>" + b" " * 200, Limits(max_bytes=100)))
    assert isinstance(MessageTooLarge("x"), LimitExceeded)


def test_max_depth_and_max_elements() -> None:
    deep = encoded("<a>" * 30 + "1" + "</a>" * 30)
    over("max_depth", lambda: parse_xml(deep, Limits(max_depth=20)))
    parse_xml(deep, Limits(max_depth=40))
    many = encoded("<a/>" * 500)
    over("max_elements", lambda: parse_xml(many, Limits(max_elements=400)))
    parse_xml(many, Limits(max_elements=600))


def test_max_attribute_length() -> None:
    data = encoded(f'<p xsi:type="{"x" * 5000}">1</p>')
    error = over("max_attribute_length", lambda: parse_xml(data, Limits(max_attribute_length=4096)))
    assert "<p>" in str(error)
    parse_xml(data, Limits(max_attribute_length=6000))
    parse_xml(encoded("<p>1</p>"), Limits(max_attribute_length=10))  # a short message is not even looked at


def test_max_attributes() -> None:
    attributes = " ".join(f'a{i}="x"' for i in range(300))
    data = encoded(f"<p {attributes}>1</p>")
    error = over("max_attributes", lambda: parse_xml(data, Limits(max_attributes=256)))
    assert "<p> has 300 attributes" in str(error)
    parse_xml(data, Limits(max_attributes=300))
    # many attributes spread over elements are fine: the bound is per element
    parse_xml(encoded("".join(f'<p a="1" b="2" c="{i}"/>' for i in range(200))), Limits(max_attributes=3))


def test_max_attributes_is_the_last_field() -> None:
    """Positional construction predates it: ``Limits(max_bytes, max_depth, ...)`` keeps its meaning."""
    assert [f.name for f in fields(Limits)][-1] == "max_attributes"
    assert Limits(1, 2, 3, 4, 5).max_ref_depth == 5


# ------------------------------------------------------------------ XML: when a value is read


@pytest.mark.parametrize("dialect", ["encoded", "literal"])
def test_max_text_length(dialect: str) -> None:
    make = encoded if dialect == "encoded" else literal
    names = None if dialect == "encoded" else ["p"]
    limits = Limits(max_text_length=100)
    over("max_text_length", lambda: decode(make(f"<p>{'x' * 101}</p>"), [wire_type(str)], limits, names))
    over("max_text_length", lambda: decode(make(f"<p>{'9' * 101}</p>"), [wire_type(int)], limits, names))
    assert decode(make(f"<p>{'x' * 100}</p>"), [wire_type(str)], limits, names) == ["x" * 100]


@pytest.mark.parametrize("dialect", ["encoded", "literal"])
def test_max_binary_length(dialect: str) -> None:
    make = encoded if dialect == "encoded" else literal
    names = None if dialect == "encoded" else ["p"]
    limits = Limits(max_binary_length=300, max_text_length=10)  # base64 text is not bound by max_text_length
    fine = base64.b64encode(b"\x01" * 300).decode()
    assert decode(make(f"<p>{fine}</p>"), [wire_type(bytes)], limits, names) == [b"\x01" * 300]
    big = base64.b64encode(b"\x01" * 400).decode()
    over("max_binary_length", lambda: decode(make(f"<p>{big}</p>"), [wire_type(bytes)], limits, names))


def test_max_array_length_and_max_array_items_in_the_remoting_dialect() -> None:
    def array(ident: str, n: int) -> str:
        return f'<SOAP-ENC:Array id="{ident}">' + "<item>1</item>" * n + "</SOAP-ENC:Array>"

    one = encoded('<a href="#r1"/>', array("r1", 60))
    over("max_array_length", lambda: decode(one, [wire_type(list[int])], Limits(max_array_length=50)))
    # three arrays of 40: each under max_array_length, together over max_array_items
    arrays = array("r1", 40) + array("r2", 40) + array("r3", 40)
    three = encoded('<a href="#r1"/><b href="#r2"/><c href="#r3"/>', arrays)
    limits = Limits(max_array_length=50, max_array_items=100)
    over("max_array_items", lambda: decode(three, [wire_type(list[int])] * 3, limits))
    assert len(decode(three, [wire_type(list[int])] * 3, Limits(max_array_length=50, max_array_items=120))) == 3


def test_max_array_items_in_document_literal() -> None:
    items = "<a>" + "<int>1</int>" * 40 + "</a><b>" + "<int>1</int>" * 40 + "</b>"
    types = [wire_type(list[int]), wire_type(list[int])]
    over("max_array_items", lambda: decode(literal(items), types, Limits(max_array_items=60), ["a", "b"]))
    over("max_array_length", lambda: decode(literal(items), types, Limits(max_array_length=30), ["a", "b"]))


def test_max_multirefs() -> None:
    siblings = "".join(f'<s id="r{i}">x</s>' for i in range(30))
    params = "".join(f'<p{i} href="#r{i}"/>' for i in range(30))
    data = encoded(params, siblings)
    over("max_multirefs", lambda: decode(data, [wire_type(str)] * 30, Limits(max_multirefs=20)))
    assert decode(data, [wire_type(str)] * 30, Limits(max_multirefs=31)) == ["x"] * 30  # the call has an id too


def test_a_duplicate_id_or_too_many_ids_whichever_comes_first() -> None:
    """The multi-ref index counts the ids first (in C); over the limit, or with a duplicate, the walk in
    document order says which came first, as it always did."""
    params = "".join(f'<p{i} href="#r{i}"/>' for i in range(30))
    types = [wire_type(str)] * 30
    early_duplicate = encoded(params, '<s id="r0">x</s>' * 2 + "".join(f'<s id="r{i}">x</s>' for i in range(1, 30)))
    with pytest.raises(SoapDecodeError, match="duplicate id") as raised:
        decode(early_duplicate, types, Limits(max_multirefs=20))
    assert not isinstance(raised.value, LimitExceeded)
    late_duplicate = encoded(params, "".join(f'<s id="r{i}">x</s>' for i in range(30)) + '<s id="r0">x</s>')
    over("max_multirefs", lambda: decode(late_duplicate, types, Limits(max_multirefs=20)))
    with pytest.raises(SoapDecodeError, match="duplicate id"):
        decode(late_duplicate, types, Limits(max_multirefs=40))


def test_max_ref_depth_is_the_chain_length() -> None:
    chain = "".join(f'<SOAP-ENC:Array id="r{i}"><item href="#r{i + 1}"/></SOAP-ENC:Array>' for i in range(20))
    data = encoded('<a href="#r0"/>', chain + '<x id="r20">1</x>')
    with pytest.raises(Exception, match="deeper than 10"):
        decode(data, [ANY], Limits(max_ref_depth=10))


# ------------------------------------------------------------------ MS-NRBF: when the length is read

I32 = struct.Struct("<i")
HEADER = bytes([0]) + struct.pack("<iiii", 1, -1, 1, 0)
CALL = bytes([21]) + I32.pack(0x14) + bytes([18]) + lps("Do") + bytes([18]) + lps("T, A")


def nrbf_call(*records: bytes) -> bytes:
    """An ArgsIsArray call whose call array refers to object 2, then ``records``."""
    return HEADER + CALL + bytes([16]) + I32.pack(1) + I32.pack(1) + bytes([9]) + I32.pack(2) + b"".join(records) + \
        bytes([11])


def test_nrbf_string_length_is_checked_before_reading() -> None:
    limits = Limits(max_text_length=1000)
    data = nrbf_call(bytes([6]) + I32.pack(2) + lps("x" * 2000))
    over("max_text_length", lambda: read_message(data, limits))
    read_message(nrbf_call(bytes([6]) + I32.pack(2) + lps("x" * 1000)), limits)


def test_nrbf_byte_array_is_one_bytes_object_bounded_by_max_binary_length() -> None:
    blob = bytes(range(256)) * 40
    data = write_method_call("Do", "T, A", [blob], [wire_type(bytes)], DEFAULT_REGISTRY)
    assert BinaryFormatter().read_call(data).decode_arguments([wire_type(bytes)]) == [blob]
    over("max_binary_length", lambda: read_message(data, Limits(max_binary_length=10_000)))
    # a byte array of 3 MiB costs about 3 MiB, not a Python object per byte
    big = write_method_call("Do", "T, A", [b"\x07" * (3 * 1024 * 1024)], [wire_type(bytes)], DEFAULT_REGISTRY)
    tracemalloc.start()
    try:
        [value] = BinaryFormatter().read_call(big).decode_arguments([wire_type(bytes)])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(value) == 3 * 1024 * 1024 and peak < 8 * 1024 * 1024, peak


def test_nrbf_array_items_are_summed_over_the_message() -> None:
    def int_array(ident: int, n: int) -> bytes:
        return bytes([15]) + I32.pack(ident) + I32.pack(n) + bytes([8]) + I32.pack(1) * n

    two = nrbf_call(bytes([16]) + I32.pack(2) + I32.pack(2) + bytes([9]) + I32.pack(3) + bytes([9]) + I32.pack(4),
                    int_array(3, 60), int_array(4, 60))
    over("max_array_items", lambda: read_message(two, Limits(max_array_items=100)))
    read_message(two, Limits(max_array_items=130))
    over("max_array_length", lambda: read_message(two, Limits(max_array_length=50)))


def test_nrbf_objects_with_ids_are_bounded() -> None:
    strings = b"".join(bytes([6]) + I32.pack(10 + i) + lps("s") for i in range(50))
    data = nrbf_call(bytes([6]) + I32.pack(2) + lps("x"), strings)
    over("max_multirefs", lambda: read_message(data, Limits(max_multirefs=20)))


def test_every_limit_can_be_raised_in_one_place() -> None:
    """One Limits object goes to every formatter (``RemotingApp(limits=...)`` passes it on)."""
    from gateway import RemotingApp

    limits = Limits(max_text_length=10)
    app = RemotingApp(limits=limits, formatters=("soap", "binary"))
    assert all(getattr(f, "limits", None) is limits for f in app.formatters.values())
