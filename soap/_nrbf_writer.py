"""Writing [MS-NRBF] messages the way .NET Remoting's binary formatter does.

Primitives, strings and nulls travel inline in the method record; anything else goes into the *call
array* (an ``ArraySingleObject`` with id 1) followed by the object records it references. Objects are
``ClassWithMembersAndTypes`` records (``System*`` ones for mscorlib types) preceded by their
``BinaryLibrary``; exceptions carry the eleven ``System.Exception`` members then their own fields; enums
are boxed classes with a ``value__`` member; MarshalByRefObjects are ObjRef graphs.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import functools
import operator
import struct
from collections import deque
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import cast

from ._call_context import LOGICAL_CALL_CONTEXT, check_slot_names, known_classes
from ._clr import ClrName
from ._delegates import DELEGATE_ENTRY, DELEGATE_HOLDER, DelegateRef, marshal_delegate
from ._errors import SoapEncodeError
from ._exceptions import exception_info
from ._model import ExceptionInfo
from ._namespaces import CORE_ASSEMBLIES, simple_assembly_name
from ._nrbf_records import (
    BinaryType,
    BT_Class,
    BT_Object,
    BT_ObjectArray,
    BT_Primitive,
    BT_PrimitiveArray,
    BT_String,
    BT_StringArray,
    BT_SystemClass,
    MessageFlags,
    P_Boolean,
    P_Byte,
    P_Char,
    P_DateTime,
    P_Decimal,
    P_Double,
    P_Int16,
    P_Int32,
    P_Int64,
    P_Null,
    P_SByte,
    P_Single,
    P_String,
    P_TimeSpan,
    P_UInt16,
    P_UInt32,
    P_UInt64,
    Primitive,
    RT_ArraySingleObject,
    RT_ArraySinglePrimitive,
    RT_ArraySingleString,
    RT_BinaryArray,
    RT_BinaryLibrary,
    RT_BinaryObjectString,
    RT_ClassWithId,
    RT_ClassWithMembersAndTypes,
    RT_MemberPrimitiveTyped,
    RT_MemberReference,
    RT_MessageEnd,
    RT_MethodCall,
    RT_MethodReturn,
    RT_ObjectNull,
    RT_ObjectNullMultiple,
    RT_ObjectNullMultiple256,
    RT_SerializedStreamHeader,
    RT_SystemClassWithMembersAndTypes,
)
from ._objref import ObjRef, ReferenceMarshaller
from ._runtime_types import runtime_wire_type
from ._scalars import ClrDateTime, format_decimal
from ._types import (
    ANY,
    INTEGER_RANGES,
    K_ANY,
    K_BOOL,
    K_BYTE,
    K_BYTES,
    K_CHAR,
    K_DATE,
    K_DATETIME,
    K_DECIMAL,
    K_DELEGATE,
    K_DOUBLE,
    K_DURATION,
    K_ENUM,
    K_INT,
    K_INT16,
    K_INT32,
    K_INT64,
    K_LIST,
    K_OBJECT,
    K_OBJREF,
    K_SBYTE,
    K_SINGLE,
    K_STRING,
    K_UINT16,
    K_UINT32,
    K_UINT64,
    K_VOID,
    FieldSpec,
    Kind,
    TypeRegistry,
    WireType,
    integer_kind_for,
    object_fields,
    one_step_kind,
    wire_type,
)

_EPOCH = _dt.datetime(1, 1, 1)
_PRIMITIVE_OF: dict[Kind, Primitive] = {
    K_BOOL: P_Boolean, K_BYTE: P_Byte, K_CHAR: P_Char,
    K_DECIMAL: P_Decimal, K_DOUBLE: P_Double, K_INT16: P_Int16,
    K_INT32: P_Int32, K_INT64: P_Int64, K_SBYTE: P_SByte,
    K_SINGLE: P_Single, K_DURATION: P_TimeSpan, K_DATETIME: P_DateTime,
    K_DATE: P_DateTime, K_UINT16: P_UInt16, K_UINT32: P_UInt32,
    K_UINT64: P_UInt64, K_STRING: P_String,
}
_STRUCT = {
    P_Boolean: "<?", P_Byte: "<B", P_Double: "<d", P_Int16: "<h",
    P_Int32: "<i", P_Int64: "<q", P_SByte: "<b", P_Single: "<f",
    P_TimeSpan: "<q", P_DateTime: "<Q", P_UInt16: "<H", P_UInt32: "<I",
    P_UInt64: "<Q",
}
#: BinaryArrayTypeEnumeration.Single: a single-dimension, zero-based array
_SINGLE_ARRAY = 0
MSCORLIB = "mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089"

#: One member of a class record: (name, binary type, additional type info, the value's bytes).
Member = tuple[str, BinaryType, object, bytes]


_LENGTHS = [bytes([n]) for n in range(0x80)]


def lps(text: str) -> bytes:
    """LengthPrefixedString: 7-bit encoded byte length, then UTF-8."""
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw) < 0x80:  # a one-byte length: nearly every string
        return _LENGTHS[len(raw)] + raw
    n, prefix = len(raw), bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        prefix.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(prefix) + raw


def datetime_ticks(value: _dt.datetime | _dt.date) -> int:
    if not isinstance(value, _dt.datetime):
        value = _dt.datetime(value.year, value.month, value.day)
    kind = 0
    # read the 7th digit first: astimezone()/replace() build a new object without it
    extra = value.hundred_nanoseconds if isinstance(value, ClrDateTime) else 0
    if value.tzinfo is not None:
        value = value.astimezone(_dt.UTC).replace(tzinfo=None)
        kind = 1
    delta = value - _EPOCH
    ticks = (delta.days * 86400 + delta.seconds) * 10**7 + delta.microseconds * 10 + extra
    return ticks | (kind << 62)


def primitive_kind(value: object, wt: WireType) -> Kind | None:
    """The primitive kind a value is written as, or None if it needs an object record."""
    kind = wt.kind
    if kind is K_ANY:
        if isinstance(value, bool):
            return K_BOOL
        if isinstance(value, int) and not isinstance(value, enum.Enum):
            return integer_kind_for(value)
        if isinstance(value, float):
            return K_DOUBLE
        if isinstance(value, Decimal):
            return K_DECIMAL
        if isinstance(value, str):
            return K_STRING
        if isinstance(value, _dt.datetime):
            return K_DATETIME
        if isinstance(value, _dt.timedelta):
            return K_DURATION
        return None
    if kind is K_INT:  # a declared Python int is a .NET Int32 (soap.Int64 ... for more)
        return K_INT32
    return kind if kind in _PRIMITIVE_OF else None


def primitive_bytes(kind: Kind, value: object, name: str = "value") -> tuple[Primitive, bytes]:
    prim = _PRIMITIVE_OF[kind]
    try:
        if prim is P_String:
            if not isinstance(value, str):
                raise SoapEncodeError(f"{name}: expected str, got {type(value).__name__}")
            return prim, lps(value)
        if prim is P_Char:
            if not isinstance(value, str) or len(value) != 1:
                raise SoapEncodeError(f"{name}: a char must be a str of length 1")
            if ord(value) > 0xFFFF or 0xD800 <= ord(value) <= 0xDFFF:
                # a .NET Char is one UTF-16 code unit; BinaryWriter.Write(char) refuses surrogates
                raise SoapEncodeError(f"{name}: {value!r} is not a single UTF-16 code unit (.NET Char)")
            return prim, value.encode("utf-8", "surrogatepass")
        if prim is P_Decimal:
            if not isinstance(value, Decimal | int) or isinstance(value, bool):
                raise SoapEncodeError(f"{name}: expected Decimal, got {type(value).__name__}")
            return prim, lps(format_decimal(Decimal(value)))
        if prim is P_TimeSpan:
            if not isinstance(value, _dt.timedelta):
                raise SoapEncodeError(f"{name}: expected timedelta, got {type(value).__name__}")
            ticks = (value.days * 86400 + value.seconds) * 10**7 + value.microseconds * 10
            return prim, struct.pack("<q", ticks)
        if prim is P_DateTime:
            if not isinstance(value, _dt.date):
                raise SoapEncodeError(f"{name}: expected datetime, got {type(value).__name__}")
            return prim, struct.pack("<Q", datetime_ticks(value))
        if prim is P_Boolean:
            if not isinstance(value, bool):
                raise SoapEncodeError(f"{name}: expected bool, got {type(value).__name__}")
            return prim, struct.pack("<?", value)
        if prim in (P_Double, P_Single):
            if not isinstance(value, float | int) or isinstance(value, bool):
                raise SoapEncodeError(f"{name}: expected float, got {type(value).__name__}")
            return prim, struct.pack(_STRUCT[prim], float(value))
        if not isinstance(value, int) or isinstance(value, bool):
            raise SoapEncodeError(f"{name}: expected int, got {type(value).__name__}")
        lo, hi = INTEGER_RANGES[kind]
        if not lo <= value <= hi:
            raise SoapEncodeError(f"{name}: {value} is out of range for {prim.name}")
        return prim, struct.pack(_STRUCT[prim], value)
    except (OverflowError, ValueError, struct.error) as exc:
        raise SoapEncodeError(f"{name}: {exc}") from None


class NrbfWriter:
    """Writes the records of one message."""

    def __init__(self, registry: TypeRegistry, marshaller: ReferenceMarshaller | None = None) -> None:
        self.registry = registry
        self.marshaller = marshaller
        #: the records written after the call array, joined once into the message (a byte[] payload is one
        #: of the parts as it is: copied once, into the message)
        self.out: list[bytes] = []
        self._next_id = 2  # 1 is the call array
        self._queue: deque[tuple[int, object, WireType]] = deque()
        self._memo: dict[int, int] = {}
        self._keep: list[object] = []
        self._libraries: dict[str, int] = {}
        self._metadata: dict[_Layout, int] = {}
        #: per class written in this message: its CLR name in this writer's registry, and its flat record
        #: (:func:`_flat_record`) when that name is the one the record was made with (else None)
        self._classes: dict[type, tuple[ClrName, _FlatRecord | None]] = {}
        #: per flat record (by ``id()``: they live in :data:`_FLAT_RECORDS` for good), the object id of the
        #: record that described its layout in this message (``_metadata``'s entry, which never changes)
        self._described: dict[int, int] = {}

    def new_id(self) -> int:
        n = self._next_id
        self._next_id += 1
        return n

    # -------------------------------------------------------------- values in object context

    def object_value(self, value: object, wt: WireType, name: str = "value") -> bytes:
        """A value where a record is expected (array items, Object-typed members)."""
        if value is None:
            return bytes([RT_ObjectNull])
        kind = primitive_kind(value, wt)
        if kind is K_STRING:
            return bytes([RT_BinaryObjectString]) + struct.pack("<i", self.new_id()) + lps(str(value))
        if kind is not None:
            prim, raw = primitive_bytes(kind, value, name)
            return bytes([RT_MemberPrimitiveTyped, prim]) + raw
        return bytes([RT_MemberReference]) + struct.pack("<i", self.reference(value, wt, name))

    def reference(self, value: object, wt: WireType, name: str) -> int:
        key = id(value)  # the object as given: the same object passed twice is marshalled (published) once
        ref = self._memo.get(key)
        if ref is not None:
            return ref
        self._keep.append(value)  # keeps id(value) unique while the memo holds it
        if not isinstance(value, ObjRef) and wt.kind in (K_ANY, K_OBJREF) and self.marshaller is not None \
                and type(value).__module__ != "builtins":
            marshalled = self.marshaller.marshal(value)  # once only: publishing has side effects
            if marshalled is not None:
                value = marshalled
        elif wt.kind is K_DELEGATE:
            value = marshal_delegate(self.marshaller, name, value, wt)
        ref = self._memo[key] = self.new_id()
        self._queue.append((ref, value, wt))
        return ref

    def flush(self) -> None:
        out = self.out
        while self._queue:
            ref, value, wt = self._queue.popleft()
            if type(value) is bytes:  # a byte[]: its record head, then the payload itself, not a copy of it
                out.append(_byte_array_head(ref, len(value)))
                out.append(value)
            else:
                out.append(self.record(ref, value, wt))

    # -------------------------------------------------------------- object records

    def record(self, ref: int, value: object, wt: WireType) -> bytes:
        cls = type(value)
        known = self._classes.get(cls)
        if known is not None or cls in _PLANS:  # a by-value class written before (none of the checks below matches)
            if known is None:
                name = self.registry.name_of(cls)
                if cls not in _FLAT_RECORDS:
                    _flat_record(cls, name)
                flat = _FLAT_RECORDS[cls]
                known = self._classes[cls] = (name, flat if flat is not None and flat[0] is name else None)
            name, flat = known
            if flat is not None:
                written = self._flat_record(ref, value, flat)
                if written is not None:
                    return written
            return self._class_record(ref, name, self._fields(value, cls))
        if isinstance(value, ObjRef):
            return self.objref(ref, value)
        if isinstance(value, DelegateRef):
            return self.delegate(ref, value)
        if isinstance(value, bytes | bytearray):
            return b"".join((_byte_array_head(ref, len(value)), value))  # (flush writes a bytes payload uncopied)
        if isinstance(value, list | tuple):
            item = wt.item if wt.kind is K_LIST and wt.item is not None else ANY
            return self.array(ref, list(value), item)
        if isinstance(value, enum.Enum):
            name = self.registry.name_of(type(value))
            raw = value.value
            if not isinstance(raw, int) or isinstance(raw, bool) or not -(2**31) <= raw < 2**31:
                # a boxed .NET enum carries an Int32 value__; anything else would arrive as another member
                raise SoapEncodeError(f"{type(value).__name__}.{value.name}: only enums with Int32 values "
                                      "can be sent with the binary formatter")
            members: list[Member] = [("value__", BT_Primitive, P_Int32, struct.pack("<i", raw))]
            return self._class_record(ref, name, members)
        if isinstance(value, BaseException):
            return self.exception(ref, exception_info(value, self.registry, None))
        if isinstance(value, ExceptionInfo):
            return self.exception(ref, value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            cls = type(value)
            return self._class_record(ref, self.registry.name_of(cls), self._fields(value, cls))
        raise SoapEncodeError(
            f"a {type(value).__module__}.{type(value).__qualname__} is not remotable: it is neither a "
            "registered by-value type nor a MarshalByRefObject"
        )

    def array(self, ref: int, items: list[object], item: WireType) -> bytes:
        """A ``list[T]`` as .NET writes ``T[]``: ``ArraySinglePrimitive`` for primitives, ``ArraySingleString``
        for strings, a ``BinaryArray`` naming the element class for registered classes and enums (so a .NET
        caller gets a ``Person[]``, not an ``object[]``), ``ArraySingleObject`` for anything else."""
        kind = item.kind if item.kind is not K_INT else K_INT32
        if kind in _PRIMITIVE_OF and kind is not K_STRING and not item.nullable:
            if any(v is None for v in items):
                raise SoapEncodeError(f"a list[{item.describe()}] cannot hold None (its .NET type is "
                                      f"{_PRIMITIVE_OF[kind].name}[])")
            prim = _PRIMITIVE_OF[kind]
            body = _packed(kind, prim, items)
            if body is None:
                body = b"".join(primitive_bytes(kind, v)[1] for v in items)
            return bytes([RT_ArraySinglePrimitive]) + struct.pack("<ii", ref, len(items)) + bytes([prim]) + body
        element = self.element_class(item)
        if kind is K_STRING or element is None:
            record = RT_ArraySingleString if kind is K_STRING else RT_ArraySingleObject
            return bytes([record]) + struct.pack("<ii", ref, len(items)) + self._items(items, item)
        assert item.py_type is not None
        for i, v in enumerate(items):
            if v is not None and not isinstance(v, item.py_type):
                raise SoapEncodeError(f"item {i} of a list[{item.describe()}] is a {type(v).__name__}")
        prefix, binary_type, extra = self._class_type(element)
        head = (bytes([RT_BinaryArray]) + struct.pack("<i", ref) + bytes([_SINGLE_ARRAY])
                + struct.pack("<ii", 1, len(items)) + bytes([binary_type]) + extra)
        # enums are value types: .NET writes them inline (with ids of their own), classes by reference
        if kind is K_OBJECT:
            return prefix + head + self._references(items, item)
        return prefix + head + self._items(items, item, inline=kind is K_ENUM)

    def element_class(self, item: WireType) -> ClrName | None:
        """The CLR class of a typed array's elements: a registered by-value class or enum, else None."""
        if item.kind in (K_OBJECT, K_ENUM) and item.py_type is not None \
                and self.registry.is_registered(item.py_type):
            return self.registry.name_of(item.py_type)
        return None

    def _class_type(self, name: ClrName) -> tuple[bytes, BinaryType, bytes]:
        """(library record if new, binary type, additional type info) of a class named in type information."""
        if simple_assembly_name(name.assembly) in CORE_ASSEMBLIES:
            return b"", BT_SystemClass, lps(name.full_name)
        lib, lib_record = self._library_id(name.assembly)
        return lib_record, BT_Class, lps(name.full_name) + struct.pack("<i", lib)

    def _items(self, items: list[object], item: WireType, inline: bool = False) -> bytes:
        """The elements of a single-dimension array, runs of nulls compacted as .NET writes them."""
        out = bytearray()
        nulls = 0
        for v in items:
            if v is None:
                nulls += 1
                continue
            if nulls:
                out += _null_run(nulls)
                nulls = 0
            out += self.record(-self.new_id(), v, item) if inline else self.object_value(v, item)
        if nulls:
            out += _null_run(nulls)
        return bytes(out)

    def _references(self, items: list[object], item: WireType) -> bytes:
        """:meth:`_items` of an array of class objects (``item`` an object type: never marshalled, no delegate),
        each a ``MemberReference`` to its record, queued as :meth:`reference` queues it: the same bytes and ids,
        without :meth:`object_value`'s dispatch per item."""
        parts: list[bytes] = []
        append = parts.append
        memo, keep, queue = self._memo, self._keep, self._queue
        nulls = 0
        for v in items:
            if v is None:
                nulls += 1
                continue
            if nulls:
                append(_null_run(nulls))
                nulls = 0
            key = id(v)
            ref = memo.get(key)
            if ref is None:
                keep.append(v)
                ref = memo[key] = self._next_id
                self._next_id = ref + 1
                queue.append((ref, v, item))
            append(_REFERENCE.pack(RT_MemberReference, ref))
        if nulls:
            append(_null_run(nulls))
        return b"".join(parts)

    def _flat_record(self, ref: int, value: object, flat: _FlatRecord) -> bytes | None:
        """:meth:`_class_record` of ``_fields(value)`` for a class whose every field :meth:`_fields` writes in one
        step, when every value is of that step's type (None otherwise, before any id is taken: written as
        usual): the same bytes, ids and libraries, from the layout's parts computed once."""
        name, layout, system, static, _, values_of, kinds = flat
        n = self._next_id
        parts: list[bytes] = [b""]  # (the record's head, once the values are known to fit)
        append = parts.append
        for fast, v in zip(kinds, values_of(value), strict=True):
            t = type(v)
            if fast is K_STRING and t is str:
                raw = cast(str, v).encode("utf-8", "surrogatepass")
                append(_STRING_HEAD.pack(RT_BinaryObjectString, n))
                if len(raw) < 0x80:  # (lps, in line)
                    append(_LENGTHS[len(raw)])
                    append(raw)
                else:
                    append(lps(cast(str, v)))
                n += 1
            elif fast is K_DOUBLE and t is float:
                append(_DOUBLE.pack(v))
            elif fast is K_INT32 and t is int and -0x80000000 <= v <= 0x7FFFFFFF:  # type: ignore[operator]
                append(_I32.pack(v))
            else:
                return None
        self._next_id = n  # (the string records' ids, taken in order)
        known = self._described.get(id(flat))
        if known is None:
            known = self._described[id(flat)] = self._metadata.setdefault(layout, ref)
        if known != ref:  # described before in this message: a ClassWithId, as in _class_record
            parts[0] = _WITH_ID.pack(RT_ClassWithId, ref, known)
        elif system:
            parts[0] = _SYSTEM_CLASS_RECORD + _I32.pack(ref) + static
        else:
            lib, lib_record = self._library_id(name.assembly)
            parts[0] = lib_record + _CLASS_RECORD + _I32.pack(ref) + static + _I32.pack(lib)
        return b"".join(parts)

    def _fields(self, value: object, cls: type) -> list[Member]:
        """The members of a by-value object. A non-nullable ``str``, ``float`` or 32-bit ``int`` field holding
        exactly that type is written here in one step; any other through :meth:`member` (same bytes)."""
        members: list[Member] = []
        append = members.append
        for spec, fast in _field_plan(cls):
            v = getattr(value, spec.attr)
            t = type(v)
            if fast is K_STRING and t is str:
                raw = _STRING_RECORD + struct.pack("<i", self.new_id()) + lps(v)
                append((spec.wire_name, BT_String, None, raw))
            elif fast is K_DOUBLE and t is float:
                append((spec.wire_name, BT_Primitive, P_Double, struct.pack("<d", v)))
            elif fast is K_INT32 and t is int and -0x80000000 <= v <= 0x7FFFFFFF:
                append((spec.wire_name, BT_Primitive, P_Int32, struct.pack("<i", v)))
            else:
                append(self.member(spec.wire_name, v, spec.wire))
        return members

    def member(self, name: str, value: object, wt: WireType) -> Member:
        """(name, binary type, additional info, value bytes) of one member of a class record."""
        kind = wt.kind if wt.kind is not K_INT else K_INT32
        if kind is K_STRING:
            return name, BT_String, None, self.object_value(value, wt, name)
        if kind in _PRIMITIVE_OF and value is not None and not wt.nullable:
            prim, raw = primitive_bytes(kind if wt.kind is not K_INT else primitive_kind(value, wt) or kind,
                                        value, name)
            return name, BT_Primitive, prim, raw
        if kind is K_BYTES:
            return name, BT_PrimitiveArray, P_Byte, self.object_value(value, wt, name)
        if kind is K_LIST and wt.item is not None:
            item_kind = wt.item.kind if wt.item.kind is not K_INT else K_INT32
            if item_kind is K_STRING:
                return name, BT_StringArray, None, self.object_value(value, wt, name)
            if item_kind in _PRIMITIVE_OF and not wt.item.nullable:
                return name, BT_PrimitiveArray, _PRIMITIVE_OF[item_kind], self.object_value(value, wt, name)
            element = self.element_class(wt.item)
            if element is not None:  # a Person[] member is declared as the class "Person[]"
                array_class = ClrName(element.full_name + "[]", element.assembly)
                return _class_member(name, array_class, self.object_value(value, wt, name))
            return name, BT_ObjectArray, None, self.object_value(value, wt, name)
        if kind in (K_OBJECT, K_ENUM) and wt.py_type is not None:
            return _class_member(name, self.registry.name_of(wt.py_type), self.object_value(value, wt, name))
        return name, BT_Object, None, self.object_value(value, wt, name)

    def _library_id(self, assembly: str) -> tuple[int, bytes]:
        lib = self._libraries.get(assembly)
        if lib is not None:
            return lib, b""
        lib = self._libraries[assembly] = self.new_id()
        return lib, bytes([RT_BinaryLibrary]) + struct.pack("<i", lib) + lps(assembly)

    def _class_record(self, ref: int, name: ClrName, members: list[Member]) -> bytes:
        """An object record; a class already described in this message is a ``ClassWithId`` that refers to
        the first record's metadata, as .NET writes the second and later items of a ``Person[]``."""
        layout = (name, tuple([member[:3] for member in members]))
        known = self._metadata.get(layout)
        if known is not None:
            return (bytes([RT_ClassWithId]) + struct.pack("<ii", ref, known)
                    + b"".join(raw for *_, raw in members))
        self._metadata[layout] = ref
        static = _CLASS_HEADS.get(layout)
        if static is None:  # what depends on the class and its members' names and types only
            static = _class_head(name, members)
            if len(_CLASS_HEADS) < _MAX_CLASS_HEADS:  # bounded: a caller chooses its context's slot names
                _CLASS_HEADS[layout] = static
        system, names_and_kinds = static
        prefix = b""
        extras = bytearray()
        for _, kind, info, _raw in members:
            if kind in (BT_Primitive, BT_PrimitiveArray):
                assert isinstance(info, Primitive)
                extras.append(info)
            elif kind is BT_SystemClass:
                extras += lps(str(info))
            elif kind is BT_Class:
                assert isinstance(info, ClrName)
                lib, lib_record = self._library_id(info.assembly)
                prefix += lib_record
                extras += lps(info.full_name) + struct.pack("<i", lib)
        head = bytearray([RT_SystemClassWithMembersAndTypes if system else RT_ClassWithMembersAndTypes])
        head += struct.pack("<i", ref) + names_and_kinds + extras
        if not system:
            lib, lib_record = self._library_id(name.assembly)
            prefix += lib_record
            head += struct.pack("<i", lib)
        return prefix + bytes(head) + b"".join(raw for *_, raw in members)

    def exception(self, ref: int, info: ExceptionInfo) -> bytes:
        string = WireType(K_STRING, nullable=True)
        members: list[Member] = [
            self.member("ClassName", info.type_name, string),
            self.member("Message", info.message, string),
            ("Data", BT_SystemClass, "System.Collections.IDictionary", bytes([RT_ObjectNull])),
            ("InnerException", BT_SystemClass, "System.Exception", bytes([RT_ObjectNull])),
            self.member("HelpURL", None, string),
            self.member("StackTraceString", info.stack_trace, string),
            self.member("RemoteStackTraceString", None, string),
            ("RemoteStackIndex", BT_Primitive, P_Int32, struct.pack("<i", 0)),
            ("ExceptionMethod", BT_Object, None, bytes([RT_ObjectNull])),
            ("HResult", BT_Primitive, P_Int32, struct.pack("<i", info.hresult)),
            self.member("Source", info.source, string),
        ]
        members.extend(self.member(n, v, t) for n, v, t in info.fields)
        return self._class_record(ref, ClrName(info.type_name, info.assembly or "mscorlib"), members)

    def objref(self, ref: int, value: ObjRef) -> bytes:
        """The ObjRef graph with the member types .NET writes (TypeInfo, ChannelInfo, channel data)."""
        rt = "System.Runtime.Remoting."
        type_info, channel_info = self.new_id(), self.new_id()
        members: list[Member] = [
            ("uri", BT_String, None, self.object_value(value.uri, WireType(K_STRING))),
            ("typeInfo", BT_SystemClass, rt + "TypeInfo", _ref(type_info)),
            ("envoyInfo", BT_SystemClass, rt + "IEnvoyInfo", bytes([RT_ObjectNull])),
            ("channelInfo", BT_SystemClass, rt + "ChannelInfo", _ref(channel_info)),
            ("objrefFlags", BT_Primitive, P_Int32, struct.pack("<i", value.flags)),
        ]
        if value.is_marshalled is not None:
            members.append(("fIsMarshalled", BT_Primitive, P_Int32,
                            struct.pack("<i", int(value.is_marshalled))))
        out = self._class_record(ref, ClrName(rt + "ObjRef", "mscorlib"), members)
        hierarchy, interfaces, data = self.new_id(), self.new_id(), self.new_id()
        out += self._class_record(type_info, ClrName(rt + "TypeInfo", "mscorlib"), [
            ("serverType", BT_String, None, self.object_value(value.server_type, WireType(K_STRING))),
            ("serverHierarchy", BT_StringArray, None, _ref(hierarchy)),
            ("interfacesImplemented", BT_StringArray, None, _ref(interfaces)),
        ])
        out += self._class_record(channel_info, ClrName(rt + "ChannelInfo", "mscorlib"), [
            ("channelData", BT_ObjectArray, None, _ref(data)),
        ])
        out += self._strings(hierarchy, value.server_hierarchy) + self._strings(interfaces, value.interfaces)
        # one ChannelDataStore per channel URL, as .NET writes one per registered channel: a client channel
        # looks only at the first URL of each store
        appdomain = self.new_id()
        stores = [(self.new_id(), self.new_id(), url) for url in value.channel_urls]
        out += bytes([RT_ArraySingleObject]) + struct.pack("<ii", data, 1 + len(stores)) + _ref(appdomain)
        out += b"".join(_ref(store) for store, _, _ in stores)
        out += self._class_record(appdomain, ClrName(rt + "Channels.CrossAppDomainData", "mscorlib"), [
            ("_ContextID", BT_Object, None, bytes([RT_MemberPrimitiveTyped, P_Int32])
             + struct.pack("<i", 0)),
            ("_DomainID", BT_Primitive, P_Int32, struct.pack("<i", 0)),
            ("_processGuid", BT_String, None, self.object_value(value.process_guid, WireType(K_STRING))),
        ])
        for store, uris, url in stores:
            out += self._class_record(store, ClrName(rt + "Channels.ChannelDataStore", "mscorlib"), [
                ("_channelURIs", BT_StringArray, None, _ref(uris)),
                ("_extraData", BT_SystemClass, "System.Collections.DictionaryEntry[]",
                 bytes([RT_ObjectNull])),
            ])
            out += self._strings(uris, [url])
        return out

    def delegate(self, ref: int, value: DelegateRef) -> bytes:
        """A DelegateSerializationHolder and its DelegateEntry chain, typed as .NET writes them; the targets
        (ObjRefs) are queued."""
        objref = WireType(K_OBJREF, None, None, True)
        string = WireType(K_STRING)
        entry_ids = [self.new_id() for _ in value.entries]
        members: list[Member] = [("Delegate", BT_SystemClass, DELEGATE_ENTRY, _ref(entry_ids[0]))]
        members += [(f"target{i}", BT_SystemClass, "System.Runtime.Remoting.ObjRef",
                     _ref(self.reference(e.target, objref, "target"))) for i, e in enumerate(value.entries)]
        out = self._class_record(ref, ClrName(DELEGATE_HOLDER, "mscorlib"), members)
        for i, entry in enumerate(value.entries):
            following = _ref(entry_ids[i + 1]) if i + 1 < len(entry_ids) else bytes([RT_ObjectNull])
            out += self._class_record(entry_ids[i], ClrName(DELEGATE_ENTRY, "mscorlib"), [
                ("type", BT_String, None, self.object_value(entry.delegate_type.full_name, string)),
                ("assembly", BT_String, None, self.object_value(entry.delegate_type.assembly, string)),
                ("target", BT_Object, None, self.object_value(f"target{i}", string)),
                ("targetTypeAssembly", BT_String, None, self.object_value(entry.target_type.assembly, string)),
                ("targetTypeName", BT_String, None, self.object_value(entry.target_type.full_name, string)),
                ("methodName", BT_String, None, self.object_value(entry.method_name, string)),
                ("delegateEntry", BT_SystemClass, DELEGATE_ENTRY, following),
            ])
        return out

    def _strings(self, ref: int, items: list[str]) -> bytes:
        body = b"".join(self.object_value(s, WireType(K_STRING)) for s in items)
        return bytes([RT_ArraySingleString]) + struct.pack("<ii", ref, len(items)) + body

    def call_context(self, ref: int, context: dict[str, object]) -> bytes:
        """The ``LogicalCallContext`` record: one member per slot, typed by its value (as .NET writes it)."""
        check_slot_names(context)
        flat = self._flat_slots(context)
        if flat is not None:
            return self._flat_context(ref, context, flat)
        members = [self.member(name, value, ANY if value is None else runtime_wire_type(value, self.registry))
                   for name, value in context.items()]
        return self._class_record(ref, _LOGICAL_CALL_CONTEXT, members)

    def _flat_slots(self, context: dict[str, object]) -> list[_FlatSlot] | None:
        """Per slot, its value's :data:`_FLAT_SLOTS` entry, when every value is an object of a by-value class
        registered here (the usual call context) and nothing has been described in this message yet; None
        otherwise. Has no side effect."""
        if self._metadata:
            return None
        return known_classes(context.values(), self.registry, _FLAT_SLOTS, _flat_slot)

    def _flat_context(self, ref: int, context: dict[str, object], flat: list[_FlatSlot]) -> bytes:
        """The ``LogicalCallContext`` record as ``member()`` per slot then :meth:`_class_record` write it (same
        bytes, ids, libraries and queued values), for :meth:`_flat_slots`' contexts."""
        memo = self._memo
        raws: list[bytes] = []
        for value, (_, wt, _, _, _) in zip(context.values(), flat, strict=True):
            key = id(value)  # what reference() does for a by-value object
            object_id = memo.get(key)
            if object_id is None:
                self._keep.append(value)
                object_id = memo[key] = self._next_id
                self._next_id = object_id + 1
                self._queue.append((object_id, value, wt))
            raws.append(_MEMBER_REFERENCE + _I32.pack(object_id))
        names = tuple(context)
        systems = tuple([known[2] for known in flat])
        head = _CONTEXT_HEADS.get((names, systems))
        if head is None:
            members: list[Member] = [_class_member(name, known[0], b"")
                                     for name, known in zip(names, flat, strict=True)]
            head = _class_head(_LOGICAL_CALL_CONTEXT, members)[1]
            if len(_CONTEXT_HEADS) < _MAX_CLASS_HEADS:
                _CONTEXT_HEADS[(names, systems)] = head
        prefix = b""
        extras = bytearray()
        for _, _, system, full_name, assembly in flat:
            if system:
                extras += full_name
            else:
                lib, lib_record = self._library_id(assembly)
                prefix += lib_record
                extras += full_name + _I32.pack(lib)
        self._metadata[(_LOGICAL_CALL_CONTEXT, tuple([(name, BT_SystemClass if known[2] else BT_Class,
                                                       known[0].full_name if known[2] else known[0])
                                                      for name, known in zip(names, flat, strict=True)]))] = ref
        return (prefix + _SYSTEM_CLASS_RECORD + _I32.pack(ref) + head + bytes(extras) + b"".join(raws))


