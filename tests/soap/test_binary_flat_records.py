"""Arrays of by-value objects in MS-NRBF: the writer's one-step paths give the general path's bytes.

An array of class objects writes each item's reference without ``object_value``'s dispatch
(``NrbfWriter._references``), and a class whose fields are all ``str``, ``float`` or 32-bit ``int`` is
written from its precomputed layout (``NrbfWriter._flat_record``), its string records' ids taken only once
every value is known to fit. Whatever the values (the same object twice, nulls, a number out of Int32's
range, a ``None`` name, long and non-ASCII strings), the message is byte for byte what the general path
writes, and reads back to the same objects.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soap import DEFAULT_REGISTRY, BinaryFormatter, serializable, wire_type
from soap import _nrbf_writer as writer
from soap._nrbf_writer import write_method_return


@serializable("FlatPeer.Item", "FlatShared")
@dataclass
class Item:
    Id: int
    Name: str | None
    Value: float


@serializable("FlatPeer.Pair", "FlatShared")
@dataclass
class Pair:
    Left: Item | None
    Right: Item | None


def general(value: object, wt: object) -> bytes:
    """The message the writer's general path writes (no flat records, every array item through ``_items``)."""
    saved_flat, saved_refs = dict(writer._FLAT_RECORDS), writer.NrbfWriter._references
    try:
        writer._FLAT_RECORDS.clear()
        writer._FLAT_RECORDS.update(dict.fromkeys(saved_flat))  # (every class known, none flat)
        writer.NrbfWriter._references = lambda self, items, item: self._items(items, item)  # type: ignore[method-assign]
        return write_method_return(value, wt, 1, DEFAULT_REGISTRY)  # type: ignore[arg-type]
    finally:
        writer._FLAT_RECORDS.clear()
        writer._FLAT_RECORDS.update(saved_flat)
        writer.NrbfWriter._references = saved_refs  # type: ignore[method-assign]


names = st.one_of(st.none(), st.text(max_size=5), st.text(min_size=120, max_size=140),
                  st.sampled_from(["", "é" * 64, "😀" * 40, "x" * 127, "x" * 128]))
ints = st.one_of(st.integers(-2**31, 2**31 - 1), st.sampled_from([-2**31 - 1, 2**31, 2**40]))
items = st.builds(Item, ints, names, st.floats(allow_nan=False))
ITEMS = wire_type(list[Item])
PAIRS = wire_type(list[Pair])


@pytest.fixture(autouse=True, scope="module")
def _flat_known() -> None:
    """Items written once, so the writer knows Item as a flat class (its first write takes the general path)."""
    write_method_return([Item(1, "a", 0.5)], ITEMS, 1, DEFAULT_REGISTRY)
    write_method_return([Item(1, "a", 0.5)], ITEMS, 1, DEFAULT_REGISTRY)
    assert writer._FLAT_RECORDS.get(Item) is not None


@settings(max_examples=150, deadline=None)
@given(values=st.lists(st.one_of(items, st.none()), max_size=12), repeat=st.lists(st.integers(0, 11), max_size=4))
def test_an_array_of_objects_is_written_as_the_general_path_writes_it(values: list[Item | None],
                                                                       repeat: list[int]) -> None:
    listed = list(values)
    for i in repeat:  # the same object twice: one record, two references
        if i < len(listed):
            listed.append(listed[i])
    try:
        fast = write_method_return(listed, ITEMS, 1, DEFAULT_REGISTRY)
    except Exception as exc:  # (an Int32 field out of range: the same refusal)
        with pytest.raises(type(exc)):
            general(listed, ITEMS)
        return
    assert fast == general(listed, ITEMS)
    ret = BinaryFormatter().read_response(fast, "GetItems", ITEMS)
    assert ret.value == listed


@settings(max_examples=60, deadline=None)
@given(pairs=st.lists(st.builds(Pair, st.one_of(items, st.none()), st.one_of(items, st.none())), max_size=6))
def test_objects_inside_objects_are_written_as_the_general_path_writes_them(pairs: list[Pair]) -> None:
    try:
        fast = write_method_return(pairs, PAIRS, 1, DEFAULT_REGISTRY)
    except Exception as exc:
        with pytest.raises(type(exc)):
            general(pairs, PAIRS)
        return
    assert fast == general(pairs, PAIRS)
