"""The Remoting SOAP formatter: the facade the gateway uses on both the server and the client side.

On the client side it is a :class:`soap.ClientFormatter` (``write_request`` / ``read_reply``); the older
``write_call`` / ``read_response`` (bytes only) stay until every caller has moved.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._client_formatter import SOAP_MEDIA_TYPES, OutgoingRequest, check_response_type, soap11_headers
from ._encoded_reader import EncodedCall, EncodedReader, read_return
from ._encoded_writer import write_call, write_fault, write_return
from ._model import Fault, MethodCall, MethodReturn
from ._objref import ReferenceMarshaller
from ._types import DEFAULT_REGISTRY, TypeRegistry, WireType
from ._xml import DEFAULT_LIMITS, Limits, parse_xml

#: What .NET Remoting's SOAP sinks send and expect (the quoted charset is theirs).
REMOTING_SOAP_CONTENT_TYPE = 'text/xml; charset="utf-8"'


class RemotingSoapFormatter:
    """Bytes <-> messages in the .NET Remoting SOAP dialect (SOAP 1.1, rpc/encoded, CLR namespaces)."""

    name = "soap"
    content_type = REMOTING_SOAP_CONTENT_TYPE

    def __init__(self, registry: TypeRegistry = DEFAULT_REGISTRY, limits: Limits = DEFAULT_LIMITS) -> None:
        self.registry = registry
        self.limits = limits

    def read_call(self, body: bytes, marshaller: ReferenceMarshaller | None = None) -> EncodedCall:
        return EncodedCall(EncodedReader(parse_xml(body, self.limits), self.registry, self.limits, marshaller))

    def write_return(self, ret: MethodReturn, marshaller: ReferenceMarshaller | None = None) -> bytes:
        return write_return(ret, self.registry, marshaller)

    def write_fault(self, fault: Fault) -> bytes:
        return write_fault(fault, self.registry)

    def write_call(self, call: MethodCall, marshaller: ReferenceMarshaller | None = None) -> bytes:
        return write_call(call, self.registry, marshaller)

    def write_request(self, call: MethodCall, marshaller: ReferenceMarshaller | None = None) -> OutgoingRequest:
        """The call with its SOAPAction: ``call.action``, by default ``namespace#method`` as .NET sends it."""
        action = f"{call.namespace}#{call.method_name}" if call.action is None else call.action
        return OutgoingRequest(self.write_call(call, marshaller), soap11_headers(self.content_type, action))

    def accepts_response(self, media_type: str) -> bool:
        return media_type in SOAP_MEDIA_TYPES

    def read_reply(self, body: bytes, content_type: str, method_name: str, return_type: WireType,
                   marshaller: ReferenceMarshaller | None = None,
                   outputs: Sequence[tuple[int, str, WireType]] = ()) -> MethodReturn | Fault:
        check_response_type(self, content_type)
        return self.read_response(body, method_name, return_type, [(n, t) for _, n, t in outputs], marshaller)

    def read_response(
        self,
        body: bytes,
        method_name: str,
        return_type: WireType,
        out_types: Sequence[tuple[str, WireType]] = (),
        marshaller: ReferenceMarshaller | None = None,
    ) -> MethodReturn | Fault:
        reader = EncodedReader(parse_xml(body, self.limits), self.registry, self.limits, marshaller)
        return read_return(reader, method_name, return_type, out_types)
