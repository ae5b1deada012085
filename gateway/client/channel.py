"""The transport-independent half of the client channel: build a call's request, read its response.

Both :class:`gateway.RemotingClient` and :class:`gateway.AsyncRemotingClient` go through this one code
path; only the line that moves bytes differs between them. The wire format is a :class:`soap.ClientFormatter`
chosen once per proxy (its :class:`Route`): the client's formatter (Remoting SOAP or binary), or
document/literal in the SOAP version of the proxy's :class:`~gateway.client.binding.LiteralBinding`. No XML is
parsed here: formatters read and write the bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from soap import (
    DEFAULT_LIMITS,
    DEFAULT_REGISTRY,
    BinaryFormatter,
    ClientFormatter,
    Direction,
    Fault,
    Kind,
    Limits,
    LiteralFormatter,
    MethodCall,
    MethodReturn,
    OutgoingHeader,
    ReferenceMarshaller,
    RemotingSoapFormatter,
    SoapDecodeError,
    SoapEncodeError,
    TypeRegistry,
    UsernameCredentials,
    WireType,
    wire_type,
)
from wsdl import Operation

from ..model import call_context
from ..model.errors import CallArgumentError, RemotingError
from .binding import LiteralBinding
from .faults import exception_from_fault
from .sinks import ClientCall, ClientResponse, ClientSink

USER_AGENT = "python-remoting-gateway/0.1"


@dataclass(frozen=True)
class Route:
    """How a proxy's calls travel: the formatter, and for document/literal the binding's wire names."""

    formatter: ClientFormatter
    binding: LiteralBinding | None = None


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


class ChannelCore:
    """Encodes calls and decodes responses for one client; holds its formatters, registry and sinks."""

    def __init__(
        self,
        registry: TypeRegistry = DEFAULT_REGISTRY,
        limits: Limits = DEFAULT_LIMITS,
        sinks: Sequence[ClientSink] = (),
        marshaller: ReferenceMarshaller | None = None,
        formatter: str = "soap",
        credentials: UsernameCredentials | None = None,
    ) -> None:
        if formatter not in ("soap", "binary"):
            raise ValueError(f"unknown formatter {formatter!r}: use 'soap' or 'binary'")
        self.registry = registry
        self.limits = limits
        chosen: ClientFormatter = (
            BinaryFormatter(registry, limits) if formatter == "binary" else RemotingSoapFormatter(registry, limits)
        )
        self.default_route = Route(chosen)
        self._literal: dict[str, Route] = {}
        self.sinks = list(sinks)
        self.marshaller = marshaller
        #: the WS-Security UsernameToken sent with every document/literal call (None: none)
        self.credentials = credentials

    def route(self, binding: LiteralBinding | None = None) -> Route:
        """The route of a new proxy: the client's formatter, or document/literal for a ``binding``."""
        if binding is None:
            return self.default_route
        if binding.faults:  # the stub's own fault classes: a formatter of its own (cheap: no state but these)
            literal = LiteralFormatter(binding.version, self.registry, self.limits, self.credentials, binding.faults)
            return Route(literal, binding)
        formatter = self._literal.get(binding.soap_version)
        if formatter is None:
            literal = LiteralFormatter(binding.version, self.registry, self.limits, self.credentials)
            formatter = self._literal[binding.soap_version] = Route(literal)
        return Route(formatter.formatter, binding)

    def prepare(self, url: str, namespace: str, op: Operation, args: tuple[object, ...], route: Route) -> ClientCall:
        """The request for one call; raises :class:`CallArgumentError` (nothing sent) for bad arguments.

        A method with out parameters takes its in and ref arguments only (or every argument, the out ones
        ignored); an overloaded method's call carries its signature.
        """
        if op.outputs or op.overloaded:
            return self._prepare_method_model(url, namespace, op, args, route)
        if len(args) != len(op.parameters):
            raise CallArgumentError(f"{op.name}() takes {len(op.parameters)} argument(s), {len(args)} given")
        names = [p.name for p in op.parameters]
        message = self._message(namespace, op, list(args), names, op.parameter_types, route)
        return self._send(url, op, args, message, route)

    def _prepare_method_model(
        self, url: str, namespace: str, op: Operation, args: tuple[object, ...], route: Route
    ) -> ClientCall:
        out_positions = tuple(i for i, p in enumerate(op.parameters) if p.direction is Direction.OUT)
        if out_positions and len(args) == len(op.parameters):
            args = tuple(a for i, a in enumerate(args) if i not in out_positions)
        if len(args) != len(op.input_types):
            which = " (its in and ref parameters)" if out_positions else ""
            raise CallArgumentError(f"{op.key}() takes {len(op.input_types)} argument(s){which}, {len(args)} given")
        message = self._message(namespace, op, list(args), op.input_names, op.input_types, route)
        message.out_positions = out_positions
        if op.overloaded and route.binding is None:
            message.signature = op.parameter_types
            message.signature_by_ref = tuple(i for i, p in enumerate(op.parameters) if p.direction is not Direction.IN)
        return self._send(url, op, args, message, route)

    @staticmethod
    def _message(namespace: str, op: Operation, args: list[object], names: list[str], types: list[WireType],
                 route: Route) -> MethodCall:
        binding = route.binding
        if binding is None:
            return MethodCall(op.name, namespace, args, names, types, call_context=call_context.outgoing())
        wire_names = list(binding.parameter_names.get(op.key, names))
        message = MethodCall(binding.element(op.key), binding.namespace, args, wire_names, types,
                             action=binding.action(op.key))
        if op.in_headers:
            message.headers = _outgoing_headers(op, binding.namespace)
        return message

    def _send(self, url: str, op: Operation, args: tuple[object, ...], message: MethodCall, route: Route) -> ClientCall:
        try:
            request = route.formatter.write_request(message, self.marshaller)
        except SoapEncodeError as exc:
            raise CallArgumentError(f"{op.name}: the arguments cannot be sent: {exc}") from None
        headers = dict(request.headers)
        headers["user-agent"] = USER_AGENT
        call = ClientCall(url, op, args, headers, request.body, formatter=route.formatter)
        for sink in self.sinks:
            sink.process_request(call)
        return call

    def finish(self, call: ClientCall, response: ClientResponse) -> object:
        """The call's result from its response; raises the remote exception or a :class:`RemotingError`."""
        for sink in reversed(self.sinks):
            sink.process_response(call, response)
        formatter = call.formatter or self.default_route.formatter
        content_type = response.headers.get("content-type", "")
        media = _media_type(content_type)
        if response.status == 202 and not response.body and call.operation.returns.kind is Kind.VOID:
            return None  # a one-way operation the contract did not declare so (WS-I BP: 202, no envelope)
        if not response.body or not formatter.accepts_response(media):
            hint = ": is the binary formatter enabled on the server?" if formatter.name == "binary" else ""
            raise RemotingError(
                f"{call.url} answered HTTP {response.status} ({media or 'no content type'}) instead of a "
                f"{formatter.name} message{hint}",
                fault_code="Server", http_status=response.status,
            )
        op = call.operation
        outputs = [(i, p.name, p.wire) for i, p in op.outputs] if op.outputs else ()
        name = op.name if call.formatter is None or call.formatter.name != "literal" else op.key
        try:
            result = formatter.read_reply(response.body, content_type, name, op.returns, self.marshaller, outputs)
        except SoapDecodeError as exc:
            raise RemotingError(f"unreadable response from {call.url}: {exc}", http_status=response.status) from None
        if isinstance(result, Fault):
            call_context.reply_received(result.call_context, {})  # a binary fault brings the method's context
            raise exception_from_fault(result, response.status)
        if response.status != 200:
            raise RemotingError(f"{call.url} answered HTTP {response.status}", http_status=response.status)
        if result.call_context is not None or result.header_blocks:
            _reply_context(call.operation, result)
        if outputs:  # the same shape as the method's: (return value, *out/ref values in parameter order)
            return (result.value, *(v for _, v, _ in result.out_args))
        return result.value


def _outgoing_headers(op: Operation, namespace: str) -> list[OutgoingHeader]:
    """The document/literal headers the operation declares as input, from the caller's call context."""
    state = call_context.current()
    return [OutgoingHeader(namespace, cls.__name__, state.headers[cls], wire_type(cls))
            for cls in op.in_headers if cls in state.headers]


def _reply_context(op: Operation, result: MethodReturn) -> None:
    """The reply's call context and the output headers the operation declares go to the caller's context."""
    headers: dict[type, object] = {}
    for cls in op.out_headers:
        block = next((b for b in result.header_blocks if b.name == cls.__name__), None)
        if block is not None:
            try:
                headers[cls] = block.value(wire_type(cls))
            except SoapDecodeError as exc:
                raise RemotingError(f"unreadable {cls.__name__} header in the reply to {op.name}: {exc}") from None
            block.mark_understood()
    call_context.reply_received(result.call_context, headers)
