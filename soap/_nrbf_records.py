"""[MS-NRBF] records, read into inert values.

Like .NET 9's System.Formats.Nrbf, parsing builds plain records (class name, library, member values,
arrays) and never instantiates anything; mapping records to registered Python types is a separate step
(:mod:`soap._nrbf_decode`). Every length read off the wire is checked against the bytes that remain and
against :class:`soap.Limits` *before* anything is allocated, so a claimed array of 2**31 items is refused
at once. Byte arrays are kept as ``bytes`` (one object, not one per byte). Forward references are allowed
(objects may follow the records that refer to them); references that never resolve, duplicate object ids
and cycles are reported when values are mapped. The message's ``MessageFlags`` must not contradict each
other ([MS-NRBF] 2.2.1.1): a call whose flags do is refused before anything else is read.
"""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum, IntFlag
from typing import Any, cast

from ._errors import LimitExceeded, MessageTooLarge, SoapDecodeError
from ._xml import Limits, count_array_items


class RecordType(IntEnum):
    SerializedStreamHeader = 0
    ClassWithId = 1
    SystemClassWithMembers = 2
    ClassWithMembers = 3
    SystemClassWithMembersAndTypes = 4
    ClassWithMembersAndTypes = 5
    BinaryObjectString = 6
    BinaryArray = 7
    MemberPrimitiveTyped = 8
    MemberReference = 9
    ObjectNull = 10
    MessageEnd = 11
    BinaryLibrary = 12
    ObjectNullMultiple256 = 13
    ObjectNullMultiple = 14
    ArraySinglePrimitive = 15
    ArraySingleObject = 16
    ArraySingleString = 17
    MethodCall = 21
    MethodReturn = 22


class BinaryType(IntEnum):
    Primitive = 0
    String = 1
    Object = 2
    SystemClass = 3
    Class = 4
    ObjectArray = 5
    StringArray = 6
    PrimitiveArray = 7


class Primitive(IntEnum):
    Boolean = 1
    Byte = 2
    Char = 3
    Decimal = 5
    Double = 6
    Int16 = 7
    Int32 = 8
    Int64 = 9
    SByte = 10
    Single = 11
    TimeSpan = 12
    DateTime = 13
    UInt16 = 14
    UInt32 = 15
    UInt64 = 16
    Null = 17
    String = 18


# Every member as a module global, for the reader and the writer: on Python 3.11 reading a member off its enum
# class (``RecordType.ObjectNull``) costs several times a global's lookup (timeit: ~8x), and a message with a
# call context goes through the record reader (one record after another) rather than the inline arguments.
RT_SerializedStreamHeader = RecordType.SerializedStreamHeader
RT_ClassWithId = RecordType.ClassWithId
RT_SystemClassWithMembers = RecordType.SystemClassWithMembers
RT_ClassWithMembers = RecordType.ClassWithMembers
RT_SystemClassWithMembersAndTypes = RecordType.SystemClassWithMembersAndTypes
RT_ClassWithMembersAndTypes = RecordType.ClassWithMembersAndTypes
RT_BinaryObjectString = RecordType.BinaryObjectString
RT_BinaryArray = RecordType.BinaryArray
RT_MemberPrimitiveTyped = RecordType.MemberPrimitiveTyped
RT_MemberReference = RecordType.MemberReference
RT_ObjectNull = RecordType.ObjectNull
RT_MessageEnd = RecordType.MessageEnd
RT_BinaryLibrary = RecordType.BinaryLibrary
RT_ObjectNullMultiple256 = RecordType.ObjectNullMultiple256
RT_ObjectNullMultiple = RecordType.ObjectNullMultiple
RT_ArraySinglePrimitive = RecordType.ArraySinglePrimitive
RT_ArraySingleObject = RecordType.ArraySingleObject
RT_ArraySingleString = RecordType.ArraySingleString
RT_MethodCall = RecordType.MethodCall
RT_MethodReturn = RecordType.MethodReturn
BT_Primitive = BinaryType.Primitive
BT_String = BinaryType.String
BT_Object = BinaryType.Object
BT_SystemClass = BinaryType.SystemClass
BT_Class = BinaryType.Class
BT_ObjectArray = BinaryType.ObjectArray
BT_StringArray = BinaryType.StringArray
BT_PrimitiveArray = BinaryType.PrimitiveArray
P_Boolean = Primitive.Boolean
P_Byte = Primitive.Byte
P_Char = Primitive.Char
P_Decimal = Primitive.Decimal
P_Double = Primitive.Double
P_Int16 = Primitive.Int16
P_Int32 = Primitive.Int32
P_Int64 = Primitive.Int64
P_SByte = Primitive.SByte
P_Single = Primitive.Single
P_TimeSpan = Primitive.TimeSpan
P_DateTime = Primitive.DateTime
P_UInt16 = Primitive.UInt16
P_UInt32 = Primitive.UInt32
P_UInt64 = Primitive.UInt64
P_Null = Primitive.Null
P_String = Primitive.String