_STRING_RECORD = bytes([RT_BinaryObjectString])
_MEMBER_REFERENCE = bytes([RT_MemberReference])
#: a by-value class as a call context slot's value: its CLR name (in the registry it is registered in), its wire
#: type, whether it is a System class, its full name as a LengthPrefixedString, its assembly
_FlatSlot = tuple[ClrName, WireType, bool, bytes, str]
#: (registry, class) -> the class as :meth:`NrbfWriter._flat_context` writes it; registered classes only
_FLAT_SLOTS: dict[tuple[TypeRegistry, type], _FlatSlot] = {}
#: (slot names, whether each value's class is a System one) -> the LogicalCallContext record's name, member
#: names and binary types
_CONTEXT_HEADS: dict[tuple[tuple[str, ...], tuple[bool, ...]], bytes] = {}


def _flat_slot(registry: TypeRegistry, cls: type) -> _FlatSlot | None:
    """``cls`` as :meth:`NrbfWriter._flat_context` writes it: a dataclass (no exception) registered in
    ``registry``, whose values ``runtime_wire_type`` gives an object wire type (None: anything else)."""
    if not isinstance(cls, type) or not dataclasses.is_dataclass(cls) \
            or issubclass(cls, BaseException | ObjRef | int | list | tuple | enum.Enum) \
            or not registry.is_registered(cls):
        return None  # (runtime_wire_type types an int, a list ... subclass by what it derives from)
    wt = wire_type(cls)
    if wt.kind is not K_OBJECT or wt.py_type is not cls:
        return None
    name = registry.name_of(cls)
    system = simple_assembly_name(name.assembly) in CORE_ASSEMBLIES
    known: _FlatSlot = (name, wt, system, lps(name.full_name), name.assembly)
    if len(_FLAT_SLOTS) < _MAX_CLASS_HEADS:
        _FLAT_SLOTS[(registry, cls)] = known
    return known
