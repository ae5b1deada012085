"""Writing the .NET Remoting SOAP dialect (SOAP 1.1 rpc/encoded with multi-refs).

The output follows what Mono's SoapFormatter writes, because that is what a Mono client reads: the method
element is ``ref-1``; objects, arrays and byte arrays are Body siblings after it, referenced by ``href``;
strings carry an ``id``; primitives carry ``xsi:type`` where the peer does. Text is built directly as a
string (no tree), which is several times faster than building an lxml tree for these small messages.

A null is ``xsi:null="1"`` for .NET Remoting callers: that is what .NET writes, and the only null Mono's
``SoapReader`` knows (it looks for an ``xsi:null`` attribute; .NET's reader for any attribute named
``null``; both ignore ``xsi:nil``). The 2001 XMLSchema-instance namespace defines only ``xsi:nil``, so the
SOAP toolkits that call through the rpc/encoded WSDL (suds, Axis 1.4, PHP's SoapClient) read ``xsi:null``
as an empty value. Answers to them (``toolkit=True``) carry ``xsi:nil="true"`` instead, and strings without
the ``id`` .NET numbers them with (suds turns an attribute into an object with ``value`` and ``_id``).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import enum
import functools
from collections import deque
from decimal import Decimal

from ._call_context import (
    CALL_CONTEXT_HEADER,
    HEADER_NAMESPACE,
    LOGICAL_CALL_CONTEXT_NS,
    check_slot_names,
    known_classes,
)
from ._clr import ClrName
from ._delegates import DELEGATE_ENTRY_ELEMENT, DelegateRef, marshal_delegate
from ._errors import SoapEncodeError
from ._escape import escape_attr, escape_text
from ._exceptions import exception_info
from ._model import ExceptionInfo, Fault, MethodCall, MethodReturn
from ._namespaces import CLR_NS, SOAP_ENV
from ._objref import CHANNELS_NS, REMOTING_NS, ObjRef, ReferenceMarshaller
from ._runtime_types import runtime_wire_type
from ._scalars import (
    format_base64,
    format_date,
    format_datetime,
    format_decimal,
    format_double,
    format_duration,
    format_single,
)
from ._signature import signature_qname
from ._types import (
    ANY,
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
    K_VOID,
    Kind,
    TypeRegistry,
    WireType,
    check_integer,
    object_fields,
    one_step_kind,
)
from ._xsd import XSD_TYPE_NAMES

ENVELOPE_START = (
    '<SOAP-ENV:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
    'xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" '
    'xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:clr="http://schemas.microsoft.com/clr/" '
    'SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">\n'
)
BODY_OPEN = "<SOAP-ENV:Body>\n"
ENVELOPE_OPEN = ENVELOPE_START + BODY_OPEN
ENVELOPE_CLOSE = "</SOAP-ENV:Body>\n</SOAP-ENV:Envelope>"

SERVER_FAULT_NS = CLR_NS + "System.Runtime.Serialization.Formatters"
_OBJREF = WireType(K_OBJREF, None, None, True)


class EncodedWriter:
    """Writes one message. Not reusable: ids and prefixes are per message."""

    def __init__(
        self, registry: TypeRegistry, marshaller: ReferenceMarshaller | None = None, toolkit: bool = False
    ) -> None:
        self.registry = registry
        self.marshaller = marshaller
        #: the reader is a SOAP toolkit, not .NET Remoting (see the module docstring)
        self.toolkit = toolkit
        self.null = 'xsi:nil="true"' if toolkit else 'xsi:null="1"'
        self._next_id = 2  # ref-1 is the method element
        self._queue: deque[tuple[int, object, WireType]] = deque()
        self._memo: dict[int, int] = {}
        #: namespace -> (prefix, its declaration): every element using it declares it again, as Mono writes
        self._prefixes: dict[str, tuple[str, str]] = {}
        self._keep_alive: list[object] = []

    # -------------------------------------------------------------- helpers

    def _new_id(self) -> int:
        n = self._next_id
        self._next_id += 1
        return n

    def _prefix(self, namespace: str) -> tuple[str, str]:
        """A prefix for ``namespace`` and the declaration to put on the element that uses it."""
        found = self._prefixes.get(namespace)
        if found is None:
            prefix = f"a{len(self._prefixes) + 1}"
            found = _DECLARATIONS.get((prefix, namespace))
            if found is None:
                found = prefix, f' xmlns:{prefix}="{escape_attr(namespace)}"'
                if len(_DECLARATIONS) < _MAX_DECLARATIONS:
                    _DECLARATIONS[(prefix, namespace)] = found
            self._prefixes[namespace] = found
        return found

    def _type_ref(self, name: ClrName) -> tuple[str, str]:
        prefix, decl = self._prefix(name.data_namespace)
        return f"{prefix}:{name.short_name}", decl

    def _class_ref(self, cls: type) -> tuple[str, str]:
        """:meth:`_type_ref` of a by-value class, its name's parts remembered per class."""
        name = self.registry.name_of(cls)
        known = _CLASS_NAMES.get(cls)
        if known is None or known[0] is not name:
            known = _CLASS_NAMES[cls] = name, name.data_namespace, name.short_name
        prefix, decl = self._prefix(known[1])
        return f"{prefix}:{known[2]}", decl

    def _ref(self, value: object, wt: WireType) -> int:
        key = id(value)
        ref = self._memo.get(key)
        if ref is None:
            ref = self._memo[key] = self._new_id()
            self._keep_alive.append(value)
            self._queue.append((ref, value, wt))
        return ref

    # -------------------------------------------------------------- members

    def member(self, name: str, value: object, wt: WireType, typed: bool = True) -> str:
        """One parameter/field/item element; objects and arrays are queued as siblings."""
        if value is None:
            if not wt.nullable and wt.kind is not K_ANY:
                raise SoapEncodeError(f"{name}: None given where a {wt.describe()} is required")
            return f"<{name} {self.null} />"
        if wt.kind is K_ANY:
            if self.marshaller is not None and type(value).__module__ != "builtins":
                marshalled = self.marshaller.marshal(value)  # once only: publishing has side effects
                if marshalled is not None:
                    value = marshalled
            wt = runtime_wire_type(value, self.registry)
            typed = True
        kind = wt.kind
        if kind is K_STRING:
            if not isinstance(value, str):
                raise SoapEncodeError(f"{name}: expected str, got {type(value).__name__}")
            if self.toolkit:
                typing = ' xsi:type="xsd:string"' if typed else ""
                return f"<{name}{typing}>{escape_text(value)}</{name}>"
            ref = self._new_id()
            if typed:
                return f'<{name} id="ref-{ref}" xsi:type="SOAP-ENC:string">{escape_text(value)}</{name}>'
            return f'<{name} id="ref-{ref}">{escape_text(value)}</{name}>'
        if kind in (K_BYTES, K_LIST, K_OBJECT):
            return f'<{name} href="#ref-{self._ref(value, wt)}" />'
        if kind is K_OBJREF:
            return f'<{name} href="#ref-{self._ref(self.objref(name, value), wt)}" />'
        if kind is K_DELEGATE:
            return f'<{name} href="#ref-{self._ref(marshal_delegate(self.marshaller, name, value, wt), wt)}" />'
        text, type_attr = self.scalar(name, value, wt)
        return f"<{name}{type_attr}>{text}</{name}>" if typed else f"<{name}>{text}</{name}>"

    def scalar(self, name: str, value: object, wt: WireType) -> tuple[str, str]:
        """(escaped text, ' xsi:type="…"' attribute with any namespace declaration it needs)."""
        kind = wt.kind
        try:
            if kind in INTEGER_KINDS:
                if not isinstance(value, int) or isinstance(value, bool):
                    raise SoapEncodeError(f"{name}: expected int, got {type(value).__name__}")
                ivalue = int(value)
                if kind is K_INT:  # a declared Python int is a .NET Int32 (soap.Int64 ... for more)
                    kind = K_INT32
                check_integer(kind, ivalue)
                return str(ivalue), f' xsi:type="xsd:{XSD_TYPE_NAMES[kind]}"'
            if kind is K_DOUBLE or kind is K_SINGLE:
                if not isinstance(value, float | int) or isinstance(value, bool):
                    raise SoapEncodeError(f"{name}: expected float, got {type(value).__name__}")
                text = format_double(float(value)) if kind is K_DOUBLE else format_single(float(value))
                return text, f' xsi:type="xsd:{XSD_TYPE_NAMES[kind]}"'
            if kind is K_BOOL:
                if not isinstance(value, bool):
                    raise SoapEncodeError(f"{name}: expected bool, got {type(value).__name__}")
                return ("true" if value else "false"), ' xsi:type="xsd:boolean"'
            if kind is K_DECIMAL:
                if not isinstance(value, Decimal | int) or isinstance(value, bool):
                    raise SoapEncodeError(f"{name}: expected Decimal, got {type(value).__name__}")
                return format_decimal(Decimal(value)), ' xsi:type="xsd:decimal"'
            if kind is K_CHAR:
                if not isinstance(value, str) or len(value) != 1:
                    raise SoapEncodeError(f"{name}: a char must be a str of length 1")
                prefix, decl = self._prefix(CLR_NS + "System")
                return escape_text(value), f'{decl} xsi:type="{prefix}:Char"'
            if kind is K_DATETIME:
                if not isinstance(value, _dt.datetime):
                    raise SoapEncodeError(f"{name}: expected datetime, got {type(value).__name__}")
                return format_datetime(value), ' xsi:type="xsd:dateTime"'
            if kind is K_DATE:
                if not isinstance(value, _dt.date):
                    raise SoapEncodeError(f"{name}: expected date, got {type(value).__name__}")
                return format_date(value), ' xsi:type="xsd:date"'
            if kind is K_DURATION:
                if not isinstance(value, _dt.timedelta):
                    raise SoapEncodeError(f"{name}: expected timedelta, got {type(value).__name__}")
                return format_duration(value), ' xsi:type="xsd:duration"'
            if kind is K_ENUM:
                cls = wt.py_type
                if not isinstance(value, enum.Enum) or (cls is not None and not isinstance(value, cls)):
                    raise SoapEncodeError(f"{name}: expected a member of {wt.describe()}")
                type_ref, decl = self._type_ref(self.registry.name_of(type(value)))
                return escape_text(value.name), f'{decl} xsi:type="{type_ref}"'
        except OverflowError as exc:
            raise SoapEncodeError(f"{name}: {exc}") from None
        except ValueError as exc:
            raise SoapEncodeError(f"{name}: {exc}") from None
        raise SoapEncodeError(f"{name}: cannot write a value of kind {kind.value} here")

    def objref(self, name: str, value: object) -> ObjRef:
        if isinstance(value, ObjRef):
            return value
        ref = self.marshaller.marshal(value) if self.marshaller is not None else None
        if ref is None:
            cls = type(value)
            raise SoapEncodeError(
                f"{name}: a {cls.__module__}.{cls.__qualname__} is not remotable: it is neither a registered "
                "by-value type nor a MarshalByRefObject"
            )
        return ref

    # -------------------------------------------------------------- the call context header

    def call_context_blocks(self, context: dict[str, object]) -> str:
        """The ``__CallContext`` header block and its ``LogicalCallContext``, as Mono writes them: the context
        and every value it refers to are serialized inside the Header."""
        check_slot_names(context)
        ref = self._new_id()
        prefix, decl = self._prefix(LOGICAL_CALL_CONTEXT_NS)
        flat = self._flat_values(context)
        if flat is None:
            slots = "".join(self.member(name, value, ANY) for name, value in context.items())
            siblings = self.siblings()
        else:
            slots, siblings = self._flat_slots(context, flat)
        return (
            f'<h4:{CALL_CONTEXT_HEADER} SOAP-ENC:root="1" href="#ref-{ref}" xmlns:h4="{HEADER_NAMESPACE}" />\n'
            f'<{prefix}:LogicalCallContext id="ref-{ref}"{decl}>{slots}</{prefix}:LogicalCallContext>\n'
            + siblings
        )

    def _flat_values(self, context: dict[str, object]) -> list[_FlatClass] | None:
        """Per slot, its value's :data:`_FLAT_CLASSES` entry, when every value is a flat by-value object (the
        usual call context) and nothing is queued yet; None otherwise. Has no side effect."""
        if self._queue or self.toolkit:
            return None
        return known_classes(context.values(), self.registry, _FLAT_CLASSES, _flat_class)

    def _flat_slots(self, context: dict[str, object], flat: list[_FlatClass]) -> tuple[str, str]:
        """The slots and the objects they refer to, for :meth:`_flat_values`' contexts: the text, ids,
        prefixes and marshalling of ``member(name, value, ANY)`` per slot then :meth:`siblings`, in one pass."""
        marshaller = self.marshaller
        if marshaller is not None:
            marshalled = [marshaller.marshal(value) for value in context.values()]  # once each, in order
            if any(m is not None for m in marshalled):  # a by-value class that is remotable too: as usual
                registry = self.registry
                written = "".join(
                    self.member(name, value, runtime_wire_type(value, registry), True)
                    for name, value in ((n, v if m is None else m)
                                        for (n, v), m in zip(context.items(), marshalled, strict=True)))
                return written, self.siblings()
        memo = self._memo
        slots: list[str] = []
        objects: list[tuple[int, object, _FlatClass]] = []
        for (name, value), known in zip(context.items(), flat, strict=True):
            key = id(value)
            ref = memo.get(key)
            if ref is None:
                ref = memo[key] = self._next_id
                self._next_id = ref + 1
                self._keep_alive.append(value)
                objects.append((ref, value, known))
            slots.append(f'<{name} href="#ref-{ref}" />')
        out: list[str] = []
        append = out.append
        for ref, value, (_, namespace, short, plan) in objects:
            prefix, decl = self._prefix(namespace)
            append(f'<{prefix}:{short} id="ref-{ref}"{decl}>')
            for attr, wire_name, fast, wire in plan:
                v = getattr(value, attr)
                t = type(v)
                if fast is K_STRING and t is str:
                    n = self._next_id
                    self._next_id = n + 1
                    append(f'<{wire_name} id="ref-{n}">{escape_text(v)}</{wire_name}>')
                elif fast is K_INT32 and t is int and -0x80000000 <= v <= 0x7FFFFFFF:
                    append(f"<{wire_name}>{v}</{wire_name}>")
                else:  # (None, a bool ...: written, or refused, as _object does)
                    append(self.member(wire_name, v, wire, False))
            append(f"</{prefix}:{short}>\n")
        return "".join(slots), "".join(out)

    # -------------------------------------------------------------- siblings

    def message(self, head: str) -> bytes:
        """The whole message: ``head`` (the envelope's start up to the method element's end), the queued
        siblings, the envelope's end. A ``byte[]`` sibling's base64 stays bytes from ``b64encode`` to the
        message (one more copy, not five through ``str``)."""
        parts: list[bytes] = []
        text: list[str] = [head]
        while self._queue:
            ref, value, wt = self._queue.popleft()
            if wt.kind is K_BYTES and isinstance(value, bytes | bytearray):
                text.append(f'<SOAP-ENC:Array id="ref-{ref}" xsi:type="SOAP-ENC:base64">')
                parts.append("".join(text).encode("utf-8"))
                parts.append(base64.b64encode(value))
                text = ["</SOAP-ENC:Array>\n"]
            else:
                text.append(self._sibling(ref, value, wt))
        text.append(ENVELOPE_CLOSE)
        parts.append("".join(text).encode("utf-8"))
        return b"".join(parts)

    def siblings(self) -> str:
        out: list[str] = []
        while self._queue:
            ref, value, wt = self._queue.popleft()
            out.append(self._sibling(ref, value, wt))
        return "".join(out)

    def _sibling(self, ref: int, value: object, wt: WireType) -> str:
        if wt.kind is K_BYTES:
            if not isinstance(value, bytes | bytearray):
                raise SoapEncodeError(f"expected bytes, got {type(value).__name__}")
            return (f'<SOAP-ENC:Array id="ref-{ref}" xsi:type="SOAP-ENC:base64">'
                    f"{format_base64(value)}</SOAP-ENC:Array>\n")
        if wt.kind is K_LIST:
            if not isinstance(value, list | tuple):
                raise SoapEncodeError(f"expected a list, got {type(value).__name__}")
            item = wt.item or ANY
            array_type, decl = self._array_item_type(item)
            typed = item.kind is K_ANY
            items = self._items(value, item) if not typed else self._any_items(value)
            return (f'<SOAP-ENC:Array id="ref-{ref}"{decl} SOAP-ENC:arrayType="{array_type}[{len(value)}]">'
                    f"{items}</SOAP-ENC:Array>\n")
        if isinstance(value, ObjRef):
            return self._objref_graph(ref, value)
        if isinstance(value, DelegateRef):
            return self._delegate_graph(ref, value)
        return self._object(ref, value, wt)

    def _any_items(self, values: list[object] | tuple[object, ...]) -> str:
        """The items of an ``object[]``: each with its own ``xsi:type``."""
        return "".join(self.member("item", v, ANY, True) for v in values)

    def _items(self, values: list[object] | tuple[object, ...], item: WireType) -> str:
        """The items of a typed array. Integers, floats and strings of exactly those types are written here
        in one step each; anything else (None, bool, subclasses, objects) through :meth:`member`, which
        also says what is wrong with a value that does not fit."""
        kind = item.kind
        member = self.member
        if kind in INTEGER_KINDS:
            # a declared plain int is a .NET Int32, as in scalar()
            lo, hi = INTEGER_RANGES[K_INT32 if kind is K_INT else kind]
            return "".join(
                f"<item>{v}</item>" if type(v) is int and lo <= v <= hi else member("item", v, item, False)
                for v in values
            )
        if kind is K_DOUBLE:
            return "".join(
                f"<item>{format_double(v)}</item>" if type(v) is float else member("item", v, item, False)
                for v in values
            )
        if kind is K_STRING and not self.toolkit:  # (a toolkit's strings carry no id: through member())
            parts = []
            for v in values:
                if type(v) is str:
                    parts.append(f'<item id="ref-{self._new_id()}">{escape_text(v)}</item>')
                else:
                    parts.append(member("item", v, item, False))
            return "".join(parts)
        return "".join(member("item", v, item, False) for v in values)

    def _delegate_graph(self, ref: int, value: DelegateRef) -> str:
        """A DelegateSerializationHolder, its DelegateEntry chain, and its targets (ObjRefs, queued)."""
        p, decl = self._prefix(CLR_NS + "System")
        string = WireType(K_STRING, nullable=True)
        entry_ids = [self._new_id() for _ in value.entries]
        targets = "".join(f'<target{i} href="#ref-{self._ref(e.target, _OBJREF)}" />'
                          for i, e in enumerate(value.entries))
        out = [f'<{p}:DelegateSerializationHolder id="ref-{ref}"{decl}><Delegate href="#ref-{entry_ids[0]}" />'
               f"{targets}</{p}:DelegateSerializationHolder>\n"]
        for i, entry in enumerate(value.entries):
            following = (f'<delegateEntry href="#ref-{entry_ids[i + 1]}" />' if i + 1 < len(entry_ids)
                         else '<delegateEntry xsi:null="1" />')
            out.append(
                f'<{p}:{DELEGATE_ENTRY_ELEMENT} id="ref-{entry_ids[i]}"{decl}>'
                + self.member("type", entry.delegate_type.full_name, string, False)
                + self.member("assembly", entry.delegate_type.assembly, string, False)
                + self.member("target", f"target{i}", string, True)
                + self.member("targetTypeAssembly", entry.target_type.assembly, string, False)
                + self.member("targetTypeName", entry.target_type.full_name, string, False)
                + self.member("methodName", entry.method_name, string, False)
                + f"{following}</{p}:{DELEGATE_ENTRY_ELEMENT}>\n"
            )
        return "".join(out)

    def _string_array(self, ref: int, items: list[str]) -> str:
        body = "".join(f'<item id="ref-{self._new_id()}">{escape_text(s)}</item>' for s in items)
        head = f'<SOAP-ENC:Array id="ref-{ref}" SOAP-ENC:arrayType="SOAP-ENC:string[{len(items)}]">'
        return f"{head}{body}</SOAP-ENC:Array>\n"

    def _objref_graph(self, ref: int, value: ObjRef) -> str:
        """The ObjRef with its TypeInfo, ChannelInfo and channel data, shaped as .NET writes them."""
        r, rd = self._prefix(REMOTING_NS)
        c, cd = self._prefix(CHANNELS_NS)
        type_info, channel_info = self._new_id(), self._new_id()
        hierarchy, interfaces, channel_data = self._new_id(), self._new_id(), self._new_id()
        # one ChannelDataStore per channel URL, as .NET writes one per registered channel: a client channel
        # looks only at the first URL of each store
        appdomain = self._new_id()
        stores = [(self._new_id(), self._new_id(), url) for url in value.channel_urls]
        marshalled = "" if value.is_marshalled is None else f"<fIsMarshalled>{int(value.is_marshalled)}</fIsMarshalled>"
        return (
            f'<{r}:ObjRef id="ref-{ref}"{rd}><uri id="ref-{self._new_id()}">{escape_text(value.uri)}</uri>'
            f'<typeInfo href="#ref-{type_info}" /><envoyInfo xsi:null="1" />'
            f'<channelInfo href="#ref-{channel_info}" /><objrefFlags>0</objrefFlags>{marshalled}</{r}:ObjRef>\n'
            f'<{r}:TypeInfo id="ref-{type_info}"{rd}>'
            f'<serverType id="ref-{self._new_id()}">{escape_text(value.server_type)}</serverType>'
            f'<serverHierarchy href="#ref-{hierarchy}" /><interfacesImplemented href="#ref-{interfaces}" />'
            f"</{r}:TypeInfo>\n"
            f'<{r}:ChannelInfo id="ref-{channel_info}"{rd}><channelData href="#ref-{channel_data}" />'
            f"</{r}:ChannelInfo>\n"
            + self._string_array(hierarchy, value.server_hierarchy)
            + self._string_array(interfaces, value.interfaces)
            + f'<SOAP-ENC:Array id="ref-{channel_data}" SOAP-ENC:arrayType="xsd:anyType[{1 + len(stores)}]">'
            f'<item href="#ref-{appdomain}" />' + "".join(f'<item href="#ref-{store}" />' for store, _, _ in stores)
            + "</SOAP-ENC:Array>\n"
            f'<{c}:CrossAppDomainData id="ref-{appdomain}"{cd}><_ContextID xsi:type="xsd:int">0</_ContextID>'
            f'<_DomainID>0</_DomainID><_processGuid id="ref-{self._new_id()}">{escape_text(value.process_guid)}'
            f"</_processGuid></{c}:CrossAppDomainData>\n"
            + "".join(
                f'<{c}:ChannelDataStore id="ref-{store}"{cd}><_channelURIs href="#ref-{uris}" />'
                f'<_extraData xsi:null="1" /></{c}:ChannelDataStore>\n' + self._string_array(uris, [url])
                for store, uris, url in stores
            )
        )

    def _array_item_type(self, item: WireType) -> tuple[str, str]:
        kind = item.kind
        if kind is K_INT:
            kind = K_INT32
        if kind in XSD_TYPE_NAMES and kind not in (K_BYTES, K_ANY):
            return f"xsd:{XSD_TYPE_NAMES[kind]}", ""
        if kind is K_CHAR:
            prefix, decl = self._prefix(CLR_NS + "System")
            return f"{prefix}:Char", decl
        if kind in (K_ENUM, K_OBJECT) and item.py_type is not None:
            return self._type_ref(self.registry.name_of(item.py_type))
        return "xsd:anyType", ""

    def _object(self, ref: int, value: object, wt: WireType) -> str:
        cls = type(value)
        if wt.py_type is not None and not isinstance(value, wt.py_type):
            raise SoapEncodeError(f"expected {wt.describe()}, got {cls.__name__}")
        if isinstance(value, BaseException):
            return self.exception_element(ref, exception_info(value, self.registry, with_stack=None))
        plan = _FIELD_PLANS.get(cls)
        if plan is None:
            if not dataclasses.is_dataclass(value):
                raise SoapEncodeError(f"{cls.__qualname__} is not a by-value type")
            plan = _field_plan(cls)
        type_ref, decl = self._class_ref(cls)
        parts = [f'<{type_ref} id="ref-{ref}"{decl}>']
        append = parts.append
        toolkit = self.toolkit
        for attr, wire_name, fast, wire in plan:
            v = getattr(value, attr)
            t = type(v)
            # the common fields in one step each, as member() writes them (same text, same ids)
            if fast is K_STRING and t is str and not toolkit:
                n = self._next_id
                self._next_id = n + 1
                append(f'<{wire_name} id="ref-{n}">{escape_text(v)}</{wire_name}>')
            elif fast is K_INT32 and t is int and -0x80000000 <= v <= 0x7FFFFFFF:
                append(f"<{wire_name}>{v}</{wire_name}>")
            else:
                append(self.member(wire_name, v, wire, wire.kind is K_ANY))
        append(f"</{type_ref}>\n")
        return "".join(parts)

    def exception_element(self, ref: int, info: ExceptionInfo) -> str:
        name = ClrName(info.type_name, info.assembly)
        type_ref, decl = self._type_ref(name)
        string = WireType(K_STRING, nullable=True)
        null = self.null
        members = [
            self.member("ClassName", info.type_name, string, False),
            self.member("Message", info.message, string, False),
            f"<Data {null} />",
            f"<InnerException {null} />",
            f"<HelpURL {null} />",
            self.member("StackTraceString", info.stack_trace, string, False),
            f"<RemoteStackTraceString {null} />",
            "<RemoteStackIndex>0</RemoteStackIndex>",
            f"<ExceptionMethod {null} />",
            f"<HResult>{info.hresult}</HResult>",
            self.member("Source", info.source, string, False),
        ]
        members.extend(self.member(n, v, t, t.kind is not K_STRING) for n, v, t in info.fields)
        return f'<{type_ref} id="ref-{ref}"{decl}>{"".join(members)}</{type_ref}>\n'


