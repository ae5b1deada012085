"""Client sink chains: hooks around every outgoing call, usable by the sync and the async client alike.

A client sink sees the prepared request before it is sent and the response after it arrives. Sinks never
do I/O themselves, which is what lets one chain serve both transports (the same idea as the sans-I/O
``soap`` package).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Protocol

from soap import ClientFormatter
from wsdl import Operation


@dataclass(slots=True)
class ClientCall:
    """One outgoing call: where it goes, what it is, and the HTTP request that carries it.

    A sink may change ``url`` (to send the call elsewhere), ``headers`` and ``body``; ``formatter`` is the
    wire format the call was written in (its response is read with the same one).
    """

    url: str
    operation: Operation
    args: tuple[object, ...]
    headers: dict[str, str]
    body: bytes
    properties: dict[str, object] = field(default_factory=dict)
    formatter: ClientFormatter | None = None


@dataclass(slots=True)
class ClientResponse:
    status: int
    headers: dict[str, str]
    body: bytes


class ClientSink(Protocol):
    def process_request(self, call: ClientCall) -> None: ...

    def process_response(self, call: ClientCall, response: ClientResponse) -> None: ...


class ClientLoggingSink:
    """Logs each call's URL, method, HTTP status, sizes and round-trip time."""

    def __init__(self, logger: logging.Logger | None = None, level: int = logging.INFO) -> None:
        self.logger = logger or logging.getLogger("gateway.client")
        self.level = level

    def process_request(self, call: ClientCall) -> None:
        call.properties["logging.started"] = time.perf_counter()

    def process_response(self, call: ClientCall, response: ClientResponse) -> None:
        started = call.properties.get("logging.started")
        elapsed = (time.perf_counter() - started) * 1000 if isinstance(started, float) else -1.0
        self.logger.log(
            self.level, "%s %s -> %d (%d/%d bytes) in %.2f ms", call.url, call.operation.name,
            response.status, len(call.body), len(response.body), elapsed,
        )
