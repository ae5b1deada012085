"""Per-call cost of bench_server.py's four apps in process: the ASGI app driven directly, no HTTP, no uvicorn.

``bench_server.py`` measures requests per second under wrk, where a third or more of the server's CPU is
uvicorn's own HTTP work and the machine's other load moves the numbers by 2x. This drives each app's ASGI
callable with the request wrk sends (Mono's ``HelloMethod``, ``hello_request.xml``, its Content-Type and
SOAPAction, the headers wrk adds) on a uvloop event loop, so the gateway's own per-call work can be counted
with valgrind (deterministic instructions) or timed in process:

  (a) ``examples.hello:app``  sync ``HelloMethod`` (a worker-thread hand-off per call)
  (b) ``benchmarks.hello_async:app``  async ``HelloMethod``
  (c) ``benchmarks.bare_app:app``  bare ASGI + lxml
  (d) ``benchmarks.fixed_response_app:app``  bare ASGI, canned answer

Every answer is checked once (a 200 holding ``Hi there Alice``). Instructions per call, as
benchmarks/README.md reports them (the total of ``--calls 2001`` minus that of ``--calls 1``, divided by 2000)::

  PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
      .venv/bin/python benchmarks/bench_call_path.py --app a --calls 2001

``--body-later`` hands each request's body over a turn of the event loop after its headers, as uvicorn does
when the client wrote them apart (.NET's ``HttpWebRequest``, Java's ``HttpURLConnection``, ``http.client``;
wrk writes them together). ``--no-templates`` builds the gateways without request/response templates
(docs/architecture.md), for comparing. Without ``--calls``: the minimum over rounds of the in-process time per
call of each app, and the ratios.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import uvloop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _harness import HELLO_SOAP, asgi_caller, microseconds_per_call  # noqa: E402  (the script's folder is on sys.path, as in every bench script)

import soap  # noqa: E402

Message = MutableMapping[str, Any]
App = Callable[[MutableMapping[str, Any], Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
               Awaitable[None]]

APPS = {
    "a": "examples.hello:app",
    "b": "benchmarks.hello_async:app",
    "c": "benchmarks.bare_app:app",
    "d": "benchmarks.fixed_response_app:app",
}


def load(spec: str) -> App:
    module, _, name = spec.partition(":")
    app: App = getattr(importlib.import_module(module), name)
    return app


def caller(app: App, body_later: bool = False) -> Callable[[], Awaitable[tuple[int, bytes]]]:
    """One in-process request: wrk's request (``HELLO_SOAP``: its body and headers, and wrk's Host); with
    ``body_later`` its body comes a turn of the loop after the headers (as most clients send it)."""
    headers = [(b"host", b"127.0.0.1:8000")]
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in HELLO_SOAP.headers.items()]
    return asgi_caller(app, HELLO_SOAP.path, HELLO_SOAP.body, headers, body_later)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--app", choices=sorted(APPS), action="append", help="the apps (default: all)")
    parser.add_argument("--calls", type=int, help="run just this many calls of each --app, no report")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--body-later", action="store_true",
                        help="the body comes a turn of the event loop after the headers (wrk sends them together; "
                             "most clients write them apart)")
    parser.add_argument("--no-templates", action="store_true",
                        help="the gateways without request/response templates (SoapFormatter(templates=False))")
    args = parser.parse_args()
    if args.no_templates:  # before the apps are imported and build their formatters
        soap.SoapFormatter.__init__.__defaults__ = (soap.DEFAULT_REGISTRY, soap.DEFAULT_LIMITS, False)
    names = args.app or sorted(APPS)
    calls = {name: caller(load(APPS[name]), args.body_later) for name in names}
    for name, call in calls.items():
        status, answer = await call()
        if status != 200 or b"Hi there Alice" not in answer:
            raise SystemExit(f"({name}): unexpected answer {status} {answer[:300]!r}")
    if args.calls is not None:
        for call in calls.values():
            await microseconds_per_call(call, args.calls - 2)
            status, answer = await call()  # still right after many calls (templates in use)
            if status != 200 or b"Hi there Alice" not in answer:
                raise SystemExit(f"unexpected answer {status} {answer[:300]!r}")
        return
    best = {name: float("inf") for name in names}
    for _ in range(args.rounds):
        for name, call in calls.items():
            best[name] = min(best[name], await microseconds_per_call(call, 500))
    for name in names:
        print(f"({name}) {APPS[name]:<38} {best[name]:7.1f} µs/call (minimum of {args.rounds} rounds of 500)")
    for x, y in (("a", "c"), ("b", "c"), ("b", "d")):
        if x in best and y in best:
            print(f"{x}/{y} time ratio {best[x] / best[y]:.2f}")


if __name__ == "__main__":
    uvloop.run(main())
