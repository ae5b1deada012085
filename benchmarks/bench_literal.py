"""Document/literal benchmark: wrk replays ``InteropService.hello("Alice")`` as a WSDL toolkit sends it.

  (a) ``examples.interop:app``             the gateway, ``hello`` a plain ``def`` (run in a worker thread)
  (b) ``benchmarks.literal_async_app:app``  the gateway, ``hello`` an ``async def``
  (c) ``benchmarks.bare_literal_app:app``   baseline: bare ASGI + lxml doing the same XML work, same bytes out

The request is what zeep sends for ``hello`` (SOAP 1.1, prefixed wrapper, ``SOAPAction: "urn:interop/hello"``;
``_harness.HELLO_LITERAL``), POSTed to ``/InteropService.soap``; a response counts as an error unless it is a
200 holding ``Hi there Alice``. Before measuring, one request per server checks the answer and its
Content-Type (``text/xml; charset=utf-8``), and (a), (b) and (c) must answer with the same bytes. Each server
runs alone, pinned to core 0 (uvicorn with uvloop + httptools, no access log); wrk runs pinned to core 1 with
one thread and 16 connections (``_harness.run_wrk_bench``, as ``bench_server.py``). Targets: a/c >= 0.6 and
b/c >= 0.75 (req/s), ratios per round, median reported.

  .venv/bin/python benchmarks/bench_literal.py                     # a, b, c; 10 s each
  .venv/bin/python benchmarks/bench_literal.py --rounds 3 --check  # medians of 3; exit 1 on a missed target
"""

from __future__ import annotations

import sys

from _harness import HELLO_LITERAL, Load, Ratio, Server, WrkBench, run_wrk_bench

BENCH = WrkBench(
    doc=__doc__ or "",
    title="InteropService.hello (document/literal SOAP 1.1)",
    servers=(
        Server((Load("a", "(a) gateway, sync hello", HELLO_LITERAL),), app="examples.interop:app"),
        Server((Load("b", "(b) gateway, async hello", HELLO_LITERAL),), app="benchmarks.literal_async_app:app"),
        Server((Load("c", "(c) bare ASGI + lxml (baseline)", HELLO_LITERAL),), app="benchmarks.bare_literal_app:app"),
    ),
    ratios=(Ratio("a", "c", 0.6), Ratio("b", "c", 0.75)),
    same_answers=True,
)

if __name__ == "__main__":
    sys.exit(run_wrk_bench(BENCH))
