"""``@persistent``: a Singleton's declared fields as JSON, decoded only into the types the class declares."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
from decimal import Decimal

import pytest

from gateway import MarshalByRefObject, persistent
from gateway.model.persistence import schema_of


class Colour(enum.Enum):
    Red = 1
    Blue = 2


@dataclasses.dataclass
class Point:
    x: int
    y: float
    label: str | None = None


@persistent("count", "ratio", "name", "blob", "price", "when", "day", "span", "colour", "tags", "ids", "seen",
            "scores", "origin", "path", "maybe")
class Everything(MarshalByRefObject):
    count: int = 0
    ratio: float = 0.0
    name: str = ""
    blob: bytes = b""
    price: Decimal = Decimal(0)
    when: dt.datetime = dt.datetime(2000, 1, 1)
    day: dt.date = dt.date(2000, 1, 1)
    span: dt.timedelta = dt.timedelta(0)
    colour: Colour = Colour.Red
    tags: list[str]
    ids: tuple[int, ...] = ()
    seen: set[str]
    scores: dict[str, float]
    origin: Point = Point(0, 0.0)
    path: list[Point]
    maybe: int | None = None


def filled() -> Everything:
    obj = Everything()
    obj.count, obj.ratio, obj.name, obj.blob = 7, 0.25, "é<&>", b"\x00\xff"
    obj.price, obj.when = Decimal("12.50"), dt.datetime(2024, 2, 29, 13, 45, 30, 123456, tzinfo=dt.UTC)
    obj.day, obj.span, obj.colour = dt.date(1999, 12, 31), dt.timedelta(days=1, seconds=2, microseconds=3), Colour.Blue
    obj.tags, obj.ids, obj.seen = ["a", "b"], (1, 2, 3), {"x"}
    obj.scores, obj.origin = {"a": 1.5}, Point(1, 2.5, "o")
    obj.path, obj.maybe = [Point(3, 4.0)], None
    return obj


def test_every_supported_type_round_trips() -> None:
    schema = schema_of(Everything)
    assert schema is not None
    original = filled()
    data = schema.encode(original)
    json.loads(data)  # plain JSON
    copy = Everything()
    schema.restore(copy, data)
    for name in schema.fields:
        assert getattr(copy, name) == getattr(original, name), name
    assert isinstance(copy.ids, tuple) and isinstance(copy.seen, set) and isinstance(copy.origin, Point)


def test_unset_attributes_are_left_out() -> None:
    schema = schema_of(Everything)
    assert schema is not None
    assert "tags" not in json.loads(schema.encode(Everything()))


@pytest.mark.parametrize("field,value", [
    ("count", "7"), ("count", True), ("name", 3), ("colour", 9), ("tags", "abc"), ("origin", [1, 2]),
    ("when", 12), ("scores", {"a": "x"}), ("blob", "not base64!"),
])
def test_data_that_does_not_fit_the_declared_type_is_refused(field: str, value: object) -> None:
    schema = schema_of(Everything)
    assert schema is not None
    with pytest.raises(ValueError, match=f"Everything.{field} does not fit its type"):
        schema.decode(json.dumps({field: value}).encode())


def test_the_data_never_chooses_a_class() -> None:
    """A payload naming a class (as pickle or a "$type" would) is just a dict that does not fit."""
    schema = schema_of(Everything)
    assert schema is not None
    evil = {"origin": {"__class__": "os.system", "x": 1, "y": 2.0}, "count": {"py/object": "subprocess.Popen"}}
    with pytest.raises(ValueError):
        schema.decode(json.dumps(evil).encode())
    values = schema.decode(json.dumps({"origin": evil["origin"]}).encode())
    assert values == {"origin": Point(1, 2.0)}  # extra keys ignored, the declared class used
    with pytest.raises(ValueError, match="not JSON"):
        schema.decode(b"\x80\x04\x95")  # a pickle


def test_declaration_mistakes_are_caught_at_declaration() -> None:
    with pytest.raises(TypeError, match="'missing' has no type hint"):
        persistent("missing")(type("A", (MarshalByRefObject,), {"__annotations__": {}}))

    class Holder(MarshalByRefObject):
        handle: object

    with pytest.raises(TypeError, match="'handle': object cannot be persistent"):
        persistent("handle")(Holder)
    with pytest.raises(TypeError, match="takes the names"):
        persistent()

    class Mixed(MarshalByRefObject):
        either: int | str

    with pytest.raises(TypeError, match=r"only `X \| None` unions"):
        persistent("either")(Mixed)


def test_inherited_declarations_count() -> None:
    class Child(Everything):
        pass

    assert schema_of(Child) is schema_of(Everything)
    assert schema_of(MarshalByRefObject) is None