class MessageFlags(IntFlag):
    NoArgs = 0x1
    ArgsInline = 0x2
    ArgsIsArray = 0x4
    ArgsInArray = 0x8
    NoContext = 0x10
    ContextInline = 0x20
    ContextInArray = 0x40
    MethodSignatureInArray = 0x80
    PropertiesInArray = 0x100
    NoReturnValue = 0x200
    ReturnValueVoid = 0x400
    ReturnValueInline = 0x800
    ReturnValueInArray = 0x1000
    ExceptionInArray = 0x2000
    GenericMethod = 0x8000


_ARGS = 0x1 | 0x2 | 0x4 | 0x8  # NoArgs, ArgsInline, ArgsIsArray, ArgsInArray
_CONTEXT = 0x10 | 0x20 | 0x40  # NoContext, ContextInline, ContextInArray
_RETURN = 0x200 | 0x400 | 0x800 | 0x1000  # NoReturnValue, ReturnValueVoid, ReturnValueInline, ReturnValueInArray
_EXCEPTION = 0x2000
_SIGNATURE = 0x80
_CALL_ONLY = 0x80 | 0x8000  # MethodSignatureInArray, GenericMethod
_KNOWN_FLAGS = 0xBFFF
#: the (flags, is a call) pairs found consistent, remembered (a handful of values occur in practice)
_CHECKED: set[tuple[int, bool]] = set()


def check_flags(raw: int, call: bool) -> int:
    """``raw`` as MessageFlags, or a decode error naming the contradiction ([MS-NRBF] 2.2.1.1): at most one
    flag per category, no two exclusive categories (Args and Exception, Return and Exception, Return and
    Signature, Exception and Signature), no return or exception flags on a call, no signature or generic flag
    on a return, no undefined bit. NoArgs and NoReturnValue carry nothing to contradict: .NET and Mono send
    ``NoArgs|NoReturnValue|ExceptionInArray`` for an exception. Returns ``raw``, a plain int (the reader
    tests it with ``&``, which on an IntFlag is Python code)."""
    if (raw, call) in _CHECKED:
        return raw
    if raw < 0 or raw & ~_KNOWN_FLAGS:
        raise SoapDecodeError(f"MessageFlags 0x{raw & 0xFFFFFFFF:x} has undefined bits set")
    for category, mask in (("Args", _ARGS), ("Context", _CONTEXT), ("Return", _RETURN)):
        count = (raw & mask).bit_count()
        if count > 1:
            raise SoapDecodeError(f"MessageFlags 0x{raw:x} sets {count} {category} flags (at most one)")
    present = {
        "Args": bool(raw & _ARGS & ~0x1), "Return": bool(raw & _RETURN & ~0x200),
        "Exception": bool(raw & _EXCEPTION), "Signature": bool(raw & _SIGNATURE),
    }
    for a, b in (("Args", "Exception"), ("Return", "Exception"), ("Return", "Signature"), ("Exception", "Signature")):
        if present[a] and present[b]:
            raise SoapDecodeError(f"MessageFlags 0x{raw:x} combines {a} and {b} flags, which exclude each other")
    if call and raw & (_RETURN | _EXCEPTION):
        raise SoapDecodeError(f"MessageFlags 0x{raw:x} of a method call carries return or exception flags")
    if not call and raw & _CALL_ONLY:
        raise SoapDecodeError(f"MessageFlags 0x{raw:x} of a method return carries call-only flags")
    if len(_CHECKED) < 256:
        _CHECKED.add((raw, call))
    return raw


# The flags the reader tests, as plain ints: ``int & IntFlag`` runs IntFlag's (Python) __rand__.
_ARGS_INLINE = MessageFlags.ArgsInline.value
_CONTEXT_INLINE = MessageFlags.ContextInline.value
_RETURN_VALUE_INLINE = MessageFlags.ReturnValueInline.value

