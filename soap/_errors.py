"""Errors raised by the sans-I/O layer.

Every problem with bytes that came off the wire is a :class:`SoapDecodeError` (the caller's fault: a SOAP
``Client`` fault); a value our side cannot put on the wire is a :class:`SoapEncodeError`.
"""

from __future__ import annotations


class SoapError(Exception):
    """Base of everything this package raises on purpose."""


class SoapDecodeError(SoapError):
    """The message is malformed, too large, too deep, or names something we do not know."""


class MessageTooLarge(SoapDecodeError):
    """The body exceeds the configured size limit; raised before any parsing."""


class SoapEncodeError(SoapError):
    """A value cannot be represented on the wire (a nonremotable type, an out-of-range number, ...)."""
