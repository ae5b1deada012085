"""Shared pieces of the benchmark scripts: ports, CPU pinning, starting and stopping a server, CPU time."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REQUEST_BODY = (HERE / "hello_request.xml").read_bytes()
RESPONSE_BODY = (HERE / "hello_response.xml").read_bytes()
CONTENT_TYPE = 'text/xml; charset="utf-8"'
SOAP_ACTION = '"http://schemas.microsoft.com/clr/nsassem/RemotingPeer.IHello/PeerShared#HelloMethod"'
HELLO_PATH = "/SayHello.soap"
EXPECT = "Hi there Alice"

SERVER_CORE = 0
CLIENT_CORE = 1


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


def pinned(core: int, cmd: list[str]) -> list[str]:
    return ["taskset", "-c", str(core), *cmd]


def uvicorn_command(app: str, port: int) -> list[str]:
    """uvicorn as the benchmarks run it: this interpreter, uvloop + httptools, no access log, on core 0."""
    return pinned(SERVER_CORE, [
        sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
        "--loop", "uvloop", "--http", "httptools", "--log-level", "warning", "--no-access-log",
    ])  # fmt: skip


@contextlib.contextmanager
def running(cmd: list[str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``cmd`` in the repository root in its own process group; stop the whole group on exit."""
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
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