_FIXED = {
    Primitive.Boolean: ("<?", 1), Primitive.Byte: ("<B", 1), Primitive.Double: ("<d", 8),
    Primitive.Int16: ("<h", 2), Primitive.Int32: ("<i", 4), Primitive.Int64: ("<q", 8),
    Primitive.SByte: ("<b", 1), Primitive.Single: ("<f", 4), Primitive.TimeSpan: ("<q", 8),
    Primitive.DateTime: ("<Q", 8), Primitive.UInt16: ("<H", 2), Primitive.UInt32: ("<I", 4),
    Primitive.UInt64: ("<Q", 8),
}
#: the same, by type code, with compiled structs: what the reader looks up for every primitive
_FIXED_BY_CODE = {int(p): (p, struct.Struct(fmt), size) for p, (fmt, size) in _FIXED.items()}
_PRIMITIVE_BY_CODE = {int(p): p for p in Primitive}
#: primitives an array or a member type may name (not Null, not String)
_ELEMENT_PRIMITIVES = {code: p for code, p in _PRIMITIVE_BY_CODE.items() if p not in (Primitive.Null, Primitive.String)}
_BINARY_TYPE_BY_CODE = {int(t): t for t in BinaryType}
_I32 = struct.Struct("<i")
#: SerializationHeader (record type, root id, header id, major and minor version), then the message's record type
_STREAM_HEAD = struct.Struct("<BiiiiB")


#: fixed-size primitives whose values still need converting (ticks): kept as PrimitiveValue in arrays
_CONVERTED = (Primitive.DateTime, Primitive.TimeSpan)
#: the ``array`` type code that reads a fixed-size primitive array's items at their wire width, where one has
#: it on this platform (``array.tolist`` makes the list with less work than a ``struct`` tuple copied into
#: one); the others (Boolean: no array type) through ``struct``
_ARRAY_CODES = {prim: fmt[1] for prim, (fmt, size) in _FIXED.items()
                if prim not in _CONVERTED and fmt[1] in "bhHiIqQfd" and array(fmt[1]).itemsize == size}
_SWAP = sys.byteorder != "little"
#: integer arrays read by ``soap._int_lists`` where it is built (items that fit 16 bits share one int object
#: per value instead of a new one per item: soap/_int_lists.c says why): (width, signed) per primitive
_SHARED_INTS = {Primitive.Int16: (2, True), Primitive.UInt16: (2, False), Primitive.Int32: (4, True),
                Primitive.UInt32: (4, False), Primitive.Int64: (8, True), Primitive.UInt64: (8, False)}
_int_list: Callable[[bytes | memoryview, int, int, int, bool], list[Any]] | None
try:
    from ._int_lists import int_list as _int_list
except ImportError:  # not built (no C compiler): array.tolist below, the same values
    _int_list = None


def fixed_items(data: bytes | memoryview, start: int, length: int, prim: Primitive) -> list[object]:
    """The ``length`` items of a fixed-size primitive array at ``start`` of ``data``, as plain Python values
    (the caller has checked the bytes are there). One place for the reader and the request templates."""
    if _int_list is not None:
        shared = _SHARED_INTS.get(prim)
        if shared is not None:
            return _int_list(data, start, length, *shared)
    fmt, size = _FIXED[prim]
    code = _ARRAY_CODES.get(prim)
    if code is None:
        return list(struct.unpack_from(f"<{length}{fmt[1]}", data, start))
    items = array(code)
    items.frombytes(data[start:start + length * size])  # (any buffer; array(code, a_memoryview) would iterate it)
    if _SWAP:
        items.byteswap()
    return items.tolist()  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class Ref:
    """A MemberReference: the object with this id, wherever it is in the stream."""

    id: int


@dataclass(frozen=True, slots=True)
class PrimitiveValue:
    """A primitive with its .NET type (kept so DateTime, TimeSpan, Decimal, Char keep their meaning)."""

    type: Primitive
    value: object


@dataclass(slots=True)
class ClassRecord:
    """An object: its CLR type name, library (None for mscorlib) and members in order."""

    id: int
    name: str
    library: str | None
    members: dict[str, object]


@dataclass(slots=True)
class ArrayRecord:
    """An array. A primitive array's ``items`` are plain Python values (``PrimitiveValue`` only for the
    types that need converting: DateTime, TimeSpan, Decimal, Char); a ``byte[]`` keeps its bytes in ``data``
    (one copy, no per-item object) and has no ``items``."""

    id: int
    items: list[object]
    element_type: BinaryType
    primitive: Primitive | None = None
    class_name: str | None = None
    data: bytes | None = None

    def elements(self) -> list[object]:
        """The items, a ``byte[]``'s as ints."""
        return self.items if self.data is None else list(self.data)


