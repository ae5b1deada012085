"""Reading the .NET Remoting SOAP dialect, and the SOAP 1.1 encoded forms ASMX-style clients send.

Values are found by following ``href`` to any element with that ``id`` in the Body (shared references map
to one Python object; cycles and dangling references are errors). ``xsi:type`` is optional: the declared
Python type of the parameter or field decides; where one is declared, an ``xsi:type`` must name it
(:mod:`soap._xsi`), and only where the declared type is ``object`` does ``xsi:type`` choose the type. Type
names from the wire resolve only through the :class:`TypeRegistry`.

The Body holds the call element and, after it, only the multi-ref values it refers to (by ``id``): another
element no ``href`` points at is a second call, which SOAP does not allow.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from itertools import repeat
from operator import attrgetter
from typing import cast

from lxml import etree

from ._array_length import declared_length, pad
from ._call_context import CALL_CONTEXT_HEADER, HEADER_NAMESPACE, LOGICAL_CALL_CONTEXT_NS, is_user_slot
from ._delegates import (
    DELEGATE_ENTRY_ELEMENT,
    ENTRY_FIELDS,
    DelegateEntry,
    DelegateMarshaller,
    DelegateRef,
    delegate_entry,
)
from ._errors import SoapDecodeError, VersionMismatch
from ._headers import HeaderBlock, find_header, header_blocks
from ._hresults import COR_E_EXCEPTION
from ._model import ExceptionInfo, Fault, MethodReturn
from ._multiref_index import MultiRefIndex, multiref_index
from ._namespaces import CLR_NS, SOAP12_ENV, SOAP_ENC, SOAP_ENV, XSI, parse_data_namespace
from ._object_columns import column_plan, read_columns, read_sibling_columns
from ._objref import REMOTING_NS, ObjRef, ReferenceMarshaller
from ._scalars import PARSERS
from ._signature import clr_name_for_qname, overload_fit
from ._text_items import ITEM_COUNT, is_text, parse_text, plain_item_texts, scalar_items
from ._types import (
    ANY,
    EXCEPTION_MEMBERS,
    INTEGER_KINDS,
    K_ANY,
    K_BYTE,
    K_BYTES,
    K_DELEGATE,
    K_ENUM,
    K_INT,
    K_INT32,
    K_INT64,
    K_LIST,
    K_OBJECT,
    K_OBJREF,
    K_STRING,
    K_VOID,
    TypeRegistry,
    WireType,
    construct,
    enum_member,
    fields_by_wire_name,
    wire_type,
)
from ._xml import Limits, count_array_items, element_text, local_name, namespace_of
from ._xsd import kind_for_type_qname
from ._xsi import XsiTypes

_XSI_TYPE = f"{{{XSI}}}type"
_XSI_NULL = f"{{{XSI}}}null"
_XSI_NIL = f"{{{XSI}}}nil"
_ARRAY_TYPE = f"{{{SOAP_ENC}}}arrayType"
_ENC_ARRAY = f"{{{SOAP_ENC}}}Array"
_BODY = f"{{{SOAP_ENV}}}Body"
_HEADER = f"{{{SOAP_ENV}}}Header"
_ENVELOPE = f"{{{SOAP_ENV}}}Envelope"
_FAULT = f"{{{SOAP_ENV}}}Fault"
_TRUE = ("1", "true")
_HREFS = etree.XPath("//@href")
#: every one of ``$n`` array items carries exactly one attribute, an ``href``
_HREFS_ONLY = etree.XPath("count(*/@href) = $n and count(*/@*) = $n")
#: the items' ``href`` values, in document order, as plain strings
_ITEM_HREFS = etree.XPath("*/@href", smart_strings=False)
#: the ids of an element's children that carry one, in document order, as plain strings
_CHILD_IDS = etree.XPath("*/@id", smart_strings=False)
#: an attribute's value, mapped only over elements known to carry it (an ``[@id]`` match, a lone ``href``)
_GET = cast("Callable[[etree._Element, str], str]", etree._Element.get)
_TAG = attrgetter("tag")

_OBJREF_TAG = f"{{{REMOTING_NS}}}ObjRef"
#: the header .NET adds to a call of an overloaded method: its parameters' type QNames
_METHOD_SIGNATURE = "{http://schemas.microsoft.com/clr/soap/messageProperties}__MethodSignature"
_OBJREF = WireType(K_OBJREF, None, None, True)
_STRING = WireType(K_STRING, nullable=True)
_STRINGS = WireType(K_LIST, None, _STRING, True)


_local = local_name
_namespace = namespace_of


class EncodedReader:
    """Decodes values out of one parsed envelope."""

    def __init__(
        self,
        root: etree._Element,
        registry: TypeRegistry,
        limits: Limits,
        marshaller: ReferenceMarshaller | None = None,
        source: bytes | None = None,
    ) -> None:
        self.marshaller = marshaller
        #: the raw message, for the cheap xsi:type prefix resolution (:class:`soap._xsi.XsiTypes`)
        self.source = source
        self._xsi: XsiTypes | None = None
        if root.tag != _ENVELOPE:
            if _local(root.tag) == "Envelope" and _namespace(root.tag) != SOAP12_ENV:
                raise VersionMismatch(f"not a SOAP 1.1 envelope: the Envelope is in namespace "
                                      f"{_namespace(root.tag)[:100]!r}, not {SOAP_ENV!r}")
            raise SoapDecodeError(f"not a SOAP 1.1 envelope: root element is {str(root.tag)[:160]!r}")
        self.registry = registry
        self.limits = limits
        body = header = None
        for child in root:
            if child.tag == _BODY:
                if body is not None:
                    raise SoapDecodeError("the SOAP envelope holds more than one Body")
                body = child
            elif child.tag == _HEADER and header is None:
                header = child
        if body is None:
            raise SoapDecodeError("SOAP envelope has no Body")
        self.body: etree._Element = body
        self.header = header
        self._ids: MultiRefIndex | None = None
        #: what each reference was read as, by declared type (one WireType hash per lookup or per array: its
        #: ``__hash__`` is Python code), then by id
        self._memo: dict[WireType, dict[str, object]] = {}
        self._classes: dict[tuple[object, type], type] = {}  # (element tag, declared class) -> class read
        self._pending: set[str] = set()
        self._array_items = 0

    # -------------------------------------------------------------- structure

    def first_element(self) -> etree._Element | None:
        """The Body's first element (the method or its response), without listing the multi-ref siblings."""
        return next((el for el in self.body if isinstance(el.tag, str)), None)

    def _index(self) -> MultiRefIndex:
        if self._ids is None:
            parts = [part for part in (self.header, self.body) if part is not None]  # (the call context's in one)
            size = None if self.source is None else len(self.source)
            self._ids = multiref_index(parts, self.limits.max_multirefs, size)
        return self._ids

    def check_siblings(self, siblings: Sequence[etree._Element]) -> None:
        """Every Body element after the call must be a multi-ref value some ``href`` points at."""
        referenced: set[str] | None = None
        for el in siblings:
            ident = el.get("id")
            if ident is not None:
                if referenced is None:
                    referenced = {str(h) for h in _HREFS(self.body)}
                    if self.header is not None:
                        referenced.update(str(h) for h in _HREFS(self.header))
                if "#" + ident in referenced:
                    continue
            raise SoapDecodeError(
                f"the SOAP Body holds more than one call: <{_local(el.tag)}> follows the call element and is not "
                "a value it refers to (by id)"
            )

    # -------------------------------------------------------------- headers

    def header_blocks(self) -> list[HeaderBlock]:
        return header_blocks(self.header, SOAP_ENV, self._header_value, encoded=True)

    def _header_value(self, el: etree._Element, wt: WireType) -> object:
        return self.value(el, wt)

    def call_context(self, blocks: list[HeaderBlock]) -> dict[str, object] | None:
        """The slots of the ``__CallContext`` header block (see :mod:`soap._call_context`), None without one."""
        block = find_header(blocks, HEADER_NAMESPACE, CALL_CONTEXT_HEADER)
        if block is None:
            return None
        block.mark_understood()
        context = self.resolve(block.element)
        if _local(context.tag) != "LogicalCallContext" or _namespace(context.tag) != LOGICAL_CALL_CONTEXT_NS:
            raise SoapDecodeError(f"the __CallContext header holds a <{_local(context.tag)}>, not a LogicalCallContext")
        slots: dict[str, object] = {}
        for child in context:
            name = _local(child.tag)
            if name and is_user_slot(name):
                try:
                    found = self._flat_slot(child)
                    slots[name] = self.value(child, ANY, 1) if found is None else found
                except SoapDecodeError as exc:
                    raise SoapDecodeError(f"call context slot {name!r}: {exc}") from None
        return slots

    def _flat_slot(self, el: etree._Element) -> object | None:
        """A slot as Mono writes one, decoded in one step: ``<name href="#ref-N" />`` to a registered by-value
        dataclass whose fields are plain text elements. The same value, memo entry and errors as
        ``value(el, ANY, 1)``; None (and nothing done) for anything else, which goes through ``value()``."""
        attributes = el.attrib
        if len(attributes) != 1 or len(el) or self.limits.max_ref_depth < 3:
            return None
        href = attributes.get("href")
        if href is None or not href.startswith("#"):
            return None
        key = href[1:]
        if key in self._pending or (self._memo and key in self._memo.get(ANY, ())):  # (a WireType's hash is Python)
            return None
        target = self._index().get(key)
        if target is None:
            return None
        tag = target.tag
        known = _FLAT_CLASSES.get((self.registry, tag))
        if known is None or self.registry.lookup(known[0]) is not known[1]:
            known = _flat_class(self.registry, target)
            if known is None:
                return None
        target_attributes = target.attrib
        if len(target_attributes) != 1 or "id" not in target_attributes:
            return None  # an xsi:type, a null ...: value() reads those
        _, cls, plan = known
        values: dict[str, object] = {}
        limits = self.limits
        self._pending.add(key)
        try:
            for child in target:
                child_tag = child.tag
                if not isinstance(child_tag, str):
                    continue
                step = plan.get(child_tag.rpartition("}")[2])
                if step is None:
                    continue
                attr, parser, binary, wire = step
                if parser is not None and is_text(child):
                    values[attr] = parse_text(child, parser, limits, binary)
                else:
                    values[attr] = self.value(child, wire, 3)
        finally:
            self._pending.discard(key)
        try:
            result = construct(cls, values)
        except (TypeError, ValueError) as exc:
            raise SoapDecodeError(f"cannot build {cls.__name__}: {exc}") from None
        self._memo.setdefault(ANY, {})[key] = result
        return result

    def _type_qname(self, el: etree._Element, attr: str) -> tuple[str, str]:
        value = el.get(attr)
        assert value is not None
        prefix, _, local = value.rpartition(":")
        namespace = el.nsmap.get(prefix or None)
        if namespace is None:
            if prefix:
                raise SoapDecodeError(f"undeclared namespace prefix {prefix!r} in {value!r}")
            namespace = ""
        return namespace, local

    # -------------------------------------------------------------- values

    def value(self, el: etree._Element, wt: WireType, depth: int = 0) -> object:
        if depth > self.limits.max_ref_depth:
            raise SoapDecodeError(f"object graph deeper than {self.limits.max_ref_depth} levels")
        # one call for all attributes instead of one lookup each: most values have none, one or two
        href = null = xsi_type = None
        for name, attribute in el.items():
            if name == "href":
                href = attribute
            elif name == _XSI_TYPE:
                xsi_type = attribute
            elif name in (_XSI_NULL, _XSI_NIL):
                null = null or attribute
        if xsi_type is not None and wt.kind is not K_ANY:  # (on a reference too: it names a type all the same)
            if self._xsi is None:
                self._xsi = XsiTypes(self.registry, self.source)
            self._xsi.check(el, xsi_type, wt)
        if href is not None:
            if not href.startswith("#"):
                raise SoapDecodeError(f"external reference {href[:60]!r} not allowed")
            key = href[1:]
            if key in self._pending:
                raise SoapDecodeError(f"cyclic reference to {href!r}")
            read = self._memo.get(wt)
            done = None if read is None else read.get(key)
            if done is not None:
                return done  # a shared reference decodes to one object (per declared type)
            target = self._index().get(key)
            if target is None:
                raise SoapDecodeError(f"reference {href!r} points to no element")
            self._pending.add(key)
            try:
                result = self.value(target, wt, depth + 1)
            finally:
                self._pending.discard(key)
            if result is not None:
                self._memo.setdefault(wt, {})[key] = result
            return result
        if null is not None and null in _TRUE:
            if not wt.nullable and wt.kind is not K_ANY:
                raise SoapDecodeError(f"<{_local(el.tag)}> is null but a {wt.describe()} is required")
            return None
        if wt.kind is K_ANY:
            wt = self.infer(el)
        return self._typed(el, wt, depth)

    def _typed(self, el: etree._Element, wt: WireType, depth: int) -> object:
        kind = wt.kind
        parser = PARSERS.get(kind)
        if parser is not None:
            if kind is K_BYTES and el.get(_ARRAY_TYPE) is not None:
                items = self._list(el, WireType(K_BYTE), depth)
                return bytes(items)  # type: ignore[arg-type]
            if len(el):
                raise SoapDecodeError(f"<{_local(el.tag)}> should hold a {wt.describe()}, not elements")
            text = el.text or ""
            if kind is K_BYTES or len(text) > self.limits.max_text_length:
                text = element_text(el, self.limits, kind is K_BYTES)  # raises past the limit
            try:
                return parser(text)
            except (ValueError, OverflowError) as exc:
                raise SoapDecodeError(f"<{_local(el.tag)}>: {exc}") from None
        if kind is K_ENUM:
            assert wt.py_type is not None
            return enum_member(wt.py_type, element_text(el, self.limits))
        if kind is K_LIST:
            return self._list(el, wt.item or ANY, depth)
        if kind is K_OBJECT:
            return self._object(el, wt, depth)
        if kind is K_OBJREF:
            if el.tag != _OBJREF_TAG:
                raise SoapDecodeError(f"<{_local(el.tag)}> should be an object reference (ObjRef)")
            ref = self.objref(el, depth)
            if self.marshaller is None:
                return ref
            return self.marshaller.unmarshal(ref, wt)
        if kind is K_DELEGATE:
            delegate = self.delegate(el, depth)
            if isinstance(self.marshaller, DelegateMarshaller):
                return self.marshaller.unmarshal_delegate(delegate, wt)
            return delegate
        raise SoapDecodeError(f"<{_local(el.tag)}>: cannot decode a value of kind {kind.value}")

    def _list(self, el: etree._Element, item: WireType, depth: int) -> list[object]:
        count = int(cast("float", ITEM_COUNT(el)))  # the elements, not comments (in C, no object per item)
        array_type = el.get(_ARRAY_TYPE)
        length = count
        if array_type is not None:  # the declared length: more items are refused, fewer padded (as Mono does)
            length = declared_length(array_type, length, self.limits, _local(el.tag))
        self._array_items = count_array_items(self._array_items, length, self.limits)
        if item.kind is K_ANY and array_type is not None:
            item = self._array_item_type(el)
        parser = PARSERS.get(item.kind)
        if item.kind is K_STRING and depth + 1 <= self.limits.max_ref_depth:
            texts = plain_item_texts(el, count, self.limits)  # strings of plain text items: at once, in C
            if texts is not None:
                values = cast("list[object]", texts)
                return values if length == count else pad(values, length, item.kind)
        objects = self._plain_objects(el, count, item, depth) if item.kind is K_OBJECT else None
        if objects is not None:
            return objects if length == count else pad(objects, length, item.kind)
        children = list(el.iterchildren(etree.Element))
        if parser is None or item.kind is K_BYTES:
            values = [self.value(c, item, depth + 1) for c in children]
        else:
            if depth + 1 > self.limits.max_ref_depth:
                raise SoapDecodeError(f"object graph deeper than {self.limits.max_ref_depth} levels")
            # plain text items parsed directly (integers all at once), any other through value()
            kind = K_INT32 if item.kind is K_INT else item.kind  # a plain Python int is a .NET Int32
            integer_kind = kind if kind in INTEGER_KINDS else None
            values = scalar_items(children, parser, integer_kind, lambda c: self.value(c, item, depth + 1),
                                  self.limits)
        return values if length == len(children) else pad(values, length, item.kind)

    def _plain_objects(self, array: etree._Element, count: int, item: WireType, depth: int) -> list[object] | None:
        """The ``count`` items of ``array``, references to plain objects of one class, all at once
        (:mod:`soap._object_columns`), or None to read them item by item: any item that is not a lone ``href``
        to an object not read yet, a reference used twice (one object for both), objects not all of one
        element name."""
        declared = item.py_type
        if declared is None or not count or depth + 2 >= self.limits.max_ref_depth:
            return None
        index = self._index()
        # every item carries exactly one attribute, an href (two counts in C, no object per item)
        if not _HREFS_ONLY(array, n=count):
            return None
        hrefs = cast("list[str]", _ITEM_HREFS(array))
        if not all(map(str.startswith, hrefs, repeat("#"))):
            return None
        keys = [href[1:] for href in hrefs]
        read = self._pending.union(*self._memo.values())  # references read already (or being read)
        if not read.isdisjoint(keys) or len(set(keys)) != len(keys):
            return None
        objects = self._last_multirefs(keys, declared)
        if objects is None:  # anywhere else: one Python object per object and field
            found = index.targets(keys)
            if None in found:
                return None
            targets = cast("list[etree._Element]", found)
            tag = targets[0].tag
            if set(map(_TAG, targets)) != {tag}:
                return None
            plan = column_plan(self._object_class(tag, declared))
            objects = read_columns(plan, targets, self.limits, ids=True) if plan is not None else None
        if objects is not None:
            self._memo.setdefault(item, {}).update(zip(keys, objects, strict=True))
        return objects

    def _last_multirefs(self, keys: list[str], declared: type) -> list[object] | None:
        """The objects ``keys`` name when they are the Body's last elements, in that order, after at least one
        other multi-ref (as .NET and this gateway write an array of objects), read as their following
        siblings in C (:func:`soap._object_columns.read_sibling_columns`); None otherwise."""
        body = self.body
        child_ids = cast("list[str]", _CHILD_IDS(body))
        before = len(child_ids) - len(keys)
        if before < 1 or child_ids[before:] != keys:
            return None
        previous: etree._Element | None
        first: etree._Element | None
        if len(body) == len(child_ids):  # every child has an id: found by position (no table of them all)
            previous, first = body[before - 1], body[before]
        else:
            previous, first = self._index().get(child_ids[before - 1]), self._index().get(keys[0])
        if previous is None or first is None:
            return None
        plan = column_plan(self._object_class(first.tag, declared))
        return None if plan is None else read_sibling_columns(plan, previous, first, len(keys), self.limits)

    def _object_class(self, tag: object, declared: type) -> type:
        """The class an object element is read as: the declared one, or the registered subclass its name gives."""
        cls = self._classes.get((tag, declared))
        if cls is None:
            cls = declared
            named = parse_data_namespace(_namespace(tag), _local(tag))
            if named is not None:
                actual = self.registry.lookup(named[0])
                if actual is not None and actual is not cls and issubclass(actual, cls):
                    cls = actual
            self._classes[(tag, declared)] = cls
        return cls

    def _array_item_type(self, el: etree._Element) -> WireType:
        namespace, local = self._type_qname(el, _ARRAY_TYPE)
        base = local.partition("[")[0]
        if local.count("[") > 1:
            return ANY
        return self._named_type(namespace, base, el) or ANY

    def _named_type(self, namespace: str, local: str, el: etree._Element) -> WireType | None:
        kind = kind_for_type_qname(namespace, local)
        if kind is not None:
            if kind is K_ANY:
                return ANY
            if kind is K_INT:  # xsd:integer and kin name no width: read them as the widest signed one
                kind = K_INT64
            return WireType(kind, None, None, True)
        clr = parse_data_namespace(namespace, local)
        if clr is not None:
            cls = self.registry.lookup(clr[0])
            if cls is None:
                raise SoapDecodeError(f"type {clr[0]} is not a registered by-value type")
            return wire_type(cls)
        return None

    def infer(self, el: etree._Element) -> WireType:
        """The type of a value declared as ``object``: from xsi:type, arrayType or the element name."""
        if el.get(_XSI_TYPE) is not None:
            namespace, local = self._type_qname(el, _XSI_TYPE)
            if namespace == SOAP_ENC and local == "Array":
                return WireType(K_LIST, None, ANY, True)
            found = self._named_type(namespace, local, el)
            if found is None:
                raise SoapDecodeError(f"unknown type {local!r} in namespace {namespace!r}")
            return found
        if el.get(_ARRAY_TYPE) is not None or el.tag == _ENC_ARRAY:
            return WireType(K_LIST, None, ANY, True)
        if el.tag == _OBJREF_TAG:
            return _OBJREF
        found = self._named_type(_namespace(el.tag), _local(el.tag), el)
        if found is not None:
            return found
        if len(el):
            raise SoapDecodeError(f"<{_local(el.tag)}> has no type information")
        return _STRING

    def resolve(self, el: etree._Element) -> etree._Element:
        """The element an ``href`` points to (or ``el`` itself), without decoding it."""
        href = el.get("href")
        if href is None:
            return el
        target = self._index().get(href.lstrip("#"))
        if target is None:
            raise SoapDecodeError(f"reference {href!r} points to no element")
        return target

    def delegate(self, el: etree._Element, depth: int) -> DelegateRef:
        """A ``DelegateSerializationHolder`` (see :mod:`soap._delegates`): its entries, targets by reference."""
        if _local(el.tag) != "DelegateSerializationHolder" or _namespace(el.tag) != CLR_NS + "System":
            raise SoapDecodeError(f"<{_local(el.tag)}> should be a delegate (a DelegateSerializationHolder)")
        members = {_local(c.tag): c for c in el if isinstance(c.tag, str)}
        entries: list[DelegateEntry] = []
        entry = members.get("Delegate")
        seen: set[int] = set()
        while entry is not None and entry.get(_XSI_NULL) not in _TRUE:
            entry = self.resolve(entry)
            if _local(entry.tag) != DELEGATE_ENTRY_ELEMENT or id(entry) in seen or len(entries) > depth + 64:
                raise SoapDecodeError("malformed delegate: bad or cyclic DelegateEntry chain")
            seen.add(id(entry))
            fields = {_local(c.tag): c for c in entry if isinstance(c.tag, str)}
            text = {name: self._text(fields.get(name)) for name in ENTRY_FIELDS}
            label = text["target"]
            target_el = members.get(label) if label else None
            target = self.resolve(target_el) if target_el is not None else None
            ref = self.objref(target, depth + 1) if target is not None and target.tag == _OBJREF_TAG else None
            entries.append(delegate_entry(text, ref))
            entry = fields.get("delegateEntry")
        if not entries:
            raise SoapDecodeError("malformed delegate: no DelegateEntry")
        return DelegateRef(tuple(entries))

    def _text(self, el: etree._Element | None) -> str | None:
        if el is None:
            return None
        value = self.value(el, _STRING)
        return value if isinstance(value, str) else None

    def objref(self, el: etree._Element, depth: int) -> ObjRef:
        """Read an ObjRef graph: uri, TypeInfo (type, interfaces), ChannelInfo (channel URLs, process)."""
        parts = {_local(c.tag): c for c in el if isinstance(c.tag, str)}
        if "uri" not in parts:
            raise SoapDecodeError("ObjRef without a uri")
        uri = self.value(parts["uri"], WireType(K_STRING), depth + 1)
        server_type = ""
        interfaces: list[object] = []
        hierarchy: list[object] = []
        if "typeInfo" in parts and parts["typeInfo"].get(_XSI_NULL) not in _TRUE:
            info = {_local(c.tag): c for c in self.resolve(parts["typeInfo"]) if isinstance(c.tag, str)}
            if "serverType" in info:
                server_type = str(self.value(info["serverType"], WireType(K_STRING, nullable=True)) or "")
            if "interfacesImplemented" in info:
                interfaces = self._strings(info["interfacesImplemented"], depth)
            if "serverHierarchy" in info:
                hierarchy = self._strings(info["serverHierarchy"], depth)
        urls: list[str] = []
        guid = ""
        if "channelInfo" in parts and parts["channelInfo"].get(_XSI_NULL) not in _TRUE:
            for data in self.resolve(parts["channelInfo"]):
                if _local(data.tag) != "channelData":
                    continue
                array = self.resolve(data)
                if len(array) > self.limits.max_array_length:
                    raise SoapDecodeError("too many channel data entries")
                for item in array:
                    target = self.resolve(item)
                    fields = {_local(c.tag): c for c in target if isinstance(c.tag, str)}
                    if _local(target.tag) == "ChannelDataStore" and "_channelURIs" in fields:
                        urls.extend(str(u) for u in self._strings(fields["_channelURIs"], depth) if u)
                    elif _local(target.tag) == "CrossAppDomainData" and "_processGuid" in fields:
                        guid = str(self.value(fields["_processGuid"], WireType(K_STRING, nullable=True)) or "")
        marshalled = None
        if "fIsMarshalled" in parts:
            marshalled = (parts["fIsMarshalled"].text or "0").strip() not in ("0", "false")
        result = ObjRef(str(uri), server_type, urls, [str(i) for i in interfaces], [str(h) for h in hierarchy])
        result.is_marshalled = marshalled
        if guid:
            result.process_guid = guid
        return result

    def _strings(self, el: etree._Element, depth: int) -> list[object]:
        found = self.value(el, _STRINGS, depth + 1)
        return found if isinstance(found, list) else []

    def _object(self, el: etree._Element, wt: WireType, depth: int) -> object:
        declared = wt.py_type
        assert declared is not None
        cls = self._object_class(el.tag, declared)  # the element may name a registered subclass of the declared one
        if issubclass(cls, BaseException):
            return self.exception(el, depth).value
        specs = fields_by_wire_name(cls)
        values: dict[str, object] = {}
        for child in el:
            if not isinstance(child.tag, str):
                continue
            spec = specs.get(_local(child.tag))
            if spec is None or not spec.read:
                continue
            parser = PARSERS.get(spec.wire.kind)
            if parser is not None and depth < self.limits.max_ref_depth and is_text(child):
                values[spec.attr] = parse_text(  # a scalar field that is its text
                    child, parser, self.limits, spec.wire.kind is K_BYTES)
            else:
                values[spec.attr] = self.value(child, spec.wire, depth + 1)
        try:
            return construct(cls, values)
        except (TypeError, ValueError) as exc:
            raise SoapDecodeError(f"cannot build {cls.__name__}: {exc}") from None

    def exception(self, el: etree._Element, depth: int) -> ExceptionInfo:
        """A serialized exception (ISerializable members); its Python value only if its type is registered."""
        named = parse_data_namespace(_namespace(el.tag), _local(el.tag))
        type_name, assembly = named if named is not None else (_local(el.tag), "")
        members = {_local(c.tag): c for c in el if isinstance(c.tag, str)}
        text = WireType(K_STRING, nullable=True)

        def member_text(name: str) -> str | None:
            child = members.get(name)
            return None if child is None else self.value(child, text, depth + 1)  # type: ignore[return-value]

        class_name = member_text("ClassName") or type_name
        cls = self.registry.lookup(class_name) or self.registry.lookup(type_name)
        if cls is not None and not issubclass(cls, BaseException):
            cls = None
        specs = fields_by_wire_name(cls) if cls is not None else {}
        fields: list[tuple[str, object, WireType]] = []
        for name, child in members.items():
            if name in EXCEPTION_MEMBERS:
                continue
            spec = specs.get(name)
            ft = spec.wire if spec is not None else ANY
            fields.append((spec.attr if spec is not None else name, self.value(child, ft, depth + 1), ft))
        hresult_text = member_text("HResult")
        try:
            hresult = int(hresult_text) if isinstance(hresult_text, str) and hresult_text else COR_E_EXCEPTION
        except ValueError:
            hresult = COR_E_EXCEPTION
        info = ExceptionInfo(
            class_name, assembly, member_text("Message"), member_text("StackTraceString"),
            member_text("Source"), hresult, fields,
        )
        if cls is not None:
            declared = {spec.attr for spec in specs.values()}
            value = construct(cls, {n: v for n, v, _ in fields if n in declared}, info.message)
            assert isinstance(value, BaseException)
            info.value = value
        return info

    def fault(self, el: etree._Element) -> Fault:
        parts = {_local(c.tag): c for c in el if isinstance(c.tag, str)}
        code_el, string_el = parts.get("faultcode"), parts.get("faultstring")
        code = ((code_el.text or "") if code_el is not None else "Server").rpartition(":")[2]
        message = (string_el.text or "") if string_el is not None else ""
        detail = parts.get("detail")
        exception = None
        if detail is not None:
            target = detail
            href = detail.get("href")
            if href is not None:
                found = self._index().get(href.lstrip("#"))
                if found is None:
                    raise SoapDecodeError(f"fault detail reference {href!r} points to no element")
                target = found
            if _local(target.tag) == "ServerFault":
                exc_el = next((c for c in target if _local(c.tag) == "exception"), None)
                if exc_el is not None:
                    ref = exc_el.get("href")
                    if ref is not None:
                        exc_el = self._index().get(ref.lstrip("#"))
                    if exc_el is not None and exc_el.get(_XSI_NULL) not in _TRUE:
                        exception = self.exception(exc_el, 1)
        return Fault(code, message, exception)