#: (prefix, namespace) -> (prefix, its declaration): the namespaces of a message's objects are the same in every
#: message (a call context's on every call that carries one); bounded, as a caller chooses what it sends
_DECLARATIONS: dict[tuple[str, str], tuple[str, str]] = {}
_MAX_DECLARATIONS = 1024
#: per by-value class written: (its CLR name in the registry that wrote it, that name's namespace, short name)
_CLASS_NAMES: dict[type, tuple[ClrName, str, str]] = {}

#: per by-value dataclass written so far: (attribute, wire name, the kind :meth:`EncodedWriter._object` writes in
#: one step or None, wire type) per field; a call context's values are written on every call that carries one
_FIELD_PLANS: dict[type, tuple[tuple[str, str, Kind | None, WireType], ...]] = {}


def _field_plan(cls: type) -> tuple[tuple[str, str, Kind | None, WireType], ...]:
    """A dataclass's fields as :meth:`EncodedWriter._object` writes them: a ``str`` field (nullable or not,
    element text with an id), a non-nullable ``int``/``Int32`` (no xsi:type: declared) in one step each."""
    steps = [(spec.attr, spec.wire_name, one_step_kind(spec.wire, double=False), spec.wire)
             for spec in object_fields(cls)]
    plan = _FIELD_PLANS[cls] = tuple(steps)
    return plan


