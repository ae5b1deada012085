"""Persistent Singleton state: the by-value fields a class declares, as JSON, decoded by the declared types.

A Singleton lives in one worker of a deployment; when that worker dies another takes it over with a new
instance. By default the state is lost (as when a .NET server restarts). A class that declares its state
keeps it::

    @persistent("count", "names")
    class Registry(MarshalByRefObject):
        count: int = 0
        names: list[str]

The declared attributes are saved to the store after each call that changed them and set on the new
instance on take-over. The encoding is JSON driven by the type hints in code: the data never names a type
and is never unpickled, so what the store holds can only ever become the declared types. Supported: bool,
int, float, str, bytes, Decimal, datetime, date, timedelta, enums, ``X | None``, ``list``/``tuple``/``set``
of them, ``dict[str, X]`` and dataclasses of them (such as the by-value types registered with
``@soap.serializable``). Anything else is refused when the class is declared.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import enum
import json
import types
import typing
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

T = TypeVar("T")

#: Where :func:`persistent` leaves the class's :class:`StateSchema`.
SCHEMA_ATTRIBUTE = "__remoting_persistent__"

Encode = Callable[[Any], Any]
Decode = Callable[[Any], Any]


@dataclasses.dataclass(frozen=True)
class Codec:
    encode: Encode
    decode: Decode


@dataclasses.dataclass(frozen=True)
class StateSchema:
    """The declared persistent fields of one class and how each is encoded."""

    cls: type
    fields: dict[str, Codec]

    def encode(self, obj: object) -> bytes:
        """The state of ``obj`` (attributes not set yet are left out)."""
        values: dict[str, Any] = {}
        for name, codec in self.fields.items():
            try:
                value = getattr(obj, name)
            except AttributeError:
                continue
            try:
                values[name] = codec.encode(value)
            except (TypeError, ValueError) as exc:
                raise TypeError(f"{self.cls.__name__}.{name} cannot be saved: {exc}") from None
        return json.dumps(values, separators=(",", ":"), sort_keys=True, allow_nan=True).encode()

    def decode(self, data: bytes) -> dict[str, object]:
        """The values ``data`` holds for the declared fields (others are ignored); ValueError if malformed."""
        try:
            raw = json.loads(data)
        except ValueError as exc:
            raise ValueError(f"the saved state of {self.cls.__name__} is not JSON: {exc}") from None
        if not isinstance(raw, dict):
            raise ValueError(f"the saved state of {self.cls.__name__} is not a JSON object")
        values: dict[str, object] = {}
        for name, codec in self.fields.items():
            if name in raw:
                try:
                    values[name] = codec.decode(raw[name])
                except (TypeError, ValueError, KeyError, InvalidOperation) as exc:
                    raise ValueError(f"the saved {self.cls.__name__}.{name} does not fit its type: {exc}") from None
        return values

    def restore(self, obj: object, data: bytes) -> None:
        for name, value in self.decode(data).items():
            setattr(obj, name, value)


def persistent(*fields: str) -> Callable[[type[T]], type[T]]:
    """Declare the attributes that make up a Singleton's state (see the module docstring).

    Each must have a type hint on the class; a type the encoding cannot carry is a TypeError here.
    """
    if not fields or not all(isinstance(f, str) and f.isidentifier() for f in fields):
        raise TypeError("persistent(...) takes the names of the attributes to keep, e.g. persistent('count')")

    def declare(cls: type[T]) -> type[T]:
        try:
            hints = typing.get_type_hints(cls)
        except NameError as exc:
            raise TypeError(f"@persistent on {cls.__name__}: a type hint cannot be resolved: {exc}") from None
        codecs: dict[str, Codec] = {}
        for name in fields:
            if name not in hints:
                raise TypeError(f"@persistent on {cls.__name__}: {name!r} has no type hint on the class "
                                f"(declare it, e.g. `{name}: int = 0`)")
            try:
                codecs[name] = codec_for(hints[name])
            except TypeError as exc:
                raise TypeError(f"@persistent on {cls.__name__}: {name!r}: {exc}") from None
        setattr(cls, SCHEMA_ATTRIBUTE, StateSchema(cls, codecs))
        return cls

    return declare


def schema_of(cls: type) -> StateSchema | None:
    """The persistent fields ``cls`` declares (inherited declarations count), or None."""
    schema = getattr(cls, SCHEMA_ATTRIBUTE, None)
    return schema if isinstance(schema, StateSchema) else None


# ------------------------------------------------------------------ codecs, by declared type


def _check(kind: type | tuple[type, ...], what: str) -> Decode:
    def decode(value: Any) -> Any:
        if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float, (int, float))):
            raise ValueError(f"expected {what}, found {type(value).__name__}")
        return value

    return decode


def _identity(value: Any) -> Any:
    return value


def _scalar(hint: object) -> Codec | None:
    if hint is bool:
        return Codec(_identity, _check(bool, "a boolean"))
    if hint is int:
        return Codec(int, _check(int, "an integer"))
    if hint is float:
        return Codec(float, lambda v: float(_check((int, float), "a number")(v)))
    if hint is str:
        return Codec(str, _check(str, "a string"))
    if hint is bytes:
        return Codec(lambda v: base64.b64encode(v).decode("ascii"),
                     lambda v: base64.b64decode(_check(str, "base64 text")(v), validate=True))
    if hint is Decimal:
        return Codec(str, lambda v: Decimal(_check(str, "a decimal as text")(v)))
    if hint is dt.datetime:
        return Codec(lambda v: v.isoformat(), lambda v: dt.datetime.fromisoformat(_check(str, "a date-time")(v)))
    if hint is dt.date:
        return Codec(lambda v: v.isoformat(), lambda v: dt.date.fromisoformat(_check(str, "a date")(v)))
    if hint is dt.timedelta:
        return Codec(lambda v: [v.days, v.seconds, v.microseconds],
                     lambda v: dt.timedelta(*(_check(int, "an integer")(x) for x in _check(list, "a list")(v))))
    return None


def codec_for(hint: object) -> Codec:
    """How a value of the declared type ``hint`` is written to JSON and read back; TypeError if unsupported."""
    scalar = _scalar(hint)
    if scalar is not None:
        return scalar
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if len(inner) != 1 or len(args) != 2:
            raise TypeError(f"only `X | None` unions can be persistent, not {hint}")
        item = codec_for(inner[0])
        return Codec(lambda v: None if v is None else item.encode(v),
                     lambda v: None if v is None else item.decode(v))
    if origin in (list, set, frozenset) or (origin is tuple and len(args) == 2 and args[1] is Ellipsis):
        if not args:
            raise TypeError(f"{hint} needs its item type (list[int], tuple[str, ...])")
        item = codec_for(args[0])
        make: Callable[[Any], Any] = origin
        return Codec(lambda v: [item.encode(x) for x in v],
                     lambda v: make(item.decode(x) for x in _check(list, "a list")(v)))
    if origin is dict:
        if len(args) != 2 or args[0] is not str:
            raise TypeError(f"only dict[str, X] can be persistent, not {hint}")
        value = codec_for(args[1])
        return Codec(lambda v: {str(k): value.encode(x) for k, x in v.items()},
                     lambda v: {k: value.decode(x) for k, x in _check(dict, "an object")(v).items()})
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _enum_codec(hint)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass_codec(hint)
    raise TypeError(f"{getattr(hint, '__name__', hint)} cannot be persistent (supported: bool, int, float, str, "
                    "bytes, Decimal, datetime, date, timedelta, enums, X | None, list/tuple/set, dict[str, X], "
                    "dataclasses of these)")


def _enum_codec(cls: type[enum.Enum]) -> Codec:
    def decode(value: Any) -> enum.Enum:
        try:
            return cls(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a {cls.__name__}") from None

    return Codec(lambda v: v.value, decode)


def _dataclass_codec(cls: type) -> Codec:
    hints = typing.get_type_hints(cls)
    members = {f.name: codec_for(hints[f.name]) for f in dataclasses.fields(cls) if f.init}

    def encode(value: Any) -> dict[str, Any]:
        return {name: codec.encode(getattr(value, name)) for name, codec in members.items()}

    def decode(value: Any) -> Any:
        raw = _check(dict, "an object")(value)
        return cls(**{name: codec.decode(raw[name]) for name, codec in members.items() if name in raw})

    return Codec(encode, decode)