_LOGICAL_CALL_CONTEXT = ClrName(LOGICAL_CALL_CONTEXT, "mscorlib")
_PLANS: dict[type, tuple[tuple[FieldSpec, Kind | None], ...]] = {}


_I32 = struct.Struct("<i")
_II = struct.Struct("<ii")
_DOUBLE = struct.Struct("<d")
#: a record type and an object id (a MemberReference; a string record's head), a ClassWithId's three fields
_REFERENCE = _STRING_HEAD = struct.Struct("<Bi")
_WITH_ID = struct.Struct("<Bii")
_CLASS_WITH_ID = bytes([RT_ClassWithId])
_CLASS_RECORD = bytes([RT_ClassWithMembersAndTypes])
_SYSTEM_CLASS_RECORD = bytes([RT_SystemClassWithMembersAndTypes])

#: a by-value class every field of which :meth:`NrbfWriter._fields` writes in one step: its CLR name (as the
#: registry that wrote it first names it), its record layout (the key of ``NrbfWriter._metadata``), whether it
#: is a System class, its metadata after the object id (name, members, their types; not the library id), and
#: per field (attribute, kind); the values of the fields (one call), and their kinds alone
_Layout = tuple[ClrName, tuple[tuple[str, BinaryType, object], ...]]
_FlatRecord = tuple[ClrName, _Layout, bool, bytes, tuple[tuple[str, Kind], ...],
                    Callable[[object], tuple[object, ...]], tuple[Kind, ...]]
