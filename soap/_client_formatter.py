"""The client side of a formatter: one interface for the Remoting dialect, document/literal and binary.

A client channel holds one :class:`ClientFormatter` and never looks inside a message: the formatter turns a
:class:`MethodCall` into the body *and* the headers that say what the body is (content type, SOAPAction),
tells which response content types it can read, and reads the response bytes itself. So the channel's
code path is the same for every wire format, and no XML or NRBF leaks into the transport.

The methods are named ``write_request`` / ``read_reply`` rather than ``write_call`` / ``read_response``
because the formatters' ``write_call`` / ``read_response`` already exist with other signatures (bytes only,
no content type) and stay as they are until their callers have moved to this interface.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ._errors import SoapDecodeError, SoapEncodeError
from ._model import Fault, MethodCall, MethodReturn
from ._objref import ReferenceMarshaller
from ._types import WireType


@dataclass(frozen=True, slots=True)
class OutgoingRequest:
    """What a formatter writes for a call: the body and the headers describing it (lower-case names).

    ``headers`` holds only what the wire format requires (``content-type``, SOAP 1.1's ``soapaction``);
    the transport adds its own (user agent, length, ...).
    """

    body: bytes
    headers: dict[str, str]


class ClientFormatter(Protocol):
    """Writes calls and reads their responses in one wire format (see the module docstring)."""

    #: the wire format's name: ``"soap"`` (Remoting dialect), ``"literal"`` or ``"binary"``
    name: str

    def write_request(self, call: MethodCall, marshaller: ReferenceMarshaller | None = None) -> OutgoingRequest:
        """The request for ``call``; ``call.action`` is the SOAPAction (None: the dialect's default).

        Raises :class:`SoapEncodeError` for a value the format cannot carry.
        """
        ...

    def accepts_response(self, media_type: str) -> bool:
        """Whether a response of this media type (lower case, no parameters) can be read at all.

        A server that answers with something else (an HTML error page, a proxy's text) did not speak this
        format: the caller reports the HTTP status instead of a decoding error.
        """
        ...

    def read_reply(self, body: bytes, content_type: str, method_name: str, return_type: WireType,
                   marshaller: ReferenceMarshaller | None = None,
                   outputs: Sequence[tuple[int, str, WireType]] = ()) -> MethodReturn | Fault:
        """The return value or the fault in a response body (``content_type``: its Content-Type header).

        ``outputs`` are the method's out and ref parameters (position, name, type): their values come back
        in ``MethodReturn.out_args``, in that order (SOAP finds them by name, binary by position).

        Raises :class:`SoapDecodeError` for a body that is not a readable response, including one whose
        content type :meth:`accepts_response` refuses.
        """
        ...


#: What a SOAP response (1.1 or 1.2) can come as.
SOAP_MEDIA_TYPES = frozenset({"text/xml", "application/soap+xml"})


def media_type(content_type: str) -> str:
    """``'text/xml; charset="utf-8"'`` -> ``"text/xml"``: what :meth:`ClientFormatter.accepts_response` takes."""
    return content_type.split(";", 1)[0].strip().lower()


def check_response_type(formatter: ClientFormatter, content_type: str) -> None:
    """Refuse a response whose content type ``formatter`` cannot read, before parsing anything."""
    media = media_type(content_type)
    if not formatter.accepts_response(media):
        raise SoapDecodeError(f"a {formatter.name} response cannot have content type {media or '(none)'}")


#: what ``quoted`` refuses: a quote, a backslash, a control character (one search in C, not a loop per character)
_UNSAFE_IN_QUOTES = re.compile(r'["\\\x00-\x1f\x7f]')


def quoted(action: str) -> str:
    """``action`` as an HTTP quoted-string (SOAP 1.1's SOAPAction header, SOAP 1.2's ``action`` parameter).

    Quotes, backslashes and control characters are refused rather than escaped: no SOAP toolkit unescapes
    them, and a line break would end the header.
    """
    if _UNSAFE_IN_QUOTES.search(action):
        raise SoapEncodeError(f"SOAP action {action[:60]!r} contains a quote, backslash or control character")
    return f'"{action}"'


def soap11_headers(content_type: str, action: str) -> dict[str, str]:
    """SOAP 1.1 over HTTP: the action goes in its own, always present, SOAPAction header."""
    return {"content-type": content_type, "soapaction": quoted(action)}


def soap12_headers(content_type: str, action: str) -> dict[str, str]:
    """SOAP 1.2 over HTTP: the action is the content type's optional ``action`` parameter."""
    return {"content-type": content_type + (f"; action={quoted(action)}" if action else "")}
