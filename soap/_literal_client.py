"""The client side of document/literal SOAP 1.1 and 1.2, as a :class:`soap.ClientFormatter`.

The server side reads both versions through :class:`soap.SoapFormatter`; a client knows which version it
speaks (the WSDL's binding), so it gets one formatter per version.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ._client_formatter import (
    SOAP_MEDIA_TYPES,
    OutgoingRequest,
    check_response_type,
    soap11_headers,
    soap12_headers,
)
from ._errors import SoapDecodeError
from ._literal import SOAP11, SOAP12, SoapVersion, read_literal_response, write_literal_call
from ._model import Fault, MethodCall, MethodReturn
from ._objref import ReferenceMarshaller
from ._types import DEFAULT_REGISTRY, TypeRegistry, WireType
from ._xml import DEFAULT_LIMITS, Limits, parse_xml

_VERSIONS = {f"{{{v.envelope_ns}}}Envelope": v for v in (SOAP11, SOAP12)}


class LiteralFormatter:
    """Document/literal wrapped calls in one SOAP version: ``<tns:op><tns:param/>…</tns:op>``.

    ``call.method_name`` is the wrapper element's name, ``call.namespace`` its namespace and
    ``call.arg_names`` the parameter elements' names, all as the WSDL spells them; ``call.action`` is the
    operation's SOAPAction (None or ``""``: none).
    """

    name = "literal"

    def __init__(
        self, version: SoapVersion, registry: TypeRegistry = DEFAULT_REGISTRY, limits: Limits = DEFAULT_LIMITS,
        faults: Mapping[str, type] | None = None,
    ) -> None:
        self.version = version
        self.registry = registry
        self.limits = limits
        #: fault detail element (``{namespace}name``) -> the exception class it becomes (a stub's declared faults)
        self.faults: Mapping[str, type] = faults or {}

    def write_request(self, call: MethodCall, marshaller: ReferenceMarshaller | None = None) -> OutgoingRequest:
        """The call (``marshaller`` is unused: object references cannot travel in document/literal)."""
        body = write_literal_call(call, self.version, self.registry)
        headers = soap12_headers if self.version is SOAP12 else soap11_headers
        return OutgoingRequest(body, headers(self.version.content_type, call.action or ""))

    def accepts_response(self, media_type: str) -> bool:
        return media_type in SOAP_MEDIA_TYPES

    def read_reply(self, body: bytes, content_type: str, method_name: str, return_type: WireType,
                   marshaller: ReferenceMarshaller | None = None,
                   outputs: Sequence[tuple[int, str, WireType]] = ()) -> MethodReturn | Fault:
        """The result or fault, read in the SOAP version of the envelope that came back.

        That is usually ours, but a server that speaks only SOAP 1.1 answers a 1.2 request with a 1.1
        VersionMismatch fault, which should reach the caller as that fault and not as an unreadable result.
        """
        check_response_type(self, content_type)
        root = parse_xml(body, self.limits)
        version = _VERSIONS.get(root.tag) if isinstance(root.tag, str) else None
        if version is None:
            raise SoapDecodeError(f"not a SOAP envelope: root element is {root.tag!r}")
        soap_body = next((c for c in root if c.tag == f"{{{version.envelope_ns}}}Body"), None)
        if soap_body is None:
            raise SoapDecodeError("SOAP envelope has no Body")
        header = next((c for c in root if c.tag == f"{{{version.envelope_ns}}}Header"), None)
        return read_literal_response(soap_body, version, method_name, return_type, self.registry, self.limits,
                                     [(n, t) for _, n, t in outputs], self.faults, header)
