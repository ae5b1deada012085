"""The large-message contract of ``bench_large.py``, served by the gateway in all three dialects.

``ILarge`` is the same contract as ``benchmarks/csharp/LargeServer.cs`` (namespace ``LargePeer``, assembly
``LargeShared``) and as ``benchmarks/spyne_large_app.py`` (document/literal, ``urn:large``), so one request
is answered by every server of the benchmark. The payloads are built once per size (both here and in the
C# server): the benchmark measures moving them over the wire, not making them::

    uvicorn benchmarks.large_app:app --port 8000     # POST /Large.soap: Remoting SOAP, binary, doc/literal

The limits are raised for the benchmark's 16 MiB messages only (``Limits(...)``, the documented way): the
message size, and the array length, which MS-NRBF applies to the items of a ``byte[]`` too (the default
of 1,000,000 refuses a 1 MiB ``byte[]`` in binary); everything else keeps the gateway's defaults.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from gateway import MarshalByRefObject, RemotingApp, WellKnownObjectMode, run_inline
from soap import Limits, clr_type, serializable

LARGE_ASSEMBLY = "LargeShared, Version=0.0.0.0, Culture=neutral, PublicKeyToken=null"
LARGE_NAMESPACE = "urn:large"
PATH = "/Large.soap"
#: 16 MiB of bytes travel as 22.4 MB of base64, plus the envelope
MAX_BYTES = 24 * 1024 * 1024


@serializable("LargePeer.Item", LARGE_ASSEMBLY)
@dataclass
class Item:
    """A small by-value object: three fields of three kinds."""

    Id: int
    Name: str | None
    Value: float


@clr_type("LargePeer.ILarge", LARGE_ASSEMBLY)
class ILarge:
    """What every server of the benchmark answers."""

    __soap_namespace__ = LARGE_NAMESPACE

    def GetBytes(self, size: int) -> bytes:
        """``size`` bytes, byte ``i`` being ``i % 251``."""
        raise NotImplementedError

    def PutBytes(self, data: bytes) -> int:
        """The length of ``data``."""
        raise NotImplementedError

    def SumInts(self, values: list[int]) -> int:
        """The sum of ``values`` (as a 32-bit .NET int would wrap it: the benchmark's sums stay small)."""
        raise NotImplementedError

    def GetStrings(self, count: int) -> list[str]:
        """``count`` strings ``"string number i"``."""
        raise NotImplementedError

    def GetItems(self, count: int) -> list[Item]:
        """``count`` items ``Item(i, "item i", i * 0.5)``."""
        raise NotImplementedError


@functools.lru_cache(maxsize=8)
def payload(size: int) -> bytes:
    """The bytes ``GetBytes(size)`` answers (and the benchmark sends to ``PutBytes``)."""
    return (bytes(range(251)) * (size // 251 + 1))[:size]


@functools.lru_cache(maxsize=8)
def strings(count: int) -> list[str]:
    return [f"string number {i}" for i in range(count)]


@functools.lru_cache(maxsize=8)
def items(count: int) -> list[Item]:
    return [Item(i, f"item {i}", i * 0.5) for i in range(count)]


_Method = TypeVar("_Method", bound=Callable[..., object])


def _quick(method: _Method) -> _Method:
    """``LARGE_RUN_INLINE=1`` (``bench_large.py --run-inline``): the methods marked ``@run_inline``, as a user
    would mark such quick, non-blocking ones, so they run on the event loop without the worker-thread hand-off
    of a plain ``def``. Unset, they stay plain ``def``: the form the benchmark's targets are measured on."""
    return run_inline(method) if os.environ.get("LARGE_RUN_INLINE") == "1" else method


@clr_type("LargePeer.LargeService", "LargeServer")
class LargeService(MarshalByRefObject, ILarge):
    """The implementation: answers from the caches above, so every server does the same non-wire work."""

    __soap_namespace__ = LARGE_NAMESPACE

    @_quick
    def GetBytes(self, size: int) -> bytes:
        return payload(size)

    @_quick
    def PutBytes(self, data: bytes) -> int:
        return len(data)

    @_quick
    def SumInts(self, values: list[int]) -> int:
        return sum(values)

    @_quick
    def GetStrings(self, count: int) -> list[str]:
        return strings(count)

    @_quick
    def GetItems(self, count: int) -> list[Item]:
        return items(count)


#: raised for the size series up to 16 MiB: the message, an array's length and a byte[]'s bytes
LIMITS = Limits(max_bytes=MAX_BYTES, max_array_length=MAX_BYTES, max_binary_length=MAX_BYTES)
app = RemotingApp(limits=LIMITS, formatters=("soap", "binary"))
app.register_well_known(LargeService, PATH.lstrip("/"), WellKnownObjectMode.Singleton)
