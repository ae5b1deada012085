"""Errors raised by the sans-I/O layer.

Every problem with bytes that came off the wire is a :class:`SoapDecodeError` (the caller's fault: a SOAP
``Client`` fault); a value our side cannot put on the wire is a :class:`SoapEncodeError`. Two decode errors
have SOAP fault codes of their own: :class:`VersionMismatch` and :class:`MustUnderstand`.
"""

from __future__ import annotations

from collections.abc import Sequence


class SoapError(Exception):
    """Base of everything this package raises on purpose."""


class SoapDecodeError(SoapError):
    """The message is malformed, too large, too deep, or names something we do not know."""


class LimitExceeded(SoapDecodeError):
    """The message exceeds one of :class:`soap.Limits`; ``limit`` names the field (``"max_depth"`` ...)."""

    def __init__(self, message: str, limit: str) -> None:
        super().__init__(f"{message} (Limits.{limit})")
        self.limit = limit


class MessageTooLarge(LimitExceeded):
    """The body exceeds the configured size limit; raised before any parsing."""

    def __init__(self, message: str) -> None:
        SoapDecodeError.__init__(self, message)
        self.limit = "max_bytes"


class VersionMismatch(SoapDecodeError):
    """The root is an ``Envelope`` in a namespace that is neither SOAP 1.1's nor SOAP 1.2's.

    Answered with the ``VersionMismatch`` fault code, as both SOAP versions require.
    """


class MustUnderstand(SoapDecodeError):
    """Header blocks marked ``mustUnderstand`` that nothing on this node processes.

    ``headers`` are their qualified names ``(namespace, local name)``; SOAP 1.2 faults list each in a
    ``NotUnderstood`` header block.
    """

    def __init__(self, headers: Sequence[tuple[str, str]]) -> None:
        names = ", ".join(f"{{{ns}}}{name}" if ns else name for ns, name in headers)
        super().__init__(f"header block(s) marked mustUnderstand were not understood: {names}")
        self.headers = tuple(headers)


class SoapEncodeError(SoapError):
    """A value cannot be represented on the wire (a nonremotable type, an out-of-range number, ...)."""
