"""The mapping between Python type hints and wire types.

A type hint (``int``, ``list[Person]``, ``Optional[Decimal]``, ``Int64`` …) is normalised once into a
:class:`WireType`, which every formatter uses to read and write values. The .NET primitive widths that
Python lacks are spelled with ``Annotated`` aliases (:data:`Int16`, :data:`Int64`, :data:`Byte`, :data:`Char`,
:data:`Single` …). Only types registered in a :class:`TypeRegistry` are ever constructed from the wire.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import inspect
import types
import typing
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from ._clr import ClrName, clr_name_of
from ._errors import SoapDecodeError, SoapEncodeError


class Kind(enum.Enum):
    """What a value is on the wire."""

    STRING = "string"
    INT = "int"  # Python int: xsd:int when it fits, else xsd:long
    INT32 = "int32"
    INT64 = "long"
    INT16 = "short"
    SBYTE = "byte"
    BYTE = "unsignedByte"
    UINT16 = "unsignedShort"
    UINT32 = "unsignedInt"
    UINT64 = "unsignedLong"
    DOUBLE = "double"
    SINGLE = "float"
    BOOL = "boolean"
    DECIMAL = "decimal"
    CHAR = "char"
    DATETIME = "dateTime"
    DATE = "date"
    DURATION = "duration"
    BYTES = "base64Binary"
    ENUM = "enum"
    LIST = "list"
    OBJECT = "object"
    ANY = "any"
    OBJREF = "objref"  # a by-reference object: travels as an ObjRef
    DELEGATE = "delegate"  # a .NET delegate (soap.delegate): travels as a DelegateSerializationHolder
    VOID = "void"

    # Members are singletons compared by identity: hash them by identity too, in C (Enum's own __hash__ is
    # Python code, and kinds are dictionary keys on every value read or written).
    __hash__ = object.__hash__


# Every member as a module global, for the readers and writers to import: on Python 3.11 reading a member off
# its class (``Kind.ANY``) costs several times a global's lookup (timeit: ~8x), and they test kinds on every value.
K_STRING = Kind.STRING
K_INT = Kind.INT
K_INT32 = Kind.INT32
K_INT64 = Kind.INT64
K_INT16 = Kind.INT16
K_SBYTE = Kind.SBYTE
K_BYTE = Kind.BYTE
K_UINT16 = Kind.UINT16
K_UINT32 = Kind.UINT32
K_UINT64 = Kind.UINT64
K_DOUBLE = Kind.DOUBLE
K_SINGLE = Kind.SINGLE
K_BOOL = Kind.BOOL
K_DECIMAL = Kind.DECIMAL
K_CHAR = Kind.CHAR
K_DATETIME = Kind.DATETIME
K_DATE = Kind.DATE
K_DURATION = Kind.DURATION
K_BYTES = Kind.BYTES
K_ENUM = Kind.ENUM
K_LIST = Kind.LIST
K_OBJECT = Kind.OBJECT
K_ANY = Kind.ANY
K_OBJREF = Kind.OBJREF
K_DELEGATE = Kind.DELEGATE
K_VOID = Kind.VOID


#: .NET primitive widths as Python type hints.
Int16 = Annotated[int, Kind.INT16]
Int32 = Annotated[int, Kind.INT32]
Int64 = Annotated[int, Kind.INT64]
SByte = Annotated[int, Kind.SBYTE]
Byte = Annotated[int, Kind.BYTE]
UInt16 = Annotated[int, Kind.UINT16]
UInt32 = Annotated[int, Kind.UINT32]
UInt64 = Annotated[int, Kind.UINT64]
Single = Annotated[float, Kind.SINGLE]
Char = Annotated[str, Kind.CHAR]

INTEGER_RANGES: dict[Kind, tuple[int, int]] = {
    Kind.INT32: (-(2**31), 2**31 - 1),
    Kind.INT64: (-(2**63), 2**63 - 1),
    Kind.INT16: (-(2**15), 2**15 - 1),
    Kind.SBYTE: (-128, 127),
    Kind.BYTE: (0, 255),
    Kind.UINT16: (0, 2**16 - 1),
    Kind.UINT32: (0, 2**32 - 1),
    Kind.UINT64: (0, 2**64 - 1),
    Kind.INT: (-(2**63), 2**64 - 1),
}
INTEGER_KINDS = frozenset(INTEGER_RANGES)


@dataclass(frozen=True, slots=True)
class XmlShape:
    """How a value is shaped in document/literal XML when a foreign schema says so (``Annotated`` metadata).

    ``omit_if_none``: an absent value leaves the element out (``minOccurs="0"`` without ``nillable``) instead
    of sending ``xsi:nil``. ``repeated``: a list is the element repeated (``maxOccurs="unbounded"`` directly
    in the sequence, JAX-WS's ``List<T>``) rather than a wrapper holding items. ``item_name``: the item
    element of a wrapper array when it is not named after the item type. ``attribute``: a scalar member is an
    XML attribute of its object's element (``xs:attribute``, unqualified) rather than a child element; None
    leaves it out. WSDL-generated stubs set these.
    """

    omit_if_none: bool = False
    repeated: bool = False
    item_name: str | None = None
    attribute: bool = False


@dataclass(frozen=True, slots=True)
class WireType:
    """A normalised type hint: the kind, the Python class for enums/objects, the item type for lists."""

    kind: Kind
    py_type: type | None = None
    item: WireType | None = None
    nullable: bool = False
    xml: XmlShape | None = None
    #: the hash, computed on first use and kept: a decoder keys its memo of shared references by (id, wire
    #: type), twice per reference read (an object array's every item)
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __hash__(self) -> int:
        cached = self._hash
        if not cached:
            cached = hash((self.kind, self.py_type, self.item, self.nullable, self.xml)) or 1
            object.__setattr__(self, "_hash", cached)
        return cached

    def describe(self) -> str:
        if self.kind is Kind.LIST and self.item is not None:
            return f"list[{self.item.describe()}]"
        if self.py_type is not None:
            return self.py_type.__name__
        return self.kind.value


VOID = WireType(Kind.VOID)
ANY = WireType(Kind.ANY, nullable=True)

_SIMPLE: dict[Any, Kind] = {
    str: Kind.STRING,
    bool: Kind.BOOL,
    int: Kind.INT,
    float: Kind.DOUBLE,
    Decimal: Kind.DECIMAL,
    _dt.datetime: Kind.DATETIME,
    _dt.date: Kind.DATE,
    _dt.timedelta: Kind.DURATION,
    bytes: Kind.BYTES,
    bytearray: Kind.BYTES,
}
_STDLIB_VALUE_MODULES = frozenset({"datetime", "decimal", "collections", "typing", "uuid", "pathlib"})
_LIST_ORIGINS = {list, tuple, Sequence, typing.Sequence, typing.List}  # noqa: UP006


_WIRE_CACHE: dict[object, WireType] = {}
#: Set on delegate types by :func:`soap.delegate`.
DELEGATE_MARK = "__remoting_delegate__"


def wire_type(hint: object) -> WireType:
    """Normalise a type hint; raises :class:`SoapEncodeError` for a hint no wire type can carry (cached)."""
    try:
        return _WIRE_CACHE[hint]
    except KeyError:
        result = _WIRE_CACHE[hint] = _wire_type(hint)
        return result
    except TypeError:  # an unhashable hint (Annotated with unhashable metadata): not cached
        return _wire_type(hint)


def _wire_type(hint: Any) -> WireType:
    if hint is None or hint is type(None):
        return VOID
    if hint is Any or hint is object:
        return ANY
    origin = typing.get_origin(hint)
    if origin is Annotated:
        base, *meta = typing.get_args(hint)
        inner = wire_type(base)
        for m in meta:
            if isinstance(m, Kind):
                # a .NET char is a value type: Char = Annotated[str, Kind.CHAR] is not nullable like str
                inner = WireType(m, inner.py_type, inner.item, inner.nullable and m is not Kind.CHAR, inner.xml)
            elif isinstance(m, XmlShape):
                inner = WireType(inner.kind, inner.py_type, inner.item, inner.nullable, m)
        return inner
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(members) == 1:
            inner = wire_type(members[0])
            return WireType(inner.kind, inner.py_type, inner.item, True)
        return ANY
    if origin in _LIST_ORIGINS:
        args = [a for a in typing.get_args(hint) if a is not Ellipsis]
        return WireType(Kind.LIST, None, wire_type(args[0]) if args else ANY, True)
    if hint in _SIMPLE:
        kind = _SIMPLE[hint]
        nullable = kind in (Kind.STRING, Kind.BYTES)
        return WireType(kind, None, None, nullable)
    if isinstance(hint, type):
        if hint.__dict__.get(DELEGATE_MARK, False):
            return WireType(Kind.DELEGATE, hint, None, True)
        if issubclass(hint, enum.Enum):
            return WireType(Kind.ENUM, hint)
        if dataclasses.is_dataclass(hint) or issubclass(hint, BaseException):
            return WireType(Kind.OBJECT, hint, None, True)
        for base in hint.__mro__[1:]:
            if base in _SIMPLE and base is not object:  # e.g. ClrDateTime is a datetime
                return _wire_type(base)
        if hint.__module__ != "builtins" and hint.__module__.partition(".")[0] not in _STDLIB_VALUE_MODULES:
            # Any other class stands for an object that stays where it lives (a MarshalByRefObject or an
            # interface of one): it travels as an ObjRef. Whether a given value really is by-reference is
            # decided when it is written (a nonremotable value then fails with its type named).
            return WireType(Kind.OBJREF, hint, None, True)
    raise SoapEncodeError(f"type {hint!r} cannot be sent over the wire (not a primitive, list, "
                          "enum or registered by-value class)")


# ---------------------------------------------------------------- by-value object schemas


@dataclass(frozen=True, slots=True)
class FieldSpec:
    attr: str
    wire_name: str
    wire: WireType
    #: False for members that are written but never decoded (``field(metadata={"read": False})``)
    read: bool = True


#: The ISerializable members of System.Exception, in the order .NET writes them.
EXCEPTION_MEMBERS = (
    "ClassName", "Message", "Data", "InnerException", "HelpURL", "StackTraceString",
    "RemoteStackTraceString", "RemoteStackIndex", "ExceptionMethod", "HResult", "Source",
)


_FIELDS_CACHE: dict[type, tuple[FieldSpec, ...]] = {}


def object_fields(cls: type) -> tuple[FieldSpec, ...]:
    """The fields of a by-value class, in wire order (cached per class)."""
    cached = _FIELDS_CACHE.get(cls)
    if cached is None:
        cached = _FIELDS_CACHE[cls] = _object_fields(cls)
    return cached


def one_step_kind(wire: WireType, double: bool = True) -> Kind | None:
    """The kind a writer writes a by-value field of type ``wire`` as in one step, None for any other: a ``str``
    (nullable or not), a non-nullable ``float`` (``double``: where the writer does) or ``int``/``Int32`` (a
    plain ``int`` goes out as Int32)."""
    kind = wire.kind
    if kind is Kind.STRING:
        return Kind.STRING
    if wire.nullable:
        return None
    if kind is Kind.DOUBLE and double:
        return Kind.DOUBLE
    return Kind.INT32 if kind in (Kind.INT, Kind.INT32) else None


_BY_WIRE_NAME: dict[type, dict[str, FieldSpec]] = {}


def fields_by_wire_name(cls: type) -> dict[str, FieldSpec]:
    """:func:`object_fields` by wire name (cached per class: readers look fields up once per object read).
    Shared: callers must not change it."""
    cached = _BY_WIRE_NAME.get(cls)
    if cached is None:
        cached = _BY_WIRE_NAME[cls] = {f.wire_name: f for f in object_fields(cls)}
    return cached


_INIT_NAMES: dict[type, frozenset[str]] = {}


def _object_fields(cls: type) -> tuple[FieldSpec, ...]:
    """The fields of a by-value class, in wire order.

    Dataclass fields (wire name from ``field(metadata={"wire_name": ...})`` or the field name), or for an
    exception class the annotated attributes declared on its own classes (below the builtin exceptions).
    """
    hints = typing.get_type_hints(cls, include_extras=True)
    if dataclasses.is_dataclass(cls):
        return tuple(
            FieldSpec(f.name, str(f.metadata.get("wire_name", f.name)), wire_type(hints[f.name]),
                      bool(f.metadata.get("read", True)))
            for f in dataclasses.fields(cls)
            if f.init or f.name in hints
        )
    specs: list[FieldSpec] = []
    for klass in reversed(cls.__mro__):
        if klass.__module__ == "builtins" or klass is object:
            continue
        for name in inspect.get_annotations(klass):
            if not name.startswith("_") and name not in EXCEPTION_MEMBERS and name in hints:
                specs.append(FieldSpec(name, name, wire_type(hints[name])))
    return tuple(specs)


def xsd_type_name(cls: type) -> str:
    """The name of a by-value class or enum in XML Schema (document/literal WSDLs, array items, fault details):
    its ``__soap_type_name__`` when it sets one, else the Python class name.

    The two differ when the Python name clashes with another declaration of the WSDL (JAX-WS generates one Java
    class per global element and named type: a dataclass named like an operation's wrapper element would give
    two) or when a foreign schema names the type so.
    """
    declared = cls.__dict__.get("__soap_type_name__")
    return declared if isinstance(declared, str) and declared else cls.__name__


def construct(cls: type, values: dict[str, object], message: str | None = None) -> object:
    """Build an instance of a *registered* by-value class from decoded field values.

    Dataclasses go through their constructor (so ``__post_init__`` validation runs); exceptions are created
    without calling a user ``__init__`` whose signature we cannot know, then given their message and fields.
    """
    init_names = _INIT_NAMES.get(cls)  # (a dataclass built before: no is_dataclass() call)
    if init_names is not None or dataclasses.is_dataclass(cls):
        if init_names is None:
            init_names = _INIT_NAMES[cls] = frozenset(f.name for f in dataclasses.fields(cls) if f.init)
        if init_names.issuperset(values):  # (nearly always: every field decoded is an init field)
            return cls(**values)
        kwargs = {k: v for k, v in values.items() if k in init_names}
        obj = cls(**kwargs)
        for k, v in values.items():
            if k not in init_names:
                object.__setattr__(obj, k, v)
        return obj
    if not issubclass(cls, BaseException):
        raise TypeError(f"{cls.__name__} is neither a dataclass nor an exception")
    exc = cls.__new__(cls)
    BaseException.__init__(exc, *(() if message is None else (message,)))
    for k, v in values.items():
        setattr(exc, k, v)
    return exc


def enum_member(cls: type, raw: object) -> enum.Enum:
    """The member of a declared enum named (SOAP: the member name) or valued (binary: ``value__``) by ``raw``."""
    assert issubclass(cls, enum.Enum)
    try:
        return cls[raw.strip()] if isinstance(raw, str) else cls(raw)
    except (KeyError, ValueError):
        raise SoapDecodeError(f"{str(raw)[:60]!r} is not a member of {cls.__name__}") from None


# ---------------------------------------------------------------- the registry

_C = TypeVar("_C", bound=type)


class TypeRegistry:
    """The only place where wire type names turn into Python classes.

    A name that is not registered is never looked up anywhere else: decoding it fails with a clear error.
    """

    def __init__(self, parent: TypeRegistry | None = None) -> None:
        self._parent = parent
        self._by_name: dict[str, type] = {}
        self._names: dict[type, ClrName] = {}

    def register(self, cls: type, name: ClrName | None = None) -> None:
        """Register an enum, a dataclass or an exception class for by-value transfer."""
        wt = wire_type(cls)
        if wt.kind not in (Kind.ENUM, Kind.OBJECT):
            raise TypeError(f"{cls!r} is not an enum, dataclass or exception class")
        if wt.kind is Kind.OBJECT:
            object_fields(cls)  # fail now, not on the first call, if a field type is not remotable
        name = name or clr_name_of(cls)
        existing = self._by_name.get(name.full_name)
        if existing is not None and existing is not cls:
            raise ValueError(f"CLR name {name.full_name} already registered for {existing!r}")
        self._by_name[name.full_name] = cls
        self._names[cls] = name

    def lookup(self, full_name: str) -> type | None:
        cls = self._by_name.get(full_name)
        if cls is None and self._parent is not None:
            return self._parent.lookup(full_name)
        return cls

    def name_of(self, cls: type) -> ClrName:
        name = self._names.get(cls)
        if name is not None:
            return name
        if self._parent is not None:
            return self._parent.name_of(cls)
        return clr_name_of(cls)

    def is_registered(self, cls: type) -> bool:
        return cls in self._names or (self._parent is not None and self._parent.is_registered(cls))

    def registered(self) -> Iterator[type]:
        if self._parent is not None:
            yield from self._parent.registered()
        yield from self._names


#: The registry that :func:`serializable` writes to and that apps and clients use unless given another.
DEFAULT_REGISTRY = TypeRegistry()


def serializable(
    full_name: str | None = None, assembly: str | None = None, *, registry: TypeRegistry | None = None
) -> Callable[[_C], _C]:
    """Class decorator: mark a dataclass, exception or enum as a by-value type and register it.

    ``@serializable("RemotingPeer.Person", assembly="PeerShared, Version=0.0.0.0, …")``; without a name
    the CLR name is derived from the module and class name.
    """

    def decorate(cls: _C) -> _C:
        name = clr_name_of(cls) if full_name is None else ClrName(full_name, assembly or "mscorlib")
        (registry or DEFAULT_REGISTRY).register(cls, name)
        return cls

    return decorate


def check_integer(kind: Kind, value: int) -> int:
    lo, hi = INTEGER_RANGES[kind]
    if not lo <= value <= hi:
        xsd_name = {Kind.INT32: "int", Kind.INT: "long"}.get(kind, kind.value)
        raise OverflowError(f"{value} is out of range for xsd:{xsd_name}")
    return value


def integer_kind_for(value: int) -> Kind:
    """The xsd type a plain Python ``int`` goes out as."""
    if -(2**31) <= value < 2**31:
        return Kind.INT32
    return Kind.INT64 if -(2**63) <= value < 2**63 else Kind.UINT64
