"""The server's formatters: what the server needs of one, and which one reads a request.

A formatter is chosen by the request's content type among those the *server* enabled; a content type that
no enabled formatter handles is refused before any decoder sees the body.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from soap import (
    BinaryFormatter,
    Fault,
    IncomingCall,
    Limits,
    MethodReturn,
    ReferenceMarshaller,
    SoapFormatter,
    TypeRegistry,
)


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

    def write_one_way(self, call: IncomingCall) -> tuple[int, bytes, str]:
        """(status, body, content type) of the answer to a one-way call, given before the method runs."""
        ...


def media_type(content_type: str | None) -> str:
    """``text/xml; charset=utf-8`` -> ``text/xml``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def enabled_formatters_from_env(default: Sequence[str]) -> list[str]:
    """``GATEWAY_FORMATTERS=soap,binary`` overrides the formatters an app enables."""
    raw = os.environ.get("GATEWAY_FORMATTERS")
    if not raw:
        return list(default)
    return [name.strip().lower() for name in raw.split(",") if name.strip()]


def make_formatters(names: Sequence[str], registry: TypeRegistry, limits: Limits) -> dict[str, ServerFormatter]:
    """The formatters called ``names`` (``soap``: every SOAP dialect; ``binary``: MS-NRBF), in that order."""
    available: dict[str, Callable[[], ServerFormatter]] = {
        "soap": lambda: SoapFormatter(registry, limits),
        "binary": lambda: BinaryFormatter(registry, limits),
    }
    unknown = [n for n in names if n not in available]
    if unknown:
        raise ValueError(f"unknown formatter(s) {unknown}; available: {sorted(available)}")
    if not names:
        raise ValueError("at least one formatter must be enabled")
    return {name: available[name]() for name in names}


def select_formatter(formatters: Mapping[str, ServerFormatter], content_type: str | None) -> ServerFormatter | None:
    """The enabled formatter that reads ``content_type``, None when none does."""
    media = media_type(content_type)
    for formatter in formatters.values():
        if formatter.accepts(media):
            return formatter
    return None