#: a flat by-value class: its CLR name (in the registry it was found in), that name's namespace and short name,
#: and its :func:`_field_plan`, every field of which is written in one step
_FlatClass = tuple[ClrName, str, str, tuple[tuple[str, str, Kind | None, WireType], ...]]
#: (registry, class) -> the class as :meth:`EncodedWriter._flat_slots` writes it; registered classes only
_FLAT_CLASSES: dict[tuple[TypeRegistry, type], _FlatClass] = {}
_MAX_FLAT_CLASSES = 1024


def _flat_class(registry: TypeRegistry, cls: type) -> _FlatClass | None:
    """``cls`` as :meth:`EncodedWriter._flat_slots` writes it: a dataclass registered in ``registry``
    (``runtime_wire_type`` refuses any other in a context) whose fields are all strings and ints."""
    if not isinstance(cls, type) or not dataclasses.is_dataclass(cls) or issubclass(cls, BaseException) \
            or not registry.is_registered(cls):
        return None
    plan = _FIELD_PLANS.get(cls) or _field_plan(cls)
    if any(fast is None for _, _, fast, _ in plan):
        return None
    name = registry.name_of(cls)
    flat = (name, name.data_namespace, name.short_name, plan)
    if len(_FLAT_CLASSES) < _MAX_FLAT_CLASSES:
        _FLAT_CLASSES[(registry, cls)] = flat
    return flat


