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

Everything runs on 127.0.0.1 and is bounded in time (a server that does not come up within 60 s is skipped).

  python benchmarks/bench_leases.py                        # sweep + cao (mono too when available)
  python benchmarks/bench_leases.py --only sweep --leases 200000
  python benchmarks/bench_leases.py --only cao --duration 10 --no-mono
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import gc
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _harness import CLIENT_CORE, ROOT, SERVER_CORE, free_port, pinned, running, uvicorn_command

DEFAULT_POLL_SECONDS = 10.0  # .NET's LifetimeServices.LeaseManagerPollTime default (and ours)
STARTUP_TIMEOUT = 60.0


# ------------------------------------------------------------------ (1) sweep


def bench_sweep(leases: int, repeats: int) -> None:
    from gateway import Lease, LifetimeSettings, MarshalByRefObject, RemotingApp
    from gateway.server.lease_manager import LeaseManager

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
    from examples.remoting_samples import ClientActivatedObject
    from gateway import AsyncRemotingClient

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


def _wait_for(log_path: Path, proc_poll: object, ready: str | None, port: int) -> str:
    """'' once the server is up (a READY line in its log, or the port accepting), else why not."""
    import socket

    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        code = proc_poll()  # type: ignore[operator]
        if code is not None:
            tail = log_path.read_text(errors="replace").strip().splitlines()[-3:]
            return f"server exited ({code}): " + " | ".join(tail)
        if ready is not None:
            if any(line.startswith(ready) for line in log_path.read_text(errors="replace").splitlines()):
                return ""
        else:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return ""
            except OSError:
                pass
        time.sleep(0.1)
    return f"not ready after {STARTUP_TIMEOUT:.0f} s"


def bench_cao_server(name: str, args: argparse.Namespace, workdir: Path) -> CaoResult:
    result = CaoResult(name)
    port = free_port()
    if name == "ours":
        cmd, ready = uvicorn_command("examples.remoting_samples:app", port), None
    else:  # run-server.sh exec's mono, so the pid we start is the server's; builds first if needed
        cmd = pinned(SERVER_CORE, ["bash", str(args.mono_dir / "run-server.sh"), str(port), "--soap"])
        ready = "READY"
    log_path = workdir / f"server-{name}-{port}.log"
    with running(cmd, log_path) as proc:
        reason = _wait_for(log_path, proc.poll, ready, port)
        if reason:
            result.failure = reason
            return result
        try:
            asyncio.run(_drive(f"http://127.0.0.1:{port}/", args.duration, args.warmup, args.in_flight, result))
        except Exception as exc:
            result.failure = f"{type(exc).__name__}: {exc}"[:300]
    return result


def bench_cao(args: argparse.Namespace) -> None:
    print(f"== CAO activate + Increment + release, {args.in_flight} in flight, {args.duration:.0f} s each")
    servers = ["ours"]
    if args.mono:
        if shutil.which("mono") and (args.mono_dir / "run-server.sh").is_file():
            servers.append("mono")
        else:
            print("  mono: skipped (no `mono` on PATH or no run-server.sh in --mono-dir)")
    results: dict[str, CaoResult] = {}
    with tempfile.TemporaryDirectory(prefix="bench-leases-") as tmp:
        for name in servers:
            r = results[name] = bench_cao_server(name, args, Path(tmp))
            label = "ours (uvicorn examples.remoting_samples:app)" if name == "ours" else "Mono reference server"
            if r.seconds:
                print(
                    f"  {label}: {r.rate:,.0f} scenarios/s ({2 * r.rate:,.0f} requests/s), "
                    f"{r.scenarios:,} in {r.seconds:.1f} s, {r.errors} errors"
                    + (f" (first: {r.failure})" if r.failure else "")
                )
            else:
                print(f"  {label}: FAILED: {r.failure}")
    ours, mono = results.get("ours"), results.get("mono")
    if ours and mono and ours.rate and mono.rate:
        print(f"  ours/mono: {ours.rate / mono.rate:.2f}")


# ------------------------------------------------------------------ main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", choices=["sweep", "cao"], help="run one part only")
    p.add_argument("--leases", type=int, default=100_000, help="live leases for the sweep (default 100000)")
    p.add_argument("--sweeps", type=int, default=21, help="idle sweeps to time (default 21)")
    p.add_argument("--duration", type=float, default=5.0, help="measured seconds per server (default 5)")
    p.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per server (default 1)")
    p.add_argument("--in-flight", type=int, default=16, help="concurrent scenario loops (default 16)")
    p.add_argument("--no-mono", dest="mono", action="store_false", help="skip the Mono reference server")
    p.add_argument(
        "--mono-dir", type=Path, default=ROOT.parent / "shared" / "peers" / "mono",
        help="the Mono peer folder (default ../shared/peers/mono)",
    )  # fmt: skip
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(ROOT))  # examples/ and gateway/ from this checkout
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {CLIENT_CORE})
    if args.only in (None, "sweep"):
        bench_sweep(args.leases, args.sweeps)
    if args.only in (None, "cao"):
        bench_cao(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
