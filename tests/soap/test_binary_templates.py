"""Binary calls read from a template, binary answers written from one: exactly what the full reader and writer give.

``BinaryFormatter`` reads a simple MS-NRBF call of a shape it read before without the record reader
(soap/_nrbf_request_templates.py) and writes a primitive answer of a shape it wrote before from the earlier
answer's bytes (soap/_nrbf_response_templates.py). Whatever a client puts in the values (strings of any
length, across the length prefix's 7-bit boundaries, invalid UTF-8, over-long or non-canonical length
prefixes, truncated values, any bits in a number), the call must decode to what the full reader decodes,
or fail with the same error; a message whose constant part differs in any byte is read by the full reader;
and an answer is byte for byte the full writer's, or the same refusal.
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soap import Byte, Char, Int16, Int64, Limits, MethodReturn, SoapError, wire_type
from soap._binary import BinaryCall, BinaryFormatter, RecordingCall
from soap._nrbf_request_templates import CAPACITY
from soap._nrbf_writer import lps
from soap._types import ANY, VOID, WireType

TYPE_NAME = b"Shop.IOrders, Shop, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null"
TYPES = [wire_type(str), wire_type(int), wire_type(float), wire_type(bool)]
NAMES = ["name", "count", "ratio", "urgent"]
#: (type code, bytes) of the arguments of Order("Alice", 3, 0.5, True), as Mono writes them inline
PLAIN = [lps("Alice"), struct.pack("<i", 3), struct.pack("<d", 0.5), b"\x01"]
CODES = [18, 8, 6, 1]


def request(slots: list[bytes], method: bytes = b"Order", flags: int = 0x12) -> bytes:
    """Mono's shape of a binary call of ``Order(name, count, ratio, urgent)`` with these raw value bytes."""
    head = bytes([0]) + struct.pack("<iiii", 0, 0, 1, 0) + bytes([21]) + struct.pack("<i", flags)
    names = bytes([18]) + lps(method.decode()) + bytes([18]) + lps(TYPE_NAME.decode())
    values = b"".join(bytes([c]) + s for c, s in zip(CODES[:len(slots)], slots, strict=True))
    args = struct.pack("<i", len(slots)) + values
    return head + names + args + b"\x0b"


def prefixed(raw: bytes, length: int | None = None) -> bytes:
    """``raw`` after a 7-bit encoded length prefix (its own length unless ``length`` says otherwise)."""
    n, prefix = len(raw) if length is None else length, bytearray()
    while True:
        prefix.append((n & 0x7F) | (0x80 if n >> 7 else 0))
        n >>= 7
        if not n:
            return bytes(prefix) + raw


def outcome(formatter: BinaryFormatter, body: bytes, types: list = TYPES) -> tuple[object, ...]:
    """What reading ``body`` gives: the call and its decoded arguments (repr: NaN is not equal to itself),
    or the error."""
    try:
        call = formatter.read_call(body)
        args = call.decode_arguments(types, NAMES)
        assert isinstance(call, BinaryCall)
        return ("call", call.method_name, call.namespace, call.claimed_type, call.argument_count,
                call.call_context(), call.signature(), call.argument_type_names(), repr(args))
    except SoapError as exc:
        return ("error", type(exc).__name__, str(exc))


def from_template(formatter: BinaryFormatter, body: bytes) -> bool:
    """``body`` would be read from one of the formatter's templates."""
    assert formatter._requests is not None
    return formatter._requests.read(body) is not None


def primed(body: bytes = request(PLAIN), limits: Limits | None = None) -> BinaryFormatter:
    """A formatter that has read ``body`` once (so it holds its template)."""
    formatter = BinaryFormatter(limits=limits) if limits is not None else BinaryFormatter()
    assert outcome(formatter, body)[0] == "call"
    assert from_template(formatter, body)
    return formatter


FULL = BinaryFormatter(templates=False)
PRIMED = primed()
SMALL = Limits(max_text_length=300)
FULL_SMALL = BinaryFormatter(limits=SMALL, templates=False)
PRIMED_SMALL = primed(limits=SMALL)

