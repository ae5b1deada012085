"""Hostile MS-NRBF input: the binary formatter either decodes a message or raises ``soap.SoapDecodeError``.

Two halves:

* a bounded hypothesis fuzz target: the 112 captured Mono messages (and a few of our own) mutated by byte
  flips, overwrites, truncations, insertions, deletions and length fields set to ``0x7fffffff`` (and other
  extremes), then fed to ``read_message``, ``read_call`` + ``decode_arguments`` and ``read_response`` with the
  declared types of the captured call and with ``ANY``. Nothing but ``SoapDecodeError`` may come out, and each
  message is done with quickly. ``max_examples`` is 500 under ``CI=true`` (200 locally; ``NRBF_FUZZ_EXAMPLES``
  overrides both);
* crafted attacks: lengths of ``2**31-1`` and of ``max_array_length + 1`` for every kind of array and for
  strings are refused in well under 0.5 s with a small, bounded peak of allocated memory (``tracemalloc``);
  nesting beyond ``max_depth`` / ``max_ref_depth``, more than ``max_elements`` records, cycles, dangling
  references and duplicate object ids are refused; forward references are resolved; class names that are
  not registered (``os.system``, .NET gadget types) are never constructed.
"""

from __future__ import annotations

import os
import struct
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import examples.remoting_samples  # noqa: F401  (registers Person, GreetingException, DayOfWeek)
from examples.hello import IHello
from examples.remoting_samples import ICounter, IRemoteService
from gateway import ILease
from gateway.model.activation import IActivator, runtime_registry
from soap import (
    ANY,
    DEFAULT_LIMITS,
    DEFAULT_REGISTRY,
    BinaryFormatter,
    Fault,
    Limits,
    MessageTooLarge,
    SoapDecodeError,
    TypeRegistry,
    WireType,
    serializable,
    wire_type,
)
from soap._nrbf_records import NrbfReader, read_message
from soap._nrbf_writer import lps, write_method_call, write_method_return
from wsdl import Operation, contract_of

from ..support.peers import in_ci

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mono_binary"
MAX_EXAMPLES = int(os.environ.get("NRBF_FUZZ_EXAMPLES", "500" if in_ci() else "200"))

REGISTRY = TypeRegistry(runtime_registry(DEFAULT_REGISTRY))
FORMATTER = BinaryFormatter(REGISTRY)
ASSEMBLY = "Fuzz, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null"

#: How long one hostile message may keep us busy, and how much memory its decoding may take.
#: a refusal costs less CPU time than this (this thread's CPU time, so that a busy machine does not fail it)
QUICK_SECONDS = 0.5
SMALL_PEAK_BYTES = 3 * 1024 * 1024


@dataclass
class Node:
    Label: str | None
    Next: Node | None = None


serializable("Fuzz.Node", ASSEMBLY, registry=REGISTRY)(Node)  # self-referencing: registered once defined

OPERATIONS: list[Operation] = [
    op for iface in (IHello, IRemoteService, ICounter, IActivator, ILease)
    for op in contract_of(iface).operations.values()
]  # fmt: skip


# ------------------------------------------------------------------ building messages by hand

I32 = struct.Struct("<i")
NULL = bytes([10])
END = bytes([11])


def i32(n: int) -> bytes:
    return I32.pack(n)


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def header(root_id: int = 1, header_id: int = -1) -> bytes:
    return bytes([0]) + struct.pack("<iiii", root_id, header_id, 1, 0)


def method_call(flags: int, method: str = "Do", type_name: str = "Fuzz.IService, Fuzz") -> bytes:
    return bytes([21]) + i32(flags) + bytes([18]) + lps(method) + bytes([18]) + lps(type_name)


def ref(object_id: int) -> bytes:
    return bytes([9]) + i32(object_id)


def call_array(*items: bytes) -> bytes:
    return bytes([16]) + i32(1) + i32(len(items)) + b"".join(items)


def call_with(records: bytes, *args: bytes) -> bytes:
    """An ArgsIsArray|NoContext call whose call array holds ``args``, followed by ``records``."""
    return header() + method_call(0x14) + call_array(*(args or (ref(2),))) + records + END


