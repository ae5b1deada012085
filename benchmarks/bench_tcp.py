"""TCP channel benchmark: ``IHello.HelloMethod("Alice")`` with the binary formatter over the .NET Remoting TCP
channel, against our HTTP binary formatter and against Mono's ``TcpChannel`` server, in the same run.

wrk does not speak the TCP channel, so the load comes from a small load client of our own, one process pinned
to core 1: ``csharp/TcpLoad.cs`` (``--load-client csharp``, the default when Mono is installed: a thread with
a blocking socket per connection, a few microseconds a call, as wrk is for HTTP) or ``tcp_load.py``
(``--load-client python``: asyncio protocols on uvloop, which cost about as much a call as a bare asyncio
server answering without any work, so every ratio is pulled towards 1). ``--connections`` connections
(default ``1,16``: each count is a row), each with one call in flight, as .NET and Mono clients use a pooled
connection. The same client measures HTTP (the same 135-byte MS-NRBF body, HTTP/1.1 keep-alive POSTs), so
both channels are measured alike. Servers, pinned to core 0, one at a time:

  tcp     ``benchmarks.hello_tcp_app:app`` under uvicorn (uvloop + httptools): its TCP channel with every
          connection on the event loop (``TCP_THREADS=0``); the sync ``HelloMethod`` of ``examples.hello``
          (each call runs on a worker thread)
  http    the same process, over HTTP with the binary formatter
  tcp-async, http-async   the same with ``HELLO_ASYNC=1``: ``async def HelloMethod`` (no thread hop)
  tcp-threads, tcp-threads-async   the same over the TCP channel as it is by default (``TCP_THREADS=1``): a
          thread per connection running the call there, Mono's model (the sync method with no hop; the async
          one runs on the event loop, which serves the connection from its first call on)
  bare    ``bare_tcp_server.py``: a canned reply to every read on uvloop (the ceiling of a Python server)
  floor   ``c/canned_tcp.c``, built with ``cc``: the same canned reply from a C epoll loop (the ceiling of any
          server: what the load client, the loopback and the wake-ups take)
  lean    ``lean_tcp_server.py``: the channel's frame reader and the binary formatter's templates doing the
          call's own work on uvloop, nothing else of the gateway (the least a Python server does for it)
  mono    ``tests/interop/csharp`` ``TestServer.exe PORT --tcp``: a Mono ``TcpChannel`` server (binary
          formatter first), built with ``mcs`` by ``tests/interop/mono_build.py``

The request is Mono's captured binary ``HelloMethod("Alice")`` (``tests/fixtures/mono_binary/001_HelloMethod.
request.bin``) in the frame Mono's client writes (``RequestUri``, ``Content-Type``); every reply must carry
``Hi there Alice``. Targets, per connection count and variant: **tcp/mono >= 2**, **tcp/http >= 1.3**.
Under the ratios, the budget of each connection count: how much time a call a server may add to the floor's
and still be twice as fast as Mono, against what the lean Python call, the gateway and Mono add. Every server
of ours here (the gateway, the bare, lean and C ones) polls for ``DEFAULT_SPIN_WAIT_US`` after a reply
before it sleeps, as the gateway's TCP channel does by default (its spin-wait); Mono's server sleeps in its
``recv`` (docs/tcp.md, "Performance").

  .venv/bin/python benchmarks/bench_tcp.py                          # ~1 min
  .venv/bin/python benchmarks/bench_tcp.py --rounds 3 --check       # medians of 3; exit 1 on a missed target
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from _csharp import build_exe
from _harness import (
    CLIENT_CORE,
    HELLO_BINARY,
    HERE,
    ROOT,
    SERVER_CORE,
    Ratio,
    Result,
    Table,
    add_run_options,
    call_once,
    ceiling_note,
    check_ratios,
    combine,
    free_port,
    measure_run,
    noise_note,
    pinned,
    preflight,
    progress,
    rounds_note,
    running,
    settle,
    spread,
    uvicorn_command,
    wait_ready,
)

from gateway.model.spin_wait import DEFAULT_SPIN_WAIT_US
from gateway.tcp import FrameReader, Operation, TcpFrame, write_frame

PATH = "SayHello.soap"
BODY = HELLO_BINARY.source
EXPECT = b"Hi there Alice"
LOAD_CLIENT = HERE / "tcp_load.py"


def tcp_call_once(port: int) -> str:
    """One call over the TCP channel: '' if the reply is right, else what is wrong (OSError while down)."""
    frame = TcpFrame(Operation.Request, HELLO_BINARY.body, f"tcp://127.0.0.1:{port}/{PATH}", "application/octet-stream")
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(write_frame(frame))
        reader = FrameReader()
        while (reply := reader.next_frame()) is None:
            chunk = sock.recv(65536)
            if not chunk:
                return "the server closed the connection without a reply"
            reader.feed(chunk)
    return "" if EXPECT in reply.body else f"reply lacks {EXPECT!r}: {reply!r}"


@dataclass(frozen=True)
class Target:
    """A server process: how to start it, how to tell it is up, and the loads measured against it."""

    name: str
    command: Callable[[int, int], list[str]]  # (tcp port, http port) -> argv
    loads: tuple[tuple[str, str], ...]  # (key, mode): mode "tcp" or "http"
    env: Callable[[int], dict[str, str]] = lambda tcp_port: {}
    ready_timeout: float = 60.0


def gateway_target(variant: str, threads: bool = False) -> Target:
    """The gateway with a sync ``HelloMethod`` (``""``: run on a worker thread) or an async one (``"-async"``);
    with ``threads``, its TCP channel serves each connection on a thread of its own (``TcpChannel(threads=
    True)``: the sync method runs there; the async one on the event loop, which then serves the connection),
    measured over TCP only."""
    prefix = "tcp-threads" if threads else "tcp"
    loads = ((f"{prefix}{variant}", "tcp"),) if threads else ((f"tcp{variant}", "tcp"), (f"http{variant}", "http"))
    return Target(
        "gateway" + ("-threads" if threads else "") + variant,
        lambda tcp_port, http_port: uvicorn_command("benchmarks.hello_tcp_app:app", http_port),
        loads,
        env=lambda tcp_port: {"GATEWAY_TCP_PORT": str(tcp_port), "HELLO_ASYNC": "1" if variant else "0",
                              "TCP_THREADS": "1" if threads else "0"},
    )


def script_target(name: str, script: str) -> Target:
    """A Python server script of ``benchmarks/`` taking its port: ``bare_tcp_server.py`` (the ceiling of an
    asyncio server here: a canned reply to every read, no work) or ``lean_tcp_server.py`` (the call's formatter
    and framing work in Python, without the rest of the gateway)."""
    return Target(
        name, lambda tcp_port, http_port: pinned(SERVER_CORE, [sys.executable, str(HERE / script), str(tcp_port)]),
        ((name, "tcp"),),
    )  # fmt: skip


def floor_target(exe: Path) -> Target:
    """``c/canned_tcp.c``: the floor of any server here (a canned reply from a C epoll loop that polls after a
    reply for as long as the gateway's spin-wait does)."""
    reply = ROOT / "tests" / "fixtures" / "mono_tcp" / "binary_HelloMethod.reply.bin"
    spin = str(DEFAULT_SPIN_WAIT_US)
    return Target("floor",
                  lambda tcp_port, http_port: pinned(SERVER_CORE, [str(exe), str(tcp_port), str(reply), spin]),
                  (("floor", "tcp"),))  # fmt: skip


def build_floor(workdir: Path) -> Path:
    """``c/canned_tcp.c`` compiled into ``workdir``; RuntimeError without a C compiler or when it fails."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        raise RuntimeError("no C compiler (cc) on PATH")
    exe = workdir / "canned_tcp"
    out = subprocess.run([cc, "-O2", "-o", str(exe), str(HERE / "c" / "canned_tcp.c")],
                         capture_output=True, text=True, check=False)  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"cc failed: {out.stderr[-500:]}")
    return exe


def mono_target(server_exe: Path) -> Target:
    return Target(
        "mono", lambda tcp_port, http_port: pinned(SERVER_CORE, ["mono", str(server_exe), str(tcp_port), "--tcp"]),
        (("mono", "tcp"),), ready_timeout=120.0,
    )  # fmt: skip


def load_client(choice: str) -> tuple[list[str], str]:
    """The load client's command (before its options) and what it is: the C# one (built with ``mcs``) when
    asked for and Mono is here, else ``tcp_load.py``."""
    if choice == "csharp":
        try:
            return ["mono", str(build_exe("TcpLoad.cs", "TcpLoad.exe"))], "csharp/TcpLoad.cs (Mono)"
        except (OSError, RuntimeError) as exc:  # no mono/mcs, or the build failed
            print(f"(C# load client unavailable, tcp_load.py instead: {exc})")
    return [sys.executable, str(LOAD_CLIENT)], "tcp_load.py"


def run_load(port: int, mode: str, connections: int, args: argparse.Namespace) -> dict[str, str]:
    cmd = pinned(CLIENT_CORE, [
        *args.client_command, "--port", str(port), "--mode", mode, "--path", PATH, "--body", str(BODY),
        "--connections", str(connections), "--seconds", str(args.duration), "--warmup", str(args.warmup),
    ])  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.duration + args.warmup + 60, check=False)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"load client failed (exit {out.returncode}): {out.stdout[-300:]} {out.stderr[-500:]}")
    return dict(kv.split("=", 1) for kv in line.split()[1:])


@contextlib.contextmanager
def started(target: Target, workdir: Path) -> Iterator[tuple[int, int, int, str]]:
    """The server up and answering: (pid, tcp port, http port, '' or why it is not)."""
    tcp_port, http_port = free_port(), free_port()
    log_path = workdir / f"{target.name}-{tcp_port}.log"
    with running(target.command(tcp_port, http_port), log_path, target.env(tcp_port)) as proc:

        def probe() -> str:
            for _, mode in target.loads:
                reason = tcp_call_once(tcp_port) if mode == "tcp" else call_once(http_port, HELLO_BINARY)[1]
                if reason:
                    return reason
            return ""

        yield proc.pid, tcp_port, http_port, wait_ready(proc, log_path, probe, target.ready_timeout)


def per_cpu_second(result: Result) -> float:
    """Calls per CPU-second of the server process (0 when it used none)."""
    return result.rate / result.server_cpu if result.server_cpu else 0.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_run_options(p, duration=8.0, warmup=2.0, what="load run")
    p.add_argument("--connections", default="1,16", help="comma-separated connection counts, one row each")
    p.add_argument("--no-mono", dest="mono", action="store_false", help="skip the Mono reference server")
    p.add_argument("--load-client", choices=("csharp", "python"), default="csharp",
                   help="the load client: csharp/TcpLoad.cs under Mono (default) or tcp_load.py")
    args = p.parse_args(argv)
    args.connection_counts = [int(c) for c in args.connections.split(",") if c.strip()]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    problem = preflight(("taskset",)) or HELLO_BINARY.missing()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    args.client_command, args.client_name = load_client(args.load_client)
    targets = [gateway_target(""), gateway_target("-async"), gateway_target("", threads=True),
               gateway_target("-async", threads=True), script_target("bare", "bare_tcp_server.py"),
               script_target("lean", "lean_tcp_server.py")]
    if args.mono:
        try:
            sys.path.insert(0, str(ROOT / "tests" / "interop"))
            import mono_build

            targets.append(mono_target(mono_build.build().server_exe))
        except (OSError, RuntimeError) as exc:  # no mono/mcs, or the build failed
            print(f"(Mono reference rows skipped: {exc})")
    labels = {
        "tcp": "gateway TCP loop, sync HelloMethod", "http": "gateway HTTP, sync HelloMethod",
        "tcp-async": "gateway TCP loop, async HelloMethod", "http-async": "gateway HTTP, async HelloMethod",
        "tcp-threads": "gateway TCP threads, sync HelloMethod",
        "tcp-threads-async": "gateway TCP threads, async HelloMethod",
        "bare": "bare asyncio server (ceiling)", "floor": "C canned reply (floor)",
        "lean": "lean Python call (no sinks)", "mono": "Mono TcpChannel",
    }  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-tcp-") as tmp:
        try:
            targets.insert(5, floor_target(build_floor(Path(tmp))))  # beside the asyncio ceiling, before lean
        except RuntimeError as exc:
            print(f"(C floor row skipped: {exc})")
        keys = [f"{key}@{c}" for c in args.connection_counts for t in targets for key, _ in t.loads]
        runs: dict[str, list[Result]] = {key: [] for key in keys}
        for n in range(args.rounds):
            for target in targets:
                settle(args.quiet_wait)
                with started(target, Path(tmp)) as (pid, tcp_port, http_port, reason):
                    order = target.loads if n % 2 == 0 else target.loads[::-1]
                    for connections in args.connection_counts:
                        for key, mode in order:
                            row = f"{key}@{connections}"
                            port = tcp_port if mode == "tcp" else http_port
                            r = Result(row, failure=reason) if reason else measure_run(
                                row, pid, functools.partial(run_load, port, mode, connections, args))  # fmt: skip
                            runs[row].append(r)
                            state = r.failure or (f"{r.rate:.0f} calls/s, p50 {r.p50_ms:.2f} ms, errors {r.errors}, "
                                                  f"other CPU {r.other_cpu:.0%}")  # fmt: skip
                            progress(n, args.rounds, f"{labels[key]}, {connections} conn.", state)
    return report(args, labels, runs)


def print_budgets(connection_counts: list[int], labels: dict[str, str], results: dict[str, Result]) -> None:
    """Per connection count: the time a call (1 / rate) may take over the floor's (the faster of the two canned
    servers) and still be 2x Mono's rate, against what each server takes over it. At one connection the time
    a call is the round trip; with the server's core saturated it is the server's time a call. A budget near
    zero means that no server doing the call's work can reach the target here."""
    for c in connection_counts:
        canned = [r.rate for key in ("floor", "bare") if (r := results.get(f"{key}@{c}")) and not r.failure and r.rate]
        mono = results.get(f"mono@{c}")
        if not canned or mono is None or mono.failure or not mono.rate:
            continue
        floor_us = 1e6 / max(canned)  # the faster canned server of the run: the C one, or uvloop's when it won
        budget = 1e6 / (2 * mono.rate) - floor_us
        measured = ("lean", "tcp-async", "tcp", "tcp-threads", "mono")
        taken = [f"{labels[key]} {1e6 / r.rate - floor_us:.1f}" for key in measured
                 if (r := results.get(f"{key}@{c}")) is not None and not r.failure and r.rate]  # fmt: skip
        print(f"budget at {c} conn.: 2x Mono leaves a server {budget:.1f} us a call over the floor's {floor_us:.1f}; "
              f"taken over the floor (us a call): {'; '.join(taken)}")