_FLAT_RECORDS: dict[type, _FlatRecord | None] = {}  # (None: a class that is not one)
_FAST_MEMBER_TYPES = {K_STRING: (BT_String, None), K_DOUBLE: (BT_Primitive, P_Double), K_INT32: (BT_Primitive, P_Int32)}


def _flat_record(cls: type, name: ClrName) -> None:
    """Remember ``cls`` for :meth:`NrbfWriter._flat_record` if :func:`_field_plan` writes all its fields in one
    step each (the members :meth:`NrbfWriter._fields` gives them then: same layout, same metadata)."""
    plan = _field_plan(cls)
    _FLAT_RECORDS[cls] = None
    if any(fast is None for _, fast in plan):
        return
    members: list[Member] = []
    for spec, fast in plan:
        binary_type, info = _FAST_MEMBER_TYPES[fast]  # type: ignore[index]
        members.append((spec.wire_name, binary_type, info, b""))
    system, names_and_kinds = _class_head(name, members)
    extras = bytes(info for _, _, info, _ in members if info is not None)  # type: ignore[misc]
    layout: _Layout = (name, tuple([member[:3] for member in members]))
    attrs = [spec.attr for spec, _ in plan]
    values_of: Callable[[object], tuple[object, ...]]
    if len(attrs) > 1:
        values_of = operator.attrgetter(*attrs)  # (a tuple of the values, in one call)
    elif attrs:
        values_of = functools.partial(_one_value, attrs[0])
    else:
        values_of = _no_values
    _FLAT_RECORDS[cls] = (name, layout, system, names_and_kinds + extras,
                          tuple((spec.attr, cast(Kind, fast)) for spec, fast in plan), values_of,
                          tuple(cast(Kind, fast) for _, fast in plan))