def system_class(object_id: int, name: str, members: list[tuple[str, int, bytes]], values: bytes) -> bytes:
    """SystemClassWithMembersAndTypes: members as (name, BinaryType, additional info bytes)."""
    return (bytes([4]) + i32(object_id) + lps(name) + i32(len(members)) + b"".join(lps(m) for m, _, _ in members)
            + bytes(t for _, t, _ in members) + b"".join(extra for _, _, extra in members) + values)  # fmt: skip


def user_class(
    object_id: int, name: str, library_id: int, members: list[tuple[str, int, bytes]], values: bytes
) -> bytes:
    return (bytes([5]) + i32(object_id) + lps(name) + i32(len(members)) + b"".join(lps(m) for m, _, _ in members)
            + bytes(t for _, t, _ in members) + b"".join(extra for _, _, extra in members) + i32(library_id)
            + values)  # fmt: skip


def library(library_id: int, name: str) -> bytes:
    return bytes([12]) + i32(library_id) + lps(name)


def node(object_id: int, label: bytes, next_value: bytes, library_id: int = 50) -> bytes:
    """A Fuzz.Node record (Label: String, Next: Class Fuzz.Node)."""
    members = [("Label", 1, b""), ("Next", 4, lps("Fuzz.Node") + i32(library_id))]
    return user_class(object_id, "Fuzz.Node", library_id, members, label + next_value)


def string_record(object_id: int, text: str) -> bytes:
    return bytes([6]) + i32(object_id) + lps(text)


# ------------------------------------------------------------------ what "decode it all" means


def decode_everything(data: bytes, op: Operation | None = None, limits: Limits = DEFAULT_LIMITS) -> int:
    """Every entry point a server or client uses on a body, with the declared types and with ANY.

    Each step either returns or raises SoapDecodeError; any other exception fails the test. Returns how
    many steps refused the message.
    """
    formatter = BinaryFormatter(REGISTRY, limits) if limits is not DEFAULT_LIMITS else FORMATTER

    def call(types: Callable[[int], list[WireType]]) -> object:
        incoming = formatter.read_call(data)
        return incoming.decode_arguments(types(incoming.argument_count))

    steps: list[Callable[[], object]] = [lambda: read_message(data, limits), lambda: call(lambda n: [ANY] * n)]
    if op is not None:
        steps.append(lambda: call(lambda n: op.parameter_types if n == len(op.parameters) else [ANY] * n))
        steps.append(lambda: formatter.read_response(data, op.name, op.returns))
    steps.append(lambda: formatter.read_response(data, "Do", ANY))
    refused = 0
    for step in steps:
        try:
            step()
        except SoapDecodeError:
            refused += 1
    return refused


@dataclass
class Cost:
    seconds: float = 0.0
    peak_bytes: int = 0


