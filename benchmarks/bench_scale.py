"""Scale-out benchmarks: what a shared store (Redis) and several workers cost.

  (1) store    SingleCall ``HelloMethod("Alice")`` (wrk -c16, ``benchmarks.scale_app:app``, one worker):
               server CPU per request with the default embedded store and with ``GATEWAY_STORE=redis://...``
               (SingleCall calls never touch the store). Target: redis / embedded <= 1.05.
  (2) hook     in process, without HTTP (no load generator, no sockets: less noise): the same SingleCall request
               through the ASGI application, one without a shared store and one with (its placement hook runs
               on every request; a SingleCall request never reaches the store, so which shared store does not
               matter: the embedded one, shared, is used), 20 interleaved batches. Target: shared / alone <= 1.05.
  (3) forward  p50 latency of ``HelloMethod`` on a client-activated object (wrk -c1: one call at a time), sent
               to the worker that owns it (direct) and to another one (forwarded to the owner). Two single
               worker uvicorn instances sharing Redis. Target: forwarded - direct <= 0.5 ms.
  (4) workers  SingleCall ``HelloMethod`` (wrk -c16) against ``uvicorn --workers 1`` (on core 0) and
               ``--workers 2`` (on both cores: a worker per core, as a 2-core machine runs them; wrk shares
               core 1 with one of them) with the Redis store: total server CPU per request (supervisor and
               workers); a third server, two workers without a store, is the control. Target: 2 / 1 <= 1.1.
  (5) sweep    in process: the lease manager's sweep over ``--leases`` leases (100,000) whose deadlines are
               indexed in Redis, none due (the steady state); also the first recording of all of them, a sweep
               re-recording 1,000 renewed ones, and one expiring all. Target: steady sweep < 10 % of the
               default 10 s poll.

Servers are pinned to core 0 (uvloop + httptools, no access log); wrk, Redis (``redis-server`` started here on
a free loopback port, no persistence) and this process to core 1 ((2) and (5) run on core 0). The two sides of each
comparison run at the same time and wrk takes turns between them (``--slices`` runs of ``--duration /
--slices`` seconds per side, the order rotating each time), so that load elsewhere on the machine falls on
every side alike; requests and CPU are summed per side. Every answer is checked; everything is on 127.0.0.1
and bounded in time.

  python benchmarks/bench_scale.py                         # all five, one round
  python benchmarks/bench_scale.py --rounds 3 --check      # medians of 3; exit 1 on a missed target
  python benchmarks/bench_scale.py --only forward,sweep
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from _harness import (
    CLIENT_CORE,
    ERROR_FIELDS,
    EXPECT,
    HELLO_PATH,
    HELLO_SOAP,
    REQUEST_BODY,
    SERVER_CORE,
    Request,
    Result,
    Table,
    add_run_options,
    call_once,
    children_cpu_seconds,
    cpu_seconds,
    free_port,
    machine_busy_seconds,
    noise_note,
    pinned,
    pinned_to,
    preflight,
    progress,
    rounds_note,
    run_wrk,
    running,
    settle,
    spread,
    tree_cpu_seconds,
    uvicorn_command,
    wait_ready,
    write_lua,
)

from examples.hello import HelloServer
from gateway import LifetimeSettings, RemotingApp, RemotingClient, WellKnownObjectMode, proxy_objref

# isort: split
# ---- private gateway modules: their paths follow the gateway's internal layout; repoint them here only ----
from gateway.cluster.lease_index import StoreLeaseIndex
from gateway.model.lease import LeaseBase
from gateway.server.lease_manager import LeaseManager
from gateway.store import EmbeddedStore, ObjectStore, RedisStore

# ---------------------------------------------------------------------------------------------------------

APP = "benchmarks.scale_app:app"
PARTS = ("store", "hook", "forward", "workers", "sweep")


@dataclass
class Redis:
    url: str


@contextmanager
def redis_server(workdir: Path) -> Iterator[Redis]:
    port = free_port()
    cmd = pinned(CLIENT_CORE, [
        "redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--dir", str(workdir), "--daemonize", "no",
    ])  # fmt: skip
    with running(cmd, workdir / "redis.log") as proc:
        url = f"redis://127.0.0.1:{port}/0"

        def probe() -> str:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return "" if s.recv(16).startswith(b"+PONG") else "redis did not answer PONG"

        reason = wait_ready(proc, workdir / "redis.log", probe, 30)
        if reason:
            raise RuntimeError(f"redis-server: {reason}")
        yield Redis(url)


@contextmanager
def server(workdir: Path, env: dict[str, str], workers: int = 1) -> Iterator[tuple[int, int]]:
    """``benchmarks.scale_app:app`` under uvicorn, on core 0 (several workers: on every core, a worker per
    core); yields (pid, port) once it answers HelloMethod."""
    port = free_port()
    cmd = uvicorn_command(APP, port)  # taskset -c 0 python -m uvicorn ...
    if workers > 1:
        every_core = ",".join(str(core) for core in sorted(os.sched_getaffinity(0)))
        cmd = ["taskset", "-c", every_core, *cmd[3:], "--workers", str(workers)]
    log = workdir / f"server-{port}.log"
    with running(cmd, log, env) as proc:
        reason = wait_ready(proc, log, lambda: call_once(port, HELLO_SOAP)[1])
        if reason:
            raise RuntimeError(reason)
        yield proc.pid, port


def cpu_per_request(r: Result) -> float:
    """Server CPU seconds per request (server_cpu is CPU seconds per wall second)."""
    return r.server_cpu / r.rate if r.rate else float("inf")


def keep(runs: dict[str, list[Result]], n: int, rounds: int, part: str, results: list[Result],
         latency: bool = False) -> None:
    """File one round's results under their keys and print a progress line for each."""
    for r in results:
        runs[r.key].append(r)
        timing = f"p50 {r.p50_ms:.3f} ms, p99 {r.p99_ms:.3f} ms, " if latency else ""
        progress(n, rounds, f"{part} {r.key}", r.failure or f"{timing}{r.rate:.0f} req/s, "
                 f"{cpu_per_request(r) * 1e6:.0f} µs CPU/request, errors {r.errors}")