@dataclass(slots=True)
class StringRecord:
    id: int
    value: str


@dataclass(slots=True)
class MethodCallRecord:
    flags: MessageFlags
    method_name: str
    type_name: str
    args: list[object] | None


@dataclass(slots=True)
class MethodReturnRecord:
    flags: MessageFlags
    return_value: object
    args: list[object] | None


@dataclass(slots=True)
class NrbfMessage:
    root_id: int
    header_id: int
    message: MethodCallRecord | MethodReturnRecord
    objects: dict[int, object] = field(default_factory=dict)


@dataclass(slots=True)
class _ClassInfo:
    name: str
    member_names: list[str]
    types: list[tuple[BinaryType, object]] | None
    library: str | None
    #: per member, (primitive, struct format, size) for a fixed-size primitive, None for anything else
    #: (built on first use: the records of a Person[] share one _ClassInfo)
    fixed: list[tuple[Primitive, str, int] | None] | None = None


class _Nulls:
    """ObjectNullMultiple: ``count`` consecutive null slots in an array or member list."""

    __slots__ = ("count",)

    def __init__(self, count: int) -> None:
        self.count = count


class NrbfReader:
    """Reads one message; bounded by ``limits`` (records, array lengths, string lengths, depth)."""

    def __init__(self, data: bytes, limits: Limits) -> None:
        if len(data) > limits.max_bytes:
            raise MessageTooLarge(f"message of {len(data)} bytes exceeds the limit of {limits.max_bytes} bytes")
        self.data = memoryview(data)
        #: the message as bytes, for comparing a class record's metadata with a known layout (:data:`_LAYOUTS`)
        self.raw = data if type(data) is bytes else bytes(data)
        self.pos = 0
        self.limits = limits
        self.records = 0
        self.objects: dict[int, object] = {}
        self.metadata: dict[int, _ClassInfo] = {}
        self.libraries: dict[int, str] = {}
        self.depth = 0
        self.array_items = 0
        self.null_slots = 0

    # -------------------------------------------------------------- primitives

    def _need(self, n: int) -> None:
        if n < 0 or self.pos + n > len(self.data):
            raise SoapDecodeError(f"binary message truncated at byte {self.pos} (needs {n} more)")

    def u8(self) -> int:
        pos = self.pos
        if pos >= len(self.data):
            self._need(1)
        self.pos = pos + 1
        return self.data[pos]

    def i32(self) -> int:
        pos = self.pos
        if pos + 4 > len(self.data):
            self._need(4)
        self.pos = pos + 4
        value: int = _I32.unpack_from(self.data, pos)[0]
        return value

    def count(self, what: str) -> int:
        """A non-negative length read off the wire, at most ``max_array_length``."""
        return self._bounded(self.i32(), what)

    def _bounded(self, n: int, what: str) -> int:
        if n < 0 or n > self.limits.max_array_length:
            raise LimitExceeded(f"{what} length {n} is out of bounds (limit {self.limits.max_array_length})",
                                "max_array_length")
        return n

    def _array_length(self, n: int, prim: Primitive | None) -> int:
        """An array's length, checked against the limits before anything is allocated: a byte array against
        ``max_binary_length``, any other against ``max_array_length`` and the message's ``max_array_items``
        (the bytes the items need are checked where they are read)."""
        if prim is P_Byte:
            if n < 0 or n > self.limits.max_binary_length:
                raise LimitExceeded(f"byte array length {n} is out of bounds (limit {self.limits.max_binary_length})",
                                    "max_binary_length")
            return n
        self._bounded(n, "array")
        self.array_items = count_array_items(self.array_items, n, self.limits)
        return n

    def string(self) -> str:
        pos = self.pos
        data = self.data
        if pos < len(data) and data[pos] < 0x80:  # a one-byte length: nearly every string
            length = data[pos]
            end = pos + 1 + length
            if end <= len(data):  # (read here: what _utf8 does)
                self.pos = end
                try:
                    return str(data[pos + 1:end], "utf-8")  # straight from the buffer: no bytes copy
                except UnicodeDecodeError:
                    raise SoapDecodeError("string is not valid UTF-8") from None
            self.pos = pos + 1
            return self._utf8(length)
        length = 0
        for shift in range(0, 35, 7):
            byte = self.u8()
            length |= (byte & 0x7F) << shift
            if not byte & 0x80:
                break
        else:
            raise SoapDecodeError("string length prefix longer than 5 bytes")
        if length > self.limits.max_text_length:
            raise LimitExceeded(f"string of {length} bytes exceeds the limit of {self.limits.max_text_length}",
                                "max_text_length")
        return self._utf8(length)

    def _utf8(self, length: int) -> str:
        self._need(length)
        start = self.pos
        self.pos = start + length
        try:
            return str(self.data[start:start + length], "utf-8")  # straight from the buffer: no bytes copy
        except UnicodeDecodeError:
            raise SoapDecodeError("string is not valid UTF-8") from None

    def primitive(self, kind: int) -> object:
        fixed = _FIXED_BY_CODE.get(kind)
        if fixed is not None:
            prim, unpack, size = fixed
            pos = self.pos
            self._need(size)
            self.pos = pos + size
            return PrimitiveValue(prim, unpack.unpack_from(self.data, pos)[0])
        found = _PRIMITIVE_BY_CODE.get(kind)
        if found is None:
            raise SoapDecodeError(f"unknown primitive type {kind}")
        prim = found
        if prim is P_Char:
            lead = self.u8()
            width = 1 if lead < 0x80 else 2 if lead >> 5 == 0b110 else 3 if lead >> 4 == 0b1110 else 4
            if width == 4:  # a .NET Char is one UTF-16 code unit: nothing outside the BMP
                raise SoapDecodeError("char outside the Basic Multilingual Plane")
            self._need(width - 1)
            raw = bytes([lead]) + bytes(self.data[self.pos:self.pos + width - 1])
            self.pos += width - 1
            try:
                return PrimitiveValue(prim, raw.decode("utf-8"))
            except UnicodeDecodeError:
                raise SoapDecodeError("char is not valid UTF-8") from None
        if prim in (P_Decimal, P_String):
            return PrimitiveValue(prim, self.string())
        if prim is P_Null:
            return None
        raise SoapDecodeError(f"primitive type {prim.name} cannot appear here")

    # -------------------------------------------------------------- records

    def _stream_head(self) -> tuple[int, int, int]:
        """The root id, header id and message record type: the fixed head every message starts with."""
        data = self.data
        if len(data) >= _STREAM_HEAD.size and data[0] == RT_SerializedStreamHeader:
            _, root_id, header_id, major, minor, kind = _STREAM_HEAD.unpack_from(data, 0)  # one unpack: hot path
            self.pos = _STREAM_HEAD.size
        else:  # not a stream, or a truncated one: field by field, so that the error says what and where
            if self.u8() != RT_SerializedStreamHeader:
                raise SoapDecodeError("not an MS-NRBF stream: no SerializationHeader record")
            root_id, header_id, major, minor = self.i32(), self.i32(), self.i32(), self.i32()
            kind = -1
        if (major, minor) != (1, 0):
            raise SoapDecodeError(f"unsupported MS-NRBF version {major}.{minor}")
        return root_id, header_id, self.u8() if kind < 0 else kind

    def message(self) -> NrbfMessage:
        root_id, header_id, kind = self._stream_head()
        message: MethodCallRecord | MethodReturnRecord
        if kind == RT_MethodCall:
            raw = check_flags(self.i32(), call=True)
            method = self._string_with_code()
            type_name = self._string_with_code()
            if raw & _CONTEXT_INLINE:
                self._string_with_code()
            args = self._values_with_code() if raw & _ARGS_INLINE else None
            message = MethodCallRecord(MessageFlags(raw), method, type_name, args)
        elif kind == RT_MethodReturn:
            raw = check_flags(self.i32(), call=False)
            value = self._value_with_code() if raw & _RETURN_VALUE_INLINE else None
            if raw & _CONTEXT_INLINE:
                self._string_with_code()
            args = self._values_with_code() if raw & _ARGS_INLINE else None
            message = MethodReturnRecord(MessageFlags(raw), value, args)
        else:
            raise SoapDecodeError(f"expected a BinaryMethodCall or BinaryMethodReturn record, got type {kind}")
        while True:
            if self.u8() == RT_MessageEnd:
                break
            self.pos -= 1
            self.record()
        if self.pos != len(self.data):
            raise SoapDecodeError(f"{len(self.data) - self.pos} bytes after MessageEnd")
        return NrbfMessage(root_id, header_id, message, self.objects)

    def _string_with_code(self) -> str:
        code = self.u8()
        if code != P_String:
            raise SoapDecodeError(f"expected a string value (code 18), got code {code}")
        return self.string()

    def _value_with_code(self) -> object:
        return self.primitive(self.u8())

    def _values_with_code(self) -> list[object]:
        return [self._value_with_code() for _ in range(self.count("argument list"))]

    def _register(self, object_id: int, record: object) -> None:
        if object_id in self.objects:
            raise SoapDecodeError(f"object id {object_id} defined twice")
        self.objects[object_id] = record
        if len(self.objects) > self.limits.max_multirefs:
            raise LimitExceeded(f"more than {self.limits.max_multirefs} objects with an id", "max_multirefs")

    def record(self) -> object:
        """One record (an object, a reference, a null, a library...); returns its value."""
        self.records += 1
        limits = self.limits
        if self.records > limits.max_elements:
            raise SoapDecodeError(f"more than {limits.max_elements} records")
        self.depth += 1
        if self.depth > limits.max_depth:
            raise SoapDecodeError(f"records nested deeper than {limits.max_depth} levels")
        try:
            pos = self.pos  # (the record type, read here: what u8 does, a call less per record)
            if pos >= len(self.data):
                self._need(1)
            self.pos = pos + 1
            return self._record(self.data[pos])
        finally:
            self.depth -= 1

    def _record(self, kind: int) -> object:
        # the record types by how often they come: an object array's items (ClassWithId, MemberReference,
        # BinaryObjectString) first; the branches are disjoint, so the order changes nothing else
        if kind == RT_ClassWithId:
            object_id, metadata_id = self.i32(), self.i32()
            known = self.metadata.get(metadata_id)
            if known is None:
                raise SoapDecodeError(f"ClassWithId refers to unknown metadata id {metadata_id}")
            return self._class_values(object_id, known)
        if kind in (RT_BinaryObjectString, RT_MemberReference):  # (their id read here: what i32 does)
            pos = self.pos
            if pos + 4 > len(self.data):
                self._need(4)
            self.pos = pos + 4
            object_id = _I32.unpack_from(self.data, pos)[0]
            if kind == RT_MemberReference:
                return Ref(object_id)
            string = StringRecord(object_id, self.string())
            self._register(object_id, string)
            return string
        if kind == RT_BinaryLibrary:
            lib_id = self.i32()
            self.libraries[lib_id] = self.string()
            return self.record()  # a library record precedes the object that uses it
        if kind == RT_ObjectNull:
            return None
        if kind == RT_ObjectNullMultiple256:
            return _Nulls(self.u8())
        if kind == RT_ObjectNullMultiple:
            return _Nulls(self.count("null run"))
        if kind == RT_MemberPrimitiveTyped:
            return self._value_with_code()
        if kind in (RT_ClassWithMembersAndTypes, RT_SystemClassWithMembersAndTypes,
                    RT_ClassWithMembers, RT_SystemClassWithMembers):
            object_id = self.i32()
            start = self.pos
            known = self._known_layout(kind, start)
            if known is not None:
                self.metadata[object_id] = known
                return self._class_values(object_id, known)
            name = self.string()
            names = [self.string() for _ in range(self.count("member list"))]
            types = None
            if kind in (RT_ClassWithMembersAndTypes, RT_SystemClassWithMembersAndTypes):
                kinds = [self._binary_type() for _ in names]
                types = [(k, self._additional(k)) for k in kinds]
            library = None
            if kind in (RT_ClassWithMembersAndTypes, RT_ClassWithMembers):
                library = self._library(self.i32())
            info = _ClassInfo(name, names, types, library)
            self.metadata[object_id] = info
            _remember_layout(kind, self.raw[start:self.pos], info, self.libraries)
            return self._class_values(object_id, info)
        if kind == RT_ArraySinglePrimitive:
            object_id, raw_length = self.i32(), self.i32()
            prim = self._checked_primitive()
            array = self._primitive_array(object_id, BT_Primitive, prim, self._array_length(raw_length, prim))
            self._register(object_id, array)
            return array
        if kind in (RT_ArraySingleObject, RT_ArraySingleString):
            object_id, length = self.i32(), self._array_length(self.i32(), None)
            element = BT_Object if kind == RT_ArraySingleObject else BT_String
            array = ArrayRecord(object_id, self._items(length), element)
            self._register(object_id, array)
            return array
        if kind == RT_BinaryArray:
            object_id = self.i32()
            array_kind = self.u8()
            rank = self.i32()
            if array_kind not in (0, 1) or rank != 1:
                raise SoapDecodeError("only single-dimension, zero-based arrays are supported")
            raw_length = self.i32()
            element = self._binary_type()
            extra = self._additional(element)
            if element is BT_Primitive:
                assert isinstance(extra, Primitive)
                array = self._primitive_array(object_id, element, extra, self._array_length(raw_length, extra))
            else:
                array = ArrayRecord(object_id, self._items(self._array_length(raw_length, None)), element, None,
                                    extra if isinstance(extra, str) else None)
            self._register(object_id, array)
            return array
        raise SoapDecodeError(f"unexpected record type {kind} at byte {self.pos - 1}")

    def _known_layout(self, kind: int, start: int) -> _ClassInfo | None:
        """The metadata of a class record at ``start`` (name, members, their types, library) when it is byte for
        byte a layout read before (:data:`_LAYOUTS`): what reading it would give, with the same checks that
        depend on this message (member count limit, libraries declared); None otherwise, read as usual."""
        data = self.data
        if start >= len(data):
            return None
        length = data[start]
        if length >= 0x80:
            return None
        layout = _LAYOUTS.get((kind, self.raw[start:start + 1 + length]))
        if layout is None or not self.raw.startswith(layout.metadata, start):
            return None
        count = len(layout.member_names)
        if count > self.limits.max_array_length:
            return None  # (read as usual: that says what is wrong)
        libraries = self.libraries
        for lib_id in layout.library_ids:
            if lib_id not in libraries:
                return None
        self.pos = start + len(layout.metadata)
        library = libraries[layout.own_library] if layout.own_library is not None else None
        return _ClassInfo(layout.name, layout.member_names, layout.types, library, layout.fixed)

    def _primitive_array(self, object_id: int, element: BinaryType, prim: Primitive, length: int) -> ArrayRecord:
        """A primitive array's values. Fixed-size types are read at once (:func:`fixed_items`; a ``byte[]``
        as one slice), after checking that the message holds all of their bytes; the others item by item,
        after checking it holds one byte per item. Either way before anything is allocated."""
        fixed = _FIXED.get(prim)
        if fixed is None or prim in _CONVERTED:
            self._need(length)
            return ArrayRecord(object_id, [self.primitive(prim) for _ in range(length)], element, prim)
        size = fixed[1]
        self._need(length * size)
        start = self.pos
        self.pos += length * size
        if prim is P_Byte:
            return ArrayRecord(object_id, [], element, prim, data=bytes(self.data[start:self.pos]))
        return ArrayRecord(object_id, fixed_items(self.data, start, length, prim), element, prim)

    def _checked_primitive(self) -> Primitive:
        kind = self.u8()
        found = _ELEMENT_PRIMITIVES.get(kind)
        if found is None:
            raise SoapDecodeError(f"invalid primitive array element type {kind}")
        return found

    def _binary_type(self) -> BinaryType:
        kind = self.u8()
        found = _BINARY_TYPE_BY_CODE.get(kind)
        if found is None:
            raise SoapDecodeError(f"unknown binary type {kind}")
        return found

    def _additional(self, kind: BinaryType) -> object:
        if kind is BT_Primitive or kind is BT_PrimitiveArray:
            return self._checked_primitive()
        if kind is BT_SystemClass:
            return self.string()
        if kind is BT_Class:
            name = self.string()
            self._library(self.i32())
            return name
        return None

    def _library(self, lib_id: int) -> str:
        library = self.libraries.get(lib_id)
        if library is None:
            raise SoapDecodeError(f"reference to undeclared library id {lib_id}")
        return library

    def _items(self, length: int) -> list[object]:
        # Every item takes at least one byte except in runs of nulls (ObjectNullMultiple, which .NET writes
        # for three or more): the slots those fill are bounded per message, so a few bytes cannot claim
        # millions of slots array after array.
        self._need(min(length, 1))
        items: list[object] = []
        while len(items) < length:
            value = self.record()
            if isinstance(value, _Nulls):
                if len(items) + value.count > length:
                    raise SoapDecodeError("null run overflows its array")
                self.null_slots += value.count
                if self.null_slots > self.limits.max_array_length:
                    raise SoapDecodeError(f"more than {self.limits.max_array_length} null array slots")
                items.extend([None] * value.count)
            else:
                items.append(value)
        return items

    def _class_values(self, object_id: int, info: _ClassInfo) -> ClassRecord:
        record = ClassRecord(object_id, info.name, info.library, {})
        self._register(object_id, record)
        fixed = info.fixed
        if fixed is None:
            fixed = info.fixed = _fixed_members(info)
        members, data = record.members, self.data
        for i, name in enumerate(info.member_names):
            plain = fixed[i]
            if plain is not None:  # a fixed-size primitive, read as primitive() reads it
                prim, fmt, size = plain
                pos = self.pos
                if pos + size > len(data):
                    self._need(size)
                members[name] = PrimitiveValue(prim, struct.unpack_from(fmt, data, pos)[0])
                self.pos = pos + size
                continue
            kind = info.types[i] if info.types is not None else (BT_Object, None)
            if kind[0] is BT_Primitive:
                assert isinstance(kind[1], Primitive)
                record.members[name] = self.primitive(kind[1])
            else:
                value = self.record()
                if isinstance(value, _Nulls):
                    raise SoapDecodeError("null run inside a class record")
                record.members[name] = value
        return record