@pytest.fixture
def measure() -> Iterator[Callable[[Callable[[], object]], Cost]]:
    def run(action: Callable[[], object]) -> Cost:
        tracemalloc.start()
        started = time.thread_time()
        try:
            action()
        finally:
            cost = Cost(time.thread_time() - started, tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
        return cost

    yield run


def assert_refused_quickly(measure: Callable[[Callable[[], object]], Cost], data: bytes, match: str | None = None,
                           limits: Limits = DEFAULT_LIMITS) -> None:  # fmt: skip
    formatter = BinaryFormatter(REGISTRY, limits)

    def parse() -> None:
        with pytest.raises(SoapDecodeError, match=match):
            read_message(data, limits)
        with pytest.raises(SoapDecodeError, match=match):
            formatter.read_call(data).decode_arguments([ANY])
        with pytest.raises(SoapDecodeError):
            formatter.read_response(data, "Do", ANY)

    cost = measure(parse)
    assert cost.seconds < QUICK_SECONDS, f"took {cost.seconds:.3f} s"
    assert cost.peak_bytes < SMALL_PEAK_BYTES, f"peak {cost.peak_bytes} bytes allocated"


# ------------------------------------------------------------------ the fuzz target


@dataclass(frozen=True)
class Seed:
    name: str
    data: bytes
    op: Operation | None
    int_fields: tuple[int, ...]  # offsets of the Int32 lengths/counts
    string_fields: tuple[tuple[int, int], ...]  # (offset, size) of the 7-bit length prefixes


class _LengthFinder(NrbfReader):
    """The reader, noting where every length on the wire is."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data, DEFAULT_LIMITS)
        self.int_fields: list[int] = []
        self.string_fields: list[tuple[int, int]] = []

    def count(self, what: str) -> int:
        self.int_fields.append(self.pos)
        return super().count(what)

    def string(self) -> str:
        start = self.pos
        text = super().string()
        self.string_fields.append((start, self.pos - start - len(text.encode("utf-8"))))
        return text


def _operation_for(data: bytes) -> Operation | None:
    message = read_message(data, DEFAULT_LIMITS).message
    name = getattr(message, "method_name", None)
    return next((op for op in OPERATIONS if op.name == name), None)


def _seed(name: str, data: bytes, op: Operation | None) -> Seed:
    finder = _LengthFinder(data)
    finder.message()
    return Seed(name, data, op, tuple(finder.int_fields), tuple(finder.string_fields))


def _seeds() -> list[Seed]:
    seeds = []
    for path in sorted(FIXTURES.glob("*.bin")):
        data = path.read_bytes()
        method = path.name.split(".", 1)[0].split("_", 1)[1]
        op = _operation_for(data) or next((o for o in OPERATIONS if o.name == method), None)
        seeds.append(_seed(path.name, data, op))
    chain = Node("a", Node("b", Node("c")))
    ours = [
        ("ours-node-call", write_method_call("Do", "T, A", [chain, chain], [wire_type(Node)] * 2, REGISTRY)),
        ("ours-node-return", write_method_return([chain, None, chain], wire_type(list[Node | None]), 1, REGISTRY)),
        ("ours-strings", write_method_call("Do", "T, A", [["x", None, "ü"], b"\x00\xff"],
                                           [wire_type(list[str | None]), wire_type(bytes)], REGISTRY)),
    ]  # fmt: skip
    seeds.extend(_seed(name, data, None) for name, data in ours)
    return seeds


SEEDS = _seeds()
EXTREME_INTS = [0x7FFFFFFF, DEFAULT_LIMITS.max_array_length + 1, -1, 0, -(2**31), 1]
EXTREME_STRING_LENGTHS = [2**31 - 1, DEFAULT_LIMITS.max_array_length + 1, 2**35 - 1, 0, 1]


@dataclass(frozen=True)
class Mutation:
    kind: str
    where: float  # position as a fraction of the body (or an index into the seed's length fields)
    value: int
    payload: bytes = b""

    def apply(self, data: bytearray, seed: Seed) -> None:
        pos = min(int(self.where * len(data)), len(data))
        if self.kind == "flip" and pos < len(data):
            data[pos] ^= 1 << (self.value % 8)
        elif self.kind == "set" and pos < len(data):
            data[pos] = self.value % 256
        elif self.kind == "truncate":
            del data[pos:]
        elif self.kind == "insert":
            data[pos:pos] = self.payload
        elif self.kind == "delete":
            del data[pos:pos + 1 + self.value % 8]
        elif self.kind == "int-length" and seed.int_fields:
            offset = seed.int_fields[int(self.where * len(seed.int_fields)) % len(seed.int_fields)]
            if offset + 4 <= len(data):
                data[offset:offset + 4] = i32(EXTREME_INTS[self.value % len(EXTREME_INTS)])
        elif self.kind == "string-length" and seed.string_fields:
            offset, size = seed.string_fields[int(self.where * len(seed.string_fields)) % len(seed.string_fields)]
            if offset + size <= len(data):
                data[offset:offset + size] = varint(EXTREME_STRING_LENGTHS[self.value % len(EXTREME_STRING_LENGTHS)])


MUTATIONS = st.builds(
    Mutation,
    kind=st.sampled_from(["flip", "set", "truncate", "insert", "delete", "int-length", "int-length",
                          "string-length"]),
    where=st.floats(0.0, 1.0, allow_nan=False),
    value=st.integers(0, 255),
    payload=st.binary(min_size=1, max_size=8),
)  # fmt: skip


@settings(max_examples=MAX_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(seed=st.sampled_from(SEEDS), mutations=st.lists(MUTATIONS, min_size=1, max_size=4))
def test_mutated_messages_decode_or_raise_soap_decode_error(seed: Seed, mutations: list[Mutation]) -> None:
    data = bytearray(seed.data)
    for mutation in mutations:
        mutation.apply(data, seed)
    started = time.thread_time()
    decode_everything(bytes(data), seed.op)
    assert time.thread_time() - started < QUICK_SECONDS


@settings(max_examples=MAX_EXAMPLES // 2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200), st.sampled_from([b"", header(0, 0), header(), header() + method_call(0x14)]))
def test_random_bytes_decode_or_raise_soap_decode_error(tail: bytes, prefix: bytes) -> None:
    decode_everything(prefix + tail)


@pytest.mark.parametrize("seed", SEEDS, ids=[s.name for s in SEEDS])
def test_every_length_field_set_to_int_max_is_refused(seed: Seed) -> None:
    for offset in seed.int_fields:
        for value in (0x7FFFFFFF, DEFAULT_LIMITS.max_array_length + 1):
            data = bytearray(seed.data)
            data[offset:offset + 4] = i32(value)
            with pytest.raises(SoapDecodeError):
                read_message(bytes(data), DEFAULT_LIMITS)
    for offset, size in seed.string_fields:
        data = bytearray(seed.data)
        data[offset:offset + size] = varint(2**31 - 1)
        with pytest.raises(SoapDecodeError):
            read_message(bytes(data), DEFAULT_LIMITS)


def test_every_truncation_of_every_capture_is_refused() -> None:
    for seed in SEEDS:
        for cut in range(len(seed.data)):
            with pytest.raises(SoapDecodeError):
                read_message(seed.data[:cut], DEFAULT_LIMITS)


# ------------------------------------------------------------------ huge lengths, refused before allocating

HUGE = [2**31 - 1, DEFAULT_LIMITS.max_array_length + 1]


@pytest.mark.parametrize("length", HUGE)
def test_array_single_primitive_of_huge_length(measure: Any, length: int) -> None:
    for prim in (2, 8, 9, 5, 13):  # Byte, Int32, Int64, Decimal, DateTime
        data = call_with(bytes([15]) + i32(2) + i32(length) + bytes([prim]) + b"\x01" * 64)
        assert_refused_quickly(measure, data)


@pytest.mark.parametrize("length", HUGE)
@pytest.mark.parametrize("record", [16, 17], ids=["ArraySingleObject", "ArraySingleString"])
def test_array_single_object_of_huge_length(measure: Any, length: int, record: int) -> None:
    assert_refused_quickly(measure, call_with(bytes([record]) + i32(2) + i32(length) + NULL * 64))
    # the call array itself
    assert_refused_quickly(measure, header() + method_call(0x14) + bytes([16]) + i32(1) + i32(length) + NULL * 8)


@pytest.mark.parametrize("length", HUGE)
@pytest.mark.parametrize("element", [bytes([0, 8]), bytes([2]), bytes([1]), bytes([3]) + lps("System.Object")],
                         ids=["primitive", "object", "string", "system-class"])  # fmt: skip
def test_binary_array_of_huge_length(measure: Any, length: int, element: bytes) -> None:
    record = bytes([7]) + i32(2) + bytes([0]) + i32(1) + i32(length) + element + NULL * 32
    assert_refused_quickly(measure, call_with(record))


@pytest.mark.parametrize("length", [*HUGE, 2**35 - 1])
def test_string_of_huge_length(measure: Any, length: int) -> None:
    body = b"x" * 64
    # a BinaryObjectString, the method name, the type name, an inline string argument
    assert_refused_quickly(measure, call_with(bytes([6]) + i32(2) + varint(length) + body))
    assert_refused_quickly(measure, header(0, 0) + bytes([21]) + i32(0x11) + bytes([18]) + varint(length) + body)
    assert_refused_quickly(measure, header(0, 0) + method_call(0x12) + i32(1) + bytes([18]) + varint(length) + body)


def test_string_length_prefix_longer_than_five_bytes(measure: Any) -> None:
    assert_refused_quickly(measure, call_with(bytes([6]) + i32(2) + b"\xff" * 6 + b"\x01" + b"x" * 8),
                           match="longer than 5 bytes")  # fmt: skip


@pytest.mark.parametrize("length", HUGE)
def test_huge_member_argument_and_null_counts(measure: Any, length: int) -> None:
    huge_members = bytes([4]) + i32(2) + lps("Fuzz.Thing") + i32(length) + lps("a") * 8
    assert_refused_quickly(measure, call_with(huge_members))
    assert_refused_quickly(measure, header(0, 0) + method_call(0x12) + i32(length) + bytes([8]) + i32(1) * 8)
    # ObjectNullMultiple inside a 4-item array claiming more nulls than fit
    for nulls in (bytes([14]) + i32(length), bytes([13, 200])):
        assert_refused_quickly(measure, call_with(bytes([16]) + i32(2) + i32(4) + nulls + NULL * 8))


def test_lengths_within_a_small_limit_are_refused_even_with_the_bytes_present(measure: Any) -> None:
    limits = Limits(max_array_length=100)
    ok = call_with(bytes([15]) + i32(2) + i32(100) + bytes([2]) + b"\x07" * 100)
    read_message(ok, limits)
    assert BinaryFormatter(REGISTRY, limits).read_call(ok).decode_arguments([wire_type(bytes)]) == [b"\x07" * 100]
    for data in (
        call_with(bytes([15]) + i32(2) + i32(101) + bytes([2]) + b"\x07" * 101),
        call_with(bytes([16]) + i32(2) + i32(101) + NULL * 101),
        call_with(bytes([7]) + i32(2) + bytes([0]) + i32(1) + i32(101) + bytes([2]) + NULL * 101),
    ):
        assert_refused_quickly(measure, data, match="out of bounds", limits=limits)


def test_message_larger_than_max_bytes_is_refused_before_parsing(measure: Any) -> None:
    limits = Limits(max_bytes=1024)
    data = call_with(bytes([15]) + i32(2) + i32(2000) + bytes([2]) + b"\x00" * 2000)
    with pytest.raises(MessageTooLarge):
        read_message(data, limits)
    assert_refused_quickly(measure, data, match="exceeds the limit", limits=limits)


# ------------------------------------------------------------------ depth and record count


def _nested_classes(depth: int) -> bytes:
    """``depth`` SystemClass records, each holding the next one inline in an Object member."""
    return b"".join(system_class(n, "Fuzz.Box", [("inner", 2, b"")], b"") for n in range(2, depth + 2)) + NULL


def _nested_arrays(depth: int) -> bytes:
    """``depth`` one-item object arrays, each holding the next one inline."""
    return b"".join(bytes([16]) + i32(n) + i32(1) for n in range(2, depth + 2)) + NULL


@pytest.mark.parametrize("nest", [_nested_classes, _nested_arrays], ids=["classes", "arrays"])
def test_nesting_beyond_max_depth_is_refused(measure: Any, nest: Callable[[int], bytes]) -> None:
    limit = DEFAULT_LIMITS.max_depth
    read_message(call_with(nest(limit - 2)), DEFAULT_LIMITS)  # just inside the limit: fine
    assert_refused_quickly(measure, call_with(nest(limit + 1)), match="nested deeper")
    assert_refused_quickly(measure, call_with(nest(50_000)), match="nested deeper")  # no RecursionError


def test_chain_of_library_records_counts_as_nesting(measure: Any) -> None:
    chain = b"".join(library(100 + n, f"Lib{n}") for n in range(DEFAULT_LIMITS.max_depth + 5))
    assert_refused_quickly(measure, call_with(chain + string_record(2, "x")), match="nested deeper")


def test_reference_chain_beyond_max_ref_depth_is_refused(measure: Any) -> None:
    def chain(length: int) -> bytes:
        records = library(50, ASSEMBLY)
        for n in range(length):
            object_id = 2 + n
            following = ref(object_id + 1) if n + 1 < length else NULL
            records += node(object_id, NULL, following)
        return call_with(records)

    shallow = FORMATTER.read_call(chain(10)).decode_arguments([wire_type(Node)])[0]
    assert isinstance(shallow, Node) and shallow.Next is not None
    deep = chain(DEFAULT_LIMITS.max_ref_depth + 10)
    read_message(deep, DEFAULT_LIMITS)  # flat records: the reader is fine with it
    def decode() -> None:
        with pytest.raises(SoapDecodeError, match="deeper than"):
            FORMATTER.read_call(deep).decode_arguments([wire_type(Node)])

    cost = measure(decode)
    assert cost.seconds < QUICK_SECONDS and cost.peak_bytes < SMALL_PEAK_BYTES


def test_too_many_records_is_refused(measure: Any) -> None:
    limits = Limits(max_elements=1000)
    fine = call_with(bytes([16]) + i32(2) + i32(900) + NULL * 900)
    read_message(fine, limits)
    assert_refused_quickly(measure, call_with(bytes([16]) + i32(2) + i32(1500) + NULL * 1500),
                           match="more than 1000 records", limits=limits)  # fmt: skip
    many_strings = b"".join(string_record(10 + n, "s") for n in range(1500))
    assert_refused_quickly(measure, call_with(string_record(2, "x") + many_strings), match="more than 1000 records",
                           limits=limits)  # fmt: skip


def test_too_many_records_at_the_default_limit() -> None:
    count = DEFAULT_LIMITS.max_elements + 10
    data = call_with(bytes([16]) + i32(2) + i32(count) + NULL * count)
    started = time.thread_time()
    with pytest.raises(SoapDecodeError, match="records"):
        read_message(data, DEFAULT_LIMITS)
    assert time.thread_time() - started < 5.0


# ------------------------------------------------------------------ references


def test_forward_references_are_resolved() -> None:
    # the call array refers to 2, whose Label refers to 4 and Next to 3; both follow it in the stream
    records = library(50, ASSEMBLY) + node(2, ref(4), ref(3)) + node(3, string_record(5, "b"), NULL)
    records += string_record(4, "a")
    (value,) = FORMATTER.read_call(call_with(records)).decode_arguments([wire_type(Node)])
    assert value == Node("a", Node("b"))


def test_shared_record_decodes_to_one_object() -> None:
    records = library(50, ASSEMBLY) + node(2, string_record(4, "x"), NULL)
    first, second = FORMATTER.read_call(call_with(records, ref(2), ref(2))).decode_arguments([wire_type(Node)] * 2)
    assert first == Node("x") and first is second


@pytest.mark.parametrize(
    ("records", "types"),
    [
        (library(50, ASSEMBLY) + node(2, NULL, ref(2)), [Node]),  # itself
        (library(50, ASSEMBLY) + node(2, NULL, ref(3)) + node(3, NULL, ref(2)), [Node]),  # two nodes
        (bytes([16]) + i32(2) + i32(1) + ref(2), [list[Any]]),  # an array holding itself
        (bytes([16]) + i32(2) + i32(1) + ref(3) + bytes([16]) + i32(3) + i32(1) + ref(2), [Any]),
    ],
    ids=["self", "pair", "array-self", "array-pair"],
)
def test_cyclic_references_are_refused(records: bytes, types: list[object]) -> None:
    data = call_with(records)
    read_message(data, DEFAULT_LIMITS)  # inert records: a cycle is only a problem when building values
    with pytest.raises(SoapDecodeError, match="cyclic"):
        FORMATTER.read_call(data).decode_arguments([wire_type(t) for t in types])


@pytest.mark.parametrize(
    "data",
    [
        call_with(b"", ref(99)),  # the call array refers to nothing
        call_with(library(50, ASSEMBLY) + node(2, ref(77), NULL)),  # a member refers to nothing
        call_with(bytes([16]) + i32(2) + i32(2) + NULL + ref(3)),  # an array item refers to nothing
        header(5, -1) + method_call(0x14) + END,  # the header names a call array that is not there
    ],
    ids=["argument", "member", "array-item", "call-array"],
)
def test_dangling_references_are_refused(data: bytes) -> None:
    for declared in (Node, Any):
        with pytest.raises(SoapDecodeError):
            FORMATTER.read_call(data).decode_arguments([wire_type(declared)])


def test_dangling_reference_in_a_return_is_refused() -> None:
    data = header() + bytes([22]) + i32(0x1011) + call_array(ref(42)) + END
    with pytest.raises(SoapDecodeError, match="42"):
        FORMATTER.read_response(data, "Do", ANY)


@pytest.mark.parametrize(
    "records",
    [
        string_record(2, "a") + string_record(2, "b"),
        string_record(1, "clashes with the call array"),
        string_record(2, "a") + bytes([16]) + i32(2) + i32(0),
        library(50, ASSEMBLY) + node(2, NULL, NULL) + node(2, NULL, NULL),
        bytes([15]) + i32(2) + i32(1) + bytes([8]) + i32(1) + system_class(2, "Fuzz.Box", [], b""),
    ],
    ids=["strings", "call-array", "string-array", "classes", "array-class"],
)
def test_duplicate_object_ids_are_refused(records: bytes) -> None:
    with pytest.raises(SoapDecodeError, match="defined twice"):
        read_message(call_with(records), DEFAULT_LIMITS)


def test_undeclared_library_and_unknown_metadata_are_refused() -> None:
    with pytest.raises(SoapDecodeError, match="library"):
        read_message(call_with(node(2, NULL, NULL, library_id=77)), DEFAULT_LIMITS)
    with pytest.raises(SoapDecodeError, match="metadata"):
        read_message(call_with(bytes([1]) + i32(2) + i32(1234)), DEFAULT_LIMITS)  # ClassWithId


# ------------------------------------------------------------------ unknown classes are never constructed

GADGETS = [
    ("os.system", "posix"),
    ("builtins.eval", "builtins"),
    ("subprocess.Popen", "subprocess"),
    ("System.Diagnostics.Process", "System"),
    ("System.Windows.Data.ObjectDataProvider", "PresentationFramework, Version=4.0.0.0"),
    ("Fuzz.Unregistered", ASSEMBLY),
    ("Fuzz.node", ASSEMBLY),  # a registered name, differently cased
]


@pytest.mark.parametrize(("name", "assembly"), GADGETS)
def test_unknown_class_names_are_never_constructed(name: str, assembly: str) -> None:
    members = [("command", 1, b""), ("Label", 1, b""), ("Next", 2, b"")]
    values = string_record(3, "touch /tmp/pwned") + string_record(4, "x") + NULL
    data = call_with(library(50, assembly) + user_class(2, name, 50, members, values))
    message = read_message(data, DEFAULT_LIMITS)  # parsed into inert records only
    assert message.objects[2].__class__.__name__ == "ClassRecord"
    for declared in (Any, Node, Node | None):
        with pytest.raises(SoapDecodeError):
            FORMATTER.read_call(data).decode_arguments([wire_type(declared)])


@pytest.mark.parametrize(("name", "assembly"), GADGETS[:5])
def test_unknown_class_in_a_return_is_an_error_not_an_instance(name: str, assembly: str) -> None:
    members = [("command", 1, b"")]
    data = (header() + bytes([22]) + i32(0x1011) + call_array(ref(2)) + library(50, assembly)
            + user_class(2, name, 50, members, string_record(3, "id")) + END)  # fmt: skip
    with pytest.raises(SoapDecodeError, match="not a registered"):
        FORMATTER.read_response(data, "Do", ANY)


def test_unknown_exception_type_stays_information() -> None:
    """An exception class we do not know arrives as inert ExceptionInfo: nothing of that name is built."""
    string = (1, b"")
    members = [("ClassName", *string), ("Message", *string), ("Payload", *string)]
    values = string_record(3, "os.system") + string_record(4, "boom") + string_record(5, "rm -rf /")
    data = (header() + bytes([22]) + i32(0x2211) + call_array(ref(2)) + library(50, "posix")
            + user_class(2, "os.system", 50, members, values) + END)  # fmt: skip
    fault = FORMATTER.read_response(data, "Do", ANY)
    assert isinstance(fault, Fault) and fault.exception is not None
    assert fault.exception.value is None
    assert (fault.exception.type_name, fault.exception.message) == ("os.system", "boom")
    assert fault.exception.fields[0][:2] == ("Payload", "rm -rf /")
