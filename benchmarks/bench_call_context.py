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
  ctxout   ``TracedLength("t", out int length)`` with the same context (``trace`` = ``TraceTag("abc", 1)``):
           issue 9's "a call with a call context and an out parameter"; the C# contract has no such method,
           so the request is written by the gateway's own client (whose formatters the tests hold to Mono's
           bytes) through an in-process transport, once at start-up

Every answer is checked once before timing (status 200, and the context answer carries ``server-abc``).
Wall time on a shared machine is noise; ``--calls N --mode MODE`` runs just N calls of one case, so that
valgrind can count instructions (deterministic), which is how benchmarks/README.md's numbers were taken:

  .venv/bin/python benchmarks/bench_call_context.py                       # timed medians + ratios, ~10 s
  PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
      .venv/bin/python benchmarks/bench_call_context.py --calls 2000 --mode soap-context
  (minus the same with --calls 1, divided by 1999: instructions per call)

Where the instructions go, step by step: ``--phases MODE...`` runs each step of one call ``--calls`` times on its
own, in process, between two ``zlib.crc32`` calls that tell valgrind to dump its counters, so each dump holds one
step: ``read`` (the formatter parses the request), ``resolve`` (the dispatcher finds the target and the method:
for ``Traced``, chooses between its overloads), ``prepare`` (arguments and call context decoded), ``method`` (the
method runs in the caller's context, on this thread: no worker hand-off), ``write`` (the answer, with the context
the method left) and ``whole`` (the whole ASGI call, as above):

  PYTHONHASHSEED=0 valgrind --tool=callgrind --dump-before='zlib_crc32*' --callgrind-out-file=/tmp/cg/out \\
      .venv/bin/python benchmarks/bench_call_context.py --calls 20 --phases soap-plain soap-context
  .venv/bin/python benchmarks/bench_call_context.py --calls 20 --report /tmp/cg
  (``callgrind_annotate /tmp/cg/out.N`` shows one step's C functions)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import zlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from _harness import asgi_caller, microseconds_per_call  # noqa: E402

from examples.call_model import ICallModel, TraceTag, app  # noqa: E402
from gateway import AsyncRemotingClient, CallContext  # noqa: E402
from gateway.model.call_context import CURRENT_CONTEXT, EMPTY_CONTEXT, CallContextState, run_capturing  # noqa: E402
from gateway.server.dispatcher import _perform  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "mono_callmodel"

SOAP_HEADERS = [(b"content-type", b'text/xml; charset="utf-8"'),
                (b"soapaction", b'"http://schemas.microsoft.com/clr/nsassem/CallModel.ICallModel/CallModelShared#Traced"')]
BINARY_HEADERS = [(b"content-type", b"application/octet-stream")]

MODES: dict[str, tuple[str, str, list[tuple[bytes, bytes]]]] = {

    "soap-plain": ("/CallModel.soap", "no_context.request.xml", SOAP_HEADERS),
    "soap-context": ("/CallModel.soap", "context.request.xml", SOAP_HEADERS),
    "soap-ctxout": ("/CallModel.soap", "", SOAP_HEADERS),
    "soap-refout": ("/CallModel.soap", "overload_ref_out.request.xml", SOAP_HEADERS),
    "binary-plain": ("/CallModel.rem", "no_context.request.bin", BINARY_HEADERS),
    "binary-context": ("/CallModel.rem", "context.request.bin", BINARY_HEADERS),
    "binary-ctxout": ("/CallModel.rem", "", BINARY_HEADERS),
    "binary-refout": ("/CallModel.rem", "overload_ref_out.request.bin", BINARY_HEADERS),
}


_WRITTEN: dict[str, tuple[bytes, list[tuple[bytes, bytes]]]] = {}


async def _client_request(formatter: str) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """``TracedLength("t")`` with ``trace`` = ``TraceTag("abc", 1)``, as the gateway's client writes it (the
    body and the headers that matter to the server); the call itself is answered by the app and checked."""
    sent: list[httpx.Request] = []

    async def keep(request: httpx.Request) -> None:
        sent.append(request)

    uri = "CallModel.soap" if formatter == "soap" else "CallModel.rem"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), event_hooks={"request": [keep]}) as http, \
            AsyncRemotingClient(formatter=formatter, http_client=http) as client:
        service = client.get_object(ICallModel, f"http://127.0.0.1/{uri}")
        CallContext.set_data("trace", TraceTag("abc", 1))
        try:
            answer = await service.TracedLength("t")
        finally:
            CallContext.free_named_data_slot("trace")
            CallContext.free_named_data_slot("server")
    if answer != ("t|abc|1|trace", 1):
        raise SystemExit(f"TracedLength answered {answer!r}")
    request = sent[-1]
    await request.aread()
    headers = [(name.encode(), value.encode()) for name, value in request.headers.items()
               if name in ("content-type", "soapaction")]
    return request.content, headers


def body_of(mode: str) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """The request body of ``mode`` and its headers: a Mono capture, or written once by our client."""
    _, fixture, headers = MODES[mode]
    if fixture:
        return (FIXTURES / fixture).read_bytes(), headers
    return _WRITTEN[mode]


def write_requests() -> None:
    """Write the requests our client makes (before any timing, outside any running event loop)."""
    for mode, (_, fixture, _) in MODES.items():
        if not fixture:
            _WRITTEN[mode] = asyncio.run(_client_request(mode.split("-")[0]))


