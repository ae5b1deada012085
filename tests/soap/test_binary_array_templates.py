"""Binary calls whose arguments are primitive arrays (``SumInts(int[10000])``), read from a template: the
call array and each array's record type, id and item type are constant bytes, each array's length and its
items are slots (soap/_nrbf_request_templates.py, ``_array_spans``). Whatever the slot bytes (any length,
over the limits, negative, more or fewer items than the message holds), the call and its decoded arguments,
or the error, are what the full reader gives; any other shape goes to the full reader. The decoded lists are
the method's own: changing one changes no later call.
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from examples.call_model import TraceTag
from soap import DEFAULT_REGISTRY, Byte, Int16, Int64, Limits, SoapError, UInt16, WireType, wire_type
from soap._binary import BinaryCall, BinaryFormatter
from soap._nrbf_writer import write_method_call

TYPE_NAME = "LargePeer.ILarge, LargeShared"
INTS = wire_type(list[int])
DOUBLES = wire_type(list[float])
BYTES = wire_type(bytes)
TYPES = [INTS, DOUBLES, BYTES]


def call_body(args: list[object], types: list[WireType], method: str = "Sum",
              context: dict[str, object] | None = None) -> bytes:
    return write_method_call(method, TYPE_NAME, args, types, DEFAULT_REGISTRY, call_context=context)


def outcome(formatter: BinaryFormatter, body: bytes, types: list[WireType]) -> tuple[object, ...]:
    """The call and its decoded arguments (repr: NaN is not equal to itself), or the error."""
    try:
        call = formatter.read_call(body)
        args = call.decode_arguments(types)
        assert isinstance(call, BinaryCall)
        return ("call", call.method_name, call.claimed_type, call.argument_count, repr(call.call_context()),
                call.signature(), call.argument_type_names(), repr(args))
    except SoapError as exc:
        return ("error", type(exc).__name__, str(exc))


def from_template(formatter: BinaryFormatter, body: bytes) -> bool:
    assert formatter._requests is not None
    return formatter._requests.read(body) is not None


PRIMING = call_body([list(range(50)), [0.5] * 7, b"abc"], TYPES)
SMALL = Limits(max_array_length=40, max_binary_length=20, max_array_items=60)
FULL = BinaryFormatter(templates=False)
FULL_SMALL = BinaryFormatter(limits=SMALL, templates=False)


def primed(body: bytes = PRIMING, types: list[WireType] = TYPES, limits: Limits | None = None) -> BinaryFormatter:
    formatter = BinaryFormatter(limits=limits) if limits is not None else BinaryFormatter()
    assert outcome(formatter, body, types)[0] == "call"
    assert from_template(formatter, body)
    return formatter


PRIMED = primed()
#: primed with arrays within the small limits, so the template's limits are the small ones
PRIMED_SMALL = primed(call_body([list(range(5)), [0.5], b"ab"], TYPES), limits=SMALL)


def test_the_writer_sends_arrays_in_the_call_array() -> None:
    assert struct.unpack_from("<i", PRIMING, 18)[0] == 0x14  # ArgsIsArray | NoContext


def _arrays_of(body: bytes) -> list[int]:
    """Where each ArraySinglePrimitive record (type 15) of a message written by ``call_body`` starts."""
    found, pos = [], body.index(b"\x10")  # the call array (ArraySingleObject)
    pos += 9 + 5 * struct.unpack_from("<i", body, pos + 5)[0]
    while body[pos] == 15:
        found.append(pos)
        width = {8: 4, 6: 8, 2: 1}[body[pos + 9]]
        pos += 10 + width * struct.unpack_from("<i", body, pos + 5)[0]
    return found


int32s = st.lists(st.integers(-2**31, 2**31 - 1), max_size=60)
doubles = st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=30)


@settings(max_examples=200, deadline=None)
@given(ints=int32s, floats=doubles, data=st.binary(max_size=30),
       types=st.sampled_from([TYPES, [wire_type(list[Int16]), DOUBLES, BYTES],
                              [wire_type(list[UInt16]), wire_type(list[float]), wire_type(list[Byte])],
                              [wire_type(list[Int64]), DOUBLES, wire_type(list[int])], TYPES[:2]]))
def test_arrays_of_any_length_and_values_read_as_the_full_reader_reads_them(
        ints: list[int], floats: list[float], data: bytes, types: list[WireType]) -> None:
    body = call_body([ints, floats, data], TYPES)
    assert from_template(PRIMED, body)
    assert outcome(PRIMED, body, types) == outcome(FULL, body, types)
    assert outcome(PRIMED_SMALL, body, types) == outcome(FULL_SMALL, body, types)


@settings(max_examples=300, deadline=None)
@given(which=st.integers(0, 2), length=st.one_of(
    st.integers(-2**31, 2**31 - 1), st.sampled_from([-1, 0, 1, 2, 3, 6, 7, 8, 19, 20, 21, 40, 41, 49, 50, 51, 61])),
    tail=st.binary(max_size=16))
def test_any_length_field_reads_as_the_full_reader_reads_it(which: int, length: int, tail: bytes) -> None:
    """A length that claims more or fewer items than the bytes there (or over a limit, or negative): the same
    call or the same error, and nothing allocated for a length the limits refuse."""
    body = bytearray(call_body([list(range(50)), [0.5] * 7, b"abc"], TYPES))
    at = _arrays_of(bytes(body))[which]
    body[at + 5:at + 9] = struct.pack("<i", length)
    for message in (bytes(body), bytes(body[:-1]) + tail + b"\x0b"):
        assert outcome(PRIMED, message, TYPES) == outcome(FULL, message, TYPES)
        assert outcome(PRIMED_SMALL, message, TYPES) == outcome(FULL_SMALL, message, TYPES)


@pytest.mark.parametrize("args", [
    [list(range(41)), [0.5], b"ab"],  # over max_array_length
    [list(range(5)), [0.5], b"x" * 21],  # over max_binary_length
    [list(range(40)), [0.5] * 20, b"ab"],  # 40 + 20 + the call array's 3 > max_array_items
])
def test_an_array_over_the_limits_is_the_full_readers_error(args: list[object]) -> None:
    body = call_body(args, TYPES)
    assert not from_template(PRIMED_SMALL, body)
    assert outcome(PRIMED_SMALL, body, TYPES)[:2] == ("error", "LimitExceeded")
    assert outcome(PRIMED_SMALL, body, TYPES) == outcome(FULL_SMALL, body, TYPES)


@pytest.mark.parametrize("body", [
    call_body([list(range(50)), [0.5] * 7, b"abc"], TYPES, method="Other"),
    call_body([[0.5], [0.5] * 7, b"abc"], [DOUBLES, DOUBLES, BYTES]),  # another item type
    call_body([list(range(50)), [0.5] * 7], TYPES[:2]),  # fewer arrays
    PRIMING[:-1], PRIMING + b"\x0b", PRIMING[:-2] + b"\x0b",
])
def test_another_shape_is_read_by_the_full_reader(body: bytes) -> None:
    assert not from_template(PRIMED, body)
    assert outcome(PRIMED, body, TYPES) == outcome(FULL, body, TYPES)


def test_each_call_gets_its_own_lists() -> None:
    """The decoder hands an integer array's list to the method as it is: two calls read from one template
    share none, and a method that changes its argument changes no later call."""
    first = PRIMED.read_call(PRIMING).decode_arguments(TYPES)
    second = PRIMED.read_call(PRIMING).decode_arguments(TYPES)
    assert first == second and first[0] is not second[0]
    assert isinstance(first[0], list)
    first[0].append(1)
    assert PRIMED.read_call(PRIMING).decode_arguments(TYPES)[0] == list(range(50))


def test_an_array_in_a_context_template_is_copied_for_every_call() -> None:
    """A call with a call context and an array argument is read from a context template, whose records
    without slots are shared between calls: the array is still made afresh for each."""
    types = [INTS, wire_type(str)]
    body = call_body([[1, 2, 3], "x"], types, context={"trace": TraceTag("abc", 1)})
    formatter = primed(body, types)
    first = formatter.read_call(body).decode_arguments(types)[0]
    assert isinstance(first, list)
    first.append(4)
    assert formatter.read_call(body).decode_arguments(types)[0] == [1, 2, 3]
    assert from_template(formatter, body)


def test_a_mixed_call_array_is_no_array_template() -> None:
    """A scalar in the call array (a MemberPrimitiveTyped beside the references) is not templated."""
    types = [INTS, wire_type(int)]
    body = call_body([list(range(5)), 3], types)
    formatter = BinaryFormatter()
    assert outcome(formatter, body, types)[0] == "call"
    assert not from_template(formatter, body)
