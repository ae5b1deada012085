"""Load test: wrk with 256 connections against ``IHello.HelloMethod`` for a bounded time (issue 13's load test).

Not a speed benchmark: it checks that a server under many connections answers every request correctly and
keeps its memory flat. It starts ``examples.hello:app`` under uvicorn (uvloop + httptools, on core 0), wrk on
core 1 with 256 connections for ``--duration`` seconds (default 60; ``--duration 2`` for a smoke run), and
reports the requests, every kind of error (connect, read, write, timeout, non-2xx or a body without
"Hi there Alice") and the server's resident memory (VmRSS) before the load, after a short warm-up, and
after the run. ``--check`` exits 1 on any error, or when RSS grew by more than ``--rss-slack-mb`` over the
measured run.

    python benchmarks/load_wrk.py                  # 60 s
    python benchmarks/load_wrk.py --duration 30 --check
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

from _harness import (
    ERROR_FIELDS,
    HELLO_SOAP,
    call_once,
    free_port,
    preflight,
    run_wrk,
    running,
    uvicorn_command,
    wait_ready,
    write_lua,
)

APP = "examples.hello:app"


def rss_bytes(pid: int) -> int:
    """The process's resident set size, from /proc (0 if it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) * 1024 if match else 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=float, default=60.0, help="seconds of measured load (default 60)")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds of load before the first RSS reading")
    p.add_argument("--connections", type=int, default=256, help="wrk connections (default 256)")
    p.add_argument("--rss-slack-mb", type=float, default=32.0,
                   help="how much RSS may grow over the measured run with --check (default 32 MB)")
    p.add_argument("--check", action="store_true", help="exit 1 on any error or RSS growth over the slack")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    missing = preflight() or HELLO_SOAP.missing()
    if missing:
        print(f"cannot run: {missing}")
        return 2
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        log = work / "server.log"
        lua = write_lua(HELLO_SOAP, work)
        with running(uvicorn_command(APP, port), log) as proc:
            why = wait_ready(proc, log, lambda: call_once(port, HELLO_SOAP)[1])
            if why:
                print(f"server not ready: {why}")
                return 2
            rss_start = rss_bytes(proc.pid)
            if args.warmup > 0:
                run_wrk(lua, port, args.warmup, args.connections, latency=False)
            rss_before = rss_bytes(proc.pid)
            fields = run_wrk(lua, port, args.duration, args.connections, latency=True)
            rss_after = rss_bytes(proc.pid)
            alive = proc.poll() is None
    errors = {name: int(fields[name]) for name in ERROR_FIELDS}
    errors["err_status"] = int(fields["err_status"])  # wrk's own non-2xx count (also inside "bad")
    growth = (rss_after - rss_before) / 2**20
    print(f"wrk -c{args.connections} -d{args.duration:g}s against {APP} ({HELLO_SOAP.path}), after "
          f"{args.warmup:g} s warm-up")  # fmt: skip
    print(f"  requests {fields['requests']} in {float(fields['duration_s']):.1f} s = {float(fields['rps']):.0f}/s; "
          f"latency p50 {float(fields['lat_p50_ms']):.1f} ms, p99 {float(fields['lat_p99_ms']):.1f} ms, "
          f"max {float(fields['lat_max_ms']):.1f} ms")  # fmt: skip
    print(f"  ok {fields['ok']}, errors: " + ", ".join(f"{k}={v}" for k, v in errors.items())
          + (f" (last bad status {fields['last_bad']})" if fields["last_bad"] != "-" else ""))  # fmt: skip
    print(f"  server RSS: {rss_start / 2**20:.1f} MB idle, {rss_before / 2**20:.1f} MB after warm-up, "
          f"{rss_after / 2**20:.1f} MB after the run ({growth:+.1f} MB)"
          + ("" if alive else "; the server exited!"))  # fmt: skip
    failed = any(errors.values()) or not alive or growth > args.rss_slack_mb
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