#: (registry, element tag) -> (type full name, class, fields as read) of the registered by-value dataclasses
#: read as call context values so far (:meth:`EncodedReader._flat_slot`); only registered classes get here,
#: and each use checks that the registry still maps the name to the class
_FlatClass = tuple[str, type, dict[str, tuple[str, Callable[[str], object] | None, bool, WireType]]]
_FLAT_CLASSES: dict[tuple[TypeRegistry, object], _FlatClass] = {}
_MAX_FLAT_CLASSES = 1024


def _flat_class(registry: TypeRegistry, el: etree._Element) -> _FlatClass | None:
    """What :meth:`EncodedReader._flat_slot` needs to read ``el`` as the registered dataclass its tag names
    (None: not one, or an element that ``infer`` would read otherwise)."""
    tag = el.tag
    if not isinstance(tag, str) or tag in (_ENC_ARRAY, _OBJREF_TAG):
        return None
    named = parse_data_namespace(_namespace(tag), _local(tag))
    if named is None or kind_for_type_qname(_namespace(tag), _local(tag)) is not None:
        return None
    cls = registry.lookup(named[0])
    if cls is None or not dataclasses.is_dataclass(cls) or issubclass(cls, BaseException) \
            or wire_type(cls).kind is not K_OBJECT:
        return None
    plan = {
        wire_name: (spec.attr, PARSERS.get(spec.wire.kind), spec.wire.kind is K_BYTES, spec.wire)
        for wire_name, spec in fields_by_wire_name(cls).items() if spec.read
    }
    known: _FlatClass = (named[0], cls, plan)
    if len(_FLAT_CLASSES) < _MAX_FLAT_CLASSES:
        _FLAT_CLASSES[(registry, tag)] = known
    return known