# ------------------------------------------------------------------ whole messages


@functools.lru_cache(maxsize=512)  # one per method (and its Response): escaping the namespace once
def _method_open(name: str, namespace: str) -> tuple[str, str]:
    if namespace:
        return (f'<i2:{name} id="ref-1" xmlns:i2="{escape_attr(namespace)}">', f"</i2:{name}>\n")
    return f'<{name} id="ref-1">', f"</{name}>\n"


def _envelope_open(writer: EncodedWriter, context: dict[str, object] | None,
                   signature: list[WireType] | None = None, by_ref: tuple[int, ...] = ()) -> str:
    """The envelope up to the Body, with a Header when there is a method signature or a call context."""
    if context is None and signature is None:
        return ENVELOPE_OPEN
    blocks = _signature_block(signature, by_ref, writer.registry) if signature is not None else ""
    if context is not None:
        blocks += writer.call_context_blocks(context)
    return ENVELOPE_START + "<SOAP-ENV:Header>\n" + blocks + "</SOAP-ENV:Header>\n" + BODY_OPEN


def write_call(call: MethodCall, registry: TypeRegistry, marshaller: ReferenceMarshaller | None = None) -> bytes:
    writer = EncodedWriter(registry, marshaller)
    head = ENVELOPE_OPEN if call.call_context is None and call.signature is None else _envelope_open(
        writer, call.call_context, call.signature, call.signature_by_ref)
    params = "".join(
        writer.member(n, v, t) for n, v, t in zip(call.arg_names, call.args, call.arg_types, strict=True)
    )
    open_tag, close_tag = _method_open(call.method_name, call.namespace)
    return writer.message(head + open_tag + params + close_tag)


