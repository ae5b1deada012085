"""A real ``redis-server`` for tests: on a free loopback port, no persistence, in a temporary directory.

Missing ``redis-server`` skips locally and fails under ``CI=true`` (``support.peers``). The server can be
stopped and started again on the same port (the store-outage tests), and is always stopped at the end.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .peers import require_peer
from .server import free_port, port_accepts, stop_process


def redis_binary() -> str | None:
    return shutil.which("redis-server") or shutil.which("redis-server", path="/usr/sbin:/usr/bin:/sbin")


class RedisServer:
    """One redis-server process; ``url`` stays the same across :meth:`stop` and :meth:`start`."""

    def __init__(self, binary: str, directory: Path, port: int | None = None) -> None:
        self.binary = binary
        self.directory = directory
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self, timeout: float = 15.0) -> RedisServer:
        self._log = (self.directory / "redis.out").open("ab")
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory), "--protected-mode", "yes", "--daemonize", "no"],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log,
        )
        deadline = time.monotonic() + timeout
        while not port_accepts(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}:\n{self.output()}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def output(self) -> str:
        path = self.directory / "redis.out"
        return path.read_text(errors="replace") if path.exists() else ""


@contextlib.contextmanager
def redis_server(directory: Path) -> Iterator[RedisServer]:
    """A running redis-server (the test is skipped, or failed under CI, without one)."""
    binary = redis_binary()
    require_peer("redis-server", binary is not None, "redis-server (apt-get install redis-server)")
    assert binary is not None
    server = RedisServer(binary, directory).start()
    try:
        yield server
    finally:
        server.stop()