class EncodedCall:
    """A parsed Remoting SOAP request (see :class:`soap.IncomingCall`)."""

    overloadable = True
    runtime_headers_only = False

    def __init__(self, reader: EncodedReader) -> None:
        first = reader.first_element()
        if first is None:
            raise SoapDecodeError("SOAP Body is empty: no method element")
        siblings = [el for el in first.itersiblings() if isinstance(el.tag, str)]
        if siblings:
            reader.check_siblings(siblings)
        self._reader = reader
        self._element = first
        tag = self._element.tag
        self.method_name = _local(tag)
        self.namespace = _namespace(tag)
        self._params = [c for c in self._element if isinstance(c.tag, str)]
        self.argument_count = len(self._params)
        self._blocks: list[HeaderBlock] | None = None
        #: written by a SOAP toolkit (suds, Axis, PHP ...) rather than a .NET SoapFormatter, which numbers the
        #: method element ``ref-1``: the answer then uses standard SOAP encoding (``xsi:nil``, see
        #: soap/_encoded_writer.py)
        self.toolkit = self._element.get("id") is None

    #: the Remoting SOAP dialect names the target by URI only (the binary formatter names a type too)
    claimed_type: str | None = None

    @property
    def argument_names(self) -> list[str]:
        """The parameter elements' local names (computed when asked: most calls never need them)."""
        return [_local(p.tag) for p in self._params]

    @property
    def header_blocks(self) -> list[HeaderBlock]:
        if self._blocks is None:
            self._blocks = self._reader.header_blocks() if self._reader.header is not None else []
        return self._blocks

    def call_context(self) -> dict[str, object] | None:
        if self._reader.header is None:
            return None
        return self._reader.call_context(self.header_blocks)

    def decode_arguments(self, types: Sequence[WireType], names: Sequence[str] | None = None) -> list[object]:
        """Parameters by position (the Remoting dialect does not check names).

        ASMX-style clients leave null parameters out; when the count differs and every element names a
        parameter, they are matched by name instead and the missing nullable ones are None.
        """
        argument_names = self.argument_names if names is not None and len(types) != len(self._params) else None
        if names is not None and argument_names is not None and set(argument_names) <= set(names):
            by_name = dict(zip(argument_names, self._params, strict=True))
            args: list[object] = []
            for name, wt in zip(names, types, strict=True):
                el = by_name.get(name)
                if el is None and not (wt.nullable or wt.kind is K_ANY):
                    raise SoapDecodeError(f"{self.method_name}: missing parameter <{name}>")
                args.append(None if el is None else self._reader.value(el, wt))
            return args
        if len(types) != len(self._params):
            raise SoapDecodeError(
                f"{self.method_name} takes {len(types)} argument(s), the message carries {len(self._params)}"
            )
        return [self._reader.value(p, t) for p, t in zip(self._params, types, strict=True)]

    def signature(self) -> list[str | None] | None:
        """The CLR type names of the ``__MethodSignature`` header (None where a QName is not known), or None."""
        header = self._reader.header
        # (by tag, in C: a call context's multi-refs share the Header; each overload asks)
        found = None if header is None else next(header.iterchildren(_METHOD_SIGNATURE), None)
        if found is None:
            return None
        names: list[str | None] = []
        for qname in (found.text or "").split():
            prefix, _, local = qname.rpartition(":")
            namespace = found.nsmap.get(prefix or None)
            if namespace is None:
                raise SoapDecodeError(f"__MethodSignature: undeclared namespace prefix in {qname[:60]!r}")
            names.append(clr_name_for_qname(namespace, local))
        return names

    def argument_type_names(self) -> list[str | None]:
        """Per argument, the CLR type its ``xsi:type`` or element name gives (None where none is given)."""
        names: list[str | None] = []
        for param in self._params:
            el = self._reader.resolve(param)
            if el.get(_XSI_TYPE) is not None:
                names.append(clr_name_for_qname(*self._reader._type_qname(el, _XSI_TYPE)))
            elif el is not param and el.tag != _OBJREF_TAG:
                names.append(clr_name_for_qname(_namespace(el.tag), _local(el.tag)))
            else:
                names.append(None)
        return names

    def overload_fit(self, parameters: Sequence[WireType], inputs: Sequence[WireType]) -> int:
        return overload_fit(self.signature(), self.argument_type_names(), parameters, inputs, self._reader.registry)


