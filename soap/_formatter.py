"""The server's SOAP formatter: every SOAP dialect on the same endpoint, told apart per message.

* SOAP 1.2 envelope (``application/soap+xml``): document/literal, answered in SOAP 1.2;
* SOAP 1.1 whose operation element is in a CLR namespace, or that uses SOAP encoding on the operation
  (``href`` multi-refs, ``encodingStyle`` on Body or operation): the .NET Remoting dialect;
* any other SOAP 1.1 message: document/literal wrapped.

(``encodingStyle`` on the *Envelope* alone does not count: SOAP::Lite puts it there on literal messages.)
"""

from __future__ import annotations

from lxml import etree

from ._encoded import REMOTING_SOAP_CONTENT_TYPE
from ._encoded_reader import EncodedCall, EncodedReader
from ._encoded_writer import write_fault, write_return
from ._errors import SoapDecodeError, VersionMismatch
from ._literal import SOAP11, SOAP12, LiteralCall, SoapVersion, write_literal_fault, write_literal_return
from ._model import Fault, IncomingCall, MethodReturn
from ._namespaces import CLR, SOAP12_ENV, SOAP_ENC, SOAP_ENV
from ._objref import ReferenceMarshaller
from ._request_templates import RecordingCall, RequestTemplates, TemplateCall
from ._response_templates import ResponseTemplates
from ._shaped_answers import ShapedAnswers
from ._types import DEFAULT_REGISTRY, VOID, TypeRegistry
from ._xml import DEFAULT_LIMITS, Limits, local_name, namespace_of, parse_xml

_ENCODING_STYLE = f"{{{SOAP_ENV}}}encodingStyle"
_CLR_PREFIX = "{" + CLR
_BODY11 = f"{{{SOAP_ENV}}}Body"
_BODY12 = f"{{{SOAP12_ENV}}}Body"
_HEADER11 = f"{{{SOAP_ENV}}}Header"
_HEADER12 = f"{{{SOAP12_ENV}}}Header"
_ENVELOPE11 = f"{{{SOAP_ENV}}}Envelope"
_ENVELOPE12 = f"{{{SOAP12_ENV}}}Envelope"
#: The namespace literal faults use when no call was decoded.
DEFAULT_LITERAL_NS = "urn:remoting-gateway"


def _body(envelope: etree._Element, tag: str) -> etree._Element | None:
    """The envelope's one Body (SOAP allows no second one)."""
    found = None
    for child in envelope:
        if child.tag == tag:
            if found is not None:
                raise SoapDecodeError("the SOAP envelope holds more than one Body")
            found = child
    return found


def _header(envelope: etree._Element, tag: str) -> etree._Element | None:
    """The envelope's Header: its first child, if that is one (SOAP 1.1 section 4.2, SOAP 1.2 part 1 5.1)."""
    first = envelope[0] if len(envelope) else None
    return first if first is not None and first.tag == tag else None


def _is_encoded(body: etree._Element, operation: etree._Element) -> bool:
    tag = operation.tag
    if isinstance(tag, str) and tag.startswith(_CLR_PREFIX):
        return True
    if SOAP_ENC in (body.get(_ENCODING_STYLE) or "") or SOAP_ENC in (operation.get(_ENCODING_STYLE) or ""):
        return True
    return any(child.get("href") is not None for child in operation)


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _check_binding(root_tag: object, content_type: str) -> None:
    """Each SOAP version has its own HTTP binding: an envelope of the other version is a VersionMismatch.

    A SOAP 1.2 envelope sent as ``text/xml`` reached SOAP 1.1's binding, where an Envelope in another
    namespace is a version error (SOAP 1.1 section 4.1.2); a SOAP 1.1 envelope sent as
    ``application/soap+xml`` is a SOAP/1.1 message to a SOAP 1.2 node (SOAP 1.2 part 1, appendix A), answered
    with a VersionMismatch fault in SOAP 1.1's format. (A request without a content type is left alone.)
    """
    if root_tag == _ENVELOPE12:
        if _media_type(content_type) == "text/xml":
            raise VersionMismatch("a SOAP 1.2 envelope sent as text/xml (SOAP 1.1's content type): "
                                  "send SOAP 1.2 as application/soap+xml")
    elif root_tag == _ENVELOPE11 and _media_type(content_type) == "application/soap+xml":
        raise VersionMismatch("a SOAP 1.1 envelope sent as application/soap+xml (SOAP 1.2's content type): "
                              "send SOAP 1.1 as text/xml")


def _version_of(call: IncomingCall | None, content_type: str, fault: Fault | None = None) -> SoapVersion | None:
    """The SOAP version of a document/literal answer: the call's, or SOAP 1.2's when a request that could
    not be read came as ``application/soap+xml``; None for the Remoting dialect (SOAP 1.1).

    A VersionMismatch to an ``application/soap+xml`` request is written in SOAP 1.1's format, as SOAP 1.2
    part 1 (section 5.4.7's example, appendix A) does: a SOAP 1.1 sender can read it, a SOAP 1.2 one too.
    """
    if isinstance(call, LiteralCall):
        return call.version
    if call is None and _media_type(content_type) == "application/soap+xml":
        return SOAP11 if fault is not None and fault.code == "VersionMismatch" else SOAP12
    return None


_REMOTING_CALLS = (EncodedCall, TemplateCall)


def _toolkit(call: IncomingCall | None) -> bool:
    """The Remoting call was written by a SOAP toolkit rather than .NET (see soap/_encoded_writer.py)."""
    return isinstance(call, _REMOTING_CALLS) and call.toolkit


