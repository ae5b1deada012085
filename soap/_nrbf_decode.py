"""Mapping inert MS-NRBF records to Python values, guided by the declared types.

Only registered types are ever constructed (by their CLR name, through the :class:`TypeRegistry`);
``System.*`` infrastructure records (a ``UnitySerializationHolder``, a ``LogicalCallContext``) stay inert
unless a declared type asks for them, and then they are refused. Shared references decode to one object;
cycles and dangling references are errors.
"""

from __future__ import annotations

import datetime as _dt
import enum
import math
import struct
from decimal import Decimal
from typing import cast

from ._delegates import (
    DELEGATE_ENTRY,
    DELEGATE_HOLDER,
    ENTRY_FIELDS,
    DelegateEntry,
    DelegateMarshaller,
    DelegateRef,
    delegate_entry,
)
from ._errors import SoapDecodeError
from ._hresults import COR_E_EXCEPTION
from ._model import ExceptionInfo
from ._nrbf_records import ArrayRecord, ClassRecord, NrbfMessage, Primitive, PrimitiveValue, Ref, StringRecord
from ._objref import ObjRef, ReferenceMarshaller
from ._scalars import ClrDateTime, parse_decimal
from ._types import (
    ANY,
    EXCEPTION_MEMBERS,
    INTEGER_KINDS,
    INTEGER_RANGES,
    K_ANY,
    K_BOOL,
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
    K_INT32,
    K_LIST,
    K_OBJECT,
    K_OBJREF,
    K_SINGLE,
    K_STRING,
    Kind,
    TypeRegistry,
    WireType,
    check_integer,
    construct,
    enum_member,
    fields_by_wire_name,
    wire_type,
)
from ._xml import Limits, count_array_items

_TICKS_EPOCH = _dt.datetime(1, 1, 1)
_TICKS_MASK = (1 << 62) - 1
OBJREF_CLASS = "System.Runtime.Remoting.ObjRef"
#: primitive arrays whose items are read as plain ints
_INTEGER_PRIMITIVES = frozenset({
    Primitive.Byte, Primitive.SByte, Primitive.Int16, Primitive.UInt16, Primitive.Int32, Primitive.UInt32,
    Primitive.Int64, Primitive.UInt64,
})
#: the integer kind each integer primitive's items are
_PRIMITIVE_KINDS = {
    Primitive.Byte: Kind.BYTE, Primitive.SByte: Kind.SBYTE, Primitive.Int16: Kind.INT16,
    Primitive.UInt16: Kind.UINT16, Primitive.Int32: Kind.INT32, Primitive.UInt32: Kind.UINT32,
    Primitive.Int64: Kind.INT64, Primitive.UInt64: Kind.UINT64,
}
#: (integer primitive, integer kind) pairs where every value of the primitive is in the kind's range: an array
#: whose wire type fits the declared kind needs no range check (``struct`` read them at that width)
_FITTING = frozenset(
    (prim, kind) for prim, own in _PRIMITIVE_KINDS.items() for kind in INTEGER_KINDS
    if INTEGER_RANGES[kind][0] <= INTEGER_RANGES[own][0] and INTEGER_RANGES[own][1] <= INTEGER_RANGES[kind][1]
)
_P_BYTE = Primitive.Byte
_P_DOUBLE = Primitive.Double
_P_STRING = Primitive.String
_P_INT32 = Primitive.Int32


def ticks_to_datetime(raw: int) -> _dt.datetime:
    """A .NET DateTime (62 bits of ticks, 2 bits of kind): Utc -> aware UTC, otherwise naive."""
    ticks, kind = raw & _TICKS_MASK, raw >> 62
    micro, hundred_ns = divmod(ticks, 10)
    try:
        value = _TICKS_EPOCH + _dt.timedelta(microseconds=micro)
    except OverflowError:
        raise SoapDecodeError("DateTime out of range") from None
    tz = _dt.UTC if kind == 1 else None
    if hundred_ns:
        result = ClrDateTime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                             value.microsecond, tzinfo=tz)
        result.hundred_nanoseconds = hundred_ns
        return result
    return value.replace(tzinfo=tz)