def read_return(
    reader: EncodedReader, method_name: str, return_type: WireType, out_types: Sequence[tuple[str, WireType]] = ()
) -> MethodReturn | Fault:
    """Read a response envelope: a ``Fault``, or ``<XResponse>`` with ``return`` and out-arguments."""
    first = reader.first_element()
    if first is None:
        raise SoapDecodeError("SOAP Body is empty")
    if first.tag == _FAULT:
        return reader.fault(first)
    children = {_local(c.tag): c for c in first if isinstance(c.tag, str)}
    value: object = None
    if return_type.kind is not K_VOID:
        ret = children.get("return")
        if ret is None:
            others = [c for c in first if isinstance(c.tag, str)]
            if not others and return_type.kind is not K_ANY:
                raise SoapDecodeError(f"{_local(first.tag)} carries no return value")
            ret = others[0] if others else None  # an untyped call of a void method: no value
        value = reader.value(ret, return_type) if ret is not None else None
    outs = []
    for name, wt in out_types:
        if name not in children:
            raise SoapDecodeError(f"{_local(first.tag)} lacks the out parameter <{name}>")
        outs.append((name, reader.value(children[name], wt), wt))
    result = MethodReturn(method_name, _namespace(first.tag), value, return_type, outs)
    if reader.header is not None:
        blocks = reader.header_blocks()
        result.header_blocks = blocks
        result.call_context = reader.call_context(blocks)
    return result
