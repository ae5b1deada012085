"""Typed arrays in the binary formatter: ``list[T]`` travels as .NET's ``T[]``, and reads back the same way.

``list[Address]`` of a registered class is a ``BinaryArray`` whose element type is the class ``Address``
(a .NET caller declared ``Address[]`` gets one, not an ``object[]``), its items references to the objects,
the second and later of a class written as ``ClassWithId``; ``list[Level]`` of an enum is the same with
the boxed values inline (enums are value types); as a member, such a list is declared as the class
``Address[]``. Strings are ``ArraySingleString``, primitives ``ArraySinglePrimitive``. Runs of nulls are
compacted as .NET writes them (``ObjectNullMultiple256`` / ``ObjectNullMultiple``). Mono's own bytes for
these shapes are matched in ``test_mono_dotnet_captures.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soap import DEFAULT_LIMITS, Limits, SoapDecodeError, SoapEncodeError, serializable, wire_type
from soap._nrbf_records import ArrayRecord, BinaryType, NrbfReader, Primitive, RecordType, read_message
from soap._nrbf_writer import write_method_call, write_method_return
from tests.soap.test_nrbf_roundtrip import (
    ADDRESSES,
    ASSEMBLY,
    REGISTRY,
    SETTINGS,
    TEXT,
    Address,
    Level,
    both,
)


@serializable("RoundTrip.Route", ASSEMBLY, registry=REGISTRY)
@dataclass
class Route:
    """Every kind of typed array as a member."""

    Stops: list[Address | None] | None
    Levels: list[Level] | None
    Names: list[str | None] | None
    Distances: list[int] | None
    Anything: list[Any] | None


def arrays_of(data: bytes) -> list[ArrayRecord]:
    """The arrays of a message other than the call array."""
    return [r for r in read_message(data, DEFAULT_LIMITS).objects.values() if isinstance(r, ArrayRecord) and r.id != 1]


def record_kinds(data: bytes) -> list[int]:
    kinds: list[int] = []
    reader = NrbfReader(data, DEFAULT_LIMITS)
    original = reader._record

    def spy(kind: int) -> object:
        kinds.append(kind)
        return original(kind)

    reader._record = spy  # type: ignore[method-assign]
    reader.message()
    return kinds


MAYBE_ADDRESSES = st.lists(st.one_of(st.none(), ADDRESSES), max_size=12)


@SETTINGS
@given(MAYBE_ADDRESSES)
def test_list_of_a_registered_class_is_a_typed_array(values: list[Address | None]) -> None:
    assert both(values, list[Address | None]) == (values, values)
    for body in (write_method_return(values, wire_type(list[Address | None]), 0, REGISTRY),
                 write_method_call("Do", "T, A", [values], [wire_type(list[Address | None])], REGISTRY)):
        (array,) = arrays_of(body)
        assert (array.element_type, array.class_name, len(array.items)) == (BinaryType.Class, "RoundTrip.Address",
                                                                            len(values))  # fmt: skip
        distinct = sum(v is not None for v in values)
        # one ClassWithMembersAndTypes, then ClassWithId for every other Address
        assert record_kinds(body).count(RecordType.ClassWithId) == max(0, distinct - 1)


@SETTINGS
@given(st.lists(st.sampled_from(Level), max_size=10))
def test_list_of_an_enum_is_a_typed_array_of_inline_values(values: list[Level]) -> None:
    assert both(values, list[Level]) == (values, values)
    body = write_method_return(values, wire_type(list[Level]), 0, REGISTRY)
    (array,) = arrays_of(body)
    assert (array.element_type, array.class_name) == (BinaryType.Class, "RoundTrip.Level")
    # the values are inline, not referenced: the only reference is the call array's to the array
    assert record_kinds(body).count(RecordType.MemberReference) == 1


ROUTES = st.builds(
    Route,
    Stops=st.one_of(st.none(), MAYBE_ADDRESSES),
    Levels=st.one_of(st.none(), st.lists(st.sampled_from(Level), max_size=5)),
    Names=st.one_of(st.none(), st.lists(st.one_of(st.none(), TEXT), max_size=5)),
    Distances=st.one_of(st.none(), st.lists(st.integers(-(2**31), 2**31 - 1), max_size=5)),
    Anything=st.one_of(st.none(), st.lists(st.one_of(st.none(), TEXT, st.integers(-5, 5)), max_size=5)),
)


@SETTINGS
@given(ROUTES)
def test_typed_arrays_as_members(value: Route) -> None:
    assert both(value, Route) == (value, value)
    reader = NrbfReader(write_method_return(value, wire_type(Route), 0, REGISTRY), DEFAULT_LIMITS)
    reader.message()
    info = next(i for i in reader.metadata.values() if i.name == "RoundTrip.Route")
    assert info.types is not None
    assert dict(zip(info.member_names, info.types, strict=True)) == {
        "Stops": (BinaryType.Class, "RoundTrip.Address[]"),
        "Levels": (BinaryType.Class, "RoundTrip.Level[]"),
        "Names": (BinaryType.StringArray, None),
        "Distances": (BinaryType.PrimitiveArray, Primitive.Int32),
        "Anything": (BinaryType.ObjectArray, None),
    }


@pytest.mark.parametrize("count", [1, 2, 3, 255, 256, 1000])
def test_runs_of_nulls_are_compacted_and_read_back(count: int) -> None:
    for hint, item in ((list[Address | None], Address("a", 1)), (list[str | None], "s"), (list[Any], 5)):
        values: list[Any] = [item, *([None] * count), item]
        assert both(values, hint) == (values, values)
        kinds = record_kinds(write_method_return(values, wire_type(hint), 0, REGISTRY))
        if count <= 2:
            assert kinds.count(RecordType.ObjectNull) == count
        else:
            expected = RecordType.ObjectNullMultiple256 if count <= 255 else RecordType.ObjectNullMultiple
            assert kinds.count(expected) == 1 and RecordType.ObjectNull not in kinds


def test_null_runs_cannot_claim_unbounded_slots() -> None:
    """A few bytes of ObjectNullMultiple cannot make the reader allocate millions of slots, message-wide."""
    three = [[None] * 600 for _ in range(3)]
    body = write_method_return(three, wire_type(list[list[str | None]]), 0, REGISTRY)
    read_message(body, DEFAULT_LIMITS)
    with pytest.raises(SoapDecodeError, match="null array slots"):
        read_message(body, Limits(max_array_length=1000))


def test_a_primitive_list_holding_none_is_refused() -> None:
    with pytest.raises(SoapEncodeError, match=r"cannot hold None.*Int32\[\]"):
        write_method_return([1, None], wire_type(list[int]), 0, REGISTRY)


def test_an_item_of_another_class_is_refused() -> None:
    with pytest.raises(SoapEncodeError, match="item 1 of a list"):
        write_method_return([Address("a", 1), Level.Low], wire_type(list[Address]), 0, REGISTRY)


def test_a_list_of_an_unregistered_class_stays_an_object_array() -> None:
    @dataclass
    class Stranger:
        X: int

    (array,) = arrays_of(write_method_return([], wire_type(list[Stranger]), 0, REGISTRY))
    assert array.element_type is BinaryType.Object