@dataclass(slots=True, frozen=True)
class _Layout:
    """A class record's metadata as read once: its bytes (name to library id) and what they say."""

    metadata: bytes
    name: str
    member_names: list[str]
    types: list[tuple[BinaryType, object]] | None
    #: the library ids the metadata names, in order (each must be declared in the message that uses it)
    library_ids: tuple[int, ...]
    #: the record's own library id (None for a System class)
    own_library: int | None
    fixed: list[tuple[Primitive, str, int] | None]


#: (record type, name with its length prefix) -> a layout read before: the same classes' records come in every
#: message (a call context's on every call that carries one). Bounded: a caller chooses what it sends.
_LAYOUTS: dict[tuple[int, bytes], _Layout] = {}
_MAX_LAYOUTS = 1024
#: metadata bytes of one remembered layout: a class of a few dozen members; a caller choosing what it sends
#: must not make the table hold 1024 copies of a message-sized member list
_MAX_LAYOUT_BYTES = 4096


def _remember_layout(kind: int, metadata: bytes, info: _ClassInfo, libraries: dict[int, str]) -> None:
    """Keep ``info``'s layout for :meth:`NrbfReader._known_layout`, if every string in it has a one-byte length
    prefix (so none was checked against a limit) and its name's prefix is the metadata's first byte."""
    if len(_LAYOUTS) >= _MAX_LAYOUTS or not metadata or metadata[0] >= 0x80 or len(metadata) > _MAX_LAYOUT_BYTES:
        return
    strings = [info.name, *info.member_names]
    if info.types is not None:
        strings.extend(extra for _, extra in info.types if isinstance(extra, str))
    if any(len(text.encode("utf-8")) >= 0x80 for text in strings):
        return
    # the library ids in the metadata: one after each Class member type's name, then the record's own
    library_ids: list[int] = []
    pos = 1 + metadata[0] + 4 + sum(1 + len(name.encode("utf-8")) for name in info.member_names)
    if info.types is not None:
        pos += len(info.types)  # the binary type codes, then each one's additional information
        for binary_type, extra in info.types:
            if binary_type is BT_Primitive or binary_type is BT_PrimitiveArray:
                pos += 1
            elif binary_type is BT_SystemClass or binary_type is BT_Class:
                pos += 1 + len(str(extra).encode("utf-8"))
                if binary_type is BT_Class:
                    library_ids.append(_I32.unpack_from(metadata, pos)[0])
                    pos += 4
    own = None
    if kind in (RT_ClassWithMembersAndTypes, RT_ClassWithMembers):
        own = _I32.unpack_from(metadata, pos)[0]
        library_ids.append(own)
        pos += 4
    if pos != len(metadata):
        return  # (not the layout this reads: never expected, but then nothing is remembered)
    name_key = metadata[:1 + metadata[0]]
    _LAYOUTS[(kind, name_key)] = _Layout(metadata, info.name, info.member_names, info.types, tuple(library_ids),
                                         own, _fixed_members(info))


def _fixed_members(info: _ClassInfo) -> list[tuple[Primitive, str, int] | None]:
    plan: list[tuple[Primitive, str, int] | None] = []
    for i in range(len(info.member_names)):
        kind = info.types[i] if info.types is not None else None
        fixed = _FIXED.get(kind[1]) if kind is not None and kind[0] is BT_Primitive else None  # type: ignore[call-overload]
        plan.append(None if fixed is None or kind is None else (cast(Primitive, kind[1]), fixed[0], fixed[1]))
    return plan


def read_message(data: bytes, limits: Limits) -> NrbfMessage:
    return NrbfReader(data, limits).message()