def report(args: argparse.Namespace, labels: dict[str, str], runs: dict[str, list[Result]]) -> int:
    print(
        f'\nHelloMethod("Alice"), binary formatter; {args.client_name} {args.duration:g} s after '
        f"{args.warmup:g} s warm-up{rounds_note(args.rounds)}; server on core {SERVER_CORE}, "
        f"load client on core {CLIENT_CORE}"
    )
    table = Table("server", ("conn", 5), ("calls/s", 9), ("p50 ms", 8), ("p99 ms", 8), ("errors", 7),
                  ("srv CPU", 8), ("calls/CPU-s", 12), ("other CPU", 10),
                  width=max(len(v) for v in labels.values()))  # fmt: skip
    table.header()
    results = {key: combine(rs) for key, rs in runs.items() if rs}
    for key, r in results.items():
        name, _, conns = key.partition("@")
        if r.failure:
            table.failed(f"{labels[name]} ({conns})", r.failure)
            continue
        table.row(labels[name], conns, f"{r.rate:.0f}", f"{r.p50_ms:.2f}", f"{r.p99_ms:.2f}", str(r.errors),
                  f"{r.server_cpu * 100:.0f}%", f"{per_cpu_second(r):.0f}", f"{r.other_cpu * 100:.0f}%",
                  tail=spread([x.rate for x in runs[key] if not x.failure]))  # fmt: skip
    noise_note(r.other_cpu for r in results.values() if not r.failure)
    print()
    ratios = []
    for c in args.connection_counts:
        for variant, method in (("", "sync"), ("-async", "async")):
            tcp = f"tcp{variant}@{c}"
            ratios.append(Ratio(tcp, f"http{variant}@{c}", 1.3, label=f"TCP loop/HTTP, {method}, {c} conn."))
            if f"mono@{c}" in runs:
                ratios.append(Ratio(tcp, f"mono@{c}", 2.0, label=f"gateway TCP loop/Mono TCP, {method}, {c} conn."))
        # a thread per connection (Mono's model): the sync method without a hand-off; the async one on the loop,
        # its connection handed to the loop after the first call
        ratios.append(Ratio(f"tcp-threads@{c}", f"http@{c}", 1.3, label=f"TCP threads/HTTP, sync, {c} conn."))
        if f"mono@{c}" in runs:
            ratios.append(Ratio(f"tcp-threads@{c}", f"mono@{c}", 2.0,
                                label=f"gateway TCP threads/Mono TCP, sync, {c} conn."))
            ratios.append(Ratio(f"tcp-threads-async@{c}", f"mono@{c}", 2.0,
                                label=f"gateway TCP threads/Mono TCP, async, {c} conn."))
        if f"mono@{c}" in runs:  # what no asyncio server here can pass: the ceiling against Mono
            ratios.append(Ratio(f"bare@{c}", f"mono@{c}", None, label=f"bare asyncio ceiling/Mono TCP, {c} conn."))
            ratios.append(Ratio(f"floor@{c}", f"mono@{c}", None, label=f"C floor/Mono TCP, {c} conn."))
            ratios.append(Ratio(f"lean@{c}", f"mono@{c}", None, label=f"lean Python call/Mono TCP, {c} conn."))
    all_met = check_ratios(ratios, runs)
    for c in args.connection_counts:
        note = ceiling_note(f"bare@{c}", f"mono@{c}", runs, 2.0, f"TCP/Mono at {c} connection{'s' * (c != 1)}")
        if note:
            print(note)
    print_budgets(args.connection_counts, labels, results)
    # The same ratios per CPU-second of the server: what each would do with its core to itself. On a busy
    # machine (the other CPU column) calls/s says more about the neighbours than about the servers.
    print("\nper CPU-second of the server (information):")
    efficiency = {key: [replace(r, rate=per_cpu_second(r)) for r in rs] for key, rs in runs.items()}
    check_ratios([replace(r, target=None, note="calls/CPU-s") for r in ratios], efficiency)
    errors = sum(r.errors for r in results.values())
    if errors:
        print(f"ERRORS: {errors} calls did not answer {EXPECT!r} or failed at the socket level")
        all_met = False
    failed = any(r.failure for rs in runs.values() for r in rs)
    return 1 if args.check and (failed or not all_met) else 0


if __name__ == "__main__":
    sys.exit(main())
