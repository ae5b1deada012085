"""Where a call with a call context spends its instructions: ``bench_call_context.py``'s cases, step by step.

Each step of one call runs ``--calls`` times on its own, in process, between two ``zlib.crc32`` calls that
tell valgrind to dump its counters (``--dump-before='zlib_crc32*'``), so each dump holds one step:

  read      the formatter parses the request (``read_call``)
  resolve   the dispatcher finds the target and the method (for ``Traced``: chooses between its overloads)
  prepare   the arguments and the call context are decoded
  method    the method runs in the caller's call context (on this thread: no worker hand-off)
  write     the formatter writes the answer (with the context the method left)
  whole     the whole ASGI call, as ``bench_call_context.py`` makes it (the worker hand-off included)

  PYTHONHASHSEED=0 valgrind --tool=callgrind --dump-before='zlib_crc32*' --callgrind-out-file=/tmp/cg/out \\
      .venv/bin/python benchmarks/bench_call_context_phases.py --calls 20 soap-plain soap-context
  .venv/bin/python benchmarks/bench_call_context_phases.py --report /tmp/cg --calls 20

(the second command reads the dumps back and prints instructions per call of each step; ``callgrind_annotate
/tmp/cg/out.N`` shows one step's C functions).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_call_context import FIXTURES, MODES, caller, check  # noqa: E402
from examples.call_model import app  # noqa: E402
from gateway.model.call_context import CURRENT_CONTEXT, EMPTY_CONTEXT, CallContextState, run_capturing  # noqa: E402
from gateway.server.dispatcher import _perform  # noqa: E402

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


def run(modes: list[str], calls: int, labels_to: Path) -> None:
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
        path, fixture, _ = MODES[mode]
        formatter = sink.formatters["soap" if mode.startswith("soap") else "binary"]
        body = (FIXTURES / fixture).read_bytes()
        content_type = "text/xml" if mode.startswith("soap") else "application/octet-stream"
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

        loop.run_until_complete(_many(whole, calls))
        mark(f"{mode} whole")
    labels_to.write_text(json.dumps(labels))


async def _many(call: Any, calls: int) -> None:
    for _ in range(calls):
        await call()


def report(directory: Path, calls: int) -> None:
    labels = json.loads((directory / LABELS).read_text())
    dumps = sorted(directory.glob("out.*"), key=lambda p: int(p.suffix[1:]))
    for label, dump in zip(labels, dumps, strict=False):
        if label in ("start", "setup"):
            continue
        found = re.search(r"^(?:summary|totals): (\d+)", dump.read_text(), re.M)
        print(f"{label:24}{int(found.group(1)) // calls if found else 0:>12,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modes", nargs="*", choices=sorted(MODES), default=[])
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--report", type=Path, help="read the dumps in this directory back")
    parser.add_argument("--labels", type=Path, default=Path("/tmp/cg") / LABELS, help="where the step names go")
    args = parser.parse_args()
    if args.report:
        report(args.report, args.calls)
    else:
        args.labels.parent.mkdir(parents=True, exist_ok=True)
        run(args.modes or list(MODES), args.calls, args.labels)


if __name__ == "__main__":
    main()