def caller(mode: str) -> Callable[[], Awaitable[tuple[int, bytes]]]:
    """One in-process call of ``mode``: the ASGI app with a fresh scope, the request body, the answer."""
    path = MODES[mode][0]
    body, headers = body_of(mode)
    return asgi_caller(app, path, body, headers)


async def check(mode: str) -> None:
    status, answer = await caller(mode)()
    if status != 200 or (not mode.endswith("plain") and b"server-" not in answer):
        raise SystemExit(f"{mode}: unexpected answer {status} {answer[:300]!r}")


LABELS = "labels.json"


def _sink() -> Any:
    """The app's formatter sink (found by walking the app's objects: no public handle needed)."""
    seen: set[int] = set()
    stack: list[object] = [app]
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if type(obj).__name__ == "FormatterSink":
            return obj
        stack.extend(v for v in getattr(obj, "__dict__", {}).values()
                     if hasattr(v, "__dict__") and type(v).__module__.startswith("gateway"))
    raise SystemExit("no FormatterSink in the app")


def run_phases(modes: list[str], calls: int, labels_to: Path) -> None:
    loop = asyncio.new_event_loop()
    for mode in MODES:
        loop.run_until_complete(check(mode))
    sink = _sink()
    dispatcher = sink.dispatcher
    labels: list[str] = []

    def mark(label: str) -> None:
        labels.append(label)
        zlib.crc32(b"")

    mark("start")
    for mode in modes:
        path = MODES[mode][0]
        formatter = sink.formatters["soap" if mode.startswith("soap") else "binary"]
        body = body_of(mode)[0]
        content_type = dict(body_of(mode)[1])[b"content-type"].decode()  # (what the app reads: the template's)
        incoming = formatter.read_call(body, content_type, None)
        entry, op = dispatcher.resolve(path, incoming)
        prepared = dispatcher.prepare(entry, op, formatter.read_call(body, content_type, None))
        ret = loop.run_until_complete(dispatcher.run(dispatcher.prepare(entry, op, formatter.read_call(
            body, content_type, None))))
        target = entry.target()
        whole = caller(mode)
        fresh = [formatter.read_call(body, content_type, None) for _ in range(calls)]
        mark("setup")
        for _ in range(calls):
            formatter.read_call(body, content_type, None)
        mark(f"{mode} read")
        for _ in range(calls):
            dispatcher.resolve(path, incoming)
        mark(f"{mode} resolve")
        for call in fresh:
            dispatcher.prepare(entry, op, call)
        mark(f"{mode} prepare")
        for _ in range(calls):
            state = CallContextState(prepared.context or {}, {}, prepared.headers) if prepared.context \
                else EMPTY_CONTEXT
            token = CURRENT_CONTEXT.set(state)
            try:
                run_capturing(_perform, target, op, list(prepared.args))
            finally:
                CURRENT_CONTEXT.reset(token)
        mark(f"{mode} method")
        for _ in range(calls):
            formatter.write_return(incoming, ret, None)
        mark(f"{mode} write")

        loop.run_until_complete(microseconds_per_call(whole, calls))
        mark(f"{mode} whole")
    labels_to.write_text(json.dumps(labels))


def report_phases(directory: Path, calls: int) -> None:
    labels = json.loads((directory / LABELS).read_text())
    dumps = sorted(directory.glob("out.*"), key=lambda p: int(p.suffix[1:]))
    for label, dump in zip(labels, dumps, strict=False):
        if label in ("start", "setup"):
            continue
        found = re.search(r"^(?:summary|totals): (\d+)", dump.read_text(), re.M)
        print(f"{label:24}{int(found.group(1)) // calls if found else 0:>12,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000, help="calls per round (default 2000)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--mode", choices=sorted(MODES), help="run just --calls calls of this case, no report")
    parser.add_argument("--phases", nargs="+", choices=sorted(MODES), metavar="MODE",
                        help="run each step of these cases --calls times between callgrind dumps (see below)")
    parser.add_argument("--report", type=Path, help="print the steps' instructions per call from these dumps")
    parser.add_argument("--labels", type=Path, default=Path("/tmp/cg") / LABELS, help="where --phases names the steps")
    args = parser.parse_args()
    if args.report:
        report_phases(args.report, args.calls)
        return
    write_requests()
    if args.phases:
        args.labels.parent.mkdir(parents=True, exist_ok=True)
        run_phases(args.phases, args.calls, args.labels)
        return
    asyncio.run(_timed(args))


async def _timed(args: argparse.Namespace) -> None:
    for mode in MODES:
        await check(mode)
    if args.mode:
        await microseconds_per_call(caller(args.mode), args.calls)
        return
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    for _ in range(args.rounds):
        for mode in MODES:
            times[mode].append(await microseconds_per_call(caller(mode), args.calls))
    print(f"{'case':<16}{'µs/call (median)':>18}")
    for mode in MODES:
        print(f"{mode:<16}{statistics.median(times[mode]):>18.1f}")
    for dialect in ("soap", "binary"):
        for case in ("context", "ctxout", "refout"):
            ratios = [c / p for c, p in zip(times[f"{dialect}-{case}"], times[f"{dialect}-plain"], strict=True)]
            print(f"{dialect}: {case}/plain {statistics.median(ratios):.2f}x (target <= 1.3x; wall time, see README)")


if __name__ == "__main__":
    main()