def _one_value(attr: str, value: object) -> tuple[object, ...]:
    return (getattr(value, attr),)


def _no_values(value: object) -> tuple[object, ...]:
    return ()


def _field_plan(cls: type) -> tuple[tuple[FieldSpec, Kind | None], ...]:
    """Per field of a by-value class, the kind :meth:`NrbfWriter._fields` writes in one step (None: through
    ``member``): a ``str`` (nullable or not: a string member is an object), a non-nullable ``float``, a
    non-nullable ``int`` or ``Int32`` (a plain ``int`` goes out as Int32 when it fits). Cached per class."""
    plan = _PLANS.get(cls)
    if plan is None:
        steps = [(spec, one_step_kind(spec.wire)) for spec in object_fields(cls)]
        plan = _PLANS[cls] = tuple(steps)
    return plan


def _packed(kind: Kind, prim: Primitive, items: list[object]) -> bytes | None:
    """The values of a primitive array in one ``struct.pack``, when they are all ints in range (integer kinds)
    or all floats (Double, Single); None otherwise, and the caller writes them one by one (which also says
    what is wrong with a value)."""
    if prim in (P_Double, P_Single):
        if not all(type(v) is float for v in items):
            return None
    elif kind in INTEGER_RANGES and prim in _STRUCT:
        if not all(type(v) is int for v in items):
            return None
        lo, hi = INTEGER_RANGES[kind]
        numbers = cast("list[int]", items)
        if items and not (lo <= min(numbers) and max(numbers) <= hi):
            return None
    else:
        return None
    try:
        return struct.pack(f"<{len(items)}{_STRUCT[prim][1]}", *items)
    except (OverflowError, struct.error):  # a float beyond Single's range: said item by item
        return None


