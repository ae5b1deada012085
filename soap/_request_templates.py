"""Remoting SOAP calls read without a parser when their shape was read before (differential deserialization).

After the full parser has read a call and its arguments were decoded, :meth:`RequestTemplates.record` keeps
the message as a :class:`~soap._byte_template.ByteTemplate` whose slots are the arguments' text, when the
call is of a simple shape: a SOAP 1.1 envelope in UTF-8 without a Header (so no call context, no method
signature), one method element in the Body and nothing after it, and every parameter a leaf element with
text only, no attributes but ``id`` and ``xsi:type``, declared as a scalar with a text parser (string,
the integers, double, float, bool, decimal, char, dateTime, date, duration). A later call with the same
bytes around other text in those slots is a :class:`TemplateCall`: method, namespace and the rest are
the template's, the arguments are the slots' text through the same scalar parsers, with the same limits.

Why it gives what the full path gives: the constant bytes are those of a message the full path read and
accepted, including every check of :func:`soap._xml.parse_xml` (its limits, no DOCTYPE, no processing
instruction) and of :class:`~soap._encoded_reader.EncodedCall` (the envelope, one call in the Body); a
slot holds only text that parses as itself (``_byte_template.slot_text``), so the full parser would build
the same tree with other leaf texts, and those checks would pass again. The ``xsi:type`` of each parameter
was checked against the same declared types (the fast path is taken only for those types). Decoding a
parameter is then what :meth:`EncodedReader.value` does for a leaf with text: the length limit, then the
kind's parser from ``PARSERS``. Whatever the fast path does not take (other declared types, a value its
parser refuses, a text over ``max_text_length``, an overload to pick) is handed to the full path, which
parses the same bytes and gives its own answer or fault.

The templates are kept per content type (the only other input of ``read_call``; the object URI and the
SOAPAction are checked by the server on every call, template or not), a few each, most recently used first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from lxml import etree

from ._byte_template import ByteTemplate, leaf_spans_in_order, slot_text
from ._context_template import ContextPlan, context_plan
from ._encoded_reader import EncodedCall, EncodedReader
from ._errors import SoapDecodeError
from ._headers import RUNTIME_HEADERS, HeaderBlock
from ._namespaces import SOAP_ENV, XSI
from ._objref import ReferenceMarshaller
from ._scalars import PARSERS
from ._signature import overload_fit
from ._types import K_BYTES, TypeRegistry, WireType
from ._xml import Limits

_XSI_TYPE = f"{{{XSI}}}type"
_PLAIN_ATTRIBUTES = frozenset({"id", _XSI_TYPE})
#: the declared kinds whose text a slot may carry: those with a text parser, but base64 (its own limit)
_SLOT_KINDS = frozenset(PARSERS) - {K_BYTES}
#: elements of a message worth a template (a parameter list, not a document)
MAX_ELEMENTS = 64
#: constant bytes of one template
MAX_CONSTANT_BYTES = 16 * 1024
#: overloads' fits kept per template
MAX_FITS = 32
#: templates per content type, and content types
PER_CONTENT_TYPE = 16
CONTENT_TYPES = 8

#: what a template's constant bytes say beyond its method and arguments: (method signature, arguments' CLR
#: types, header blocks as recorded, call context plan, where each leaf's text is among the slots (None:
#: the arguments, in order))
_Shape = tuple[list[str | None] | None, tuple[str | None, ...], tuple[HeaderBlock, ...], ContextPlan | None,
               tuple[int, ...] | None]

#: reads a message with the full parser: (body, content type, marshaller) -> call
FullReader = Callable[[bytes, str, ReferenceMarshaller | None], EncodedCall]


def _no_value(element: etree._Element, wt: WireType) -> object:
    raise AssertionError("a recorded header block is never decoded: each call's copy is (_fresh)")


def _fresh(recorded: HeaderBlock, decode: Callable[[etree._Element, WireType], object]) -> HeaderBlock:
    """A call's own copy of a recorded header block (its attributes are constant bytes: read once)."""
    block = HeaderBlock.__new__(HeaderBlock)
    block.element, block.namespace, block.name = recorded.element, recorded.namespace, recorded.name
    block.must_understand, block.actor, block.for_this_node = recorded.must_understand, recorded.actor, \
        recorded.for_this_node
    block.understood = False
    block._decode = decode
    return block


class RequestTemplate:
    """One recorded call shape: its bytes, the declared types its slots were decoded as, and its call (with
    what its constant bytes say: the method signature, the arguments' wire types, the header blocks, where
    the call context's values are)."""

    __slots__ = ("arguments", "blocks", "bytes", "context", "fits", "method_name", "names", "namespace", "order",
                 "parsers", "registry", "signature", "toolkit", "type_names", "types")

    def __init__(self, template: ByteTemplate, call: EncodedCall, types: Sequence[WireType],
                 shape: _Shape) -> None:
        self.bytes = template
        self.types = tuple(types)
        self.parsers = tuple(PARSERS[wt.kind] for wt in types)
        self.method_name = call.method_name
        self.namespace = call.namespace
        self.names = call.argument_names
        self.toolkit = call.toolkit
        self.registry: TypeRegistry = call._reader.registry
        self.signature, self.type_names, self.blocks, self.context, self.order = shape
        #: id(parameter types) -> (parameter types, input types, overload_fit): the overloads asked so far
        self.fits: dict[int, tuple[Sequence[WireType], Sequence[WireType], int]] = {}
        #: the arguments' slots among the template's (in document order, after the Header's)
        self.arguments = len(self.order) - len(types) if self.order is not None else 0

    def same_as(self, other: RequestTemplate) -> bool:
        return self.bytes.first == other.bytes.first and self.bytes.chunks == other.bytes.chunks \
            and self.types == other.types


