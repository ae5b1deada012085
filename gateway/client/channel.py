"""The transport-independent half of the client channel: build a call's request, read its response.

Both :class:`gateway.RemotingClient` and :class:`gateway.AsyncRemotingClient` go through this one code
path; only the line that moves bytes over HTTP differs between them.
"""

from __future__ import annotations

from collections.abc import Sequence

from soap import (
    CLR_NS,
    DEFAULT_LIMITS,
    DEFAULT_REGISTRY,
    BinaryFormatter,
    Fault,
    Limits,
    MethodCall,
    ReferenceMarshaller,
    RemotingSoapFormatter,
    SoapDecodeError,
    TypeRegistry,
    parse_xml,
    read_literal_response,
    write_literal_call,
)
from wsdl import Operation

from ..model.errors import RemotingError
from .binding import LiteralBinding
from .faults import exception_from_fault
from .sinks import ClientCall, ClientResponse, ClientSink

USER_AGENT = "python-remoting-gateway/0.1"


def type_name_for(namespace: str) -> str:
    """The type name a binary call carries, from a CLR method namespace (``Namespace.Type, Assembly``)."""
    nsassem = CLR_NS.replace("/ns/", "/nsassem/")
    if namespace.startswith(nsassem):
        type_name, _, assembly = namespace[len(nsassem):].partition("/")
        return f"{type_name}, {assembly}"
    if namespace.startswith(CLR_NS):
        return f"{namespace[len(CLR_NS):]}, mscorlib"
    return namespace


class ChannelCore:
    """Encodes calls and decodes responses for one client; holds its formatter, registry and sinks."""

    def __init__(
        self,
        registry: TypeRegistry = DEFAULT_REGISTRY,
        limits: Limits = DEFAULT_LIMITS,
        sinks: Sequence[ClientSink] = (),
        marshaller: ReferenceMarshaller | None = None,
        formatter: str = "soap",
    ) -> None:
        if formatter not in ("soap", "binary"):
            raise ValueError(f"unknown formatter {formatter!r}: use 'soap' or 'binary'")
        self.formatter = RemotingSoapFormatter(registry, limits)
        self.binary = BinaryFormatter(registry, limits) if formatter == "binary" else None
        self.sinks = list(sinks)
        self.marshaller = marshaller

    def prepare(
        self, url: str, namespace: str, op: Operation, args: tuple[object, ...],
        binding: LiteralBinding | None = None,
    ) -> ClientCall:
        if len(args) != len(op.parameters):
            raise TypeError(f"{op.name}() takes {len(op.parameters)} argument(s), {len(args)} given")
        names = [p.name for p in op.parameters]
        if binding is None and self.binary is not None:
            body = self.binary.write_call(op.name, type_name_for(namespace), list(args), op.parameter_types,
                                          self.marshaller)
            headers = {"content-type": self.binary.content_type}
        elif binding is None:
            message = MethodCall(op.name, namespace, list(args), names, op.parameter_types)
            body = self.formatter.write_call(message, self.marshaller)
            headers = {
                "content-type": self.formatter.content_type,
                "soapaction": f'"{namespace}#{op.name}"',
            }
        else:
            wire_names = list(binding.parameter_names.get(op.name, names))
            message = MethodCall(binding.element(op.name), binding.namespace, list(args), wire_names,
                                 op.parameter_types)
            version = binding.version
            body = write_literal_call(message, version, self.formatter.registry)
            action = binding.action(op.name)
            if version.name == "1.2":
                headers = {"content-type": version.content_type + (f'; action="{action}"' if action else "")}
            else:
                headers = {"content-type": version.content_type, "soapaction": f'"{action}"'}
        headers["user-agent"] = USER_AGENT
        call = ClientCall(url, op, args, headers, body)
        if binding is not None:
            call.properties["binding"] = binding
        for sink in self.sinks:
            sink.process_request(call)
        return call

    def finish(self, call: ClientCall, response: ClientResponse) -> object:
        for sink in reversed(self.sinks):
            sink.process_response(call, response)
        if self.binary is not None and call.properties.get("binding") is None:
            return self._finish_binary(call, response)
        media = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media not in ("text/xml", "application/soap+xml") or not response.body:
            raise RemotingError(
                f"{call.url} answered HTTP {response.status} with content type {media or '(none)'} "
                "instead of a SOAP message",
                fault_code="Server", http_status=response.status,
            )
        binding = call.properties.get("binding")
        try:
            if isinstance(binding, LiteralBinding):
                root = parse_xml(response.body, self.formatter.limits)
                body = next((c for c in root if isinstance(c.tag, str) and c.tag.endswith("}Body")), None)
                if body is None:
                    raise SoapDecodeError("SOAP envelope has no Body")
                result = read_literal_response(body, binding.version, call.operation.name, call.operation.returns,
                                               self.formatter.registry, self.formatter.limits)
            else:
                result = self.formatter.read_response(
                    response.body, call.operation.name, call.operation.returns, marshaller=self.marshaller
                )
        except SoapDecodeError as exc:
            raise RemotingError(f"unreadable response from {call.url}: {exc}", http_status=response.status) from None
        if isinstance(result, Fault):
            raise exception_from_fault(result, response.status)
        if response.status != 200:
            raise RemotingError(f"{call.url} answered HTTP {response.status}", http_status=response.status)
        return result.value

    def _finish_binary(self, call: ClientCall, response: ClientResponse) -> object:
        assert self.binary is not None
        media = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if not response.body or media in ("text/xml", "text/plain", "text/html", "application/soap+xml"):
            raise RemotingError(
                f"{call.url} answered HTTP {response.status} ({media or 'no content type'}) instead of a binary "
                "message: is the binary formatter enabled on the server?",
                http_status=response.status,
            )
        try:
            result = self.binary.read_response(response.body, call.operation.name, call.operation.returns,
                                               self.marshaller)
        except SoapDecodeError as exc:
            raise RemotingError(f"unreadable response from {call.url}: {exc}", http_status=response.status) from None
        if isinstance(result, Fault):
            raise exception_from_fault(result, response.status)
        if response.status != 200:
            raise RemotingError(f"{call.url} answered HTTP {response.status}", http_status=response.status)
        return result.value
