"""The formatter sink, where a call's bytes become a dispatched call: pick the formatter, decode the call,
run the call inspectors (SOAP's mustUnderstand rule, WS-Security: :mod:`.inspectors`), dispatch it, encode
the answer (.NET's SoapServerFormatterSink / BinaryServerFormatterSink).

Every failure becomes a fault in the dialect of the request, so the caller can read it, with the HTTP status
that dialect gives that fault (the formatter's ``fault_status``). What the sink
learns is left in ``request.properties`` for the sinks around it (metrics, the access log): ``formatter``,
``method_name`` (as sent), ``target`` and ``operation`` (once resolved), ``outcome`` (``ok`` or ``fault``),
``fault`` (its kind, see :func:`~gateway.server.faults.fault_kind`) and ``error_id``.
An undeclared failure is logged at ERROR on ``gateway.server`` with its traceback and error id.

The order of the steps: decode, find the target (unknown URIs and methods are refused first), SOAP's
mustUnderstand rule (before anything acts on the message), the call inspectors (WS-Security proves who
is calling), then the dispatcher authorizes, decodes the arguments and runs the method.
A one-way call is answered once it is decoded and authorized (the formatter's one-way reply, the same
whatever the method does; its ``outcome`` is ``ok``) and runs afterwards; only a request that cannot be
decoded, authorized or dispatched gets a fault.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping, Sequence

from soap import (
    Fault,
    IncomingCall,
    MessageTooLarge,
    MethodReturn,
    ReferenceMarshaller,
    SoapEncodeError,
    TypeRegistry,
    xml_safe,
)
from wsdl import Operation

from ..model.call_context import reply_context_of
from ..model.errors import ClientRequestError, RemotingException
from ..model.logs import printable
from .dispatcher import Dispatcher, PreparedCall
from .faults import CustomErrorsMode, fault_for, fault_kind, is_declared, is_local_caller, new_error_id
from .formatters import ServerFormatter, media_type, select_formatter
from .identity import Identity
from .inspectors import CallInspector, check_must_understand, inspected
from .sinks import ServerRequest, ServerResponse
from .soap_action import check_soap_action, requested_action

log = logging.getLogger("gateway.server")


class FormatterSink:
    """Decode -> dispatch -> encode, with every failure turned into a fault the caller can read."""

    def __init__(
        self,
        formatters: Mapping[str, ServerFormatter],
        dispatcher: Dispatcher,
        registry: TypeRegistry,
        custom_errors: CustomErrorsMode,
        marshaller_for: Callable[[ServerRequest, str], ReferenceMarshaller] | None = None,
        inspectors: Sequence[CallInspector] = (),
    ) -> None:
        self.marshaller_for = marshaller_for
        #: the call inspectors, in order (the host's list: inspectors added later are seen)
        self.inspectors = inspectors
        self.formatters = dict(formatters)
        self.dispatcher = dispatcher
        self.registry = registry
        self.custom_errors = custom_errors
        self._soap = self.formatters.get("soap")
        #: the formatter per Content-Type value seen (bounded: callers choose these strings)
        self._by_type: dict[str | None, ServerFormatter | None] = {}

    def refuse(self, request: ServerRequest, error: BaseException, status: int) -> ServerResponse:
        """Answer ``request`` with a fault for ``error`` without reading its body, in the request's dialect
        when an enabled formatter reads its content type (a binary client cannot read a SOAP fault)."""
        formatter = self._formatter(request.headers.get("content-type"))
        fallback = formatter or self._soap or next(iter(self.formatters.values()))
        return self._fault_response(fallback, error, request, status=status)

    def _formatter(self, content_type: str | None) -> ServerFormatter | None:
        """The enabled formatter reading ``content_type``, None when none does (remembered per value)."""
        try:
            return self._by_type[content_type]
        except KeyError:
            formatter = self._by_type[content_type] = select_formatter(self.formatters, content_type)
            if len(self._by_type) > 64:
                self._by_type.clear()
            return formatter

    async def __call__(self, request: ServerRequest) -> ServerResponse:
        headers = request.headers
        content_type = headers.get("content-type")
        formatter = self._by_type.get(content_type) or self._formatter(content_type)
        if formatter is None:
            media = media_type(content_type) or "(none)"
            enabled = ", ".join(sorted(self.formatters))
            error = ClientRequestError(
                f"content type {media} is not accepted here: no enabled formatter reads it (enabled: {enabled})"
            )
            return self.refuse(request, error, status=415)
        properties = request.properties
        properties["formatter"] = formatter.name
        marshaller = self.marshaller_for(request, formatter.name) if self.marshaller_for is not None else None
        incoming: IncomingCall | None = None
        try:
            incoming = formatter.read_call(request.body, content_type or "", marshaller)
            properties["method_name"] = incoming.method_name
            entry, op = self.dispatcher.resolve(request.uri, incoming)
            properties["target"] = entry
            properties["operation"] = op.name
            if formatter.name == "soap":  # the action must name the call the Body makes (.soap_action)
                check_soap_action(requested_action(headers), incoming, entry.contract, op)
            # (a call whose blocks are all the runtime's, as a template's, has nothing the rule could find)
            if incoming.header_blocks and not incoming.runtime_headers_only:
                check_must_understand(incoming, self.dispatcher.declared_headers(op, entry), self.inspectors)
            if self.inspectors:
                async with inspected(incoming, request, self.inspectors):
                    response = await self._call(formatter, incoming, entry, op, properties)
                if isinstance(response, ServerResponse):
                    return response
                ret = response
            else:  # (the same steps as _call, without a coroutine more on every call)
                prepared = self.dispatcher.prepare(entry, op, incoming)
                if op.one_way:
                    return self._one_way(formatter, incoming, prepared, properties)
                ret = await self.dispatcher.run(prepared)
        except MessageTooLarge as exc:
            return self._fault_response(formatter, ClientRequestError(str(exc)), request, status=413)
        except Exception as exc:  # every failure of a call becomes a fault; the server keeps serving
            return self._fault_response(formatter, exc, request, call=incoming)
        try:
            body, response_type = formatter.write_return(incoming, ret, marshaller)
        except SoapEncodeError as exc:
            failure = RemotingException(f"the result of {ret.method_name} cannot be sent: {exc}")
            return self._fault_response(formatter, failure, request, call=incoming)
        properties["outcome"] = "ok"
        return ServerResponse(200, body, response_type)

    async def _call(
        self, formatter: ServerFormatter, incoming: IncomingCall, entry: Identity, op: Operation,
        properties: dict[str, object],
    ) -> MethodReturn | ServerResponse:
        """Authorize, decode and run the call (with the principal the inspectors proved): its return, or for a
        one-way call the formatter's immediate answer while the method runs on."""
        prepared = self.dispatcher.prepare(entry, op, incoming)
        if op.one_way:
            return self._one_way(formatter, incoming, prepared, properties)
        return await self.dispatcher.run(prepared)

    def _one_way(
        self, formatter: ServerFormatter, incoming: IncomingCall, prepared: PreparedCall, properties: dict[str, object]
    ) -> ServerResponse:
        """Start a one-way call and answer it at once, whatever the method will do."""
        self.dispatcher.start_one_way(prepared)
        status, body, response_type = formatter.write_one_way(incoming)
        properties["outcome"] = "ok"
        return ServerResponse(status, body, response_type)

    def _fault_response(
        self,
        formatter: ServerFormatter,
        exc: BaseException,
        request: ServerRequest,
        status: int | None = None,
        call: IncomingCall | None = None,
    ) -> ServerResponse:
        properties = request.properties
        properties["formatter"] = formatter.name
        properties["outcome"] = "fault"
        properties["fault"] = fault_kind(exc, self.registry)
        error_id: str | None = None
        if not is_declared(exc, self.registry):
            error_id = properties["error_id"] = new_error_id()
            _log_failure(request, formatter.name, call, error_id, exc)
        local = is_local_caller(request.client_host, request.headers)
        fault = fault_for(exc, self.registry, self.custom_errors, local, error_id)
        fault.call_context = reply_context_of(exc)
        if call is not None and fault.exception is not None and fault.exception.value is exc:
            entry = self.dispatcher.table.lookup(request.uri)
            op = entry.contract.operation(call.method_name) if entry is not None else None
            fault.declared = op is not None and isinstance(exc, op.faults)
        content_type = request.headers.get("content-type", "")
        try:
            body, response_type = formatter.write_fault(fault, call, content_type)
        except SoapEncodeError:
            # (XML 1.0 cannot carry a control character: a message quoting a caller's URI or method name
            # says what was wrong with it escaped; what still fails, a custom field, gets a generic fault)
            fault = _xml_safe(fault)
            try:
                body, response_type = formatter.write_fault(fault, call, content_type)
            except SoapEncodeError as encode_error:
                log.warning("could not encode the fault for %s: %s", type(exc).__name__, encode_error)
                fallback = RemotingException(f"{type(exc).__name__} (its details cannot be encoded)")
                fault = fault_for(fallback, self.registry, self.custom_errors, local)
                body, response_type = formatter.write_fault(fault, call, content_type)
        if status is None:
            status = formatter.fault_status(fault, call, content_type)
        return ServerResponse(status, body, response_type)


def _xml_safe(fault: Fault) -> Fault:
    """``fault`` with its message, its exception's message, stack and source made XML-safe (:func:`xml_safe`)."""
    info = fault.exception
    if info is not None:
        info = dataclasses.replace(info, message=None if info.message is None else xml_safe(info.message),
                                   stack_trace=None if info.stack_trace is None else xml_safe(info.stack_trace),
                                   source=None if info.source is None else xml_safe(info.source))  # fmt: skip
    return dataclasses.replace(fault, message=xml_safe(fault.message), exception=info)


def _log_failure(
    request: ServerRequest, formatter: str, call: IncomingCall | None, error_id: str, exc: BaseException
) -> None:
    """The server's side of a hidden failure: the traceback, and the error id the caller was given."""
    uri = printable(request.uri)
    method = printable(call.method_name) if call is not None else "-"
    caller = request.client_host or "-"
    log.error(
        "call to /%s %s from %s failed [error id %s]", uri, method, caller, error_id, exc_info=exc,
        extra={"uri": uri, "method": method, "formatter": formatter, "caller": caller, "error_id": error_id},
    )