#: per class record layout (class, members' names and types): whether it is a system class, and the record's
#: name, member count, member names and binary types, the same in every message (a call context's values
#: are written on every call that carries one)
_MAX_CLASS_HEADS = 1024
_CLASS_HEADS: dict[tuple[ClrName, tuple[tuple[object, ...], ...]], tuple[bool, bytes]] = {}


def _class_head(name: ClrName, members: list[Member]) -> tuple[bool, bytes]:
    head = lps(name.full_name) + struct.pack("<i", len(members))
    head += b"".join(lps(member_name) for member_name, *_ in members)
    head += bytes(kind for _, kind, _, _ in members)
    return simple_assembly_name(name.assembly) in CORE_ASSEMBLIES, head


def _class_member(name: str, clr: ClrName, raw: bytes) -> Member:
    """A member whose type is a class: ``SystemClass`` by name for mscorlib's, else ``Class`` with its library."""
    if simple_assembly_name(clr.assembly) in CORE_ASSEMBLIES:
        return name, BT_SystemClass, clr.full_name, raw
    return name, BT_Class, clr, raw


def _null_run(count: int) -> bytes:
    """``count`` consecutive nulls of an array: ObjectNull for one or two, then ObjectNullMultiple(256)."""
    if count <= 2:
        return bytes([RT_ObjectNull]) * count
    if count <= 255:
        return bytes([RT_ObjectNullMultiple256, count])
    return bytes([RT_ObjectNullMultiple]) + struct.pack("<i", count)


def _ref(object_id: int) -> bytes:
    return bytes([RT_MemberReference]) + struct.pack("<i", object_id)


def header(root_id: int, header_id: int) -> bytes:
    return bytes([RT_SerializedStreamHeader]) + struct.pack("<iiii", root_id, header_id, 1, 0)