#: byte lengths around the length prefix's 7-bit boundaries (one, two, three bytes) and SMALL's limit
BOUNDARIES = [0, 1, 126, 127, 128, 129, 299, 300, 301, 16383, 16384, 16385]
texts = st.one_of(
    st.text(max_size=30).map(lambda s: lps(s)),  # (lps writes lone surrogates, which the reader refuses)
    st.tuples(st.sampled_from(BOUNDARIES), st.sampled_from(["a", "é", "€", "😀"])).map(
        lambda n: prefixed((n[1] * n[0]).encode()[:n[0]])),  # (a cut multi-byte character is invalid UTF-8)
    st.binary(max_size=12).map(prefixed),
    st.tuples(st.binary(max_size=6), st.integers(min_value=0, max_value=2**35)).map(lambda p: prefixed(*p)),
    st.binary(max_size=8),  # anything at all where the prefix should be
    st.sampled_from([b"\x80\x00", b"\x85\x00abcde", b"\xff\xff\xff\xff\x0f", b"\xff\xff\xff\xff\xff\x01",
                     b"\x80\x80\x80\x80\x80", b"\x02\xed\xa0", b"\x03\xed\xa0\x80", b"\x02\xc3\xa9"]),
)
numbers = st.one_of(st.binary(min_size=4, max_size=4), st.binary(max_size=6))
doubles = st.one_of(st.floats().map(lambda f: struct.pack("<d", f)), st.binary(min_size=8, max_size=8),
                    st.binary(max_size=10))
bools = st.binary(min_size=1, max_size=2)
declared = st.sampled_from([
    TYPES, [wire_type(str), wire_type(Byte), wire_type(float), wire_type(bool)],
    [wire_type(int), wire_type(Int64), wire_type(float), wire_type(bool)],
    [wire_type(str), wire_type(int), wire_type(int), wire_type(str)],
    [wire_type(Decimal), wire_type(float), wire_type(Int64), wire_type(int)], TYPES[:3],
    # a string for a char and an Int32 for a narrower int: checked, not taken as they are (the fast cases)
    [wire_type(Char), wire_type(Int16), wire_type(float), wire_type(bool)],
])


@settings(max_examples=400, deadline=None)
@given(name=texts, count=numbers, ratio=doubles, urgent=bools, types=declared)
def test_a_call_read_from_its_template_is_what_the_full_reader_reads(
    name: bytes, count: bytes, ratio: bytes, urgent: bytes, types: list
) -> None:
    body = request([name, count, ratio, urgent])
    assert outcome(PRIMED, body, types) == outcome(FULL, body, types)
    assert outcome(PRIMED_SMALL, body, types) == outcome(FULL_SMALL, body, types)


@pytest.mark.parametrize("length", BOUNDARIES)
@pytest.mark.parametrize("char", ["a", "é", "😀"])
def test_strings_of_any_prefix_length_are_read_from_the_template(length: int, char: str) -> None:
    """The template was recorded with a one-byte prefix; two- and three-byte prefixes fill the same slot (this
    test fails if values a client ordinarily sends stop taking the template path)."""
    text = char * length
    body = request([lps(text), *PLAIN[1:]])
    assert from_template(PRIMED, body)
    assert outcome(PRIMED, body) == outcome(FULL, body)
    assert outcome(PRIMED, body)[-1] == repr([text, 3, 0.5, True])


@pytest.mark.parametrize("name", [
    prefixed(b"\xff"), prefixed(b"\xed\xa0\x80"), prefixed(b"abc", 4), prefixed(b"abc", 2), b"\x80",
    b"\xff\xff\xff\xff\xff\x01", prefixed(b"x" * 301),
])
def test_a_value_the_reader_refuses_is_read_by_the_full_reader(name: bytes) -> None:
    body = request([name, *PLAIN[1:]])
    assert not from_template(PRIMED_SMALL, body)
    result = outcome(PRIMED_SMALL, body)
    assert result[0] == "error" and result == outcome(FULL_SMALL, body)


def test_a_value_its_declared_type_refuses_gets_the_full_paths_error() -> None:
    body = request([PLAIN[0], struct.pack("<i", 300), *PLAIN[2:]])
    assert from_template(PRIMED, body)
    types = [TYPES[0], wire_type(Byte), *TYPES[2:]]
    result = outcome(PRIMED, body, types)
    assert result[0] == "error" and "300" in str(result[2])
    assert result == outcome(FULL, body, types)