_XSD_NS = "http://www.w3.org/2001/XMLSchema"
_ENVELOPE_PREFIXES = {_XSD_NS: "xsd", "http://schemas.xmlsoap.org/soap/encoding/": "SOAP-ENC", CLR_NS: "clr"}


def _signature_block(signature: list[WireType], by_ref: tuple[int, ...], registry: TypeRegistry) -> str:
    """The ``__MethodSignature`` header block .NET sends for an overloaded method: the parameters' type QNames,
    space-separated (``xsd:int xsd:int``, ``a1:String[] a1:Int32&``)."""
    declared: dict[str, str] = {}
    qnames = []
    for i, wt in enumerate(signature):
        namespace, local = signature_qname(wt, registry, i in by_ref)
        prefix = _ENVELOPE_PREFIXES.get(namespace) or declared.setdefault(namespace, f"a{len(declared) + 1}")
        qnames.append(f"{prefix}:{local}")
    decls = "".join(f' xmlns:{p}="{escape_attr(ns)}"' for ns, p in declared.items())
    return (
        '<h4:__MethodSignature SOAP-ENC:root="1" xsi:type="SOAP-ENC:methodSignature" '
        f'xmlns:h4="http://schemas.microsoft.com/clr/soap/messageProperties"{decls}>{escape_text(" ".join(qnames))}'
        "</h4:__MethodSignature>\n"
    )