def value_with_code(kind: Kind | None, value: object) -> bytes:
    if value is None or kind is None:
        return bytes([P_Null])
    prim, raw = primitive_bytes(kind, value)
    return bytes([prim]) + raw


_METHOD_RETURN = bytes([RT_MethodReturn])
def _byte_array_head(ref: int, length: int) -> bytes:
    """The ArraySinglePrimitive record of a ``byte[]`` up to its items (object id, length, PrimitiveType Byte)."""
    return struct.pack("<BiiB", RT_ArraySinglePrimitive, ref, length, P_Byte)


_RETURN_NO_ARGS = (MessageFlags.NoContext | MessageFlags.NoArgs).value
_RETURN_ARGS_INLINE = (MessageFlags.NoContext | MessageFlags.ArgsInline).value
_NO_RETURN_VALUE = MessageFlags.NoReturnValue.value
_RETURN_VALUE_INLINE = MessageFlags.ReturnValueInline.value
_RETURN_VALUE_IN_ARRAY = MessageFlags.ReturnValueInArray.value
_NO_CONTEXT = MessageFlags.NoContext.value
_CONTEXT_IN_ARRAY = MessageFlags.ContextInArray.value


def write_method_return(
    value: object, value_type: WireType, parameter_count: int, registry: TypeRegistry,
    marshaller: ReferenceMarshaller | None = None,
    outs: Sequence[tuple[int, tuple[str, object, WireType]]] = (), call_context: dict[str, object] | None = None,
) -> bytes:
    """A BinaryMethodReturn; ``outs`` are the out and ref parameters' (position, (name, value, type));
    ``call_context`` the logical call context it carries (``ContextInArray``)."""
    if outs:
        return _write_return_with_outs(value, value_type, parameter_count, registry, marshaller, outs, call_context)
    # plain ints: IntFlag's | is Python code, and this runs for every binary reply
    flags = _RETURN_ARGS_INLINE if parameter_count else _RETURN_NO_ARGS
    args = (struct.pack("<i", parameter_count) + bytes([P_Null]) * parameter_count) if parameter_count else b""
    writer = NrbfWriter(registry, marshaller)
    if value is None or value_type.kind is K_VOID:
        # what .NET and Mono write for a null return and for a void method (its return value is null)
        return _message(writer, _METHOD_RETURN, flags | _NO_RETURN_VALUE, args, [], call_context)
    kind = primitive_kind(value, value_type)
    if kind is not None:
        inline = value_with_code(kind, value) + args
        return _message(writer, _METHOD_RETURN, flags | _RETURN_VALUE_INLINE, inline, [], call_context)
    item = writer.object_value(value, value_type)
    return _message(writer, _METHOD_RETURN, flags | _RETURN_VALUE_IN_ARRAY, args, [item], call_context)


def _message(
    writer: NrbfWriter, record: bytes, flags: int, fields: bytes, array: list[bytes],
    call_context: dict[str, object] | None,
) -> bytes:
    """A method message: its record, then the call array (``array``, plus the call context) if not empty."""
    if call_context is not None:
        flags = (flags & ~_NO_CONTEXT) | _CONTEXT_IN_ARRAY  # plain ints: IntFlag's operators are Python code
        context_id = writer.new_id()
        array = [*array, _ref(context_id)]
        writer.out.append(writer.call_context(context_id, call_context))
    if not array:
        return header(0, 0) + record + struct.pack("<i", flags) + fields + bytes([RT_MessageEnd])
    writer.flush()
    call_array = bytes([RT_ArraySingleObject]) + struct.pack("<ii", 1, len(array)) + b"".join(array)
    return b"".join((header(1, -1), record, struct.pack("<i", flags), fields, call_array, *writer.out,
                     bytes([RT_MessageEnd])))


def _write_return_with_outs(
    value: object, value_type: WireType, parameter_count: int, registry: TypeRegistry,
    marshaller: ReferenceMarshaller | None, outs: Sequence[tuple[int, tuple[str, object, WireType]]],
    call_context: dict[str, object] | None = None,
) -> bytes:
    """Every argument slot, the out and ref values in their positions and null in the others, as Mono
    writes them: inline when all are primitive (strings included); otherwise in an array, which is the
    call array's first item when the return value or a call context is in it too (``ArgsInArray``) and a
    call array of its own otherwise (``ArgsIsArray``)."""
    count = max([parameter_count, *(position + 1 for position, _ in outs)])
    slots: list[tuple[object, WireType]] = [(None, ANY)] * count
    for position, (_, slot_value, slot_type) in outs:
        slots[position] = (slot_value, slot_type)
    kinds = [primitive_kind(v, t) if v is not None else None for v, t in slots]
    returns_value = value is not None and value_type.kind is not K_VOID
    return_kind = primitive_kind(value, value_type) if returns_value else None
    flags = MessageFlags.NoContext
    head = b""
    if not returns_value:
        flags |= MessageFlags.NoReturnValue
    elif return_kind is not None:
        flags |= MessageFlags.ReturnValueInline
        head = value_with_code(return_kind, value)
    else:
        flags |= MessageFlags.ReturnValueInArray
    writer = NrbfWriter(registry, marshaller)
    record = bytes([RT_MethodReturn])
    if all(k is not None or v is None for k, (v, _) in zip(kinds, slots, strict=True)):
        flags |= MessageFlags.ArgsInline
        inline = struct.pack("<i", count) + b"".join(value_with_code(k, v) for k, (v, _) in zip(kinds, slots,
                                                                                                 strict=True))
        returned = [writer.object_value(value, value_type)] if flags & MessageFlags.ReturnValueInArray else []
        return _message(writer, record, flags, head + inline, returned, call_context)
    if flags & MessageFlags.ReturnValueInArray or call_context is not None:
        flags |= MessageFlags.ArgsInArray
        # .NET (and Mono) put the arguments first and the return value second, whatever [MS-NRBF] 2.2.3.4 says
        args_id = writer.new_id()
        returned = [writer.object_value(value, value_type)] if flags & MessageFlags.ReturnValueInArray else []
        items = b"".join(writer.object_value(v, t) for v, t in slots)
        writer.out.append(bytes([RT_ArraySingleObject]) + struct.pack("<ii", args_id, count) + items)
        return _message(writer, record, flags, head, [_ref(args_id), *returned], call_context)
    flags |= MessageFlags.ArgsIsArray
    return _message(writer, record, flags, head, [writer.object_value(v, t) for v, t in slots], None)


def write_exception_return(info: ExceptionInfo, registry: TypeRegistry,
                           call_context: dict[str, object] | None = None) -> bytes:
    """A fault: the exception in the call array, then the ``call_context`` (if any) as .NET writes it."""
    flags = MessageFlags.ExceptionInArray | MessageFlags.NoReturnValue | MessageFlags.NoContext | MessageFlags.NoArgs
    writer = NrbfWriter(registry)
    exception_id = writer.new_id()
    exception = writer.exception(exception_id, info)
    if call_context is not None:
        record = bytes([RT_MethodReturn])
        writer.out.insert(0, exception)
        return _message(writer, record, flags, b"", [_ref(exception_id)], call_context)
    writer.flush()
    call_array = bytes([RT_ArraySingleObject]) + struct.pack("<ii", 1, 1) + _ref(exception_id)
    return b"".join((header(1, -1), bytes([RT_MethodReturn]), struct.pack("<i", flags), call_array, exception,
                     *writer.out, bytes([RT_MessageEnd])))


