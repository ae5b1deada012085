"""The shared runner of the benchmark scripts, so each script only declares what it measures.

Four parts:

* the requests the benchmarks replay (:class:`Request`: ``HELLO_SOAP``, ``HELLO_LITERAL``, ``HELLO_BINARY``);
* processes: free ports, ``taskset`` pinning (server on core 0, load generator or client on core 1: the
  machines here have 2 cores), starting/stopping a server, waiting until it answers, CPU accounting;
* rounds and reports: the lower median of the rounds, per-round ratios against targets, one table layout,
  the "machine was busy" note, the options every script shares;
* the wrk runner (:func:`run_wrk_bench`): a script declares a :class:`WrkBench` (servers, the loads measured
  against each, ratios and targets) and this does the warm-up, the measured runs, the CPU accounting, the
  rounds, the table and ``--check``.

Scripts run as ``python benchmarks/bench_X.py``, so this module is imported as ``_harness`` (the script's
folder is on ``sys.path``); no benchmark script imports another.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# A script's own folder is on sys.path, not the checkout: put the checkout first, so the scripts import
# gateway, soap, wsdl and examples from it (not from another checkout installed in the environment).
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from gateway.allocator import (  # noqa: E402  (after the checkout is on sys.path)
    MMAP_THRESHOLD,
    MMAP_THRESHOLD_VARIABLE,
    TRIM_THRESHOLD,
    TRIM_THRESHOLD_VARIABLE,
)

#: The shared peers checkout is expected next to the repository (as the interop tests expect it).
MONO_DIR = ROOT.parent / "shared" / "peers" / "mono"
#: run-server.sh may build the Mono peer first: give it longer than a Python server.
MONO_READY_TIMEOUT = 120.0

SERVER_CORE = 0
CLIENT_CORE = 1

# ------------------------------------------------------------------ the requests

REQUEST_BODY = (HERE / "hello_request.xml").read_bytes()
RESPONSE_BODY = (HERE / "hello_response.xml").read_bytes()
CONTENT_TYPE = 'text/xml; charset="utf-8"'
SOAP_ACTION = '"http://schemas.microsoft.com/clr/nsassem/RemotingPeer.IHello/PeerShared#HelloMethod"'
HELLO_PATH = "/SayHello.soap"
EXPECT = "Hi there Alice"


@dataclass(frozen=True)
class Request:
    """One call as wrk replays it and as the readiness probe sends it once: what goes out, what must come back.

    ``source`` is the body itself or the file holding it (a capture is read when used, so a missing file is
    reported by the script that needs it instead of breaking every import of this module).
    """

    name: str  # stem of the generated wrk script and body file
    path: str
    source: bytes | Path
    headers: Mapping[str, str]
    expect: str = EXPECT  # every answer must be a 200 whose body contains this
    response_type: str | None = None  # when set, the probe also checks the answer's Content-Type

    @property
    def body(self) -> bytes:
        return self.source if isinstance(self.source, bytes) else self.source.read_bytes()

    def missing(self) -> str:
        """Why the body cannot be read ('' if it can)."""
        if isinstance(self.source, Path) and not self.source.is_file():
            return f"missing {self.source}"
        return ""


#: ``IHello.HelloMethod("Alice")`` as the Mono .NET Remoting client sends it with the SOAP formatter
#: (``hello_request.xml`` = the body of ``../shared/peers/mono/captures/soap/raw/001_HelloMethod.request``).
HELLO_SOAP = Request(
    "hello-soap", HELLO_PATH, HERE / "hello_request.xml", {"Content-Type": CONTENT_TYPE, "SOAPAction": SOAP_ACTION}
)
#: The same call with Mono's binary formatter, 135 bytes of MS-NRBF (the committed copy of the body of
#: ``../shared/peers/mono/captures/binary/raw/001_HelloMethod.request``, byte for byte).
HELLO_BINARY = Request(
    "hello-binary", HELLO_PATH, ROOT / "tests" / "fixtures" / "mono_binary" / "001_HelloMethod.request.bin",
    {"Content-Type": "application/octet-stream"},
)  # fmt: skip
#: zeep 4.3's request for ``client.service.hello("Alice")`` against ``examples.interop``'s WSDL
#: (document/literal wrapped, SOAP 1.1); the gateway answers ``text/xml; charset=utf-8``.
HELLO_LITERAL = Request(
    "hello-literal",
    "/InteropService.soap",
    b"<?xml version='1.0' encoding='utf-8'?>\n"
    b'<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/"><soap-env:Body>'
    b'<ns0:hello xmlns:ns0="urn:interop"><ns0:name>Alice</ns0:name></ns0:hello></soap-env:Body>'
    b"</soap-env:Envelope>",
    {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"urn:interop/hello"'},
    response_type="text/xml; charset=utf-8",
)


def call_once(port: int, request: Request) -> tuple[bytes, str]:
    """POST ``request`` once with the standard library: (answer body, '' or what is wrong with the answer).

    Raises OSError while nothing listens yet (that is what :func:`wait_ready` waits out).
    """
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{request.path}", data=request.body, method="POST", headers=dict(request.headers)
    )
    try:
        with urllib.request.urlopen(req, timeout=2.0) as resp:
            content_type = resp.headers.get("Content-Type")
            body: bytes = resp.read()
    except urllib.error.HTTPError as exc:  # an OSError too, but the server is up: report, do not wait
        return b"", f"HTTP {exc.code} on the check request: {exc.read()[:200]!r}"
    if request.expect.encode() not in body:
        return body, f"check response lacks {request.expect!r}: {body[:200]!r}"
    if request.response_type is not None and content_type != request.response_type:
        return body, f"check response has Content-Type {content_type!r}, not {request.response_type!r}"
    return body, ""


# ------------------------------------------------------------------ processes


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc (0.0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """:func:`cpu_seconds` of ``pid`` and every process below it (``uvicorn --workers N``: the supervisor
    and its workers), from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += cpu_seconds(current)
        todo.extend(children.get(current, ()))
    return total


