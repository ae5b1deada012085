"""``soap._int_lists``, the compiled reader of MS-NRBF integer arrays (soap/_int_lists.c): the same values as
the pure-Python reader it replaces, items that fit 16 bits shared, bounds refused, and every binary path that
reads an integer array (the record reader, the request templates, a call through the gateway) using it.

The module is optional for a server (setup.py builds it when there is a C compiler); the tests need it, as a
peer: skipped locally with the reason when it is not built, a failure under ``CI=true``.
"""

from __future__ import annotations

import asyncio
import struct
import sys
from types import ModuleType

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway import AsyncRemotingClient, MarshalByRefObject, RemotingApp, WellKnownObjectMode
from soap import _nrbf_records
from soap._nrbf_records import Primitive, fixed_items
from tests.support.peers import require_peer

#: (primitive, struct format, width, signed)
INTEGER_ARRAYS = [
    (Primitive.Int16, "h", 2, True), (Primitive.UInt16, "H", 2, False),
    (Primitive.Int32, "i", 4, True), (Primitive.UInt32, "I", 4, False),
    (Primitive.Int64, "q", 8, True), (Primitive.UInt64, "Q", 8, False),
]


def _compiled() -> ModuleType:
    try:
        from soap import _int_lists
    except ImportError as exc:
        require_peer("soap._int_lists", False, f"{exc}: pip install -e . with a C compiler (gcc) builds it")
        raise
    return _int_lists


@pytest.fixture(scope="module")
def int_lists() -> ModuleType:
    return _compiled()


def _bounds(fmt: str) -> tuple[int, int]:
    bits = 8 * struct.calcsize(fmt)
    return (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if fmt.islower() else (0, (1 << bits) - 1)


@st.composite
def integer_arrays(draw: st.DrawFn) -> tuple[Primitive, str, int, bool, list[int], bytes]:
    prim, fmt, width, signed = draw(st.sampled_from(INTEGER_ARRAYS))
    low, high = _bounds(fmt)
    edges = st.sampled_from([low, high, 0, 256, 257, -32768, -32769, 65535, 65536, -1, 1])
    values = draw(st.lists(st.integers(low, high) | edges.filter(lambda v: low <= v <= high), max_size=300))
    prefix = draw(st.binary(max_size=9))
    return prim, fmt, width, signed, values, prefix


@given(integer_arrays())
def test_the_values_are_those_struct_reads(case: tuple[Primitive, str, int, bool, list[int], bytes]) -> None:
    int_lists = _compiled()
    prim, fmt, width, signed, values, prefix = case
    data = prefix + struct.pack(f"<{len(values)}{fmt}", *values) + b"\x0b"
    assert int_lists.int_list(data, len(prefix), len(values), width, signed) == values
    assert int_lists.int_list(memoryview(data), len(prefix), len(values), width, signed) == values
    assert fixed_items(data, len(prefix), len(values), prim) == values


@given(integer_arrays())
def test_the_reader_gives_the_same_lists_without_the_module(
    case: tuple[Primitive, str, int, bool, list[int], bytes],
) -> None:
    _compiled()
    prim, fmt, _, _, values, prefix = case
    data = prefix + struct.pack(f"<{len(values)}{fmt}", *values)
    with_module = fixed_items(data, len(prefix), len(values), prim)
    saved = _nrbf_records._int_list
    _nrbf_records._int_list = None
    try:
        without = fixed_items(data, len(prefix), len(values), prim)
    finally:
        _nrbf_records._int_list = saved
    assert with_module == without == values
    assert all(type(v) is int for v in with_module)


def test_sixteen_bit_values_share_one_object_and_others_do_not_leak(int_lists: ModuleType) -> None:
    values = [1000, -32768, 65535, 70000, -40000, 2**31 - 1]
    data = struct.pack("<6i", *values)
    first = int_lists.int_list(data, 0, 6, 4, True)
    second = int_lists.int_list(data, 0, 6, 4, True)
    assert first == second == values
    assert first is not second  # a new list every time: a method may change its own
    assert all(a is b for a, b in zip(first[:3], second[:3], strict=True))  # shared, as CPython shares 0..256
    assert first[3] is not second[3]  # a value outside the table: a new object each time
    outside = second[3]
    before = sys.getrefcount(outside)
    int_lists.int_list(data, 0, 6, 4, True)
    after = sys.getrefcount(outside)
    assert after == before  # nothing kept of it


@pytest.mark.parametrize(
    ("start", "count", "width"),
    [(0, 6, 4), (2, 5, 4), (-1, 1, 4), (0, -1, 4), (21, 0, 4), (0, 3, 8), (0, 1, 3), (0, sys.maxsize, 4)],
)
def test_what_the_buffer_does_not_hold_is_refused(int_lists: ModuleType, start: int, count: int, width: int) -> None:
    data = struct.pack("<5i", 1, 2, 3, 4, 5)
    with pytest.raises(ValueError, match=r"does not hold|width"):
        int_lists.int_list(data, start, count, width, True)


def test_the_boundaries_of_every_width(int_lists: ModuleType) -> None:
    for _prim, fmt, width, signed in INTEGER_ARRAYS:
        low, high = _bounds(fmt)
        values = [low, low + 1, -1 if signed else 1, 0, high - 1, high]
        data = struct.pack(f"<{len(values)}{fmt}", *values)
        assert int_lists.int_list(data, 0, len(values), width, signed) == values, fmt


# ------------------------------------------------------------------ through the gateway


class Arrays(MarshalByRefObject):
    """A remote object taking and returning .NET int[] and long[] (as the benchmarks' SumInts)."""

    def SumInts(self, values: list[int]) -> int:
        return sum(values)

    def EchoInts(self, values: list[int]) -> list[int]:
        values.append(0)  # the method's own list: the next call's is another
        return values[:-1]


@pytest.mark.parametrize("values", [[i % 1000 for i in range(10_000)], [-(2**31), 2**31 - 1, 65536, -32769, 7, 0]])
def test_a_binary_call_hands_the_method_the_values(int_lists: ModuleType, values: list[int]) -> None:
    app = RemotingApp(formatters=("binary",))
    app.register_well_known(Arrays, "Arrays.rem", WellKnownObjectMode.Singleton)

    async def go() -> None:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with AsyncRemotingClient(formatter="binary", http_client=httpx.AsyncClient(transport=transport)) as c:
            proxy = c.get_object(Arrays, "http://testserver/Arrays.rem")
            for _ in range(2):  # the second call through the request template the first one made
                assert await proxy.EchoInts(values) == values
                assert await proxy.SumInts(values) == sum(values)

    asyncio.run(go())
