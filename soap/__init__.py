"""The wire, sans-I/O: bytes <-> message objects for the .NET Remoting SOAP dialect.

Nothing here knows about HTTP, sockets or asyncio (like h11). The gateway package moves bytes; this package
turns them into :class:`MethodCall` / :class:`MethodReturn` / :class:`Fault` values and back. A client sees
every wire format through one :class:`ClientFormatter` (:class:`RemotingSoapFormatter`,
:class:`LiteralFormatter`, :class:`BinaryFormatter`). Calls and replies may carry a logical call context
(``call_context``, see ``soap._call_context``) and SOAP header blocks (:class:`HeaderBlock` in,
:class:`OutgoingHeader` out; see ``soap._headers``); delegates travel as :class:`DelegateRef`.
"""

from ._binary import BINARY_CONTENT_TYPE, BinaryFormatter
from ._client_formatter import ClientFormatter, OutgoingRequest
from ._clr import ClrName, clr_name_of, clr_type
from ._delegates import DelegateEntry, DelegateMarshaller, DelegateRef, delegate
from ._direction import Direction, Out, Ref, direction_of
from ._encoded import REMOTING_SOAP_CONTENT_TYPE, RemotingSoapFormatter
from ._errors import MessageTooLarge, SoapDecodeError, SoapEncodeError, SoapError
from ._exceptions import exception_info
from ._formatter import SoapFormatter
from ._headers import HeaderBlock, OutgoingHeader
from ._hresults import (
    COR_E_ARGUMENT,
    COR_E_ARGUMENTOUTOFRANGE,
    COR_E_ARITHMETIC,
    COR_E_DIVIDEBYZERO,
    COR_E_EXCEPTION,
    COR_E_FORMAT,
    COR_E_INVALIDOPERATION,
    COR_E_IO,
    COR_E_KEYNOTFOUND,
    COR_E_NOTSUPPORTED,
    COR_E_OVERFLOW,
    COR_E_SYSTEM,
    COR_E_TIMEOUT,
    COR_E_UNAUTHORIZEDACCESS,
    E_NOTIMPL,
    E_POINTER,
)
from ._literal import SOAP11, SOAP12, SoapVersion, item_element_name, read_literal_response, write_literal_call
from ._literal_client import LiteralFormatter
from ._model import ExceptionInfo, Fault, IncomingCall, MethodCall, MethodReturn
from ._namespaces import (
    CLR_NS,
    SOAP_ENC,
    SOAP_ENV,
    XSD,
    XSI,
    data_namespace,
    method_namespace,
    type_name_for_namespace,
)
from ._objref import ObjRef, ReferenceMarshaller
from ._scalars import ClrDateTime
from ._types import (
    ANY,
    DEFAULT_REGISTRY,
    VOID,
    Byte,
    Char,
    FieldSpec,
    Int16,
    Int32,
    Int64,
    Kind,
    SByte,
    Single,
    TypeRegistry,
    UInt16,
    UInt32,
    UInt64,
    WireType,
    XmlShape,
    object_fields,
    serializable,
    wire_type,
    xsd_type_name,
)
from ._xml import DEFAULT_LIMITS, Limits, parse_xml
from ._xsd import XSD_TYPE_NAMES

__all__ = [
    "ANY",
    "BINARY_CONTENT_TYPE",
    "CLR_NS",
    "COR_E_ARGUMENT",
    "COR_E_ARGUMENTOUTOFRANGE",
    "COR_E_ARITHMETIC",
    "COR_E_DIVIDEBYZERO",
    "COR_E_EXCEPTION",
    "COR_E_FORMAT",
    "COR_E_INVALIDOPERATION",
    "COR_E_IO",
    "COR_E_KEYNOTFOUND",
    "COR_E_NOTSUPPORTED",
    "COR_E_OVERFLOW",
    "COR_E_SYSTEM",
    "COR_E_TIMEOUT",
    "COR_E_UNAUTHORIZEDACCESS",
    "DEFAULT_LIMITS",
    "DEFAULT_REGISTRY",
    "E_NOTIMPL",
    "E_POINTER",
    "REMOTING_SOAP_CONTENT_TYPE",
    "SOAP11",
    "SOAP12",
    "SOAP_ENC",
    "SOAP_ENV",
    "VOID",
    "XSD",
    "XSD_TYPE_NAMES",
    "XSI",
    "BinaryFormatter",
    "Byte",
    "Char",
    "ClientFormatter",
    "ClrDateTime",
    "ClrName",
    "DelegateEntry",
    "DelegateMarshaller",
    "DelegateRef",
    "Direction",
    "ExceptionInfo",
    "Fault",
    "FieldSpec",
    "HeaderBlock",
    "IncomingCall",
    "Int16",
    "Int32",
    "Int64",
    "Kind",
    "Limits",
    "LiteralFormatter",
    "MessageTooLarge",
    "MethodCall",
    "MethodReturn",
    "ObjRef",
    "Out",
    "OutgoingHeader",
    "OutgoingRequest",
    "Ref",
    "ReferenceMarshaller",
    "RemotingSoapFormatter",
    "SByte",
    "Single",
    "SoapDecodeError",
    "SoapEncodeError",
    "SoapError",
    "SoapFormatter",
    "SoapVersion",
    "TypeRegistry",
    "UInt16",
    "UInt32",
    "UInt64",
    "WireType",
    "XmlShape",
    "clr_name_of",
    "clr_type",
    "data_namespace",
    "delegate",
    "direction_of",
    "exception_info",
    "item_element_name",
    "method_namespace",
    "object_fields",
    "parse_xml",
    "read_literal_response",
    "serializable",
    "type_name_for_namespace",
    "wire_type",
    "write_literal_call",
    "xsd_type_name",
]
