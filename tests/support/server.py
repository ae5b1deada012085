"""Run an ASGI app under a real uvicorn on loopback, for tests over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

#: Repository root (this file is ``<repo>/tests/support/server.py``).
REPO_ROOT = Path(__file__).resolve().parents[2]

#: how long a server under test may take to listen (a deadline: a healthy start takes a second or two; several
#: uvicorn workers importing the app on a loaded 2-core machine took over 20 s)
STARTUP_TIMEOUT = 60.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_accepts(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def stop_process(proc: subprocess.Popen[Any], grace: float = 5.0) -> None:
    """Terminate ``proc`` (SIGTERM, then SIGKILL after ``grace`` seconds) and reap it."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=grace)


@contextlib.contextmanager
def live_server(app_spec: str, env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> Iterator[str]:
    """Serve ``app_spec`` (``"module:attr"``) with uvicorn on a free loopback port.

    The server runs in a subprocess with the repository root as working
    directory, so ``examples.x:app`` and the project packages import from the
    checkout. ``env`` entries are added to (and override) the current
    environment. Yields the base URL ``http://127.0.0.1:PORT/`` once the port
    accepts connections; raises ``RuntimeError`` carrying the server's stderr if
    it exits or does not listen within 20 s. The process is terminated on exit. ``args`` are extra uvicorn
    options (``("--timeout-keep-alive", "1")``).
    """
    with live_servers(app_spec, env=env, args=args) as (url,):
        yield url


@contextlib.contextmanager
def live_servers(
    *app_specs: str, env: dict[str, str] | None = None, args: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    """Like :func:`live_server` for several apps at once: they start together (their start-ups overlap) and
    are stopped together. Yields their base URLs in the order of ``app_specs``."""
    with contextlib.ExitStack() as stack:
        started = []
        for app_spec in app_specs:
            port = free_port()
            cmd = [
                sys.executable,
                "-m",
                "uvicorn",
                app_spec,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                *args,
            ]
            started.append(stack.enter_context(_started(cmd, port, env, f"uvicorn {app_spec}")))
        try:
            yield tuple(server.wait() for server in started)
        finally:
            for server in started:  # all told to stop first: they shut down together
                if server.proc.poll() is None:
                    server.proc.terminate()


@contextlib.contextmanager
def live_process(
    cmd: list[str], port: int, env: dict[str, str] | None = None, name: str | None = None,
) -> Iterator[tuple[str, Callable[[], str]]]:
    """Run ``cmd`` (a server that will listen on ``port`` of 127.0.0.1) from the repository root.

    Yields the base URL once the port accepts connections, and a function returning everything the process
    printed so far (stdout and stderr); raises ``RuntimeError`` with that output if the process exits or does
    not listen within 20 s. The process is terminated on exit.
    """
    with _started(cmd, port, env, name) as server:
        yield server.wait(), server.output


@dataclass
class _Server:
    """A server process just started: :meth:`wait` until it listens."""

    proc: subprocess.Popen[Any]
    port: int
    label: str
    output: Callable[[], str]

    def wait(self) -> str:
        """The base URL, once the port accepts connections (``RuntimeError`` with the output if it never does)."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not port_accepts(self.port):
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.label} exited with status {self.proc.returncode} before listening "
                    f"on port {self.port}; output:\n{self.output()}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{self.label} did not listen on port {self.port} within "
                    f"{STARTUP_TIMEOUT:.0f} s; output:\n{self.output()}"
                )
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}/"


@contextlib.contextmanager
def _started(cmd: list[str], port: int, env: dict[str, str] | None, name: str | None) -> Iterator[_Server]:
    """Start ``cmd`` from the repository root (not waiting for it); terminated on exit."""
    child_env = dict(os.environ)
    if env:
        child_env.update(env)
    # output goes to a file, not a pipe: a chatty server must never block on a full pipe.
    with tempfile.TemporaryFile() as errlog:
        proc = subprocess.Popen(
            cmd, cwd=REPO_ROOT, env=child_env, stdin=subprocess.DEVNULL, stdout=errlog, stderr=errlog
        )

        def output() -> str:
            errlog.seek(0)
            return errlog.read().decode("utf-8", "replace")

        try:
            yield _Server(proc, port, name or " ".join(cmd[:4]), output)
        finally:
            stop_process(proc)


def wait_for_ready(proc: subprocess.Popen[str], name: str, timeout: float) -> str:
    """Wait for a child's ``READY ...`` line on stdout (kept drained for its whole life); returns that line.

    Fails the test with everything the child printed if it exits or stays silent for ``timeout`` seconds.
    """
    import queue
    import threading

    import pytest

    lines: queue.Queue[str | None] = queue.Queue()
    seen: list[str] = []

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            pytest.fail(f"{name} printed no READY line within {timeout:.0f} s:\n" + "\n".join(seen))
        if line is None:
            proc.wait(timeout=5)
            pytest.fail(f"{name} exited with {proc.returncode} before READY:\n" + "\n".join(seen))
        seen.append(line)
        if line.startswith("READY"):
            return line


@contextlib.contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Serve the ASGI ``app`` object with uvicorn (lifespan on) on a thread of this process, on a free loopback
    port; yields the base URL ``http://127.0.0.1:PORT/``. For tests that need the app's objects in reach."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), name="test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
