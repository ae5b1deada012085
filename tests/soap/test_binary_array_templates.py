"""Binary calls whose arguments are primitive arrays (``SumInts(int[10000])``), read from a template: the
call array and each array's record head are constant bytes, each array's items a slot of fixed size
(``soap._nrbf_request_templates.ArraySlot``). Whatever the slot bytes, the call and its decoded arguments
(or the error) are what the full reader gives; any other length, type or shape goes to the full reader.
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soap import DEFAULT_REGISTRY, Byte, Int16, Int64, Limits, SoapError, WireType, wire_type
from soap._binary import BinaryCall, BinaryFormatter
from soap._nrbf_writer import write_method_call

TYPE_NAME = "LargePeer.ILarge, LargeShared"
INTS = wire_type(list[int])
DOUBLES = wire_type(list[float])
BYTES = wire_type(bytes)


def call_body(args: list[object], types: list[WireType], method: str = "Sum") -> bytes:
    return write_method_call(method, TYPE_NAME, args, types, DEFAULT_REGISTRY)


def outcome(formatter: BinaryFormatter, body: bytes, types: list[WireType]) -> tuple[object, ...]:
    try:
        call = formatter.read_call(body)
        args = call.decode_arguments(types)
        assert isinstance(call, BinaryCall)
        return ("call", call.method_name, call.claimed_type, call.argument_count, call.call_context(),
                call.signature(), call.argument_type_names(), repr(args))
    except SoapError as exc:
        return ("error", type(exc).__name__, str(exc))


def from_template(formatter: BinaryFormatter, body: bytes) -> bool:
    assert formatter._requests is not None
    return formatter._requests.read(body) is not None


TYPES = [INTS, DOUBLES, BYTES]
PRIMING = call_body([list(range(50)), [0.5] * 7, b"abc"], TYPES)
FULL = BinaryFormatter(templates=False)


def primed(body: bytes = PRIMING, types: list[WireType] = TYPES) -> BinaryFormatter:
    formatter = BinaryFormatter()
    assert outcome(formatter, body, types)[0] == "call"
    assert from_template(formatter, body)
    return formatter


PRIMED = primed()


def test_the_writer_sends_arrays_in_the_call_array() -> None:
    assert struct.unpack_from("<i", PRIMING, 18)[0] == 0x14  # ArgsIsArray | NoContext


@settings(max_examples=300, deadline=None)
@given(ints=st.binary(min_size=200, max_size=200), doubles=st.binary(min_size=56, max_size=56),
       raw=st.binary(min_size=3, max_size=3),
       types=st.sampled_from([TYPES, [wire_type(list[Int16]), DOUBLES, BYTES],
                              [wire_type(list[Byte]), wire_type(list[int]), BYTES],
                              [wire_type(list[Int64]), DOUBLES, wire_type(list[Byte])], TYPES[:2]]))
def test_any_slot_bytes_read_as_the_full_reader_reads_them(ints: bytes, doubles: bytes, raw: bytes,
                                                           types: list[WireType]) -> None:
    head = len(PRIMING) - 1 - 3 - 10 - 56 - 10 - 200  # MessageEnd, the byte[] and its head, the doubles ...
    body = bytearray(PRIMING)
    body[head:head + 200] = ints
    body[head + 210:head + 266] = doubles
    body[-4:-1] = raw
    assert from_template(PRIMED, bytes(body))
    assert outcome(PRIMED, bytes(body), types) == outcome(FULL, bytes(body), types)


@pytest.mark.parametrize("body", [
    call_body([list(range(51)), [0.5] * 7, b"abc"], TYPES),  # another length
    call_body([list(range(50)), [0.5] * 7, b"abcd"], TYPES),
    call_body([list(range(50)), [0.5] * 7, b"abc"], TYPES, method="Other"),
    PRIMING[:-1], PRIMING + b"\x0b", PRIMING[:-2] + b"\x0b",
])
def test_another_length_or_shape_is_read_by_the_full_reader(body: bytes) -> None:
    assert not from_template(PRIMED, body)
    assert outcome(PRIMED, body, TYPES) == outcome(FULL, body, TYPES)


def test_the_limits_were_checked_when_the_template_was_made() -> None:
    """An array over the limits is refused by the full reader and so never becomes a template."""
    small = Limits(max_array_length=40)
    formatter = BinaryFormatter(limits=small)
    for _ in range(2):
        assert outcome(formatter, PRIMING, TYPES)[:2] == ("error", "LimitExceeded")
    assert not from_template(formatter, PRIMING)


def test_each_message_gets_its_own_records() -> None:
    """Two calls read from one template share no list: a method that changes its argument changes no other."""
    first = PRIMED.read_call(PRIMING).decode_arguments(TYPES)
    second = PRIMED.read_call(PRIMING).decode_arguments(TYPES)
    assert first == second and first[0] is not second[0]
    assert isinstance(first[0], list)
    first[0].append(1)
    assert PRIMED.read_call(PRIMING).decode_arguments(TYPES)[0] == list(range(50))


def test_a_mixed_call_array_is_no_template() -> None:
    """A scalar in the call array (a MemberPrimitiveTyped beside the references) is not templated."""
    types = [INTS, wire_type(int)]
    body = call_body([list(range(5)), 3], types)
    formatter = BinaryFormatter()
    assert outcome(formatter, body, types)[0] == "call"
    assert not from_template(formatter, body)
