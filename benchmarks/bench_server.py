"""Server benchmark: wrk replays ``IHello.HelloMethod("Alice")`` against three ASGI apps under uvicorn.

  (a) ``examples.hello:app``          the gateway, HelloServer with a sync ``def HelloMethod``
  (b) ``benchmarks.hello_async:app``  the gateway, HelloServer with an ``async def HelloMethod``
  (c) ``benchmarks.bare_app:app``     baseline: bare ASGI + lxml, no framework (the floor for Python)
  (d) ``benchmarks.fixed_response_app:app``  ceiling: bare ASGI answering the canned response, no XML work
  (mono, with ``--mono``)             reference: the Mono .NET Remoting server (``run-server.sh PORT --soap``)

The request is the Mono client's (``hello_request.xml``, ``text/xml``, SOAPAction) POSTed to
``/SayHello.soap``; a response counts as an error unless it is a 200 holding ``Hi there Alice``. Each server
runs alone, pinned to core 0 (``taskset -c 0``; uvicorn with uvloop + httptools, no access log); wrk runs
pinned to core 1 with one thread. Per server: start, one checked request, a warm-up, then the measured run
(``_harness.run_wrk_bench``). Targets (issue 11): a/c >= 1.0 and b/c >= 1.15 (req/s); a/d and b/d, the
share of the fixed-response ceiling, are printed beside them (aim: b/d >= 0.4). Everything is on 127.0.0.1;
every step has a time limit.

  .venv/bin/python benchmarks/bench_server.py                      # a, b, c, d; 10 s each, 16 connections
  .venv/bin/python benchmarks/bench_server.py --variants c --mono  # baseline and the Mono reference only
  .venv/bin/python benchmarks/bench_server.py --rounds 3 --check   # medians of 3; exit 1 on a missed target
"""

from __future__ import annotations

import sys

from _harness import HELLO_SOAP, Load, Ratio, Server, WrkBench, run_wrk_bench

BENCH = WrkBench(
    doc=__doc__ or "",
    title="HelloMethod",
    servers=(
        Server((Load("a", "(a) gateway, sync HelloMethod", HELLO_SOAP),), app="examples.hello:app"),
        Server((Load("b", "(b) gateway, async HelloMethod", HELLO_SOAP),), app="benchmarks.hello_async:app"),
        Server((Load("c", "(c) bare ASGI + lxml (baseline)", HELLO_SOAP),), app="benchmarks.bare_app:app"),
        Server(
            (Load("d", "(d) bare ASGI, fixed response (ceiling)", HELLO_SOAP),), app="benchmarks.fixed_response_app:app"
        ),
    ),
    ratios=(
        Ratio("a", "c", 1.0),
        Ratio("b", "c", 1.15),
        Ratio("a", "d", note="share of the fixed-response ceiling, no target"),
        Ratio("b", "d", note="share of the fixed-response ceiling, aim >= 0.4"),
        Ratio("c", "mono", note="baseline vs the Mono reference server, no target"),
    ),
    mono=Server((Load("mono", "(mono) Mono .NET Remoting (reference)", HELLO_SOAP),), mono_flag="--soap"),
)

if __name__ == "__main__":
    sys.exit(run_wrk_bench(BENCH))