def children_cpu_seconds() -> float:
    """CPU time of the finished child processes (wrk's, once ``subprocess.run`` has reaped it)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent running something since boot (user, nice, system, irq, softirq; not idle,
    iowait or steal; guest time is already inside user), from /proc/stat."""
    with open("/proc/stat") as f:
        user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in f.readline().split()[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def wait_for_quiet(max_wait: float, threshold: float = 0.1, window: float = 2.0) -> float:
    """Wait until the machine uses less than ``threshold`` of one core for a ``window`` (nothing of ours runs
    meanwhile), or ``max_wait`` seconds have passed. Returns the last load seen, in cores."""
    deadline = time.monotonic() + max_wait
    while True:
        b0, t0 = machine_busy_seconds(), time.monotonic()
        time.sleep(window)
        load = (machine_busy_seconds() - b0) / (time.monotonic() - t0)
        if load < threshold or time.monotonic() >= deadline:
            return load


def settle(max_wait: float) -> None:
    """``--quiet-wait``: before a measurement, wait up to ``max_wait`` s for the machine to go idle; say so if
    it did not (the numbers that follow are then suspect)."""
    if max_wait <= 0:
        return
    load = wait_for_quiet(max_wait)
    if load >= 0.1:
        print(f"  (machine still busy: {load:.2f} cores after {max_wait:g} s)", flush=True)


def pinned(core: int, cmd: list[str]) -> list[str]:
    return ["taskset", "-c", str(core), *cmd]


@contextlib.contextmanager
def pinned_to(core: int) -> Iterator[None]:
    """Run this process on one core (the client's, or the only one of an in-process benchmark), then give
    the old affinity back, so a caller such as a test runner is not left pinned."""
    try:
        before = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {core})
    except (AttributeError, OSError):  # no affinity on this platform, or that core is not ours
        yield
        return
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def uvicorn_command(app: str, port: int) -> list[str]:
    """uvicorn as the benchmarks run it: this interpreter, uvloop + httptools, no access log, on core 0, with
    glibc's allocator set as ``remoting-gateway serve`` sets it (docs/deployment.md; every Python server
    alike, the gateway and the baselines)."""
    allocator = [f"{MMAP_THRESHOLD_VARIABLE}={MMAP_THRESHOLD}", f"{TRIM_THRESHOLD_VARIABLE}={TRIM_THRESHOLD}"]
    return ["env", *allocator, *pinned(SERVER_CORE, [
        sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
        "--loop", "uvloop", "--http", "httptools", "--log-level", "warning", "--no-access-log",
    ])]  # fmt: skip