def _one_argument(code: int, raw: bytes) -> bytes:
    """A call of ``Order`` with one inline argument of type ``code``."""
    whole = request([raw], flags=0x12)
    return whole.replace(bytes([CODES[0]]) + raw, bytes([code]) + raw, 1)


def _decoded(decode: Callable[..., object], *args: object) -> tuple[object, ...]:
    try:
        value = decode(*args)
    except SoapError as exc:
        return ("error", str(exc))
    return ("ok", type(value).__name__, repr(value))


@pytest.mark.parametrize("wt", [wire_type(str), wire_type(Char), wire_type(int), wire_type(Int16), wire_type(Int64),
                                wire_type(Byte), wire_type(float), wire_type(bool), wire_type(Decimal), ANY])
@pytest.mark.parametrize(("code", "raw"), [
    (18, lps("Alice")), (18, lps("A")), (18, lps("")), (8, struct.pack("<i", 3)), (8, struct.pack("<i", 300)),
    (8, struct.pack("<i", -(2**31))), (6, struct.pack("<d", 0.5)), (1, b"\x01"), (7, struct.pack("<h", 3)),
])
def test_an_argument_taken_as_it_is_is_what_the_decoder_makes_of_it(wt: WireType, code: int, raw: bytes) -> None:
    """``NrbfDecoder.value`` takes an inline String for a string parameter and an Int32 for an int one as they
    are, without its dispatch (``_value``): the same value (and type), or the same error, as the dispatch gives."""
    body = _one_argument(code, raw)
    templated = BinaryFormatter()
    templated.read_call(body).decode_arguments([ANY])  # (any value will do: now a template)
    assert from_template(templated, body)
    for formatter in (FULL, templated):
        call = formatter.read_call(body)
        assert isinstance(call, BinaryCall)
        expected = _decoded(call._decoder._value, call._args[0], wt, 0)
        assert _decoded(lambda c, t: c.decode_arguments([t])[0], call, wt) == expected


_BODY = request(PLAIN)
_NAME = _BODY.index(b"\x05Alice")
#: where the values are: "Alice" with its prefix, then (after each one's type code) the int, double and bool
_SLOTS = {*range(_NAME, _NAME + 6), *range(_NAME + 7, _NAME + 11), *range(_NAME + 12, _NAME + 20), _NAME + 21}
_CONSTANT = sorted(set(range(len(_BODY))) - _SLOTS)


@pytest.mark.parametrize("position", _CONSTANT)
def test_a_changed_constant_byte_is_read_by_the_full_reader(position: int) -> None:
    tampered = bytearray(_BODY)
    tampered[position] ^= 0x41
    assert not from_template(PRIMED, bytes(tampered))
    assert outcome(PRIMED, bytes(tampered)) == outcome(FULL, bytes(tampered))


@pytest.mark.parametrize("tampered", [
    _BODY + b"\x0b", _BODY[:-1], _BODY[:-1] + b"\x0a\x0b", request(PLAIN, method=b"Cancel"),
    request(PLAIN, flags=0x02), request([*PLAIN[:3], b"\x01\x00"]), request(PLAIN[:3]),
])
def test_a_changed_shape_is_read_by_the_full_reader(tampered: bytes) -> None:
    assert not from_template(PRIMED, tampered)
    assert outcome(PRIMED, tampered) == outcome(FULL, tampered)


def test_what_is_not_a_simple_call_is_no_template() -> None:
    formatter = BinaryFormatter()
    body = request(PLAIN, flags=0x02)  # ArgsInline without NoContext: a shape no client sends
    call = formatter.read_call(body)
    assert isinstance(call, RecordingCall)
    call.decode_arguments(TYPES)
    assert not from_template(formatter, body)


def test_a_null_argument_is_a_constant_of_its_template() -> None:
    """An out parameter's slot travels as a null (code 17, no value bytes): part of the constant bytes."""
    types = [wire_type(str | None), *TYPES[1:]]
    with_null = request(PLAIN).replace(b"\x12\x05Alice", b"\x11")
    formatter = BinaryFormatter()
    assert outcome(formatter, with_null, types)[0] == "call"
    assert from_template(formatter, with_null)
    other = with_null.replace(struct.pack("<i", 3), struct.pack("<i", 7))
    assert from_template(formatter, other)
    assert outcome(formatter, other, types) == outcome(FULL, other, types)
    assert outcome(formatter, other, types)[-1] == repr([None, 7, 0.5, True])


