"""Server benchmark: wrk replays ``IHello.HelloMethod("Alice")`` against three ASGI apps under uvicorn.

  (a) ``examples.hello:app``          the gateway, HelloServer with a sync ``def HelloMethod``
  (b) ``benchmarks.hello_async:app``  the gateway, HelloServer with an ``async def HelloMethod``
  (c) ``benchmarks.bare_app:app``     baseline: bare ASGI + lxml, no framework (the floor for Python)
  (mono, with ``--mono``)             reference: the Mono .NET Remoting server (``run-server.sh PORT --soap``)

Each server runs alone, pinned to core 0 (``taskset -c 0``; uvicorn with uvloop + httptools, no access
log); wrk runs pinned to core 1 with one thread. Per server: start, one checked request, a warm-up, then
the measured run. Targets: a/c >= 0.6 and b/c >= 0.75 (req/s). Everything is on 127.0.0.1; every step has
a time limit.

  .venv/bin/python benchmarks/bench_server.py                      # a, b, c; 10 s each, 16 connections
  .venv/bin/python benchmarks/bench_server.py --variants c --mono  # baseline and the Mono reference only
  .venv/bin/python benchmarks/bench_server.py --rounds 3 --check   # medians of 3; exit 1 on a missed target
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from _harness import (
    CLIENT_CORE,
    CONTENT_TYPE,
    EXPECT,
    HELLO_PATH,
    HERE,
    REQUEST_BODY,
    ROOT,
    SERVER_CORE,
    SOAP_ACTION,
    cpu_seconds,
    free_port,
    machine_busy_seconds,
    pinned,
    running,
    uvicorn_command,
    wait_for_quiet,
    wait_ready,
)

LUA = HERE / "hello.lua"

VARIANTS: dict[str, tuple[str, str]] = {
    "a": ("examples.hello:app", "gateway, sync HelloMethod"),
    "b": ("benchmarks.hello_async:app", "gateway, async HelloMethod"),
    "c": ("benchmarks.bare_app:app", "bare ASGI + lxml (baseline)"),
}
TARGETS = {"a": 0.6, "b": 0.75}  # minimum req/s ratio to the baseline (c)


@dataclass
class Result:
    variant: str
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    requests: int = 0
    errors: int = 0
    server_cpu: float = 0.0  # server CPU time / wall time during the measured run (1.0 = one core)
    other_cpu: float = 0.0  # CPU used by anything but the server and wrk meanwhile: noise, should be ~0
    failure: str = ""


def check_hello(port: int) -> str:
    """One HelloMethod call with the standard library: '' if the answer is right, else what is wrong.

    Raises OSError while nothing listens yet.
    """
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{HELLO_PATH}",
        data=REQUEST_BODY,
        method="POST",
        headers={"Content-Type": CONTENT_TYPE, "SOAPAction": SOAP_ACTION},
    )
    try:
        with urllib.request.urlopen(req, timeout=2.0) as resp:
            body = resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code} on the check request: {exc.read()[:200]!r}"
    return "" if EXPECT in body else f"check response lacks {EXPECT!r}: {body[:200]!r}"


def server_command(variant: str, port: int, mono_dir: Path) -> list[str]:
    if variant == "mono":
        # run-server.sh exec's mono, so the pid we start is the server's.
        return pinned(SERVER_CORE, ["bash", str(mono_dir / "run-server.sh"), str(port), "--soap"])
    return uvicorn_command(VARIANTS[variant][0], port)


RESULT_RE = re.compile(r"^RESULT (.*)$", re.MULTILINE)


def run_wrk(port: int, seconds: float, connections: int, latency: bool) -> dict[str, str]:
    cmd = [
        "taskset", "-c", str(CLIENT_CORE), "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s",
        "--timeout", "5s", "-s", str(LUA), f"http://127.0.0.1:{port}",
    ]  # fmt: skip
    if latency:
        cmd.insert(-1, "--latency")
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=False)
    match = RESULT_RE.search(out.stdout)
    if out.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed (exit {out.returncode}): {out.stdout[-500:]} {out.stderr[-500:]}")
    return dict(kv.split("=", 1) for kv in match.group(1).split())


def measure(variant: str, args: argparse.Namespace, workdir: Path) -> Result:
    port = free_port()
    log_path = workdir / f"server-{variant}-{port}.log"
    result = Result(variant)
    with running(server_command(variant, port, args.mono_dir), log_path) as proc:
        reason = wait_ready(proc, log_path, lambda: check_hello(port))
        if reason:
            result.failure = reason
            return result
        try:
            run_wrk(port, args.warmup, args.connections, latency=False)
            wrk0 = children_cpu_seconds()
            cpu0, busy0, t0 = cpu_seconds(proc.pid), machine_busy_seconds(), time.monotonic()
            fields = run_wrk(port, args.duration, args.connections, latency=True)
            cpu1, busy1, t1 = cpu_seconds(proc.pid), machine_busy_seconds(), time.monotonic()
            wrk_cpu = children_cpu_seconds() - wrk0
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            result.failure = str(exc)
            return result
    result.rps = float(fields["rps"])
    result.p50_ms = float(fields["lat_p50_ms"])
    result.p99_ms = float(fields["lat_p99_ms"])
    result.requests = int(fields["requests"])
    result.errors = sum(int(fields[k]) for k in ("bad", "err_connect", "err_read", "err_write", "err_timeout"))
    result.server_cpu = (cpu1 - cpu0) / (t1 - t0)
    result.other_cpu = max(0.0, (busy1 - busy0) - (cpu1 - cpu0) - wrk_cpu) / (t1 - t0)
    return result


def children_cpu_seconds() -> float:
    """CPU time of the finished child processes (wrk's, once ``subprocess.run`` has reaped it)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def median_result(variant: str, runs: list[Result]) -> Result:
    ok = [r for r in runs if not r.failure]
    if not ok:
        return runs[-1]
    by_rps = sorted(ok, key=lambda r: r.rps)
    mid = by_rps[(len(by_rps) - 1) // 2]  # the lower median: an actual run, not an average of two
    return Result(
        variant,
        rps=statistics.median(r.rps for r in ok),
        p50_ms=mid.p50_ms,
        p99_ms=mid.p99_ms,
        requests=sum(r.requests for r in ok),
        errors=sum(r.errors for r in ok),
        server_cpu=mid.server_cpu,
        other_cpu=max(r.other_cpu for r in ok),
    )


def round_ratios(runs: dict[str, list[Result]], num: str, den: str) -> list[float]:
    """num/den req/s of each round in which both ran: robust against load that drifts between rounds."""
    return [
        a.rps / b.rps
        for a, b in zip(runs.get(num, []), runs.get(den, []), strict=False)
        if not a.failure and not b.failure and b.rps
    ]


def label(variant: str) -> str:
    if variant == "mono":
        return "Mono .NET Remoting (reference)"
    return VARIANTS[variant][1]


def report(results: dict[str, Result], runs: dict[str, list[Result]], args: argparse.Namespace) -> bool:
    rounds = f", median of {args.rounds} rounds" if args.rounds > 1 else ""
    print(
        f"\nHelloMethod, wrk -t1 -c{args.connections} -d{args.duration:g}s "
        f"(warm-up {args.warmup:g} s){rounds}; server on core {SERVER_CORE}, wrk on core {CLIENT_CORE}"
    )
    header = (
        f"{'':7} {'server':32} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'srv CPU':>8} {'other CPU':>10}"
    )
    print(header)
    print("-" * len(header))
    for variant, r in results.items():
        if r.failure:
            print(f"({variant})".ljust(7), f"{label(variant):32} FAILED: {r.failure}")
            continue
        spread = ""
        ok_runs = [x.rps for x in runs[variant] if not x.failure]
        if len(ok_runs) > 1:
            spread = f"  ({min(ok_runs):.0f}-{max(ok_runs):.0f})"
        print(
            f"{'(' + variant + ')':7} {label(variant):32} {r.rps:9.0f} {r.p50_ms:8.2f} {r.p99_ms:8.2f} "
            f"{r.errors:7d} {r.server_cpu * 100:7.0f}% {r.other_cpu * 100:9.0f}%{spread}"
        )
    busiest = max((r.other_cpu for r in results.values() if not r.failure), default=0.0)
    if busiest > 0.1:
        print(f"NOTE: other processes used up to {busiest * 100:.0f}% of a core during a run: numbers are noisy")
    all_met = True
    print()
    for variant, target in TARGETS.items():
        if variant not in results:
            continue
        ratios = round_ratios(runs, variant, "c")
        if not ratios:
            print(f"{variant}/c: n/a (target >= {target})")
            all_met = False
            continue
        ratio = statistics.median(ratios)
        met = ratio >= target
        all_met &= met
        spread = f", rounds {min(ratios):.2f}-{max(ratios):.2f}" if len(ratios) > 1 else ""
        print(f"{variant}/c: {ratio:.2f}  (target >= {target}: {'met' if met else 'MISSED'}{spread})")
    mono_ratios = round_ratios(runs, "c", "mono")
    if mono_ratios:
        print(f"c/mono: {statistics.median(mono_ratios):.2f}  (baseline vs the Mono reference server, no target)")
    errors = sum(r.errors for r in results.values())
    if errors:
        print(f"ERRORS: {errors} requests were not 200 + {EXPECT!r} or failed at the socket level")
        all_met = False
    return all_met


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=float, default=10.0, help="seconds of each measured wrk run (default 10)")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up before it (default 3)")
    p.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    p.add_argument("--variants", default="a,b,c", help="comma-separated subset of a,b,c (default all)")
    p.add_argument("--mono", action="store_true", help="add the Mono reference server as an extra row")
    p.add_argument(
        "--mono-dir",
        type=Path,
        default=ROOT.parent / "shared" / "peers" / "mono",
        help="the Mono peer folder (default ../shared/peers/mono)",
    )
    p.add_argument("--rounds", type=int, default=1, help="repeat all servers N times, report medians")
    p.add_argument(
        "--quiet-wait",
        type=float,
        default=0.0,
        help="before each server, wait up to N s until other processes use < 10%% of a core (default 0)",
    )
    p.add_argument("--check", action="store_true", help="exit 1 if a target is missed or a server fails")
    args = p.parse_args(argv)
    args.variant_list = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = set(args.variant_list) - set(VARIANTS)
    if unknown:
        p.error(f"unknown variants: {', '.join(sorted(unknown))}")
    if args.mono:
        args.variant_list.append("mono")
        if not (args.mono_dir / "run-server.sh").is_file():
            p.error(f"no run-server.sh in {args.mono_dir}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            print(f"{tool} not found: run 'bash scripts/setup.sh' (installs wrk, util-linux)", file=sys.stderr)
            return 2
    if (os.cpu_count() or 1) < 2:
        print("needs at least 2 cores (server on core 0, wrk on core 1)", file=sys.stderr)
        return 2
    runs: dict[str, list[Result]] = {v: [] for v in args.variant_list}
    with tempfile.TemporaryDirectory(prefix="bench-server-") as tmp:
        for n in range(args.rounds):
            for variant in args.variant_list:
                if args.quiet_wait > 0:
                    load = wait_for_quiet(args.quiet_wait)
                    if load >= 0.1:
                        print(f"  (machine still busy: {load:.2f} cores after {args.quiet_wait:g} s)", flush=True)
                r = measure(variant, args, Path(tmp))
                state = r.failure or (
                    f"{r.rps:.0f} req/s, p50 {r.p50_ms:.2f} ms, p99 {r.p99_ms:.2f} ms, errors {r.errors}, "
                    f"other CPU {r.other_cpu:.0%}"
                )
                print(f"round {n + 1}/{args.rounds} ({variant}) {label(variant)}: {state}", flush=True)
                runs[variant].append(r)
    results = {v: median_result(v, rs) for v, rs in runs.items()}
    all_met = report(results, runs, args)
    failed = any(r.failure for r in results.values())
    return 1 if args.check and (failed or not all_met) else 0


if __name__ == "__main__":
    sys.exit(main())
