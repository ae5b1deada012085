"""Lease benchmarks: the lease manager's sweep, and client-activated objects end to end.

  (1) sweep   ``LeaseManager.sweep()`` over 100,000 live leases, none of them due (the steady state): the
              median time per sweep, compared with the default 10 s poll (the ratio is the share of one core
              the lease manager costs). Then one sweep that expires all 100,000 objects published in an app's
              identity table (``RemotingApp.marshal``), with everything they unpublish.
  (2) cao     one scenario = activate ``ClientActivatedObject("bench")`` through RemoteActivationService.rem,
              call ``Increment()`` once (must answer 1), drop the proxy (the server releases the object when its
              5 s lease runs out; .NET clients have no explicit release either). ``--in-flight`` concurrent
              scenario loops on one ``AsyncRemotingClient`` for ``--duration`` s after ``--warmup`` s, against
                ours  uvicorn examples.remoting_samples:app (uvloop + httptools, pinned to core 0)
                mono  the Mono reference server, ``run-server.sh PORT --soap`` (when ``mono`` is on PATH)
              Both get the same client (this process, pinned to core 1); prints scenarios/s each and ours/mono.

Everything runs on 127.0.0.1 and is bounded in time (a server that does not answer within 60 s, Mono within
120 s as it may build first, is reported as failed).

  python benchmarks/bench_leases.py                        # sweep + cao (mono too when available)
  python benchmarks/bench_leases.py --only sweep --leases 200000
  python benchmarks/bench_leases.py --only cao --duration 10 --no-mono
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _harness import (
    CLIENT_CORE,
    HELLO_SOAP,
    MONO_READY_TIMEOUT,
    Table,
    add_mono_options,
    call_once,
    free_port,
    mono_command,
    mono_unavailable,
    pinned_to,
    running,
    uvicorn_command,
    wait_ready,
)

from examples.remoting_samples import ClientActivatedObject
from gateway import AsyncRemotingClient, Lease, LifetimeSettings, MarshalByRefObject, RemotingApp

# isort: split
# ---- private gateway modules: their paths follow the gateway's internal layout; repoint them here only ----
from gateway.server.lease_manager import LeaseManager

# ---------------------------------------------------------------------------------------------------------

DEFAULT_POLL_SECONDS = 10.0  # .NET's LifetimeServices.LeaseManagerPollTime default (and ours)


# ------------------------------------------------------------------ (1) sweep


def bench_sweep(leases: int, repeats: int) -> None:
    print(f"== lease manager sweep, {leases:,} live leases")
    manager = LeaseManager(dt.timedelta(seconds=DEFAULT_POLL_SECONDS), lambda lease: None)
    for _ in range(leases):
        manager.track(Lease())  # 5 min: none due
    gc.collect()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        due = manager.sweep()
        times.append(time.perf_counter() - started)
        assert due == 0
    sweep = statistics.median(times)
    print(
        f"  idle sweep: median {sweep * 1e3:.2f} ms (min {min(times) * 1e3:.2f}, max {max(times) * 1e3:.2f}, "
        f"{repeats} sweeps), {sweep / leases * 1e9:.0f} ns per lease"
    )
    print(
        f"  vs the default {DEFAULT_POLL_SECONDS:.0f} s poll: the poll is {DEFAULT_POLL_SECONDS / sweep:,.0f}x "
        f"longer than a sweep; sweeping costs {sweep / DEFAULT_POLL_SECONDS * 100:.4f} % of one core"
    )
    del manager

    class Published(MarshalByRefObject):
        def Ping(self) -> str:
            return "pong"

    app = RemotingApp(lifetime=LifetimeSettings(lease_manager_poll_time=dt.timedelta(seconds=DEFAULT_POLL_SECONDS)))
    baseline = app.identities.instance_count()
    started = time.perf_counter()
    for _ in range(leases):
        app.marshal(Published())
    publish = time.perf_counter() - started
    started = time.perf_counter()
    idle = app.leases.sweep()
    idle_app = time.perf_counter() - started
    started = time.perf_counter()
    expired = app.leases.sweep(now=time.monotonic() + 3600)
    mass = time.perf_counter() - started
    assert idle == 0 and expired == leases, (idle, expired)
    assert app.identities.instance_count() == baseline and len(app.leases) == 0
    print(
        f"  app with {leases:,} marshalled objects: publish {publish:.2f} s, idle sweep {idle_app * 1e3:.2f} ms, "
        f"sweep expiring all {mass * 1e3:.0f} ms ({mass / leases * 1e6:.2f} us per object, table empty after)"
    )


# ------------------------------------------------------------------ (2) cao


@dataclass
class CaoResult:
    name: str
    scenarios: int = 0
    seconds: float = 0.0
    errors: int = 0
    failure: str = ""

    @property
    def rate(self) -> float:
        return self.scenarios / self.seconds if self.seconds else 0.0


async def _drive(base: str, duration: float, warmup: float, in_flight: int, result: CaoResult) -> None:
    async with AsyncRemotingClient(timeout=10.0, max_connections=in_flight) as client:

        async def scenario() -> None:
            cao = await client.create_instance(ClientActivatedObject, base, "bench")
            value = await cao.Increment()
            if value != 1:
                raise AssertionError(f"Increment on a fresh CAO returned {value}")

        async def loop(until: float, counts: list[int]) -> None:
            while time.monotonic() < until:
                try:
                    await scenario()
                    counts[0] += 1
                except Exception as exc:
                    counts[1] += 1
                    if counts[1] == 1:
                        result.failure = f"{type(exc).__name__}: {exc}"[:300]

        await scenario()  # fails loudly if the server cannot do it at all
        warm = [0, 0]
        await asyncio.gather(*(loop(time.monotonic() + warmup, warm) for _ in range(in_flight)))
        counts = [0, 0]
        started = time.monotonic()
        await asyncio.gather(*(loop(started + duration, counts) for _ in range(in_flight)))
        result.seconds = time.monotonic() - started
        result.scenarios, result.errors = counts


def bench_cao_server(name: str, args: argparse.Namespace, workdir: Path) -> CaoResult:
    """Start one server (ours or Mono's), wait until it answers HelloMethod (both serve /SayHello.soap), drive."""
    result = CaoResult(name)
    port = free_port()
    if name == "ours":
        cmd, timeout = uvicorn_command("examples.remoting_samples:app", port), 60.0
    else:
        cmd, timeout = mono_command(args.mono_dir, port, "--soap"), MONO_READY_TIMEOUT
    log_path = workdir / f"server-{name}-{port}.log"
    with running(cmd, log_path) as proc:
        reason = wait_ready(proc, log_path, lambda: call_once(port, HELLO_SOAP)[1], timeout)
        if reason:
            result.failure = reason
            return result
        try:
            asyncio.run(_drive(f"http://127.0.0.1:{port}/", args.duration, args.warmup, args.in_flight, result))
        except Exception as exc:
            result.failure = f"{type(exc).__name__}: {exc}"[:300]
    return result


LABELS = {"ours": "ours (uvicorn examples.remoting_samples:app)", "mono": "Mono reference server"}


def bench_cao(args: argparse.Namespace) -> None:
    print(f"== CAO activate + Increment + release, {args.in_flight} in flight, {args.duration:.0f} s each")
    servers = ["ours"]
    if args.mono:
        why = mono_unavailable(args.mono_dir)
        if why:
            print(f"  mono: skipped ({why}; --mono-dir DIR points to the peer)")
        else:
            servers.append("mono")
    results: dict[str, CaoResult] = {}
    with tempfile.TemporaryDirectory(prefix="bench-leases-") as tmp:
        for name in servers:
            results[name] = bench_cao_server(name, args, Path(tmp))
    table = Table("server", ("scenarios/s", 12), ("requests/s", 11), ("scenarios", 10), ("seconds", 8),
                  ("errors", 7), width=max(map(len, LABELS.values())))  # fmt: skip
    table.header()
    for name, r in results.items():
        if not r.seconds:
            table.failed(LABELS[name], r.failure)
            continue
        first = f"  (first error: {r.failure})" if r.failure else ""
        table.row(LABELS[name], f"{r.rate:,.0f}", f"{2 * r.rate:,.0f}", f"{r.scenarios:,}", f"{r.seconds:.1f}",
                  str(r.errors), tail=first)  # fmt: skip
    ours, mono = results.get("ours"), results.get("mono")
    if ours and mono and ours.rate and mono.rate:
        print(f"ours/mono: {ours.rate / mono.rate:.2f}")


# ------------------------------------------------------------------ main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", choices=["sweep", "cao"], help="run one part only")
    p.add_argument("--leases", type=int, default=100_000, help="live leases for the sweep (default 100000)")
    p.add_argument("--sweeps", type=int, default=21, help="idle sweeps to time (default 21)")
    p.add_argument("--duration", type=float, default=5.0, help="measured seconds per server (default 5)")
    p.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per server (default 1)")
    p.add_argument("--in-flight", type=int, default=16, help="concurrent scenario loops (default 16)")
    add_mono_options(p, by_default=True)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with pinned_to(CLIENT_CORE):
        if args.only in (None, "sweep"):
            bench_sweep(args.leases, args.sweeps)
        if args.only in (None, "cao"):
            bench_cao(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
