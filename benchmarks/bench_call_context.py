"""Call-context benchmark: what a call with a logical call context costs against a plain call, whole ASGI app.

Issue 9's performance target: a call carrying a call context (and an out parameter) costs at most 1.3x a plain
call. ``bench_formatters.py`` times the formatters alone; this drives ``examples.call_model``'s ASGI app
directly (no HTTP, no uvicorn: a scope, a receive and a send in this process) with Mono's captured
``Traced`` requests, so the dispatcher's context handling (install the caller's context, read it back after
the call, write it into the answer) is counted too:

  plain    ``tests/fixtures/mono_callmodel/no_context.request.{xml,bin}``: ``Traced("n")``, no context
  context  ``context.request.{xml,bin}``: ``Traced("t")`` with a ``TraceTag`` in slot ``trace``; the method
           changes it and adds ``server``, so the answer carries a two-slot context back
  refout   ``overload_ref_out.request.{xml,bin}``: the overload ``Traced(string[] texts, ref int hops, out
           TraceTag seen)`` with the same context: a typed array, a ref and an out parameter too

Every answer is checked once before timing (status 200, and the context answer carries ``server-abc``).
Wall time on a shared machine is noise; ``--calls N --mode MODE`` runs just N calls of one case, so that
valgrind can count instructions (deterministic), which is how benchmarks/README.md's numbers were taken:

  .venv/bin/python benchmarks/bench_call_context.py                       # timed medians + ratios, ~10 s
  PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
      .venv/bin/python benchmarks/bench_call_context.py --calls 2000 --mode soap-context
  (minus the same with --calls 1, divided by 1999: instructions per call)
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _harness import asgi_caller, time_calls  # noqa: E402

from examples.call_model import app  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "mono_callmodel"
Message = MutableMapping[str, Any]

SOAP_HEADERS = [(b"content-type", b'text/xml; charset="utf-8"'),
                (b"soapaction", b'"http://schemas.microsoft.com/clr/nsassem/CallModel.ICallModel/CallModelShared#Traced"')]
BINARY_HEADERS = [(b"content-type", b"application/octet-stream")]

MODES: dict[str, tuple[str, str, list[tuple[bytes, bytes]]]] = {
    "soap-plain": ("/CallModel.soap", "no_context.request.xml", SOAP_HEADERS),
    "soap-context": ("/CallModel.soap", "context.request.xml", SOAP_HEADERS),
    "soap-refout": ("/CallModel.soap", "overload_ref_out.request.xml", SOAP_HEADERS),
    "binary-plain": ("/CallModel.rem", "no_context.request.bin", BINARY_HEADERS),
    "binary-context": ("/CallModel.rem", "context.request.bin", BINARY_HEADERS),
    "binary-refout": ("/CallModel.rem", "overload_ref_out.request.bin", BINARY_HEADERS),
}


def caller(mode: str) -> Callable[[], Awaitable[tuple[int, bytes]]]:
    """One in-process call of ``mode``: the ASGI app with a fresh scope, the captured body, the answer."""
    path, fixture, headers = MODES[mode]
    return asgi_caller(app, path, (FIXTURES / fixture).read_bytes(), [*headers, (b"host", b"127.0.0.1")])


async def check(mode: str) -> None:
    status, answer = await caller(mode)()
    if status != 200 or (not mode.endswith("plain") and b"server-" not in answer):
        raise SystemExit(f"{mode}: unexpected answer {status} {answer[:300]!r}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000, help="calls per round (default 2000)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--mode", choices=sorted(MODES), help="run just --calls calls of this case, no report")
    args = parser.parse_args()
    for mode in MODES:
        await check(mode)
    if args.mode:
        await time_calls(caller(args.mode), args.calls)
        return
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    for _ in range(args.rounds):
        for mode in MODES:
            times[mode].append(await time_calls(caller(mode), args.calls))
    print(f"{'case':<16}{'µs/call (median)':>18}")
    for mode in MODES:
        print(f"{mode:<16}{statistics.median(times[mode]):>18.1f}")
    for dialect in ("soap", "binary"):
        for case in ("context", "refout"):
            ratios = [c / p for c, p in zip(times[f"{dialect}-{case}"], times[f"{dialect}-plain"], strict=True)]
            print(f"{dialect}: {case}/plain {statistics.median(ratios):.2f}x (target <= 1.3x; wall time, see README)")


if __name__ == "__main__":
    asyncio.run(main())
