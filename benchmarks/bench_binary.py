"""Binary formatter benchmark: ``IHello.HelloMethod("Alice")`` in MS-NRBF vs SOAP on the same gateway.

One uvicorn process serves ``examples.hello:app`` with ``GATEWAY_FORMATTERS=soap,binary`` (uvloop +
httptools, no access log, pinned to core 0). wrk (``-t1 -c16``, pinned to core 1) replays, in the same run
and against that same process (the order flips every other round):

  soap    the Mono client's SOAP request (``hello_request.xml``, ``text/xml``, SOAPAction)
  binary  the Mono client's binary request (``tests/fixtures/mono_binary/001_HelloMethod.request.bin``,
          135 bytes, ``Content-Type: application/octet-stream``)

Every response must be a 200 whose body contains ``Hi there Alice``. With Mono installed, the Mono .NET
Remoting server with the binary formatter (``run-server.sh PORT --binary``) is measured the same way as a
reference row (``--no-mono`` skips it). Prints req/s, p50/p99 latency, server CPU and the ratio binary/SOAP
(target >= 1.3). Everything runs on 127.0.0.1; every step has a time limit (``_harness.run_wrk_bench``).

  .venv/bin/python benchmarks/bench_binary.py                       # ~40 s with Mono
  .venv/bin/python benchmarks/bench_binary.py --rounds 3 --check    # medians of 3; exit 1 on a missed target
"""

from __future__ import annotations

import sys

from _harness import HELLO_BINARY, HELLO_SOAP, Load, Ratio, Server, WrkBench, run_wrk_bench

BENCH = WrkBench(
    doc=__doc__ or "",
    title='HelloMethod("Alice")',
    servers=(
        Server(
            (Load("soap", "gateway, SOAP", HELLO_SOAP), Load("binary", "gateway, binary (MS-NRBF)", HELLO_BINARY)),
            app="examples.hello:app",
            env={"GATEWAY_FORMATTERS": "soap,binary"},  # the gateway under test enables both formatters
        ),
    ),
    ratios=(
        Ratio("binary", "soap", 1.3, label="binary/SOAP"),
        Ratio("binary", "mono", label="gateway binary/Mono binary", note="reference, no target"),
    ),
    mono=Server((Load("mono", "Mono .NET Remoting, binary (ref)", HELLO_BINARY),), mono_flag="--binary"),
    mono_by_default=True,
)

if __name__ == "__main__":
    sys.exit(run_wrk_bench(BENCH))
