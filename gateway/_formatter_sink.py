"""The terminal server sink: picks the formatter, decodes the call, dispatches, encodes the answer.

The formatter is chosen by the request's content type among those the *server* enabled; a content type
that no enabled formatter handles is refused before any decoder sees the body.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Protocol

from soap import (
    Fault,
    IncomingCall,
    MessageTooLarge,
    MethodReturn,
    ReferenceMarshaller,
    SoapEncodeError,
    TypeRegistry,
)

from ._dispatcher import Dispatcher
from ._errors import ClientRequestError, CustomErrorsMode, RemotingException
from ._faults import fault_for
from ._sinks import ServerRequest, ServerResponse

log = logging.getLogger("gateway.server")


class ServerFormatter(Protocol):
    """What the server needs of a formatter; the response is written in the dialect of the request."""

    name: str
    fault_status: int

    def accepts(self, media_type: str) -> bool: ...

    def read_call(
        self, body: bytes, content_type: str = "", marshaller: ReferenceMarshaller | None = None
    ) -> IncomingCall: ...

    def write_return(
        self, call: IncomingCall, ret: MethodReturn, marshaller: ReferenceMarshaller | None = None
    ) -> tuple[bytes, str]: ...

    def write_fault(
        self, fault: Fault, call: IncomingCall | None = None, content_type: str = ""
    ) -> tuple[bytes, str]: ...


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


class FormatterSink:
    """Decode -> dispatch -> encode, with every failure turned into a fault the caller can read."""

    def __init__(
        self,
        formatters: Mapping[str, ServerFormatter],
        dispatcher: Dispatcher,
        registry: TypeRegistry,
        custom_errors: CustomErrorsMode,
        marshaller_for: Callable[[ServerRequest], ReferenceMarshaller] | None = None,
    ) -> None:
        self.marshaller_for = marshaller_for
        self.formatters = dict(formatters)
        self.dispatcher = dispatcher
        self.registry = registry
        self.custom_errors = custom_errors
        self._soap = self.formatters.get("soap")

    def select(self, request: ServerRequest) -> ServerFormatter | None:
        media = media_type(request.headers.get("content-type"))
        for formatter in self.formatters.values():
            if formatter.accepts(media):
                return formatter
        return None

    async def __call__(self, request: ServerRequest) -> ServerResponse:
        formatter = self.select(request)
        if formatter is None:
            fallback = self._soap or next(iter(self.formatters.values()))
            media = media_type(request.headers.get("content-type")) or "(none)"
            enabled = ", ".join(sorted(self.formatters))
            error = ClientRequestError(
                f"content type {media} is not accepted here: no enabled formatter reads it (enabled: {enabled})"
            )
            return self._fault_response(fallback, error, request, status=415)
        marshaller = self.marshaller_for(request) if self.marshaller_for is not None else None
        content_type = request.headers.get("content-type", "")
        incoming: IncomingCall | None = None
        try:
            incoming = formatter.read_call(request.body, content_type, marshaller)
            request.properties["method_name"] = incoming.method_name
            ret = await self.dispatcher.dispatch(request.uri, incoming, marshaller)
        except MessageTooLarge as exc:
            return self._fault_response(formatter, ClientRequestError(str(exc)), request, status=413)
        except Exception as exc:  # every failure of a call becomes a fault; the server keeps serving
            return self._fault_response(formatter, exc, request, call=incoming)
        try:
            body, response_type = formatter.write_return(incoming, ret, marshaller)
        except SoapEncodeError as exc:
            failure = RemotingException(f"the result of {ret.method_name} cannot be sent: {exc}")
            return self._fault_response(formatter, failure, request, call=incoming)
        return ServerResponse(200, body, response_type)

    def _fault_response(
        self,
        formatter: ServerFormatter,
        exc: BaseException,
        request: ServerRequest,
        status: int | None = None,
        call: IncomingCall | None = None,
    ) -> ServerResponse:
        if not isinstance(exc, RemotingException):
            log.info("call to /%s raised %s", request.uri, type(exc).__name__, exc_info=exc)
        fault = fault_for(exc, self.registry, self.custom_errors, request.client_host)
        if call is not None and fault.exception is not None and fault.exception.value is exc:
            entry = self.dispatcher.table.lookup(request.uri)
            op = entry.contract.operation(call.method_name) if entry is not None else None
            fault.declared = op is not None and isinstance(exc, op.faults)
        content_type = request.headers.get("content-type", "")
        try:
            body, response_type = formatter.write_fault(fault, call, content_type)
        except SoapEncodeError as encode_error:
            log.warning("could not encode the fault for %r: %s", exc, encode_error)
            fault = fault_for(RemotingException(f"{type(exc).__name__} (its details cannot be encoded)"),
                              self.registry, self.custom_errors, request.client_host)
            body, response_type = formatter.write_fault(fault, call, content_type)
        return ServerResponse(formatter.fault_status if status is None else status, body, response_type)
