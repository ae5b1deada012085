"""Property tests: whatever we write, we read back unchanged.

Each value goes both ways a Remoting message carries values: as a call argument
(``write_call`` -> ``read_call`` -> ``decode_arguments``) and as a return value
(``write_return`` -> ``read_response``), always decoded with the same declared wire type.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import math
import struct
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from examples.remoting_samples import DayOfWeek, Person
from soap import (
    ANY,
    DEFAULT_REGISTRY,
    Byte,
    Char,
    ClrDateTime,
    Int16,
    Int32,
    Int64,
    MethodCall,
    MethodReturn,
    RemotingSoapFormatter,
    SByte,
    Single,
    SoapDecodeError,
    SoapEncodeError,
    TypeRegistry,
    UInt16,
    UInt32,
    UInt64,
    WireType,
    serializable,
    wire_type,
    xml_safe,
)

NS = "http://schemas.microsoft.com/clr/nsassem/RoundTrip.IEcho/RoundTrip"
FORMATTER = RemotingSoapFormatter()

ROUNDTRIP = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------ private by-value types

REGISTRY = TypeRegistry()
ASSEMBLY = "RoundTrip, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null"


@serializable("RoundTrip.Colour", ASSEMBLY, registry=REGISTRY)
class Colour(enum.Enum):
    Red = 1
    Green = 2
    Blue = 3


@serializable("RoundTrip.Line", ASSEMBLY, registry=REGISTRY)
@dataclass
class Line:
    sku: str
    quantity: Int16
    price: Decimal | None = None


@serializable("RoundTrip.Customer", ASSEMBLY, registry=REGISTRY)
@dataclass
class Customer:
    name: str | None
    since: dt.date | None = None
    colour: Colour | None = None


@serializable("RoundTrip.Order", ASSEMBLY, registry=REGISTRY)
@dataclass
class Order:
    number: Int64
    lines: list[Line] | None
    customer: Customer | None = None
    note: str | None = None
    placed: dt.datetime | None = None
    flags: list[bool] = field(default_factory=list)
    weight: float = 0.0
    attachment: bytes | None = None
    extra: Any = None


PRIVATE = RemotingSoapFormatter(REGISTRY)


# ------------------------------------------------------------------ helpers


def roundtrip(hint: object, value: object, formatter: RemotingSoapFormatter = FORMATTER) -> tuple[object, object]:
    """(value decoded from a call, value decoded from a return), both with the declared type ``hint``."""
    wt = hint if isinstance(hint, WireType) else wire_type(hint)
    call = formatter.read_call(formatter.write_call(MethodCall("Echo", NS, [value], ["value"], [wt])))
    assert (call.method_name, call.namespace, call.argument_names) == ("Echo", NS, ["value"])
    [argument] = call.decode_arguments([wt])
    result = formatter.read_response(formatter.write_return(MethodReturn("Echo", NS, value, wt)), "Echo", wt)
    assert isinstance(result, MethodReturn)
    assert result.namespace == NS
    return argument, result.value


def assert_same(got: object, expected: object) -> None:
    """Equality that also checks types, NaN, the sign of zero, offsets and the 7th fractional digit."""
    if isinstance(expected, bytearray):
        expected = bytes(expected)
    if isinstance(expected, tuple):
        expected = list(expected)
    if isinstance(expected, float):
        assert type(got) is float, (got, expected)
        if math.isnan(expected):
            assert math.isnan(got)
        else:
            assert got == expected and math.copysign(1, got) == math.copysign(1, expected), (got, expected)
        return
    if isinstance(expected, dt.datetime):
        assert isinstance(got, dt.datetime)
        assert got == expected
        assert got.utcoffset() == expected.utcoffset()
        assert (got.tzinfo is None) == (expected.tzinfo is None)
        assert getattr(got, "hundred_nanoseconds", 0) == getattr(expected, "hundred_nanoseconds", 0)
        return
    if isinstance(expected, list):
        assert isinstance(got, list) and len(got) == len(expected), (got, expected)
        for g, e in zip(got, expected, strict=True):
            assert_same(g, e)
        return
    if dataclasses.is_dataclass(expected) and not isinstance(expected, type):
        assert type(got) is type(expected)
        for f in dataclasses.fields(expected):
            assert_same(getattr(got, f.name), getattr(expected, f.name))
        return
    assert type(got) is type(expected), (got, expected)
    assert got == expected


def check(hint: object, value: object, formatter: RemotingSoapFormatter = FORMATTER) -> None:
    for got in roundtrip(hint, value, formatter):
        assert_same(got, value)


# ------------------------------------------------------------------ strategies

#: every character XML 1.0 can carry
xml_chars = st.one_of(
    st.sampled_from("\t\n\r"),
    st.characters(min_codepoint=0x20, max_codepoint=0xD7FF),
    st.characters(min_codepoint=0xE000, max_codepoint=0xFFFD),
    st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF),
)
xml_text = st.text(xml_chars)
offsets = st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
naive_datetimes = st.datetimes()
aware_datetimes = st.datetimes(timezones=offsets)
decimals = st.decimals(
    min_value=Decimal("-79228162514264337593543950335"), max_value=Decimal("79228162514264337593543950335"),
    allow_nan=False, allow_infinity=False,
)
FLT_MAX = 3.4028234663852886e38
float32s = st.floats(width=32)


@st.composite
def clr_datetimes(draw: st.DrawFn) -> ClrDateTime:
    base = draw(st.one_of(naive_datetimes, aware_datetimes))
    value = ClrDateTime(base.year, base.month, base.day, base.hour, base.minute, base.second, base.microsecond,
                        tzinfo=base.tzinfo)
    value.hundred_nanoseconds = draw(st.integers(1, 9))
    return value


INTEGER_WIDTHS = [
    (Int16, -(2**15), 2**15 - 1),
    (Int32, -(2**31), 2**31 - 1),
    (Int64, -(2**63), 2**63 - 1),
    (SByte, -128, 127),
    (Byte, 0, 255),
    (UInt16, 0, 2**16 - 1),
    (UInt32, 0, 2**32 - 1),
    (UInt64, 0, 2**64 - 1),
    (int, -(2**31), 2**31 - 1),  # a plain Python int is a .NET Int32, both ways
]
WIDTH_IDS = ["Int16", "Int32", "Int64", "SByte", "Byte", "UInt16", "UInt32", "UInt64", "int"]

#: (hint, strategy of values of that type) for the per-type and list tests
SCALARS: list[tuple[str, object, st.SearchStrategy[Any]]] = [
    ("str", str | None, st.one_of(st.none(), xml_text)),
    ("int", int, st.integers(-(2**31), 2**31 - 1)),
    ("Int16", Int16, st.integers(-(2**15), 2**15 - 1)),
    ("Byte", Byte, st.integers(0, 255)),
    ("UInt64", UInt64, st.integers(0, 2**64 - 1)),
    ("float", float, st.floats()),
    ("Single", Single, float32s),
    ("bool", bool, st.booleans()),
    ("Decimal", Decimal, decimals),
    ("Char", Char, xml_chars),
    ("datetime", dt.datetime, st.one_of(naive_datetimes, aware_datetimes, clr_datetimes())),
    ("date", dt.date, st.dates()),
    ("timedelta", dt.timedelta, st.timedeltas()),
    ("bytes", bytes | None, st.one_of(st.none(), st.binary())),
    ("enum", DayOfWeek, st.sampled_from(DayOfWeek)),
]


# ------------------------------------------------------------------ scalars


@ROUNDTRIP
@given(xml_text)
@example("")
@example("\r")
@example("a\r\nb\rc\n")
@example("  leading and trailing  ")
@example("<&>\"' ]]> \t")
@example("\U0001f600 \ufffd \x7f \x85")
def test_str(value: str) -> None:
    check(str, value)


def test_none_where_nullable() -> None:
    for hint in (str | None, bytes | None, list[int] | None, Person | None, int | None, DayOfWeek | None):
        check(hint, None)


@pytest.mark.parametrize(("hint", "lo", "hi"), INTEGER_WIDTHS, ids=WIDTH_IDS)
@ROUNDTRIP
@given(data=st.data())
def test_integers_of_every_width(hint: object, lo: int, hi: int, data: st.DataObject) -> None:
    value = data.draw(st.one_of(st.sampled_from([lo, hi, 0 if lo <= 0 else lo]), st.integers(lo, hi)))
    check(hint, value)


@pytest.mark.parametrize(("hint", "lo", "hi"), INTEGER_WIDTHS, ids=WIDTH_IDS)
def test_out_of_range_integers_are_refused_on_write(hint: object, lo: int, hi: int) -> None:
    wt = wire_type(hint)
    for bad in (lo - 1, hi + 1):
        with pytest.raises(SoapEncodeError, match="out of range"):
            FORMATTER.write_call(MethodCall("Echo", NS, [bad], ["value"], [wt]))
        with pytest.raises(SoapEncodeError, match="out of range"):
            FORMATTER.write_return(MethodReturn("Echo", NS, bad, wt))


@ROUNDTRIP
@given(st.floats())
@example(math.nan)
@example(math.inf)
@example(-math.inf)
@example(-0.0)
@example(5e-324)
@example(2.2250738585072014e-308)
@example(1.7976931348623157e308)
@example(3.141592653589793)
def test_double(value: float) -> None:
    check(float, value)


@ROUNDTRIP
@given(float32s)
@example(struct.unpack("<f", struct.pack("<f", 0.1))[0])
@example(1.401298464324817e-45)  # smallest float32 subnormal
@example(1.1754942106924411e-38)  # largest float32 subnormal
@example(-0.0)
@example(math.nan)
@example(-math.inf)
def test_single(value: float) -> None:
    check(Single, value)


@pytest.mark.parametrize("value", [FLT_MAX, -FLT_MAX, 3.4025001647762064e38])
def test_single_near_max(value: float) -> None:
    """Regression: a shorter candidate text (``3.403e+38``) rounds past FLT_MAX and used to escape as an error."""
    check(Single, value)


@pytest.mark.parametrize("text", ["3.40282347E+38", "3.4028235E+38", "-3.40282347E+38"])
def test_single_reads_dotnet_max_value(text: str) -> None:
    """.NET writes float.MaxValue as ``3.40282347E+38`` ("R" format), a little above FLT_MAX as a double."""
    body = (
        '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">'
        f'<SOAP-ENV:Body><i2:Echo xmlns:i2="{NS}"><f xsi:type="xsd:float">{text}</f></i2:Echo></SOAP-ENV:Body>'
        "</SOAP-ENV:Envelope>"
    ).encode()
    [value] = FORMATTER.read_call(body).decode_arguments([wire_type(Single)])
    assert value == math.copysign(FLT_MAX, float(text))


def test_single_out_of_range_is_refused() -> None:
    with pytest.raises(SoapEncodeError):
        FORMATTER.write_call(MethodCall("Echo", NS, [1e39], ["value"], [wire_type(Single)]))


@pytest.mark.parametrize("value", [True, False])
def test_bool(value: bool) -> None:
    check(bool, value)


@ROUNDTRIP
@given(decimals)
@example(Decimal("12345.6789"))
@example(Decimal("-0.0000000000000000000000000001"))
@example(Decimal("79228162514264337593543950335"))
def test_decimal(value: Decimal) -> None:
    check(Decimal, value)


@ROUNDTRIP
@given(xml_chars)
@example("\r")
@example(" ")
@example("Ω")
def test_char(value: str) -> None:
    check(Char, value)


@ROUNDTRIP
@given(st.one_of(naive_datetimes, aware_datetimes))
@example(dt.datetime(1, 1, 1))
@example(dt.datetime(9999, 12, 31, 23, 59, 59, 999999))
@example(dt.datetime(2024, 2, 29, 13, 45, 30, 123456, tzinfo=dt.UTC))
@example(dt.datetime(2024, 2, 29, 13, 45, 30, tzinfo=dt.timezone(-dt.timedelta(hours=5, minutes=30))))
def test_datetime(value: dt.datetime) -> None:
    check(dt.datetime, value)


@ROUNDTRIP
@given(clr_datetimes())
def test_clr_datetime_keeps_the_seventh_digit(value: ClrDateTime) -> None:
    check(dt.datetime, value)
    for got in roundtrip(dt.datetime, value):
        assert isinstance(got, ClrDateTime)
        assert got.ticks == value.ticks


@ROUNDTRIP
@given(st.dates())
def test_date(value: dt.date) -> None:
    check(dt.date, value)


@ROUNDTRIP
@given(st.timedeltas())
@example(dt.timedelta(0))
@example(dt.timedelta(microseconds=-1))
@example(dt.timedelta(days=-1, hours=2))
@example(dt.timedelta(days=1, hours=2, minutes=3, seconds=4, milliseconds=5))
@example(dt.timedelta.max)
@example(dt.timedelta.min)
def test_timedelta(value: dt.timedelta) -> None:
    check(dt.timedelta, value)


@ROUNDTRIP
@given(st.binary())
@example(b"")
@example(b"\x00\x01\x02\xfe\xff")
def test_bytes(value: bytes) -> None:
    check(bytes, value)


def test_bytearray_goes_as_bytes() -> None:
    check(bytes, bytearray(b"\x00abc"))


@pytest.mark.parametrize("member", list(DayOfWeek) + list(Colour))
def test_enum(member: enum.Enum) -> None:
    check(type(member), member, PRIVATE if isinstance(member, Colour) else FORMATTER)


# ------------------------------------------------------------------ lists


@pytest.mark.parametrize(("hint", "values"), [(h, s) for _, h, s in SCALARS], ids=[n for n, _, _ in SCALARS])
@ROUNDTRIP
@given(data=st.data())
def test_list_of_each_type(hint: Any, values: st.SearchStrategy[Any], data: st.DataObject) -> None:
    list_hint = list[hint] | None  # type: ignore[valid-type]
    value = data.draw(st.one_of(st.none(), st.just([]), st.lists(values, max_size=8)))
    check(list_hint, value)


def test_nested_lists() -> None:
    check(list[list[int]], [[1, 2], [], [3]])
    check(list[list[str] | None], [["a"], None, []])


# ------------------------------------------------------------------ by-value objects

lines = st.builds(Line, sku=xml_text, quantity=st.integers(-(2**15), 2**15 - 1), price=st.one_of(st.none(), decimals))
customers = st.builds(
    Customer, name=st.one_of(st.none(), xml_text), since=st.one_of(st.none(), st.dates()),
    colour=st.one_of(st.none(), st.sampled_from(Colour)),
)
orders = st.builds(
    Order,
    number=st.integers(-(2**63), 2**63 - 1),
    lines=st.one_of(st.none(), st.lists(lines, max_size=4)),
    customer=st.one_of(st.none(), customers),
    note=st.one_of(st.none(), xml_text),
    placed=st.one_of(st.none(), naive_datetimes, aware_datetimes),
    flags=st.lists(st.booleans(), max_size=4),
    weight=st.floats(),
    attachment=st.one_of(st.none(), st.binary(max_size=16)),
    extra=st.one_of(st.none(), st.integers(-(2**31), 2**31 - 1), xml_text, lines),
)


@ROUNDTRIP
@given(orders)
def test_nested_dataclasses_in_a_private_registry(order: Order) -> None:
    check(Order, order, PRIVATE)
    check(Order | None, order, PRIVATE)
    check(list[Order], [order, order], PRIVATE)


def test_optional_fields_all_none() -> None:
    check(Order, Order(1, None), PRIVATE)
    check(Customer, Customer(None), PRIVATE)


def test_shared_references_decode_to_one_equal_object() -> None:
    line = Line("A-1", 3, Decimal("9.99"))
    order = Order(7, [line, line, Line("B-2", 1)], extra=line)
    for got in roundtrip(Order, order, PRIVATE):
        assert isinstance(got, Order) and got.lines is not None
        assert got.lines[0] == got.lines[1] == line
        assert got.lines[0] is got.lines[1]  # one object on the wire, one object decoded
        assert got.extra == line
    person = Person("Dave", 42)
    for got in roundtrip(list[Person], [person, person]):
        assert got == [person, person]


def test_shared_reference_is_written_once() -> None:
    line = Line("A-1", 3)
    body = PRIVATE.write_call(MethodCall("Echo", NS, [[line, line]], ["value"], [wire_type(list[Line])]))
    assert body.count(b"<a1:Line ") == 1


def test_private_types_are_unknown_to_the_default_registry() -> None:
    body = PRIVATE.write_call(MethodCall("Echo", NS, [Line("x", 1)], ["value"], [ANY]))
    with pytest.raises(SoapDecodeError, match="not a registered by-value type"):
        FORMATTER.read_call(body).decode_arguments([ANY])
    with pytest.raises(SoapEncodeError, match="not a registered by-value type"):
        FORMATTER.write_call(MethodCall("Echo", NS, [Line("x", 1)], ["value"], [ANY]))


# ------------------------------------------------------------------ object / Any

any_scalars = st.one_of(
    st.none(),
    xml_text,
    st.integers(-(2**63), 2**64 - 1),
    st.floats(),
    st.booleans(),
    decimals,
    naive_datetimes,
    aware_datetimes,
    clr_datetimes(),
    st.dates(),
    st.timedeltas(),
    st.binary(),
    st.sampled_from(DayOfWeek),
    st.sampled_from(Colour),
    lines,
    st.builds(Person, st.one_of(st.none(), xml_text), st.integers(-(2**31), 2**31 - 1)),
)
any_values = st.recursive(any_scalars, lambda inner: st.lists(inner, max_size=4), max_leaves=10)


#: the default registry (Person, DayOfWeek ...) plus the private types
COMBINED = TypeRegistry(parent=DEFAULT_REGISTRY)
for _cls in (Colour, Line, Customer, Order):
    COMBINED.register(_cls, REGISTRY.name_of(_cls))
ANY_FORMATTER = RemotingSoapFormatter(COMBINED)


@ROUNDTRIP
@given(any_values)
@example(2**64 - 1)
@example(-(2**63))
@example(True)
@example("")
@example(b"")
@example([])
@example([None, 1, "a", [2.5, [False]]])
def test_object_parameters_carry_every_runtime_type(value: object) -> None:
    check(Any, value, ANY_FORMATTER)
    check(object, value, ANY_FORMATTER)


def test_object_parameter_carrying_a_clr_datetime() -> None:
    value = ClrDateTime(2024, 2, 29, 13, 45, 30, 123456, tzinfo=dt.UTC)
    value.hundred_nanoseconds = 7
    check(Any, value)


def test_object_parameter_type_comes_from_the_wire() -> None:
    wt = wire_type(Any)
    got, _ = roundtrip(wt, [1, 2**40, 2**63, 1.5, "s", True, Decimal("1.5"), b"b", DayOfWeek.Monday])
    assert [type(v) for v in got] == [int, int, int, float, str, bool, Decimal, bytes, DayOfWeek]  # type: ignore[union-attr]


# ------------------------------------------------------------------ what cannot be written


@pytest.mark.parametrize("char", [chr(c) for c in range(0x00, 0x09)] + ["\x0b", "\x0c", "\x1f", "\ud800", "\uffff"])
def test_strings_with_characters_xml_cannot_carry_are_refused(char: str) -> None:
    with pytest.raises(SoapEncodeError, match=r"XML 1\.0 cannot carry"):
        FORMATTER.write_call(MethodCall("Echo", NS, [f"a{char}b"], ["value"], [wire_type(str)]))
    with pytest.raises(SoapEncodeError, match=r"XML 1\.0 cannot carry"):
        FORMATTER.write_return(MethodReturn("Echo", NS, [f"a{char}b"], wire_type(list[str])))


@given(st.text())
def test_xml_safe_text_is_carried_and_says_what_it_escaped(text: str) -> None:
    """A fault quoting what a caller sent: every character XML 1.0 cannot carry becomes its escape, the rest
    of the text stays as it was, and the result encodes."""
    safe = xml_safe(text)
    FORMATTER.write_return(MethodReturn("Echo", NS, safe, wire_type(str)))
    if text.isprintable():
        assert safe == text
    assert xml_safe("a\x01b\ud800c\n") == "a\\x01b\\ud800c\n"


def test_none_where_a_value_is_required_is_refused() -> None:
    with pytest.raises(SoapEncodeError, match="None given"):
        FORMATTER.write_call(MethodCall("Echo", NS, [None], ["value"], [wire_type(int)]))


@pytest.mark.parametrize(
    ("hint", "value"),
    [(int, "1"), (int, 1.5), (int, True), (str, 1), (bool, 1), (float, "1.0"), (dt.datetime, "2024-01-01"),
     (DayOfWeek, 5), (Char, "ab"), (Decimal, math.nan), (bytes, "abc"), (list[int], 5)],
)
def test_values_of_the_wrong_type_are_refused(hint: object, value: object) -> None:
    with pytest.raises(SoapEncodeError):
        FORMATTER.write_call(MethodCall("Echo", NS, [value], ["value"], [wire_type(hint)]))


def test_unregistered_or_unremotable_objects_are_refused_as_object() -> None:
    class Local:
        pass

    with pytest.raises(SoapEncodeError, match="not remotable"):
        FORMATTER.write_call(MethodCall("Echo", NS, [Local()], ["value"], [ANY]))
    with pytest.raises(SoapEncodeError, match="not a registered by-value type"):
        FORMATTER.write_call(MethodCall("Echo", NS, [Colour.Red], ["value"], [ANY]))