@dataclass
class Verdict:
    name: str
    values: list[float]  # per round
    target: float
    unit: str = ""
    fmt: str = ".2f"

    def report(self) -> bool:
        if not self.values:
            print(f"{self.name}: n/a (target <= {self.target:{self.fmt}}{self.unit})")
            return False
        value = statistics.median(self.values)
        met = value <= self.target
        rounds = f", rounds {min(self.values):{self.fmt}}-{max(self.values):{self.fmt}}" if len(self.values) > 1 else ""
        print(f"{self.name}: {value:{self.fmt}}{self.unit}  (target <= {self.target:{self.fmt}}{self.unit}: "
              f"{'met' if met else 'MISSED'}{rounds})")
        return met


def table(title: str, rows: dict[str, list[Result]], extra: Callable[[Result], str] | None = None) -> None:
    print(f"\n{title}")
    t = Table("server", ("req/s", 9), ("p50 ms", 8), ("p99 ms", 8), ("errors", 7), ("srv CPU", 8),
              ("µs CPU/req", 11), ("other CPU", 10), width=max(len(k) for k in rows))
    t.header()
    for label, runs in rows.items():
        ok = [r for r in runs if not r.failure]
        if not ok:
            t.failed(label, runs[-1].failure if runs else "not run")
            continue
        mid = sorted(ok, key=cpu_per_request)[(len(ok) - 1) // 2]
        t.row(label, f"{statistics.median(r.rate for r in ok):.0f}", f"{mid.p50_ms:.2f}", f"{mid.p99_ms:.2f}",
              str(sum(r.errors for r in ok)), f"{mid.server_cpu * 100:.0f}%", f"{cpu_per_request(mid) * 1e6:.0f}",
              f"{mid.other_cpu * 100:.0f}%", tail=spread([cpu_per_request(r) * 1e6 for r in ok]))
    noise_note(r.other_cpu for runs in rows.values() for r in runs if not r.failure)


# ------------------------------------------------------------------ interleaved wrk runs


@dataclass
class Target:
    """A server measured in an interleaved run: its key, pid, port and how its CPU time is read."""

    key: str
    pid: int
    port: int
    cpu: Callable[[int], float] = cpu_seconds


def interleaved(targets: Sequence[Target], lua: Path, args: argparse.Namespace, connections: int,
                n: int) -> list[Result]:
    """Warm each target up, then ``--slices`` wrk runs of ``duration / slices`` seconds per target, taking
    turns (the order rotates every slice and every round), so that load elsewhere on the machine drifting
    during the measurement falls on every side alike. Sums requests and CPU per target."""
    slices = max(1, args.slices)
    seconds = max(1.0, args.duration / slices)
    totals = {t.key: {"time": 0.0, "cpu": 0.0, "other": 0.0, "requests": 0, "errors": 0, "p50": [], "p99": []}
              for t in targets}
    try:
        for t in targets:
            run_wrk(lua, t.port, args.warmup, connections, latency=False)
        for i in range(slices):
            turn = (i + n) % len(targets)  # each target takes each place in the order equally often
            order = [*targets[turn:], *targets[:turn]]
            for t in order:
                wrk0 = children_cpu_seconds()
                cpu0, busy0, t0 = t.cpu(t.pid), machine_busy_seconds(), time.monotonic()
                fields = run_wrk(lua, t.port, seconds, connections, latency=True)
                cpu1, busy1, t1 = t.cpu(t.pid), machine_busy_seconds(), time.monotonic()
                wrk_cpu = children_cpu_seconds() - wrk0
                total = totals[t.key]
                total["time"] += t1 - t0
                total["cpu"] += cpu1 - cpu0
                total["other"] += max(0.0, (busy1 - busy0) - (cpu1 - cpu0) - wrk_cpu)
                total["requests"] += int(fields["requests"])
                total["errors"] += sum(int(fields[k]) for k in ERROR_FIELDS)
                total["p50"].append(float(fields["lat_p50_ms"]))
                total["p99"].append(float(fields["lat_p99_ms"]))
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        return [Result(t.key, failure=str(exc)) for t in targets]
    results = []
    for t in targets:
        total = totals[t.key]
        elapsed = total["time"]
        results.append(Result(
            t.key, rate=total["requests"] / elapsed, p50_ms=statistics.median(total["p50"]),
            p99_ms=statistics.median(total["p99"]), requests=total["requests"], errors=total["errors"],
            server_cpu=total["cpu"] / elapsed, other_cpu=total["other"] / elapsed,
        ))
    return results


# ------------------------------------------------------------------ (1) store, (4) workers


def measure_pair(workdir: Path, lua: Path, args: argparse.Namespace, n: int,
                 variants: Sequence[tuple[str, dict[str, str], int]]) -> list[Result]:
    """Each variant (key, environment, workers) as its own server, all up at once, measured interleaved."""
    try:
        with ExitStack() as stack:
            targets = []
            for key, env, workers in variants:
                pid, port = stack.enter_context(server(workdir, env, workers))
                targets.append(Target(key, pid, port, tree_cpu_seconds if workers > 1 else cpu_seconds))
            return interleaved(targets, lua, args, args.connections, n)
    except RuntimeError as exc:
        return [Result(key, failure=str(exc)) for key, _, _ in variants]


# ------------------------------------------------------------------ (3) forward


def measure_forward(workdir: Path, redis: Redis, args: argparse.Namespace, n: int) -> list[Result]:
    env = {"GATEWAY_STORE": redis.url, "GATEWAY_STORE_PREFIX": f"bench-forward-{n}"}
    try:
        with server(workdir, env) as (owner_pid, owner_port), server(workdir, env) as (other_pid, other_port):
            with RemotingClient(timeout=10) as client:
                ref = proxy_objref(client.create_instance(HelloServer, f"http://127.0.0.1:{owner_port}/"))
            if ref is None:
                raise RuntimeError("the activation answered no ObjRef")
            request = Request("hello-cao", "/" + ref.uri, HELLO_SOAP.source, HELLO_SOAP.headers)
            lua = write_lua(request, workdir)
            for port in (owner_port, other_port):
                _, reason = call_once(port, request)
                if reason:
                    raise RuntimeError(f"the object at :{port} answered wrongly: {reason}")
            # the forwarded side's CPU is both processes' (the forwarding worker and the owner)
            both = lambda _pid: cpu_seconds(other_pid) + cpu_seconds(owner_pid)  # noqa: E731
            targets = [Target("direct", owner_pid, owner_port), Target("forwarded", other_pid, other_port, both)]
            return interleaved(targets, lua, args, 1, n)
    except RuntimeError as exc:
        return [Result("direct", failure=str(exc)), Result("forwarded", failure=str(exc))]


# ------------------------------------------------------------------ (2) hook


def hello_app(store: ObjectStore | str) -> RemotingApp:
    app = RemotingApp(store=store, sinks=[])
    app.register_well_known(HelloServer, "SayHello.soap", WellKnownObjectMode.SingleCall)
    return app


async def asgi_call(app: RemotingApp) -> None:
    """One HelloMethod call straight into the ASGI application (checked)."""
    headers = [(k.lower().encode(), v.encode()) for k, v in HELLO_SOAP.headers.items()]
    scope = {"type": "http", "method": "POST", "path": HELLO_PATH, "raw_path": HELLO_PATH.encode(),
             "query_string": b"", "root_path": "", "scheme": "http", "server": ("127.0.0.1", 8000),
             "client": ("127.0.0.1", 5555), "headers": [(b"host", b"127.0.0.1:8000"), *headers]}
    answer: list[bytes] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": REQUEST_BODY, "more_body": False}

    async def send(message: dict[str, object]) -> None:
        if message["type"] == "http.response.body":
            answer.append(message["body"])  # type: ignore[arg-type]

    await app(scope, receive, send)  # type: ignore[arg-type]
    if EXPECT.encode() not in b"".join(answer):
        raise RuntimeError(f"unexpected answer: {b''.join(answer)[:200]!r}")


async def hook_once(batches: int = 20, calls: int = 1000) -> tuple[float, float]:
    """µs of CPU per call (alone, shared), medians of interleaved batches."""
    alone, shared = hello_app("embedded"), hello_app(EmbeddedStore(shared=True))
    assert shared.cluster is not None
    await shared.cluster.ensure_started()
    times: dict[int, list[float]] = {id(alone): [], id(shared): []}
    try:
        for app in (alone, shared):
            for _ in range(calls // 2):
                await asgi_call(app)
        for i in range(batches):
            for app in (alone, shared) if i % 2 else (shared, alone):
                started = time.process_time()
                for _ in range(calls):
                    await asgi_call(app)
                times[id(app)].append((time.process_time() - started) / calls * 1e6)
    finally:
        await shared.cluster.stop()
    return statistics.median(times[id(alone)]), statistics.median(times[id(shared)])


# ------------------------------------------------------------------ (5) sweep


@dataclass
class Sweep:
    record_all: float = 0.0  # first recording of every lease (one flush)
    steady: float = 0.0  # median sweep, none due
    renewed: float = 0.0  # a sweep re-recording 1,000 renewed leases
    expire_all: float = 0.0  # a sweep expiring every lease
    expired: int = 0
    failure: str = ""


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def sweep_once(redis: Redis, count: int, sweeps: int, n: int) -> Sweep:
    clock = ManualClock()
    settings = LifetimeSettings(lease_time=dt.timedelta(hours=1), clock=clock)
    expired: list[LeaseBase] = []
    manager = LeaseManager(dt.timedelta(seconds=10), expired.append, clock)
    store = RedisStore(redis.url, prefix=f"bench-sweep-{n}", timeout=30)
    index = StoreLeaseIndex(store, "bench-worker", manager.indexed)
    manager.index = index
    result = Sweep()
    try:
        await store.open()
        leases = [LeaseBase(settings) for _ in range(count)]
        for i, lease in enumerate(leases):
            manager.track(lease, f"obj{i}.rem")
        started = time.perf_counter()
        await index.flush()
        result.record_all = time.perf_counter() - started
        gc.collect()
        times = []
        for _ in range(sweeps):
            started = time.perf_counter()
            due = await manager.sweep_indexed()
            times.append(time.perf_counter() - started)
            assert due == 0
        result.steady = statistics.median(times)
        for i in range(1000):  # recorded as due, but renewed since: the sweep records them again
            index.record(f"obj{i}.rem", clock.now - 1)
        await index.flush()
        started = time.perf_counter()
        assert await manager.sweep_indexed() == 0
        await index.flush()  # the new deadlines (written by the next sweep otherwise)
        result.renewed = time.perf_counter() - started
        assert await store.due_leases("bench-worker", clock.now, 10) == []
        clock.now += 7200
        started = time.perf_counter()
        result.expired = await manager.sweep_indexed()
        result.expire_all = time.perf_counter() - started
        await index.flush()
        assert await store.lease_count("bench-worker") == 0 and len(expired) == count
    except Exception as exc:  # reported as a failed row
        result.failure = f"{type(exc).__name__}: {exc}"
    finally:
        await store.remove_worker("bench-worker")
        await store.close()
    return result


# ------------------------------------------------------------------ main


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_run_options(p, duration=10.0, warmup=3.0, what="wrk run")
    p.add_argument("--connections", type=int, default=16, help="wrk connections for (1) and (4) (default 16)")
    p.add_argument("--slices", type=int, default=5, help="turns each side takes in an interleaved run (default 5)")
    p.add_argument("--only", default=",".join(PARTS), help=f"comma-separated subset of {','.join(PARTS)}")
    p.add_argument("--leases", type=int, default=100_000, help="leases in (5) (default 100000)")
    p.add_argument("--sweeps", type=int, default=20, help="steady sweeps timed in (5) (default 20)")
    args = p.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers and Redis on the way out
    parts = [part.strip() for part in args.only.split(",") if part.strip()]
    if set(parts) - set(PARTS):
        p.error(f"unknown parts: {', '.join(sorted(set(parts) - set(PARTS)))}")
    problem = preflight(("wrk", "taskset", "redis-server")) if set(parts) - {"sweep"} else (
        "" if shutil.which("redis-server") else "redis-server not found: run 'bash scripts/setup.sh'")
    if problem:
        print(problem, file=sys.stderr)
        return 2
    runs: dict[str, list[Result]] = {
        k: [] for k in ("embedded", "redis", "direct", "forwarded", "w1", "w2", "w2-embedded")
    }
    sweeps: list[Sweep] = []
    hooks: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp, redis_server(Path(tmp)) as redis:
        workdir = Path(tmp)
        hello_lua = write_lua(HELLO_SOAP, workdir)
        for n in range(args.rounds):
            if "store" in parts:
                settle(args.quiet_wait)
                store_env = {"GATEWAY_STORE": redis.url, "GATEWAY_STORE_PREFIX": f"bench-store-{n}"}
                keep(runs, n, args.rounds, "(1)", measure_pair(
                    workdir, hello_lua, args, n, [("embedded", {}, 1), ("redis", store_env, 1)]))
            if "hook" in parts:
                settle(args.quiet_wait)
                with pinned_to(SERVER_CORE):
                    hook = asyncio.run(hook_once())
                hooks.append(hook)
                progress(n, args.rounds, "(2) hook", f"alone {hook[0]:.1f} µs, with a shared store {hook[1]:.1f} µs "
                         "of CPU per call")
            if "forward" in parts:
                settle(args.quiet_wait)
                keep(runs, n, args.rounds, "(3)", measure_forward(workdir, redis, args, n), latency=True)
            if "workers" in parts:
                settle(args.quiet_wait)
                variants = [(f"w{count}", {"GATEWAY_STORE": redis.url, "GATEWAY_STORE_PREFIX": f"bench-w{count}-{n}"},
                             count) for count in (1, 2)]
                variants.append(("w2-embedded", {}, 2))  # the control: two workers without a store
                keep(runs, n, args.rounds, "(4)", measure_pair(workdir, hello_lua, args, n, variants))
            if "sweep" in parts:
                settle(args.quiet_wait)
                with pinned_to(SERVER_CORE):
                    s = asyncio.run(sweep_once(redis, args.leases, args.sweeps, n))
                sweeps.append(s)
                progress(n, args.rounds, "(5) sweep", s.failure or f"steady {s.steady * 1000:.2f} ms, "
                         f"first recording {s.record_all:.2f} s, expiring all {s.expire_all:.2f} s")
    met = report(parts, runs, sweeps, hooks, args)
    return 1 if args.check and not met else 0


def per_round(num: list[Result], den: list[Result], f: Callable[[Result, Result], float]) -> list[float]:
    return [f(a, b) for a, b in zip(num, den, strict=False) if not a.failure and not b.failure and a.rate and b.rate]


def report(parts: list[str], runs: dict[str, list[Result]], sweeps: list[Sweep], hooks: list[tuple[float, float]],
           args: argparse.Namespace) -> bool:
    met = True
    errors = sum(r.errors for rs in runs.values() for r in rs)
    failed = [r.failure for rs in runs.values() for r in rs if r.failure] + [s.failure for s in sweeps if s.failure]
    note = rounds_note(args.rounds)
    if "store" in parts:
        table(f"(1) SingleCall HelloMethod, one worker, wrk -t1 -c{args.connections} -d{args.duration:g}s{note}",
              {"embedded store (default)": runs["embedded"], "GATEWAY_STORE=redis://...": runs["redis"]})
        met &= Verdict("redis / embedded, server CPU per request",
                       per_round(runs["redis"], runs["embedded"], lambda a, b: cpu_per_request(a) / cpu_per_request(b)),
                       1.05).report()
    if "hook" in parts:
        print(f"\n(2) SingleCall HelloMethod through the ASGI application in process, 20 x 1000 calls{note}")
        t = Table("application", ("µs CPU/call", 12), width=30)
        t.header()
        if hooks:
            t.row("no shared store", f"{statistics.median(h[0] for h in hooks):.1f}",
                  tail=spread([h[0] for h in hooks], ".1f"))
            t.row("shared store (placement hook)", f"{statistics.median(h[1] for h in hooks):.1f}",
                  tail=spread([h[1] for h in hooks], ".1f"))
        met &= Verdict("shared / alone, CPU per call in process", [h[1] / h[0] for h in hooks], 1.05).report()
    if "forward" in parts:
        table(f"(3) HelloMethod on a client-activated object, wrk -t1 -c1 -d{args.duration:g}s{note}",
              {"direct (the owner)": runs["direct"], "forwarded (another worker)": runs["forwarded"]})
        forwarded = per_round(runs["forwarded"], runs["direct"], lambda a, b: a.p50_ms - b.p50_ms)
        met &= Verdict("forwarded - direct, p50", forwarded, 0.5, " ms", ".3f").report()
    if "workers" in parts:
        table(f"(4) SingleCall HelloMethod with the Redis store, wrk -t1 -c{args.connections} "
              f"-d{args.duration:g}s{note}; CPU of every process of the server",
              {"--workers 1": runs["w1"], "--workers 2": runs["w2"],
               "--workers 2, embedded (control)": runs["w2-embedded"]})
        met &= Verdict("2 workers / 1 worker, server CPU per request",
                       per_round(runs["w2"], runs["w1"], lambda a, b: cpu_per_request(a) / cpu_per_request(b)),
                       1.1).report()
        control = per_round(runs["w2"], runs["w2-embedded"], lambda a, b: cpu_per_request(a) / cpu_per_request(b))
        if control:
            print(f"2 workers with Redis / 2 workers without a store, server CPU per request: "
                  f"{statistics.median(control):.2f}  (no target: what two processes cost is the same without "
                  f"a store, rounds {min(control):.2f}-{max(control):.2f})")
    if "sweep" in parts:
        ok = [s for s in sweeps if not s.failure]
        print(f"\n(5) lease sweep with the deadlines of {args.leases:,} leases indexed in Redis{note}")
        t = Table("what", ("time", 12), ("of a 10 s poll", 15), width=26)
        t.header()
        if ok:
            for label, attr in (("steady sweep (none due)", "steady"), ("first recording of all", "record_all"),
                                ("sweep re-recording 1,000", "renewed"), ("sweep expiring all", "expire_all")):
                values = [getattr(s, attr) for s in ok]
                value = statistics.median(values)
                t.row(label, f"{value * 1000:.2f} ms", f"{value / 10 * 100:.3f}%",
                      tail=spread([v * 1000 for v in values], ".2f"))
        else:
            t.failed("sweep", sweeps[-1].failure if sweeps else "not run")
        met &= Verdict("steady sweep, share of the 10 s poll", [s.steady / 10 * 100 for s in ok], 10.0, " %",
                       ".3f").report()
    if errors:
        print(f"ERRORS: {errors} requests were not 200 + 'Hi there Alice' or failed at the socket level")
    for failure in failed:
        print(f"FAILED: {failure}")
    return met and not errors and not failed


if __name__ == "__main__":
    sys.exit(main())