class SoapFormatter:
    """Bytes <-> messages for the Remoting dialect and document/literal SOAP 1.1 and 1.2.

    ``templates``: read a Remoting call of a shape read before, and write a scalar answer (with out values
    and a call context too) to a method answered before, from templates of the earlier bytes
    (soap/_request_templates.py, soap/_response_templates.py, soap/_shaped_answers.py): the same calls and
    bytes as the full parser and writer give, in a fraction of the time. False: always the full parser and writer.
    """

    name = "soap"

    def __init__(
        self, registry: TypeRegistry = DEFAULT_REGISTRY, limits: Limits = DEFAULT_LIMITS, templates: bool = True
    ) -> None:
        self.registry = registry
        self.limits = limits
        self._requests = RequestTemplates(limits, self._read_full) if templates else None
        self._responses = ResponseTemplates() if templates else None
        self._shaped = ShapedAnswers(registry) if templates else None

    def accepts(self, media_type: str) -> bool:
        return media_type in ("text/xml", "application/soap+xml", "")

    def read_call(
        self, body: bytes, content_type: str = "", marshaller: ReferenceMarshaller | None = None
    ) -> IncomingCall:
        if self._requests is not None:
            known = self._requests.read(body, content_type, marshaller)
            if known is not None:
                return known
        return self._read(body, content_type, marshaller, self._requests)

    def _read_full(self, body: bytes, content_type: str, marshaller: ReferenceMarshaller | None) -> EncodedCall:
        """A call a template matched, read by the full parser (it is a Remoting one: its template's was)."""
        call = self._read(body, content_type, marshaller, None)
        assert isinstance(call, EncodedCall)
        return call

    def _read(
        self, body: bytes, content_type: str, marshaller: ReferenceMarshaller | None,
        templates: RequestTemplates | None,
    ) -> IncomingCall:
        root = parse_xml(body, self.limits)
        if content_type:
            _check_binding(root.tag, content_type)
        if root.tag == _ENVELOPE12:
            soap_body = _body(root, _BODY12)
            if soap_body is None:
                raise SoapDecodeError("SOAP 1.2 envelope has no Body")
            return LiteralCall(soap_body, SOAP12, self.registry, self.limits, _header(root, _HEADER12), body)
        if root.tag == _ENVELOPE11:
            body11 = _body(root, _BODY11)
            operation = next((c for c in body11 if isinstance(c.tag, str)), None) if body11 is not None else None
            if body11 is not None and operation is not None and not _is_encoded(body11, operation):
                return LiteralCall(body11, SOAP11, self.registry, self.limits, _header(root, _HEADER11), body)
        elif local_name(root.tag) == "Envelope":
            namespace = namespace_of(root.tag)
            raise VersionMismatch(f"not a SOAP 1.1 or 1.2 envelope: the Envelope is in namespace {namespace[:100]!r}")
        reader = EncodedReader(root, self.registry, self.limits, marshaller, body)  # checks the envelope
        if templates is None:
            return EncodedCall(reader)
        return RecordingCall(reader, templates, body, content_type)

    def write_return(
        self, call: IncomingCall, ret: MethodReturn, marshaller: ReferenceMarshaller | None = None
    ) -> tuple[bytes, str]:
        if isinstance(call, LiteralCall):
            return write_literal_return(ret, call.version, self.registry), call.version.content_type
        toolkit = _toolkit(call)
        answers: ResponseTemplates | ShapedAnswers | None = self._responses
        if ret.call_context is not None or ret.out_args:
            answers = self._shaped
        if answers is None:
            return write_return(ret, self.registry, marshaller, toolkit), REMOTING_SOAP_CONTENT_TYPE
        written = answers.write(ret, toolkit)
        if written is None:
            written = write_return(ret, self.registry, marshaller, toolkit)
            answers.record(ret, toolkit, written)
        return written, REMOTING_SOAP_CONTENT_TYPE

    def write_one_way(self, call: IncomingCall) -> tuple[int, bytes, str]:
        """The answer to a one-way call, the same whatever the method does: document/literal gets 202 with an
        empty body (WS-I BP R2714/R2750); the Remoting dialect the empty reply Mono sends for a void method."""
        if isinstance(call, LiteralCall):
            return 202, b"", ""
        ret = MethodReturn(call.method_name, call.namespace, None, VOID)
        return 200, write_return(ret, self.registry), REMOTING_SOAP_CONTENT_TYPE

    def fault_status(self, fault: Fault, call: IncomingCall | None = None, content_type: str = "") -> int:
        """The HTTP status of ``fault``: SOAP 1.2's HTTP binding answers a ``Sender`` fault with 400 and every
        other fault with 500; SOAP 1.1 (either dialect) answers every fault with 500."""
        if fault.code == "Client" and _version_of(call, content_type, fault) is SOAP12:
            return 400
        return 500

    def write_fault(
        self, fault: Fault, call: IncomingCall | None = None, content_type: str = ""
    ) -> tuple[bytes, str]:
        version = _version_of(call, content_type, fault)
        if version is not None:
            namespace = call.namespace if call is not None and call.namespace else DEFAULT_LITERAL_NS
            return write_literal_fault(fault, version, self.registry, namespace), version.content_type
        toolkit = _toolkit(call)
        return write_fault(fault, self.registry, toolkit), REMOTING_SOAP_CONTENT_TYPE


__all__ = ["SOAP11", "SOAP12", "SoapFormatter"]