def test_a_call_without_arguments_is_its_template() -> None:
    body = request([], flags=0x11)[:-5] + b"\x0b"  # NoArgs: no argument count
    formatter = BinaryFormatter()
    assert formatter.read_call(body).decode_arguments([]) == []
    assert from_template(formatter, body)
    assert outcome(formatter, body, []) == outcome(FULL, body, [])


def test_a_call_whose_arguments_were_refused_is_no_template() -> None:
    formatter = BinaryFormatter()
    with pytest.raises(SoapError):
        formatter.read_call(request(PLAIN)).decode_arguments([wire_type(int), *TYPES[1:]])
    assert not from_template(formatter, request(PLAIN))


def test_the_templates_are_bounded() -> None:
    formatter = BinaryFormatter()
    for i in range(CAPACITY + 10):
        formatter.read_call(request(PLAIN, method=b"Order%d" % i)).decode_arguments(TYPES)
    assert formatter._requests is not None and len(formatter._requests._templates) == CAPACITY
    assert from_template(formatter, request(PLAIN, method=b"Order%d" % (CAPACITY + 9)))
    assert not from_template(formatter, request(PLAIN, method=b"Order0"))


# ------------------------------------------------------------------ answers

RETURNS = [
    (wire_type(str), st.one_of(st.text(max_size=20), st.sampled_from(BOUNDARIES).map(lambda n: "é" * n))),
    (wire_type(int), st.integers(min_value=-(2**40), max_value=2**40)),
    (wire_type(Int64), st.integers(min_value=-(2**70), max_value=2**70)),
    (wire_type(Byte), st.integers(min_value=-5, max_value=300)),
    (wire_type(float), st.floats()),
    (wire_type(bool), st.booleans()),
    (wire_type(Decimal), st.decimals(allow_nan=False, places=3)),
    (wire_type(dt.datetime), st.datetimes()),
    (wire_type(dt.date), st.dates()),
    (wire_type(dt.timedelta), st.timedeltas()),
    (VOID, st.none()),
]


def _written(formatter: BinaryFormatter, ret: MethodReturn) -> tuple[object, ...]:
    call = formatter.read_call(request(PLAIN))
    try:
        return ("ok", *formatter.write_return(call, ret))
    except SoapError as exc:
        return ("error", type(exc).__name__, str(exc))


@settings(max_examples=300, deadline=None)
@given(data=st.data(), which=st.integers(min_value=0, max_value=len(RETURNS) - 1))
def test_an_answer_written_from_its_template_is_the_full_writers(data: st.DataObject, which: int) -> None:
    wt, values = RETURNS[which]
    formatter = BinaryFormatter()
    _written(formatter, MethodReturn("Order", "", data.draw(values), wt))  # the template, if it can be one
    value = data.draw(st.one_of(values, st.sampled_from(["\ud800", "", None, 1, 1.5, True, b"x"])))
    ret = MethodReturn("Order", "", value, wt)
    assert _written(formatter, ret) == _written(FULL, ret)


def test_answers_are_written_from_the_template() -> None:
    formatter = BinaryFormatter()
    _written(formatter, MethodReturn("Order", "", "first", wire_type(str)))
    answers = formatter._responses
    assert answers is not None
    for text in ("Hi there Alice", "é" * 200, "x" * 16384):
        ret = MethodReturn("Order", "", text, wire_type(str))
        assert answers.write(ret, 4) == _written(FULL, ret)[1]
    assert answers.write(MethodReturn("Order", "", "x", wire_type(str)), 3) is None  # another argument count


def test_answers_with_more_than_a_value_are_written_in_full() -> None:
    formatter = BinaryFormatter()
    _written(formatter, MethodReturn("Order", "", "first", wire_type(str)))
    answers = formatter._responses
    assert answers is not None
    with_out = MethodReturn("Order", "", "x", wire_type(str), out_args=[("n", 1, wire_type(int))],
                            out_positions=[1])
    with_context = MethodReturn("Order", "", "x", wire_type(str), call_context={"k": "v"})
    assert answers.write(with_out, 4) is None and answers.write(with_context, 4) is None
    for ret in (with_out, with_context):
        assert _written(formatter, ret) == _written(FULL, ret)