def write_return(
    ret: MethodReturn, registry: TypeRegistry, marshaller: ReferenceMarshaller | None = None, toolkit: bool = False
) -> bytes:
    """The return message; ``toolkit``: for a SOAP toolkit rather than .NET Remoting (module docstring)."""
    writer = EncodedWriter(registry, marshaller, toolkit)
    head = ENVELOPE_OPEN if ret.call_context is None else _envelope_open(writer, ret.call_context)
    parts = []
    if ret.value_type.kind is not K_VOID:
        parts.append(writer.member("return", ret.value, ret.value_type))
    parts.extend(writer.member(n, v, t) for n, v, t in ret.out_args)
    open_tag, close_tag = _method_open(ret.method_name + "Response", ret.namespace)
    return writer.message(head + open_tag + "".join(parts) + close_tag)


def remoting_faultstring(fault: Fault) -> str:
    """.NET's faultstring: ``" **** <ExceptionType> - <Message>"``."""
    if fault.exception is None:
        return fault.message
    return f" **** {fault.exception.type_name} - {fault.message}"


def write_fault(fault: Fault, registry: TypeRegistry, toolkit: bool = False) -> bytes:
    """A fault whose ``detail`` is a ``ServerFault`` carrying the serialized exception, as .NET writes it
    (``toolkit``: for a SOAP toolkit, with standard nulls and no ids on the fault's own elements)."""
    writer = EncodedWriter(registry, toolkit=toolkit)
    ids = ("", "", "") if toolkit else (' id="ref-1"', ' id="ref-2"', ' id="ref-3"')
    head = (
        f"<SOAP-ENV:Fault{ids[0]}>"
        f"<faultcode{ids[1]}>SOAP-ENV:{escape_text(fault.code)}</faultcode>"
        f"<faultstring{ids[2]}>{escape_text(remoting_faultstring(fault))}</faultstring>"
    )
    writer._next_id = 4
    if fault.exception is None:
        return (ENVELOPE_OPEN + head + "</SOAP-ENV:Fault>\n" + ENVELOPE_CLOSE).encode("utf-8")
    detail_ref = writer._new_id()
    exception_ref = writer._new_id()
    prefix, decl = writer._prefix(SERVER_FAULT_NS)
    server_fault = (
        f'<{prefix}:ServerFault id="ref-{detail_ref}"{decl}>'
        f"<exceptionType {writer.null} /><message {writer.null} /><stackTrace {writer.null} />"
        f'<exception href="#ref-{exception_ref}" /></{prefix}:ServerFault>\n'
    )
    exception = writer.exception_element(exception_ref, fault.exception)
    body = (head + f'<detail href="#ref-{detail_ref}" /></SOAP-ENV:Fault>\n'
            + server_fault + exception + writer.siblings())
    return (ENVELOPE_OPEN + body + ENVELOPE_CLOSE).encode("utf-8")


__all__ = ["SOAP_ENV", "EncodedWriter", "write_call", "write_fault", "write_return"]