def mono_command(mono_dir: Path, port: int, formatter_flag: str) -> list[str]:
    """The Mono .NET Remoting reference server on core 0 (``--soap`` or ``--binary``). run-server.sh exec's
    mono, so the pid we start is the server's and its CPU time is the server's."""
    return pinned(SERVER_CORE, ["bash", str(mono_dir / "run-server.sh"), str(port), formatter_flag])


def mono_unavailable(mono_dir: Path) -> str:
    """Why the Mono reference server cannot run here ('' if it can)."""
    if shutil.which("mono") is None:
        return "no `mono` on PATH"
    if not (mono_dir / "run-server.sh").is_file():
        return f"no run-server.sh in {mono_dir}"
    return ""


def preflight(tools: Sequence[str] = ("wrk", "taskset")) -> str:
    """What is missing for a pinned benchmark ('' if nothing): the tools, and a second core."""
    for tool in tools:
        if shutil.which(tool) is None:
            return f"{tool} not found: run 'bash scripts/setup.sh' (installs wrk, util-linux)"
    if (os.cpu_count() or 1) < 2:
        return f"needs at least 2 cores (server on core {SERVER_CORE}, load on core {CLIENT_CORE})"
    return ""


@contextlib.contextmanager
def running(cmd: list[str], log_path: Path, env: Mapping[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``cmd`` in the repository root in its own process group (with ``env`` added to ours); stop the
    whole group on exit, so a server's workers or a shell wrapper never outlive the benchmark."""
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, **env} if env else None,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def wait_ready(proc: subprocess.Popen[bytes], log_path: Path, probe: Callable[[], str], timeout: float = 60.0) -> str:
    """Call ``probe`` until it stops raising OSError. Returns '' when ready, else why the server is not.

    ``probe`` returns '' if the server answered correctly, or a reason if it answered wrongly.
    """
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace").strip().splitlines()[-2:]
            return f"server exited ({proc.returncode}): " + " | ".join(tail)
        try:
            return probe()
        except OSError as exc:
            last = str(exc)
            time.sleep(0.2)
    return f"not ready after {timeout:.0f} s ({last})"


# ------------------------------------------------------------------ rounds and reports


class Rated(Protocol):
    """A measurement of one round: a rate (requests, calls or operations per second) or why it failed."""

    @property
    def rate(self) -> float: ...

    @property
    def failure(self) -> str: ...


R = TypeVar("R", bound=Rated)


def lower_median(runs: Sequence[R]) -> R:
    """The round with the lower median rate: an actual run, not an average of two (the last if all failed)."""
    ok = sorted((r for r in runs if not r.failure), key=lambda r: r.rate)
    return ok[(len(ok) - 1) // 2] if ok else runs[-1]


def spread(values: Sequence[float], fmt: str = ".0f") -> str:
    """'  (min-max)' of the rounds, so a reader sees how stable a median is ('' for a single round)."""
    if len(values) < 2:
        return ""
    return f"  ({min(values):{fmt}}-{max(values):{fmt}})"


def rounds_note(rounds: int) -> str:
    return f", median of {rounds} rounds" if rounds > 1 else ""


def progress(n: int, rounds: int, label: str, state: str) -> None:
    """One line per measurement as it finishes, so a long run shows where it is and a failure shows early."""
    print(f"round {n + 1}/{rounds} {label}: {state}", flush=True)


def noise_note(other_cpu: Iterable[float]) -> None:
    """Warn when anything else used more than 10 % of a core during a measurement: the numbers are noisy."""
    busiest = max(other_cpu, default=0.0)
    if busiest > 0.1:
        print(f"NOTE: other processes used up to {busiest * 100:.0f}% of a core during a run: numbers are noisy")


class Table:
    """The one table layout of the reports: names left-aligned in the first column, numbers right-aligned,
    a failed row says why instead of its numbers."""

    def __init__(self, first: str, *columns: tuple[str, int], width: int = 0) -> None:
        self.first = (first, max(width, len(first)))
        self.columns = columns

    def header(self) -> None:
        title, width = self.first
        line = " ".join([f"{title:{width}}", *(f"{name:>{w}}" for name, w in self.columns)])
        print(line)
        print("-" * len(line))

    def row(self, name: str, *cells: str, tail: str = "") -> None:
        parts = [f"{name:{self.first[1]}}", *(f"{cell:>{w}}" for cell, (_, w) in zip(cells, self.columns, strict=True))]
        print(" ".join(parts) + tail)

    def failed(self, name: str, reason: str) -> None:
        print(f"{name:{self.first[1]}} FAILED: {reason}")


@dataclass(frozen=True)
class Ratio:
    """``num``/``den`` of two measurements' rates, computed per round (both sides measured minutes apart at
    most, so load that drifts between rounds cancels out) and reported as the median; with a ``target`` it
    is a check (``--check`` exits 1 when it is missed), without one it is printed for information."""

    num: str
    den: str
    target: float | None = None
    label: str = ""  # default "num/den"
    note: str = "no target"  # what is said of a ratio without a target

    @property
    def name(self) -> str:
        return self.label or f"{self.num}/{self.den}"


def round_ratios(num: str, den: str, runs: Mapping[str, Sequence[Rated]]) -> list[float]:
    """``num``/``den`` in each round where both were measured (a failed side leaves its round out)."""
    return [
        a.rate / b.rate
        for a, b in zip(runs.get(num, ()), runs.get(den, ()), strict=False)
        if not a.failure and not b.failure and b.rate
    ]


def ceiling_note(ceiling: str, reference: str, runs: Mapping[str, Sequence[Rated]], target: float,
                 what: str) -> str:  # fmt: skip
    """A warning when the do-nothing ceiling itself is under ``target`` x the reference server: then the
    machine, not the servers, set the pace of ``what`` (this VM's idle vCPUs halt, and a round trip at one
    connection waits for two wake-ups), and a ``target`` ratio could not show in this run ('' otherwise)."""
    per_round = round_ratios(ceiling, reference, runs)
    ratio = statistics.median(per_round) if per_round else target
    if ratio >= target:
        return ""
    return (
        f"NOTE: {what}: the ceiling is only {ratio:.2f}x the reference in this run, so "
        f"nothing here could reach {target:g}x; the machine's wake-up latency set the pace: run again later"
    )


def check_ratios(ratios: Sequence[Ratio], runs: Mapping[str, Sequence[Rated]]) -> bool:
    """Print each ratio; False if a target is missed or cannot be computed (a side failed or did not run).

    A ratio whose numerator was not measured at all (not selected) is skipped, as is an information ratio
    without data (e.g. no Mono row).
    """
    all_met = True
    for ratio in ratios:
        if ratio.num not in runs:
            continue
        per_round = round_ratios(ratio.num, ratio.den, runs)
        goal = ratio.note if ratio.target is None else f"target >= {ratio.target}"
        if not per_round:
            if ratio.target is not None:
                print(f"{ratio.name}: n/a ({goal})")
                all_met = False
            continue
        value = statistics.median(per_round)
        verdict = ""
        if ratio.target is not None:
            met = value >= ratio.target
            all_met &= met
            verdict = ": met" if met else ": MISSED"
        rounds = f", rounds {min(per_round):.2f}-{max(per_round):.2f}" if len(per_round) > 1 else ""
        print(f"{ratio.name}: {value:.2f}  ({goal}{verdict}{rounds})")
    return all_met


def add_run_options(p: argparse.ArgumentParser, *, duration: float, warmup: float, what: str) -> None:
    """The options every measuring script takes: --duration, --warmup, --rounds, --quiet-wait, --check."""
    p.add_argument(
        "--duration", type=float, default=duration, help=f"seconds of each measured {what} (default {duration:g})"
    )
    p.add_argument("--warmup", type=float, default=warmup, help=f"seconds of warm-up before it (default {warmup:g})")
    p.add_argument("--rounds", type=int, default=1, help="repeat everything N times, report medians")
    p.add_argument(
        "--quiet-wait",
        type=float,
        default=0.0,
        help="before each measurement, wait up to N s until other processes use < 10%% of a core (default 0)",
    )
    p.add_argument("--check", action="store_true", help="exit 1 if a target is missed or a measurement fails")


def add_mono_options(p: argparse.ArgumentParser, *, by_default: bool) -> None:
    """--mono (opt-in) or --no-mono (on when available), and --mono-dir, for the Mono reference rows."""
    if by_default:
        p.add_argument("--no-mono", dest="mono", action="store_false", help="skip the Mono reference row")
    else:
        p.add_argument("--mono", action="store_true", help="add the Mono reference server as an extra row")
    p.add_argument("--mono-dir", type=Path, default=MONO_DIR,
                   help="the Mono peer folder (default ../shared/peers/mono)")  # fmt: skip


# ------------------------------------------------------------------ the wrk runner


@dataclass(frozen=True)
class Load:
    """One row of a wrk benchmark: ``request`` replayed by wrk against a server. ``key`` is what
    ``--variants`` and the ratios call it."""

    key: str
    label: str
    request: Request


@dataclass(frozen=True)
class Server:
    """A server process and the loads measured against it, back to back, while it runs (the order flips
    every other round, so no load always goes first). ``app`` is a uvicorn app, or empty for the Mono
    reference server started with ``mono_flag``."""

    loads: tuple[Load, ...]
    app: str = ""
    mono_flag: str = ""
    env: Mapping[str, str] = field(default_factory=dict)

    def command(self, port: int, mono_dir: Path) -> list[str]:
        return uvicorn_command(self.app, port) if self.app else mono_command(mono_dir, port, self.mono_flag)

    @property
    def ready_timeout(self) -> float:
        return 60.0 if self.app else MONO_READY_TIMEOUT


@dataclass(frozen=True)
class WrkBench:
    """Everything a wrk benchmark script declares; :func:`run_wrk_bench` does the rest."""

    doc: str  # the script's docstring: --help
    title: str  # what is measured, first words of the report
    servers: tuple[Server, ...]
    ratios: tuple[Ratio, ...]
    mono: Server | None = None  # the reference row (its load's key is "mono")
    mono_by_default: bool = False  # --no-mono to skip it, else --mono to add it
    same_answers: bool = False  # the servers must answer one request with the same bytes

    @property
    def loads(self) -> list[Load]:
        return [load for server in self.servers for load in server.loads]


@dataclass
class Result:
    """One measured wrk run (or why there is none)."""

    key: str
    rate: float = 0.0  # req/s
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    requests: int = 0
    errors: int = 0
    server_cpu: float = 0.0  # server CPU time / wall time during the measured run (1.0 = one core)
    other_cpu: float = 0.0  # CPU used by anything but the server and wrk meanwhile: noise, should be ~0
    failure: str = ""


RESULT_RE = re.compile(r"^RESULT (.*)$", re.MULTILINE)
LUA_TAIL_RE = re.compile(r"^local threads = \{\}$", re.MULTILINE)  # where hello.lua's shared part starts
ERROR_FIELDS = ("bad", "err_connect", "err_read", "err_write", "err_timeout")

#: The request part of a generated wrk script; the response check and the RESULT line are hello.lua's.
LUA_HEAD = """\
-- generated by benchmarks/_harness.py: POSTs the {name} request, then hello.lua's response check
local f = assert(io.open({body_file}, "rb"), "cannot open the request body")
local body = f:read("*a")
f:close()
local expect = {expect}

wrk.method = "POST"
wrk.path = {path}
wrk.body = body
{headers}

"""


def lua_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def write_lua(request: Request, workdir: Path) -> Path:
    """The wrk script for ``request``: its body (from a file beside it: bytes are sent unchanged), path and
    headers, then ``hello.lua`` from ``local threads`` on (the response check and the RESULT line), so every
    benchmark counts errors and reports the same way as the hand-written script."""
    body_file = workdir / f"{request.name}.body"
    body_file.write_bytes(request.body)
    shared = (HERE / "hello.lua").read_text()
    headers = "\n".join(f"wrk.headers[{lua_quote(k)}] = {lua_quote(v)}" for k, v in request.headers.items())
    head = LUA_HEAD.format(
        name=request.name, body_file=lua_quote(str(body_file)), expect=lua_quote(request.expect),
        path=lua_quote(request.path), headers=headers,
    )  # fmt: skip
    path = workdir / f"{request.name}.lua"
    tail = LUA_TAIL_RE.search(shared)
    if tail is None:
        raise RuntimeError("hello.lua has no 'local threads = {}' line to reuse")
    path.write_text(head + shared[tail.start() :])
    return path


def run_wrk(lua: Path, port: int, seconds: float, connections: int, latency: bool) -> dict[str, str]:
    """One wrk run (one thread, pinned to the client core) and the fields of its RESULT line."""
    cmd = pinned(CLIENT_CORE, [
        "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "5s", "-s", str(lua),
        *(["--latency"] if latency else []), f"http://127.0.0.1:{port}",
    ])  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=False)
    match = RESULT_RE.search(out.stdout)
    if out.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed (exit {out.returncode}): {out.stdout[-500:]} {out.stderr[-500:]}")
    return dict(kv.split("=", 1) for kv in match.group(1).split())


def measure_run(key: str, pid: int, run: Callable[[], Mapping[str, str]]) -> Result:
    """One measured run of a load generator (a child process: wrk, or ``tcp_load.py``) against a server that
    is up; ``run`` returns the fields of its RESULT line. With the server's CPU time and what the rest of the
    machine used meanwhile (everything but the server and the load generator)."""
    result = Result(key)
    try:
        load0 = children_cpu_seconds()
        cpu0, busy0, t0 = cpu_seconds(pid), machine_busy_seconds(), time.monotonic()
        fields = run()
        cpu1, busy1, t1 = cpu_seconds(pid), machine_busy_seconds(), time.monotonic()
        load_cpu = children_cpu_seconds() - load0
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        result.failure = str(exc)
        return result
    result.rate = float(fields["rps"])
    result.p50_ms = float(fields["lat_p50_ms"])
    result.p99_ms = float(fields["lat_p99_ms"])
    result.requests = int(fields["requests"])
    result.errors = sum(int(fields[k]) for k in ERROR_FIELDS)
    result.server_cpu = (cpu1 - cpu0) / (t1 - t0)
    result.other_cpu = max(0.0, (busy1 - busy0) - (cpu1 - cpu0) - load_cpu) / (t1 - t0)
    return result


def measure_load(key: str, pid: int, port: int, lua: Path, args: argparse.Namespace) -> Result:
    """Warm-up, then the measured wrk run (:func:`measure_run`)."""
    try:
        run_wrk(lua, port, args.warmup, args.connections, latency=False)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        return Result(key, failure=str(exc))
    return measure_run(key, pid, lambda: run_wrk(lua, port, args.duration, args.connections, latency=True))


def measure_server(
    server: Server, loads: Sequence[Load], args: argparse.Namespace, workdir: Path, luas: Mapping[str, Path],
    answers: dict[str, bytes],
) -> list[Result]:  # fmt: skip
    """Start the server, check each load's request once (recording the answers), then measure each load."""
    port = free_port()
    log_path = workdir / f"server-{port}.log"
    with running(server.command(port, args.mono_dir), log_path, server.env) as proc:

        def probe() -> str:
            for load in loads:
                body, reason = call_once(port, load.request)
                if reason:
                    return reason
                answers[load.key] = body
            return ""

        reason = wait_ready(proc, log_path, probe, server.ready_timeout)
        if reason:
            return [Result(load.key, failure=reason) for load in loads]
        return [measure_load(load.key, proc.pid, port, luas[load.request.name], args) for load in loads]


def combine(runs: Sequence[Result]) -> Result:
    """The row of several rounds: the median req/s, latencies and CPU of the lower-median round, errors and
    requests summed, the worst noise."""
    mid = lower_median(runs)
    ok = [r for r in runs if not r.failure]
    if not ok:
        return mid
    return replace(
        mid,
        rate=statistics.median(r.rate for r in ok),
        requests=sum(r.requests for r in ok),
        errors=sum(r.errors for r in ok),
        other_cpu=max(r.other_cpu for r in ok),
    )


def same_answers(bench: WrkBench, answers: Mapping[str, bytes]) -> bool:
    """The servers answered each request with the same bytes (a baseline that does less work is no baseline)."""
    ok = True
    for name in dict.fromkeys(load.request.name for load in bench.loads):
        got = {load.key: answers[load.key] for load in bench.loads if load.request.name == name and load.key in answers}
        if len(set(got.values())) > 1:
            print("MISMATCH: the servers answered with different bytes:")
            for key, body in got.items():
                print(f"  ({key}) {body!r}")
            ok = False
    return ok


def report_wrk(bench: WrkBench, labels: Mapping[str, str], runs: Mapping[str, list[Result]],
               answers: Mapping[str, bytes], args: argparse.Namespace) -> bool:  # fmt: skip
    """The table, the notes and the ratios; False if a target is missed, answers differ or requests failed."""
    results = {key: combine(rs) for key, rs in runs.items() if rs}
    first_use: dict[str, Load] = {}  # request name -> the first row that sends it
    for load in bench.loads:
        if load.key in runs:
            first_use.setdefault(load.request.name, load)
    sizes = ", ".join(f"{load.key} {len(load.request.body)} B" for load in first_use.values())
    print(
        f"\n{bench.title}, wrk -t1 -c{args.connections} -d{args.duration:g}s (warm-up {args.warmup:g} s)"
        f"{rounds_note(args.rounds)}; server on core {SERVER_CORE}, wrk on core {CLIENT_CORE}"
        + (f"; request bodies: {sizes}" if len(first_use) > 1 else "")
    )
    table = Table(
        "server", ("req/s", 9), ("p50 ms", 8), ("p99 ms", 8), ("errors", 7), ("srv CPU", 8), ("other CPU", 10),
        width=max(len(label) for label in labels.values()),
    )  # fmt: skip
    table.header()
    for key, r in results.items():
        if r.failure:
            table.failed(labels[key], r.failure)
            continue
        table.row(
            labels[key], f"{r.rate:.0f}", f"{r.p50_ms:.2f}", f"{r.p99_ms:.2f}", str(r.errors),
            f"{r.server_cpu * 100:.0f}%", f"{r.other_cpu * 100:.0f}%",
            tail=spread([x.rate for x in runs[key] if not x.failure]),
        )  # fmt: skip
    noise_note(r.other_cpu for r in results.values() if not r.failure)
    all_met = same_answers(bench, answers) if bench.same_answers else True
    print()
    all_met &= check_ratios(bench.ratios, runs)
    errors = sum(r.errors for r in results.values())
    if errors:
        expected = " / ".join(sorted({load.request.expect for load in bench.loads}))
        print(f"ERRORS: {errors} requests were not 200 + {expected!r} or failed at the socket level")
        all_met = False
    return all_met


def parse_wrk_args(bench: WrkBench, argv: list[str] | None) -> argparse.Namespace:
    keys = [load.key for load in bench.loads]
    p = argparse.ArgumentParser(description=bench.doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_run_options(p, duration=10.0, warmup=3.0, what="wrk run")
    p.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    p.add_argument("--variants", default=",".join(keys),
                   help=f"comma-separated subset of {','.join(keys)} (default all)")  # fmt: skip
    if bench.mono is not None:
        add_mono_options(p, by_default=bench.mono_by_default)
    args = p.parse_args(argv)
    args.variant_list = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = set(args.variant_list) - set(keys)
    if unknown:
        p.error(f"unknown variants: {', '.join(sorted(unknown))}")
    if bench.mono is None:
        args.mono, args.mono_dir = False, MONO_DIR
    elif args.mono:
        why = mono_unavailable(args.mono_dir)
        if why and not bench.mono_by_default:
            p.error(f"--mono: {why}")
        if why:
            print(f"(Mono reference row skipped: {why}; --mono-dir DIR points to the peer)")
            args.mono = False
    return args


def run_wrk_bench(bench: WrkBench, argv: list[str] | None = None) -> int:
    """A wrk benchmark's main: 0, 1 with ``--check`` when a target is missed or a run fails, 2 when it cannot
    run here. Each server runs alone, pinned to core 0; wrk runs pinned to core 1 with one thread."""
    args = parse_wrk_args(bench, argv)
    servers = [
        replace(s, loads=chosen)
        for s in bench.servers
        if (chosen := tuple(load for load in s.loads if load.key in args.variant_list))
    ]
    if args.mono and bench.mono is not None:
        servers.append(bench.mono)
    loads = [load for server in servers for load in server.loads]
    problem = preflight() or next((why for load in loads if (why := load.request.missing())), "")
    if problem:
        print(problem, file=sys.stderr)
        return 2
    labels = {load.key: load.label for load in loads}
    runs: dict[str, list[Result]] = {load.key: [] for load in loads}
    answers: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        workdir = Path(tmp)
        luas = {load.request.name: write_lua(load.request, workdir) for load in loads}
        for n in range(args.rounds):
            for server in servers:
                settle(args.quiet_wait)
                order = server.loads if n % 2 == 0 else server.loads[::-1]
                for r in measure_server(server, order, args, workdir, luas, answers):
                    runs[r.key].append(r)
                    state = r.failure or (
                        f"{r.rate:.0f} req/s, p50 {r.p50_ms:.2f} ms, p99 {r.p99_ms:.2f} ms, errors {r.errors}, "
                        f"other CPU {r.other_cpu:.0%}"
                    )
                    progress(n, args.rounds, labels[r.key], state)
    all_met = report_wrk(bench, labels, runs, answers, args)
    failed = any(r.failure for rs in runs.values() for r in rs)
    return 1 if args.check and (failed or not all_met) else 0


# ------------------------------------------------------------------ in-process ASGI calls

AsgiMessage = MutableMapping[str, Any]
AsgiApp = Callable[[AsgiMessage, Callable[[], Awaitable[AsgiMessage]], Callable[[AsgiMessage], Awaitable[None]]],
                   Awaitable[None]]


def asgi_caller(app: AsgiApp, path: str, body: bytes, headers: Sequence[tuple[bytes, bytes]],
                body_later: bool = False) -> Callable[[], Awaitable[tuple[int, bytes]]]:
    """One in-process POST of ``body`` to ``app`` (a fresh scope each time, no HTTP): its status and answer.
    ``body_later``: the body comes one turn of the event loop after the headers (receive suspends once), as
    uvicorn hands it over when the client wrote the headers and the body apart (most clients do)."""
    headers = [*headers, (b"content-length", str(len(body)).encode()), (b"host", b"127.0.0.1")]

    async def call() -> tuple[int, bytes]:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
                 "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
                 "root_path": "", "headers": headers, "client": ("127.0.0.1", 50000),
                 "server": ("127.0.0.1", 8000)}
        sent: list[AsgiMessage] = []

        async def receive() -> AsgiMessage:
            if body_later:
                loop = asyncio.get_running_loop()
                arrived = loop.create_future()
                loop.call_soon(arrived.set_result, None)
                await arrived
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: AsgiMessage) -> None:
            sent.append(message)

        await app(scope, receive, send)
        status = int(sent[0]["status"])
        return status, b"".join(m.get("body", b"") for m in sent[1:])

    return call


async def microseconds_per_call(call: Callable[[], Awaitable[object]], calls: int) -> float:
    """``calls`` back-to-back awaits of ``call``: microseconds each."""
    start = time.perf_counter_ns()
    for _ in range(calls):
        await call()
    return (time.perf_counter_ns() - start) / calls / 1000
