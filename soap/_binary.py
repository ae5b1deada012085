"""The binary formatter: .NET Remoting's MS-NRBF messages over HTTP (``application/octet-stream``).

What a Mono/.NET client expects, as captured: responses carry no Content-Type, and a remote exception
comes back as HTTP 200 with the exception in the return message. Off unless the server enables it.

On the client side it is a :class:`soap.ClientFormatter` (``write_request`` / ``read_reply``); the older
positional ``write_call`` and ``read_response`` stay until every caller has moved.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._call_context import LOGICAL_CALL_CONTEXT
from ._client_formatter import OutgoingRequest, check_response_type
from ._errors import SoapDecodeError
from ._headers import HeaderBlock
from ._hresults import COR_E_SYSTEM
from ._model import ExceptionInfo, Fault, IncomingCall, MethodCall, MethodReturn
from ._namespaces import type_name_for_namespace
from ._nrbf_decode import NrbfDecoder
from ._nrbf_records import (
    ArrayRecord,
    ClassRecord,
    MessageFlags,
    MethodCallRecord,
    MethodReturnRecord,
    NrbfMessage,
    PrimitiveValue,
    Ref,
    StringRecord,
    read_message,
)
from ._nrbf_request_templates import BinaryRequestTemplates
from ._nrbf_response_templates import BinaryResponseTemplates
from ._nrbf_writer import MSCORLIB, write_exception_return, write_method_call, write_method_return
from ._objref import ReferenceMarshaller
from ._signature import clr_type_name, overload_fit
from ._types import ANY, DEFAULT_REGISTRY, VOID, TypeRegistry, WireType
from ._xml import DEFAULT_LIMITS, Limits

BINARY_CONTENT_TYPE = "application/octet-stream"


def _call_array(message: NrbfMessage) -> list[object]:
    array = message.objects.get(message.root_id)
    if not isinstance(array, ArrayRecord):
        raise SoapDecodeError("the message refers to a call array it does not contain")
    return array.items


#: What the call array holds, in order, each when its flag is set ([MS-NRBF] 2.2.3.1 / 2.2.3.3); plain ints,
#: since ``int & IntFlag`` runs IntFlag's (Python) __rand__.
_CALL_PARTS = tuple(f.value for f in (MessageFlags.ArgsInArray, MessageFlags.GenericMethod,
                                      MessageFlags.MethodSignatureInArray, MessageFlags.ContextInArray))
_RETURN_PARTS = tuple(f.value for f in (MessageFlags.ReturnValueInArray, MessageFlags.ArgsInArray,
                                        MessageFlags.ExceptionInArray, MessageFlags.ContextInArray))
_CONTEXT_IN_ARRAY = MessageFlags.ContextInArray.value
_ARGS_INLINE = MessageFlags.ArgsInline.value
_ARGS_IS_ARRAY = MessageFlags.ArgsIsArray.value
_ARGS_IN_ARRAY = MessageFlags.ArgsInArray.value
_SIGNATURE_IN_ARRAY = MessageFlags.MethodSignatureInArray.value
_GENERIC_METHOD = MessageFlags.GenericMethod.value


def read_call_context(message: NrbfMessage, decoder: NrbfDecoder, flags: int,
                      parts: tuple[int, ...]) -> dict[str, object] | None:
    """The slots of the ``LogicalCallContext`` in the call array (``ContextInArray``), None without one."""
    if not flags & _CONTEXT_IN_ARRAY:
        return None
    index = 0
    for part in parts[:-1]:  # (a loop, not sum() of a generator: this runs on every call with a context)
        if flags & part:
            index += 1
    items = _call_array(message)
    record = decoder.resolve(items[index]) if index < len(items) else None
    if not isinstance(record, ClassRecord) or record.name != LOGICAL_CALL_CONTEXT:
        raise SoapDecodeError("ContextInArray is set but the call array holds no LogicalCallContext")
    slots: dict[str, object] = {}
    for name, raw in record.members.items():
        if not name.startswith("__"):  # is_user_slot(name), in line
            try:
                slots[name] = decoder.value(raw, ANY, 1)
            except SoapDecodeError as exc:
                raise SoapDecodeError(f"call context slot {name!r}: {exc}") from None
    return slots


#: a System.Type as .NET serializes it (in a method signature)
_TYPE_HOLDER = "System.UnitySerializationHolder"


class BinaryCall:
    """A parsed BinaryMethodCall (see :class:`soap.IncomingCall`)."""

    overloadable = True
    runtime_headers_only = False

    def __init__(self, message: NrbfMessage, decoder: NrbfDecoder) -> None:
        record = message.message
        if not isinstance(record, MethodCallRecord):
            raise SoapDecodeError("expected a BinaryMethodCall record")
        self.method_name = record.method_name
        self.namespace = record.type_name
        #: the type the caller addressed (``"Namespace.Type, Assembly"``): the server checks that its object is one
        self.claimed_type: str | None = record.type_name
        self._decoder = decoder
        self._message = message
        flags = self._flags = int(record.flags)  # an int: IntFlag's own & is Python code
        if flags & _ARGS_INLINE:  # plain ints: int & IntFlag runs IntFlag's __rand__ (Python code)
            self._args = record.args or []
        elif flags & _ARGS_IS_ARRAY:
            self._args = _call_array(message)
        elif flags & _ARGS_IN_ARRAY:
            first = decoder.resolve(_call_array(message)[0]) if _call_array(message) else None
            if not isinstance(first, ArrayRecord):
                raise SoapDecodeError("arguments array missing from the call array")
            self._args = first.items
        else:
            self._args = []
        self.argument_count = len(self._args)

    #: binary messages carry no SOAP headers
    header_blocks: tuple[HeaderBlock, ...] = ()

    def call_context(self) -> dict[str, object] | None:
        return read_call_context(self._message, self._decoder, self._flags, _CALL_PARTS)

    def decode_arguments(self, types: Sequence[WireType], names: Sequence[str] | None = None) -> list[object]:
        if len(types) != len(self._args):
            raise SoapDecodeError(
                f"{self.method_name} takes {len(types)} argument(s), the message carries {len(self._args)}"
            )
        return [self._decoder.value(raw, wt) for raw, wt in zip(self._args, types, strict=True)]

    def signature(self) -> list[str | None] | None:
        """The CLR type names of the ``MethodSignatureInArray`` item, or None when the call carries none."""
        if not self._flags & _SIGNATURE_IN_ARRAY:
            return None
        items = _call_array(self._message)
        index = int(bool(self._flags & _ARGS_IN_ARRAY)) + int(bool(self._flags & _GENERIC_METHOD))
        array = self._decoder.resolve(items[index]) if index < len(items) else None
        if not isinstance(array, ArrayRecord):
            raise SoapDecodeError("method signature missing from the call array")
        names: list[str | None] = []
        for item in array.items:
            holder = self._decoder.resolve(item)
            if not isinstance(holder, ClassRecord) or holder.name != _TYPE_HOLDER:
                raise SoapDecodeError("a method signature item is not a System.Type")
            names.append(self._decoder.text(holder.members.get("Data")))
        return names

    def argument_type_names(self) -> list[str | None]:
        """Per argument, the CLR type its record gives (primitive type code, class name), None for null."""
        names: list[str | None] = []
        for raw in self._args:
            value = self._decoder.resolve(raw)
            if isinstance(value, PrimitiveValue):
                names.append(f"System.{value.type.name}")
            elif isinstance(value, StringRecord | str):
                names.append("System.String")
            elif isinstance(value, ClassRecord):
                names.append(value.name)
            else:
                names.append(None)
        return names

    def overload_fit(self, parameters: Sequence[WireType], inputs: Sequence[WireType]) -> int:
        return overload_fit(self.signature(), self.argument_type_names(), parameters, inputs, self._decoder.registry)


class RecordingCall(BinaryCall):
    """A call the full reader read, kept as a template (soap/_nrbf_request_templates.py) once its arguments
    are decoded, and its call context too when it carries one (so a template is only ever made of a message
    that was decoded in full: its classes registered, its values accepted)."""

    def __init__(self, message: NrbfMessage, decoder: NrbfDecoder, templates: BinaryRequestTemplates,
                 body: bytes) -> None:
        super().__init__(message, decoder)
        self._templates = templates
        self._body = body
        self._decoded = False

    def decode_arguments(self, types: Sequence[WireType], names: Sequence[str] | None = None) -> list[object]:
        args = super().decode_arguments(types, names)
        if self._flags & _CONTEXT_IN_ARRAY:
            self._decoded = True  # (kept once its context is decoded too)
        else:
            self._templates.record(self._message, self._body)
        return args

    def call_context(self) -> dict[str, object] | None:
        context = super().call_context()
        if self._decoded:
            self._decoded = False
            self._templates.record(self._message, self._body)
        return context


def _infrastructure_exception(fault: Fault) -> ExceptionInfo:
    return ExceptionInfo("System.Runtime.Remoting.RemotingException", "mscorlib", fault.message, None, None,
                         COR_E_SYSTEM)


class BinaryFormatter:
    """Bytes <-> messages in MS-NRBF, for the server (read calls, write returns) and the client.

    ``templates``: read a simple call of a shape read before, and write a primitive answer of a shape written
    before, from templates of the earlier bytes (soap/_nrbf_request_templates.py,
    soap/_nrbf_response_templates.py): the same calls and bytes as the full reader and writer give, without
    the record reader. False: always the full reader and writer.
    """

    name = "binary"
    content_type = BINARY_CONTENT_TYPE

    def __init__(
        self, registry: TypeRegistry = DEFAULT_REGISTRY, limits: Limits = DEFAULT_LIMITS, templates: bool = True
    ) -> None:
        self.registry = registry
        self.limits = limits
        self._requests = BinaryRequestTemplates(limits) if templates else None
        self._responses = BinaryResponseTemplates(registry) if templates else None

    def accepts(self, media_type: str) -> bool:
        return media_type == BINARY_CONTENT_TYPE

    def read_call(
        self, body: bytes, content_type: str = "", marshaller: ReferenceMarshaller | None = None
    ) -> IncomingCall:
        templates = self._requests
        if templates is not None:
            known = templates.read(body)
            if known is not None:
                return BinaryCall(known, NrbfDecoder(known, self.registry, self.limits, marshaller))
        message = read_message(body, self.limits)
        decoder = NrbfDecoder(message, self.registry, self.limits, marshaller)
        if templates is None:
            return BinaryCall(message, decoder)
        return RecordingCall(message, decoder, templates, body)

    def write_return(
        self, call: IncomingCall, ret: MethodReturn, marshaller: ReferenceMarshaller | None = None
    ) -> tuple[bytes, str]:
        count = call.argument_count if ret.parameter_count is None else ret.parameter_count
        answers = self._responses
        if answers is not None:
            written = answers.write(ret, count)
            if written is not None:
                return written, ""
        outs = list(zip(ret.out_positions, ret.out_args, strict=True))
        written = write_method_return(ret.value, ret.value_type, count, self.registry, marshaller, outs,
                                      ret.call_context)
        if answers is not None:
            answers.record(ret, count, written)
        return written, ""

    def write_one_way(self, call: IncomingCall) -> tuple[int, bytes, str]:
        """The answer to a one-way call whatever the method does: the void reply Mono sends."""
        return 200, write_method_return(None, VOID, call.argument_count, self.registry), ""

    def fault_status(self, fault: Fault, call: IncomingCall | None = None, content_type: str = "") -> int:
        """.NET answers every remote exception with 200 and the exception inside the return message."""
        return 200

    def write_fault(self, fault: Fault, call: IncomingCall | None = None, content_type: str = "") -> tuple[bytes, str]:
        info = fault.exception or _infrastructure_exception(fault)
        return write_exception_return(info, self.registry, fault.call_context), ""

    # -------------------------------------------------------------- client side

    def write_call(
        self, method_name: str, type_name: str, args: list[object], types: list[WireType],
        marshaller: ReferenceMarshaller | None = None, call_context: dict[str, object] | None = None,
    ) -> bytes:
        return write_method_call(method_name, type_name, args, types, self.registry, marshaller,
                                 call_context=call_context)

    def write_request(self, call: MethodCall, marshaller: ReferenceMarshaller | None = None) -> OutgoingRequest:
        """The call, naming its type as ``call.namespace`` resolves; binary calls carry no SOAPAction.

        Every argument slot travels: an out parameter's as null. An overloaded method's call carries its
        signature (``MethodSignatureInArray``)."""
        args, types = call.args, call.arg_types
        if call.out_positions:
            args, types = list(args), list(types)
            for position in call.out_positions:
                args.insert(position, None)
                types.insert(position, ANY)
        signature = None
        if call.signature is not None:
            signature = [self._signature_item(t, i in call.signature_by_ref) for i, t in enumerate(call.signature)]
        body = write_method_call(call.method_name, type_name_for_namespace(call.namespace), args, types,
                                 self.registry, marshaller, signature, call.call_context)
        return OutgoingRequest(body, {"content-type": BINARY_CONTENT_TYPE})

    def _signature_item(self, wt: WireType, by_ref: bool) -> tuple[str, str]:
        """(CLR name, assembly) of one parameter's type: ``System.Int32&`` for an out or ref parameter, an
        array in its element type's assembly."""
        name = clr_type_name(wt, self.registry, by_ref)
        while wt.kind.value == "list" and wt.item is not None:
            wt = wt.item
        if wt.py_type is not None and wt.kind.value in ("object", "enum", "objref"):
            return name, self.registry.name_of(wt.py_type).assembly
        return name, MSCORLIB

    def accepts_response(self, media_type: str) -> bool:
        """Anything but text: .NET answers binary calls with no Content-Type at all, so only a page of text
        (a SOAP-only server's fault, an error page) shows that the server did not speak binary."""
        return media_type not in ("text/xml", "text/plain", "text/html", "application/soap+xml")

    def read_reply(self, body: bytes, content_type: str, method_name: str, return_type: WireType,
                   marshaller: ReferenceMarshaller | None = None,
                   outputs: Sequence[tuple[int, str, WireType]] = ()) -> MethodReturn | Fault:
        check_response_type(self, content_type)
        return self.read_response(body, method_name, return_type, marshaller, outputs)

    def read_response(
        self, body: bytes, method_name: str, return_type: WireType, marshaller: ReferenceMarshaller | None = None,
        outputs: Sequence[tuple[int, str, WireType]] = (),
    ) -> MethodReturn | Fault:
        message = read_message(body, self.limits)
        record = message.message
        if not isinstance(record, MethodReturnRecord):
            raise SoapDecodeError("expected a BinaryMethodReturn record")
        decoder = NrbfDecoder(message, self.registry, self.limits, marshaller)
        flags = int(record.flags)
        if flags & MessageFlags.ExceptionInArray:
            items = _call_array(message)
            raw = decoder.resolve(items[0]) if items else None
            if not isinstance(raw, ClassRecord):
                raise SoapDecodeError("exception missing from the return message")
            info = decoder.exception(raw, 0)
            fault = Fault("Server", info.message or "", info)
            fault.call_context = read_call_context(message, decoder, flags, _RETURN_PARTS)
            return fault
        if flags & MessageFlags.ReturnValueInline:
            value = decoder.value(record.return_value, return_type if return_type.kind.value != "void" else ANY)
        elif flags & MessageFlags.ReturnValueInArray:
            items = _call_array(message)
            index = 1 if flags & MessageFlags.ArgsInArray else 0  # .NET writes the arguments first
            value = decoder.value(items[index], return_type) if index < len(items) else None
        else:
            value = None
        result = MethodReturn(method_name, "", value, return_type)
        result.call_context = read_call_context(message, decoder, int(flags), _RETURN_PARTS)
        if outputs:
            slots = self._return_args(message, record)
            for position, name, wt in outputs:
                if position >= len(slots):
                    raise SoapDecodeError(f"the return message has no argument {position} ({name})")
                result.out_args.append((name, decoder.value(slots[position], wt), wt))
        return result

    @staticmethod
    def _return_args(message: NrbfMessage, record: MethodReturnRecord) -> list[object]:
        """Every argument slot of a return message: inline, the call array itself, or its first item (.NET
        writes the arguments before the return value)."""
        flags = record.flags
        if flags & MessageFlags.ArgsInline:
            return record.args or []
        if flags & MessageFlags.ArgsIsArray:
            return _call_array(message)
        if flags & MessageFlags.ArgsInArray:
            items = _call_array(message)
            item = items[0] if items else None
            array = message.objects.get(item.id) if isinstance(item, Ref) else None
            if not isinstance(array, ArrayRecord):
                raise SoapDecodeError("output arguments missing from the return message")
            return array.items
        return []
