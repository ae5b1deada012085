"""In-process benchmark of ``bench_server.py``'s apps: the ASGI callable driven directly, no HTTP, no uvicorn.

``bench_server.py`` puts uvicorn and wrk around each app, which on a shared machine is mostly noise; this
calls the app's ASGI callable in this process (a scope, a receive and a send) with Mono's ``HelloMethod``
request, and checks every answer. ``--calls N --app X`` runs just N calls of one app after 3 warm-up calls, so
that valgrind can count instructions (deterministic), which is how benchmarks/README.md's numbers were taken:

  .venv/bin/python benchmarks/bench_inprocess.py                           # µs per call of a, b, c, ~10 s
  PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
      .venv/bin/python benchmarks/bench_inprocess.py --calls 1001 --app b
  (minus the same with --calls 1, divided by 1000: instructions per call)

``--no-templates`` reads and writes every call with the full parser and writer (``SoapFormatter``'s
``templates=False``), for an A/B of the formatter's templates (docs/architecture.md).

  a  ``examples.hello:app``: the gateway, sync ``HelloMethod`` (a worker thread per call)
  b  ``benchmarks/hello_async.py``: the gateway, ``async def HelloMethod``
  c  ``benchmarks/bare_app.py``: bare ASGI + lxml, the baseline
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from collections.abc import Awaitable, Callable

from _harness import EXPECT, HELLO_SOAP, AsgiApp, asgi_caller, microseconds_per_call

import soap


def load(which: str) -> AsgiApp:
    if which == "a":
        from examples.hello import app
    elif which == "b":
        from hello_async import app
    else:
        from bare_app import app
    return app  # type: ignore[return-value]


def caller(app: AsgiApp) -> Callable[[], Awaitable[None]]:
    """One in-process call of ``HelloMethod("Alice")``, its answer checked."""
    headers = [(k.lower().encode(), v.encode()) for k, v in HELLO_SOAP.headers.items()]
    post = asgi_caller(app, HELLO_SOAP.path, HELLO_SOAP.body, headers)

    async def call() -> None:
        status, answer = await post()
        if status != 200 or EXPECT.encode() not in answer:
            raise SystemExit(f"unexpected answer {status} {answer[:300]!r}")

    return call


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000, help="calls per round (default 2000)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--app", choices=("a", "b", "c"), help="run just --calls calls of this app, no report")
    parser.add_argument("--no-templates", action="store_true", help="SoapFormatter(templates=False)")
    args = parser.parse_args()
    if args.no_templates:  # before the apps build their formatters
        soap.SoapFormatter.__init__.__defaults__ = (soap.DEFAULT_REGISTRY, soap.DEFAULT_LIMITS, False)
    apps = {which: caller(load(which)) for which in ([args.app] if args.app else ["a", "b", "c"])}
    for call in apps.values():
        for _ in range(3):
            await call()
    if args.app:
        await microseconds_per_call(apps[args.app], args.calls)
        return
    times: dict[str, list[float]] = {which: [] for which in apps}
    for _ in range(args.rounds):
        for which, call in apps.items():
            times[which].append(await microseconds_per_call(call, args.calls))
    for which in apps:
        print(f"{which}: {statistics.median(times[which]):.1f} µs/call (median of {args.rounds} rounds)")
    for which in ("a", "b"):
        ratios = [c / x for x, c in zip(times[which], times["c"], strict=True)]
        print(f"{which}/c (calls per second, in process): {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