def _single(value: float) -> float:
    """``value`` as a .NET Single: rounded to 32 bits; a finite value beyond its range is an error."""
    if not math.isfinite(value):
        return value
    try:
        rounded: float = struct.unpack("<f", struct.pack("<f", value))[0]
    except OverflowError:
        raise SoapDecodeError(f"{value!r} is out of range for a Single") from None
    return rounded


def primitive_to_python(value: PrimitiveValue) -> object:
    kind = value.type
    raw = value.value
    if kind is Primitive.TimeSpan:
        assert isinstance(raw, int)
        return _dt.timedelta(microseconds=raw // 10)
    if kind is Primitive.DateTime:
        assert isinstance(raw, int)
        return ticks_to_datetime(raw)
    if kind is Primitive.Decimal:
        assert isinstance(raw, str)
        try:
            return parse_decimal(raw)
        except ValueError as exc:
            raise SoapDecodeError(str(exc)) from None
    return raw


#: the Python type a scalar of each kind must arrive as (built once: a dict of enum keys is not free)
_SCALAR_TYPES: dict[Kind, type | tuple[type, ...]] = {
    K_STRING: str, K_CHAR: str, K_BOOL: bool, K_DECIMAL: Decimal,
    K_DATETIME: _dt.datetime, K_DATE: _dt.datetime, K_DURATION: _dt.timedelta,
    K_DOUBLE: (float, int), K_SINGLE: (float, int),
}


#: how :meth:`NrbfDecoder._class` reads a member without :meth:`NrbfDecoder.value`'s dispatch when the record
#: holds what the field's kind expects: a string, a Double, an integer (range checked), or anything else
_STRING, _DOUBLE, _INTEGER, _OTHER = "string", "double", "integer", "other"
#: a by-value class's decoded fields by wire name: (attribute, wire type, form, kind, low, high); per class
#: (registered classes only: bounded by the program, not by what callers send)
_MemberPlan = dict[str, tuple[str, WireType, str, Kind, int, int]]
_MEMBER_PLANS: dict[type, _MemberPlan] = {}


def _member_plan(cls: type) -> _MemberPlan:
    plan: _MemberPlan = {}
    for name, spec in fields_by_wire_name(cls).items():
        if not spec.read:
            continue
        kind = spec.wire.kind
        if kind is K_INT:  # a plain Python int is a .NET Int32
            kind = K_INT32
        low, high = INTEGER_RANGES.get(kind, (0, 0))
        form = (_STRING if kind is K_STRING else _DOUBLE if kind is K_DOUBLE
                else _INTEGER if kind in INTEGER_KINDS else _OTHER)  # fmt: skip
        plan[name] = (spec.attr, spec.wire, form, kind, low, high)
    return plan


class NrbfDecoder:
    def __init__(self, message: NrbfMessage, registry: TypeRegistry, limits: Limits,
                 marshaller: ReferenceMarshaller | None = None) -> None:
        self.objects = message.objects
        self.registry = registry
        self.limits = limits
        self.marshaller = marshaller
        self._pending: set[int] = set()
        self._memo: dict[tuple[int, WireType], object] = {}
        self._array_items = 0

    def resolve(self, value: object) -> object:
        if isinstance(value, Ref):
            target = self.objects.get(value.id)
            if target is None:
                raise SoapDecodeError(f"reference to object {value.id}, which the message does not contain")
            return target
        return value

    def value(self, raw: object, wt: WireType, depth: int = 0) -> object:
        if depth > self.limits.max_ref_depth:
            raise SoapDecodeError(f"object graph deeper than {self.limits.max_ref_depth} levels")
        if raw.__class__ is PrimitiveValue:
            # an inline String for a string and an Int32 for an int are what _value makes of them (the reader has
            # bounded them): taken as they are, without its dispatch (most arguments and returns are these)
            prim, kind = raw.type, wt.kind
            if (prim is _P_STRING and kind is K_STRING) or (prim is _P_INT32 and (kind is K_INT32 or kind is K_INT)):
                return raw.value
            return self._value(raw, wt, depth)
        key = raw.id if isinstance(raw, Ref) else None
        if key is not None:
            if key in self._pending:
                raise SoapDecodeError(f"cyclic reference to object {key}")
            done = self._memo.get((key, wt))
            if done is not None:
                return done
            self._pending.add(key)
            try:
                result = self._value(self.resolve(raw), wt, depth)
            finally:
                self._pending.discard(key)
            if result is not None:
                self._memo[(key, wt)] = result
            return result
        return self._value(raw, wt, depth)

    def _value(self, raw: object, wt: WireType, depth: int) -> object:
        if raw is None:
            if not wt.nullable and wt.kind is not K_ANY:
                raise SoapDecodeError(f"null where a {wt.describe()} is required")
            return None
        if isinstance(raw, StringRecord):
            raw = raw.value
        if isinstance(raw, PrimitiveValue):
            raw = primitive_to_python(raw)
        kind = wt.kind
        if isinstance(raw, ClassRecord):
            if raw.name == OBJREF_CLASS:
                ref = self.objref(raw, depth)
                if kind is not K_OBJREF and kind is not K_ANY:
                    raise SoapDecodeError(f"an object reference where a {wt.describe()} is expected")
                return self.marshaller.unmarshal(ref, wt) if self.marshaller is not None else ref
            if kind is K_DELEGATE:
                delegate = self.delegate(raw, depth)
                if isinstance(self.marshaller, DelegateMarshaller):
                    return self.marshaller.unmarshal_delegate(delegate, wt)
                return delegate
            return self._class(raw, wt, depth)
        if isinstance(raw, ArrayRecord):
            if kind is K_BYTES or (kind is K_ANY and raw.primitive is _P_BYTE):
                if raw.primitive is not _P_BYTE:
                    raise SoapDecodeError("expected a byte array")
                return raw.data if raw.data is not None else b""
            if kind is K_LIST:
                item = wt.item if wt.item is not None else ANY
            elif kind is K_ANY:
                item = ANY
            else:
                raise SoapDecodeError(f"an array where a {wt.describe()} is expected")
            if raw.data is not None:  # a byte array read as a list of numbers: one item per byte
                self._array_items = count_array_items(self._array_items, len(raw.data), self.limits)
            elements = raw.elements()
            item_kind = item.kind
            if item_kind is K_INT:  # a plain Python int is a .NET Int32
                item_kind = K_INT32
            if raw.primitive in _INTEGER_PRIMITIVES and item_kind in INTEGER_KINDS:
                # the values are ints already: only their range is checked, all at once (min and max in C),
                # item by item only to say which one is out of it. The list is handed out as it is, not
                # copied: a message's records are its own (the reader and the templates make them afresh
                # for every message, see soap/_nrbf_request_templates.py), so nothing else holds it.
                integers = cast("list[int]", elements)
                if not integers or (raw.primitive, item_kind) in _FITTING:
                    return integers
                lo, hi = INTEGER_RANGES[item_kind]
                if lo <= min(integers) and max(integers) <= hi:
                    return integers
                try:
                    return [check_integer(item_kind, v) for v in integers]
                except OverflowError as exc:
                    raise SoapDecodeError(str(exc)) from None
            return [self.value(v, item, depth + 1) for v in elements]
        return self._scalar(raw, wt)

    def _scalar(self, raw: object, wt: WireType) -> object:
        kind = wt.kind
        if kind is K_INT:  # a plain Python int is a .NET Int32
            kind = K_INT32
        elif kind is K_ANY:
            return raw
        if kind is K_ENUM and isinstance(raw, int | str) and wt.py_type is not None:
            return enum_member(wt.py_type, raw)
        checks = _SCALAR_TYPES
        if kind in checks:
            if not isinstance(raw, checks[kind]) or ((kind is K_DOUBLE or kind is K_SINGLE) and isinstance(raw, bool)):
                raise SoapDecodeError(f"a {type(raw).__name__} where a {wt.describe()} is expected")
            if kind is K_DATE and isinstance(raw, _dt.datetime):
                return raw.date()
            if kind is K_CHAR and isinstance(raw, str) and len(raw) != 1:
                raise SoapDecodeError(f"a string of {len(raw)} characters where a char is expected")
            if isinstance(raw, float | int):
                if kind is K_SINGLE:
                    return _single(float(raw))
                if kind is K_DOUBLE:
                    return float(raw)
            return raw
        if kind in INTEGER_KINDS:
            if not isinstance(raw, int) or isinstance(raw, bool):
                raise SoapDecodeError(f"a {type(raw).__name__} where an integer is expected")
            try:
                return check_integer(kind, raw)
            except OverflowError as exc:
                raise SoapDecodeError(str(exc)) from None
        raise SoapDecodeError(f"a {type(raw).__name__} where a {wt.describe()} is expected")

    def _class(self, record: ClassRecord, wt: WireType, depth: int) -> object:
        kind = wt.kind
        if kind is not K_OBJECT and kind is not K_ANY and kind is not K_ENUM:
            # an object where a string, a number, an array or a reference is declared: refused, as the SOAP
            # reader refuses it (a method typed ``name: str`` never receives a Person)
            raise SoapDecodeError(f"a {record.name} where a {wt.describe()} is expected")
        cls = self.registry.lookup(record.name)
        if kind is K_ENUM and wt.py_type is not None:
            if cls is not None and cls is not wt.py_type:
                raise SoapDecodeError(f"a {record.name} where a {wt.describe()} is expected")
            cls = wt.py_type
        elif wt.kind is K_OBJECT and wt.py_type is not None and (cls is None or not issubclass(cls, wt.py_type)):
            if cls is not None or record.name.split(".")[-1] != wt.py_type.__name__:
                raise SoapDecodeError(f"a {record.name} where a {wt.describe()} is expected")
            cls = wt.py_type
        if cls is None:
            if "ClassName" in record.members and "Message" in record.members and wt.kind is K_ANY:
                return self.exception(record, depth)
            raise SoapDecodeError(f"type {record.name} is not a registered by-value type")
        if issubclass(cls, enum.Enum):
            raw = record.members.get("value__")
            if not isinstance(raw, PrimitiveValue):
                raise SoapDecodeError(f"boxed enum {record.name} has no value__")
            return enum_member(cls, raw.value)
        if issubclass(cls, BaseException):
            return self.exception(record, depth).value
        plan = _MEMBER_PLANS.get(cls)
        if plan is None:
            plan = _MEMBER_PLANS[cls] = _member_plan(cls)
        values: dict[str, object] = {}
        direct = depth < self.limits.max_ref_depth
        for name, raw in record.members.items():
            member = plan.get(name)
            if member is None:  # not a field of the class, or one never decoded
                continue
            attr, wire, form, kind, low, high = member
            # a string, double or integer member as value() would read it, without its dispatch
            if direct and form is _INTEGER and isinstance(raw, PrimitiveValue) and raw.type in _INTEGER_PRIMITIVES:
                if not low <= raw.value <= high:  # type: ignore[operator]
                    try:
                        check_integer(kind, raw.value)  # type: ignore[arg-type]  # (raises: says what)
                    except OverflowError as exc:
                        raise SoapDecodeError(str(exc)) from None
                values[attr] = raw.value
            elif direct and (
                (form is _STRING and isinstance(raw, StringRecord))
                or (form is _DOUBLE and isinstance(raw, PrimitiveValue) and raw.type is _P_DOUBLE)
            ):
                values[attr] = raw.value
            else:
                values[attr] = self.value(raw, wire, depth + 1)
        try:
            return construct(cls, values)
        except (TypeError, ValueError) as exc:
            raise SoapDecodeError(f"cannot build {cls.__name__}: {exc}") from None

    def text(self, raw: object) -> str | None:
        value = self.resolve(raw)
        if isinstance(value, StringRecord):
            return value.value
        if isinstance(value, PrimitiveValue) and isinstance(value.value, str):
            return value.value
        return None

    def exception(self, record: ClassRecord, depth: int) -> ExceptionInfo:
        class_name = self.text(record.members.get("ClassName")) or record.name
        cls = self.registry.lookup(class_name) or self.registry.lookup(record.name)
        if cls is not None and not issubclass(cls, BaseException):
            cls = None
        specs = fields_by_wire_name(cls) if cls is not None else {}
        fields: list[tuple[str, object, WireType]] = []
        for name, raw in record.members.items():
            if name in EXCEPTION_MEMBERS:
                continue
            spec = specs.get(name)
            ft = spec.wire if spec is not None else ANY
            value = self.value(raw, ft, depth + 1) if spec is not None else self.text(raw)
            fields.append((spec.attr if spec is not None else name, value, ft))
        raw_hresult = record.members.get("HResult")
        hresult = raw_hresult.value if isinstance(raw_hresult, PrimitiveValue) else None
        info = ExceptionInfo(
            class_name, record.library or "mscorlib", self.text(record.members.get("Message")),
            self.text(record.members.get("StackTraceString")), self.text(record.members.get("Source")),
            hresult if isinstance(hresult, int) else COR_E_EXCEPTION, fields,
        )
        if cls is not None:
            declared = {spec.attr for spec in specs.values()}
            value = construct(cls, {n: v for n, v, _ in fields if n in declared}, info.message)
            assert isinstance(value, BaseException)
            info.value = value
        return info

    def delegate(self, record: ClassRecord, depth: int) -> DelegateRef:
        """A ``DelegateSerializationHolder`` record (see :mod:`soap._delegates`)."""
        if record.name != DELEGATE_HOLDER:
            raise SoapDecodeError(f"a {record.name} where a delegate (DelegateSerializationHolder) is expected")
        entries: list[DelegateEntry] = []
        seen: set[int] = set()
        entry = self.resolve(record.members.get("Delegate"))
        while entry is not None:
            if not isinstance(entry, ClassRecord) or entry.name != DELEGATE_ENTRY or entry.id in seen \
                    or len(entries) > depth + 64:
                raise SoapDecodeError("malformed delegate: bad or cyclic DelegateEntry chain")
            seen.add(entry.id)
            text = {name: self.text(entry.members.get(name)) for name in ENTRY_FIELDS}
            label = text["target"]
            target = self.resolve(record.members.get(label)) if label else None
            ref = self.objref(target, depth + 1) if isinstance(target, ClassRecord) and target.name == OBJREF_CLASS \
                else None
            entries.append(delegate_entry(text, ref))
            entry = self.resolve(entry.members.get("delegateEntry"))
        if not entries:
            raise SoapDecodeError("malformed delegate: no DelegateEntry")
        return DelegateRef(tuple(entries))

    def objref(self, record: ClassRecord, depth: int) -> ObjRef:
        members = record.members
        uri = self.text(members.get("uri"))
        if uri is None:
            raise SoapDecodeError("ObjRef without a uri")
        server_type, interfaces, hierarchy, urls, guid = "", [], [], [], ""
        type_info = self.resolve(members.get("typeInfo"))
        if isinstance(type_info, ClassRecord):
            server_type = self.text(type_info.members.get("serverType")) or ""
            interfaces = self._strings(type_info.members.get("interfacesImplemented"))
            hierarchy = self._strings(type_info.members.get("serverHierarchy"))
        channel_info = self.resolve(members.get("channelInfo"))
        if isinstance(channel_info, ClassRecord):
            data = self.resolve(channel_info.members.get("channelData"))
            for item in data.items if isinstance(data, ArrayRecord) else []:
                entry = self.resolve(item)
                if isinstance(entry, ClassRecord) and entry.name.endswith("ChannelDataStore"):
                    urls.extend(self._strings(entry.members.get("_channelURIs")))
                elif isinstance(entry, ClassRecord) and entry.name.endswith("CrossAppDomainData"):
                    guid = self.text(entry.members.get("_processGuid")) or ""
        marshalled_raw = members.get("fIsMarshalled")
        marshalled = None if marshalled_raw is None else bool(getattr(marshalled_raw, "value", 1))
        ref = ObjRef(uri, server_type, urls, interfaces, hierarchy, is_marshalled=marshalled)
        if guid:
            ref.process_guid = guid
        return ref

    def _strings(self, raw: object) -> list[str]:
        array = self.resolve(raw)
        if not isinstance(array, ArrayRecord):
            return []
        return [s for s in (self.text(item) for item in array.items) if s is not None]


__all__ = ["NrbfDecoder", "primitive_to_python", "ticks_to_datetime", "wire_type"]
