"""No formatter does quadratic work: cost grows linearly with the message, in every dialect and direction.

Each example is a full round trip through the public API: a client writes a call carrying the value, the
server reads it and decodes the argument, writes a return carrying the same value, and the client reads
that. It is measured twice, with the value at size ``n`` and at ``4 n`` (``n`` drawn by hypothesis), by two
counts that do not depend on the machine's speed or load: the Python lines and calls executed
(``sys.settrace``) and the peak of traced memory (``tracemalloc``). Linear work makes both about 4x; string building by
repeated concatenation, array growth by copying, base64 in pieces or a multi-reference lookup by scanning
would make one of them grow with the square.
"""

from __future__ import annotations

import sys
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from soap import (
    SOAP11,
    BinaryFormatter,
    Limits,
    LiteralFormatter,
    MethodCall,
    MethodReturn,
    RemotingSoapFormatter,
    SoapFormatter,
    WireType,
    serializable,
    wire_type,
)

LIMITS = Limits(max_bytes=64 * 1024 * 1024, max_array_length=16 * 1024 * 1024)
NAMESPACE = "http://schemas.microsoft.com/clr/nsassem/Growth.IGrowth/Growth"


@serializable("Growth.Point", "Growth")
@dataclass
class Point:
    X: int
    Label: str | None
    Weight: float


def _values(kind: str, n: int) -> tuple[Any, WireType]:
    if kind == "bytes":
        return bytes(i % 251 for i in range(n * 64)), wire_type(bytes)
    if kind == "ints":
        return [i * 7 - n for i in range(n)], wire_type(list[int])
    if kind == "strings":
        return [f"s{i} <&>" for i in range(n)], wire_type(list[str])
    return [Point(i, f"p{i}", i / 4) for i in range(n)], wire_type(list[Point])


def _round_trip(dialect: str, kind: str, n: int) -> Callable[[], None]:
    value, wt = _values(kind, n)
    namespace = "urn:growth" if dialect == "literal" else NAMESPACE
    call = MethodCall("Echo", namespace, [value], ["value"], [wt])
    client: Any
    if dialect == "soap":
        client, server = RemotingSoapFormatter(limits=LIMITS), SoapFormatter(limits=LIMITS)
    elif dialect == "literal":
        client, server = LiteralFormatter(SOAP11, limits=LIMITS), SoapFormatter(limits=LIMITS)
    else:
        client = server = BinaryFormatter(limits=LIMITS)

    def run() -> None:
        request = client.write_request(call)
        incoming = server.read_call(request.body, request.headers.get("content-type", ""))
        (argument,) = incoming.decode_arguments([wt], ["value"])
        assert argument == value
        body, content_type = server.write_return(incoming, MethodReturn("Echo", incoming.namespace, argument, wt))
        result = client.read_reply(body, content_type, "Echo", wt)
        assert result.value == value

    return run


def _cost(run: Callable[[], None]) -> tuple[int, int]:
    """(Python lines and calls executed, peak traced bytes) of one run."""
    steps = 0

    def trace(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal steps
        steps += 1
        return trace

    run()  # warm: caches, lazily built tables
    tracemalloc.start()
    sys.settrace(trace)
    try:
        run()
    finally:
        sys.settrace(None)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return steps, peak


@pytest.mark.parametrize("kind", ["bytes", "ints", "strings", "objects"])
@pytest.mark.parametrize("dialect", ["soap", "literal", "binary"])
@settings(max_examples=2, deadline=None)
@given(n=st.integers(min_value=100, max_value=300))
def test_cost_grows_linearly(dialect: str, kind: str, n: int) -> None:
    small_steps, small_peak = _cost(_round_trip(dialect, kind, n))
    large_steps, large_peak = _cost(_round_trip(dialect, kind, 4 * n))
    # 4x the size: about 4x the work, plus what any message costs (quadratic work would be ~16x)
    assert large_steps <= 4.5 * small_steps + 500, (dialect, kind, n, small_steps, large_steps)
    assert large_peak <= 4.5 * small_peak + 256 * 1024, (dialect, kind, n, small_peak, large_peak)