class TemplateCall:
    """A call read from a template (see the module docstring): the :class:`soap.IncomingCall` the full path
    would give, whose arguments are the slots' text; anything unusual is asked of the full path's call."""

    overloadable = True
    claimed_type: str | None = None
    #: (a template keeps no header block but the runtime's, :meth:`RequestTemplates.record`; see
    #: :attr:`soap.IncomingCall.runtime_headers_only`)
    runtime_headers_only = True

    __slots__ = ("_blocks", "_full_call", "_owner", "_source", "_template", "_texts")

    def __init__(self, template: RequestTemplate, texts: list[str], owner: RequestTemplates,
                 source: tuple[bytes, str, ReferenceMarshaller | None]) -> None:
        self._template = template
        self._texts = texts
        self._owner = owner
        #: what read_call was given: (body, content type, marshaller), for the full path
        self._source = source
        self._full_call: EncodedCall | None = None
        self._blocks: list[HeaderBlock] | None = None

    @property
    def method_name(self) -> str:
        return self._template.method_name

    @property
    def namespace(self) -> str:
        return self._template.namespace

    @property
    def argument_count(self) -> int:
        return len(self._template.types)

    @property
    def argument_names(self) -> list[str]:
        return list(self._template.names)

    @property
    def toolkit(self) -> bool:
        return self._template.toolkit

    def full(self) -> EncodedCall:
        """The call as the full parser reads it (parsed on first use)."""
        if self._full_call is None:
            self._full_call = self._owner.read_full(*self._source)
        return self._full_call

    @property
    def header_blocks(self) -> Sequence[HeaderBlock]:
        """The Header's blocks (the runtime's ``__CallContext`` and ``__MethodSignature`` only: constant
        bytes), new ones per call; a block's value is decoded from the full parser's (parsed when asked)."""
        recorded = self._template.blocks
        if not recorded:
            return ()
        if self._blocks is None:
            self._blocks = [_fresh(block, self._block_value) for block in recorded]
        return self._blocks

    def _block_value(self, element: etree._Element, wt: WireType) -> object:
        position = next(i for i, known in enumerate(self._template.blocks) if known.element is element)
        return self.full().header_blocks[position].value(wt)

    def call_context(self) -> dict[str, object] | None:
        template = self._template
        plan = template.context
        if plan is None:
            return None
        order = template.order
        texts = self._texts if order is None else [self._texts[i] for i in order]
        context = plan.decode(texts, self._owner.limits)
        return context if context is not None else self.full().call_context()

    def decode_arguments(self, types: Sequence[WireType], names: Sequence[str] | None = None) -> list[object]:
        recorded = self._template.types
        if len(types) == len(recorded):
            for declared, known in zip(types, recorded, strict=True):
                if declared is not known and declared != known:
                    break
            else:
                args = self._decode()
                if args is not None:
                    return args
        return self.full().decode_arguments(types, names)

    def _decode(self) -> list[object] | None:
        """The arguments, as :meth:`EncodedReader.value` reads them; None where the full path must say why not."""
        limit = self._owner.limits.max_text_length
        args: list[object] = []
        template = self._template
        order = template.order
        texts = self._texts if order is None else [self._texts[i] for i in order[template.arguments:]]
        try:
            for text, parse in zip(texts, template.parsers, strict=True):
                if len(text) > limit:
                    return None
                args.append(text if parse is str else parse(text))
        except Exception:  # (ValueError, OverflowError ...): the full path raises it with the element's name
            return None
        return args

    def signature(self) -> list[str | None] | None:
        signature = self._template.signature
        return None if signature is None else list(signature)

    def argument_type_names(self) -> list[str | None]:
        return list(self._template.type_names)

    def overload_fit(self, parameters: Sequence[WireType], inputs: Sequence[WireType]) -> int:
        """What the full call answers: its signature and its arguments' wire types are constant bytes, so
        the answer for an overload's parameter lists (a contract's own, never changed) is kept per template."""
        template = self._template
        fits = template.fits
        known = fits.get(id(parameters))
        if known is not None and known[0] is parameters and known[1] is inputs:
            return known[2]
        fit = overload_fit(template.signature, template.type_names, parameters, inputs, template.registry)
        if len(fits) < MAX_FITS:
            fits[id(parameters)] = (parameters, inputs, fit)
        return fit