def write_method_call(
    method_name: str, type_name: str, args: list[object], types: list[WireType], registry: TypeRegistry,
    marshaller: ReferenceMarshaller | None = None, signature: Sequence[tuple[str, str]] | None = None,
    call_context: dict[str, object] | None = None,
) -> bytes:
    """A BinaryMethodCall; ``signature`` (each parameter's CLR full name and assembly) goes in the call
    array as ``MethodSignatureInArray``, as .NET sends it for an overloaded method, and ``call_context``
    after it (``ContextInArray``)."""
    if signature is not None:
        return _write_call_with_signature(method_name, type_name, args, types, registry, marshaller, signature,
                                          call_context)
    record = bytes([RT_MethodCall])
    names = bytes([P_String]) + lps(method_name) + bytes([P_String]) + lps(type_name)
    writer = NrbfWriter(registry, marshaller)
    if not args:
        return _message(writer, record, MessageFlags.NoArgs | MessageFlags.NoContext, names, [], call_context)
    kinds = [primitive_kind(a, t) if a is not None else None for a, t in zip(args, types, strict=True)]
    if all(k is not None or a is None for k, a in zip(kinds, args, strict=True)):
        values = b"".join(value_with_code(k, a) for k, a in zip(kinds, args, strict=True))
        inline = names + struct.pack("<i", len(args)) + values
        return _message(writer, record, MessageFlags.ArgsInline | MessageFlags.NoContext, inline, [], call_context)
    items = [writer.object_value(a, t) for a, t in zip(args, types, strict=True)]
    if call_context is None:  # the call array is the arguments
        return _message(writer, record, MessageFlags.ArgsIsArray | MessageFlags.NoContext, names, items, None)
    # the arguments are an array of their own, the call array's first item
    args_id = writer.new_id()
    writer.out.append(bytes([RT_ArraySingleObject]) + struct.pack("<ii", args_id, len(items)) + b"".join(items))
    return _message(writer, record, MessageFlags.ArgsInArray | MessageFlags.NoContext, names, [_ref(args_id)],
                    call_context)


#: how .NET serializes a System.Type (MS-NRTP 2.2.2.12); UnityType 4 is "a type"
_TYPE_HOLDER = "System.UnitySerializationHolder"


def _write_call_with_signature(
    method_name: str, type_name: str, args: list[object], types: list[WireType], registry: TypeRegistry,
    marshaller: ReferenceMarshaller | None, signature: Sequence[tuple[str, str]],
    call_context: dict[str, object] | None = None,
) -> bytes:
    """Arguments inline when all are primitive (else the call array's first item), then the signature: a
    ``System.Type[]`` whose items are UnitySerializationHolder records, one per distinct type (as Mono);
    then the call context, if any."""
    writer = NrbfWriter(registry, marshaller)
    kinds = [primitive_kind(a, t) if a is not None else None for a, t in zip(args, types, strict=True)]
    flags = MessageFlags.NoContext | MessageFlags.MethodSignatureInArray
    items: list[bytes] = []
    inline = b""
    if not args:
        flags |= MessageFlags.NoArgs
    elif all(k is not None or a is None for k, a in zip(kinds, args, strict=True)):
        flags |= MessageFlags.ArgsInline
        inline = struct.pack("<i", len(args)) + b"".join(
            value_with_code(k, a) for k, a in zip(kinds, args, strict=True))
    else:
        flags |= MessageFlags.ArgsInArray
        args_id = writer.new_id()
        values = b"".join(writer.object_value(a, t) for a, t in zip(args, types, strict=True))
        items.append(bytes([RT_MemberReference]) + struct.pack("<i", args_id))
        writer.out.append(bytes([RT_ArraySingleObject]) + struct.pack("<ii", args_id, len(args)) + values)
    signature_id = writer.new_id()
    items.append(bytes([RT_MemberReference]) + struct.pack("<i", signature_id))
    holders: dict[tuple[str, str], int] = {}
    first_holder = 0
    refs = b""
    records = b""
    for full_name, assembly in signature:
        ref = holders.get((full_name, assembly))
        if ref is None:
            ref = holders[(full_name, assembly)] = writer.new_id()
            if not records:
                head = (bytes([RT_SystemClassWithMembersAndTypes]) + struct.pack("<i", ref) + lps(_TYPE_HOLDER)
                        + struct.pack("<i", 3) + lps("Data") + lps("UnityType") + lps("AssemblyName")
                        + bytes([BT_String, BT_Primitive, BT_String, P_Int32]))
                first_holder = ref
            else:
                head = bytes([RT_ClassWithId]) + struct.pack("<ii", ref, first_holder)
            records += (head + bytes([RT_BinaryObjectString]) + struct.pack("<i", writer.new_id())
                        + lps(full_name) + struct.pack("<i", 4) + bytes([RT_BinaryObjectString])
                        + struct.pack("<i", writer.new_id()) + lps(assembly))
        refs += bytes([RT_MemberReference]) + struct.pack("<i", ref)
    signature_array = (bytes([RT_BinaryArray]) + struct.pack("<i", signature_id) + bytes([0])
                       + struct.pack("<ii", 1, len(signature)) + bytes([BT_SystemClass]) + lps("System.Type")
                       + refs)
    if call_context is not None:
        flags = (flags & ~_NO_CONTEXT) | _CONTEXT_IN_ARRAY  # plain ints: IntFlag's operators are Python code
        context_id = writer.new_id()
        items.append(_ref(context_id))
        writer.out.append(writer.call_context(context_id, call_context))
    writer.flush()
    call_array = bytes([RT_ArraySingleObject]) + struct.pack("<ii", 1, len(items)) + b"".join(items)
    head = bytes([RT_MethodCall]) + struct.pack("<i", flags) + bytes([P_String]) + lps(method_name) \
        + bytes([P_String]) + lps(type_name) + inline
    return b"".join((header(1, -1), head, call_array, *writer.out, signature_array, records,
                     bytes([RT_MessageEnd])))


__all__ = ["MSCORLIB", "NrbfWriter", "write_exception_return", "write_method_call", "write_method_return"]


def flat_fields(cls: type, registry: TypeRegistry) -> tuple[ClrName, tuple[tuple[str, Kind], ...]] | None:
    """(CLR name, per field (attribute, kind)) of a by-value class the writer has written and writes in one
    step (:meth:`NrbfWriter._flat_record`: every field a ``str``, ``float`` or 32-bit ``int``); None for any
    other class. For the answer templates (soap/_nrbf_response_templates.py), which write such objects' values
    the same way. (The writer learns a class's one-step layout on its second object of it, the first one
    having gone the general way: the layout is learnt here at once, else the answer that wrote the first one
    would be taken for one that cannot be a template.)"""
    if cls not in _FLAT_RECORDS and cls in _PLANS:
        _flat_record(cls, registry.name_of(cls))
    flat = _FLAT_RECORDS.get(cls)
    return None if flat is None else (flat[0], flat[4])