class RecordingCall(EncodedCall):
    """A call the full parser read, recorded as a template once its arguments are decoded."""

    def __init__(self, reader: EncodedReader, templates: RequestTemplates, body: bytes, content_type: str) -> None:
        super().__init__(reader)
        self._templates = templates
        self._body = body
        self._content_type = content_type
        self._types: Sequence[WireType] | None = None

    def decode_arguments(self, types: Sequence[WireType], names: Sequence[str] | None = None) -> list[object]:
        args = super().decode_arguments(types, names)
        if self._reader.header is None:
            self._templates.record(self, self._body, self._content_type, types, None)
        else:  # recorded once the call context is decoded too (the dispatcher asks for it next)
            self._types = types
        return args

    def call_context(self) -> dict[str, object] | None:
        context = super().call_context()
        types = self._types
        if types is not None:
            self._types = None
            self._templates.record(self, self._body, self._content_type, types, context)
        return context


class RequestTemplates:
    """The request templates of one formatter (see the module docstring)."""

    def __init__(self, limits: Limits, read_full: FullReader) -> None:
        self.limits = limits
        #: the formatter's full parser, for what a template does not take
        self.read_full = read_full
        #: content type -> templates, most recently used first (replaced whole, never changed in place)
        self._by_type: dict[str, tuple[RequestTemplate, ...]] = {}
        self._lock = threading.Lock()

    def read(self, body: bytes, content_type: str, marshaller: ReferenceMarshaller | None) -> TemplateCall | None:
        """The call ``body`` makes if it matches a template, else None (read it with the full parser)."""
        templates = self._by_type.get(content_type)
        if templates is None or len(body) > self.limits.max_bytes:
            return None
        for position, template in enumerate(templates):
            texts = template.bytes.match(body)
            if texts is not None:
                if position:
                    self._promote(content_type, template)
                return TemplateCall(template, texts, self, (body, content_type, marshaller))
        return None

    def _promote(self, content_type: str, template: RequestTemplate) -> None:
        with self._lock:
            others = tuple(t for t in self._by_type.get(content_type, ()) if t is not template)
            self._by_type[content_type] = (template, *others)

    def record(self, call: EncodedCall, body: bytes, content_type: str, types: Sequence[WireType],
               context: dict[str, object] | None) -> None:
        """Keep ``call`` (read from ``body``, its arguments decoded as ``types``, its call context as
        ``context``) as a template, if its shape is one (see the module docstring). Cheap when it is not:
        the first checks need no work."""
        reader = call._reader
        params = call._params
        if len(types) != len(params) or len(reader.body) != 1:
            return
        for param, wt in zip(params, types, strict=True):
            if wt.kind not in _SLOT_KINDS or len(param) or not param.text:
                return
            if not _PLAIN_ATTRIBUTES.issuperset(param.keys()):
                return
        root = reader.body.getparent()
        if root is None:
            return
        elements = list(root.iter())
        if len(elements) > MAX_ELEMENTS:
            return
        try:  # (constant bytes: what the full call says of them, it says of every call of this template)
            signature = call.signature()
            type_names = tuple(call.argument_type_names())
        except SoapDecodeError:
            return
        leaves = list(params)
        blocks: tuple[HeaderBlock, ...] = ()
        plan: ContextPlan | None = None
        if reader.header is not None:
            found = call.header_blocks
            names = {(block.namespace, block.name) for block in found}
            if len(names) != len(found) or not names <= RUNTIME_HEADERS:
                return  # (another block: the server's mustUnderstand check and inspectors look at it)
            blocks = tuple(HeaderBlock(block.element, SOAP_ENV, _no_value) for block in found)
            if context is not None:
                planned = context_plan(reader, found, 0)
                if planned is None:
                    return
                plan, slots = planned
                recorded = plan.decode([str(leaf.text) for leaf in slots], self.limits)
                if recorded != context or list(map(type, recorded.values())) != list(map(type, context.values())):
                    return  # (not read as the full reader read it: not a template)
                leaves = slots + leaves
        located = leaf_spans_in_order(body, elements, leaves)
        if located is None:
            return
        spans, order = located
        for (start, end), i in zip(spans, order, strict=True):
            if slot_text(body[start:end]) != leaves[i].text:
                return  # (a reference, CR ... in the text: not the template of plain values)
        template = ByteTemplate(body, spans)
        if template.size > MAX_CONSTANT_BYTES:
            return
        # texts come in document order; ``positions[i]``: where the i-th leaf's (context first, then arguments)
        positions = [0] * len(leaves)
        for position, i in enumerate(order):
            positions[i] = position
        shape = (signature, type_names, blocks, plan,
                 None if plan is None and positions == list(range(len(leaves))) else tuple(positions))
        self._add(content_type, RequestTemplate(template, call, types, shape))

    def _add(self, content_type: str, template: RequestTemplate) -> None:
        with self._lock:
            known = self._by_type.get(content_type)
            if known is None:
                if len(self._by_type) >= CONTENT_TYPES:
                    del self._by_type[next(iter(self._by_type))]
                known = ()
            others = tuple(t for t in known if not t.same_as(template))
            self._by_type[content_type] = (template, *others[:PER_CONTENT_TYPE - 1])


__all__ = ["RecordingCall", "RequestTemplates", "TemplateCall"]
