"""Compile the C# interop programs in ``tests/interop/csharp/`` with Mono's ``mcs``.

Output goes to ``tests/interop/csharp/bin/build/`` (``bin/`` is git-ignored)::

    PeerShared.dll   Contract.cs   (assembly "PeerShared", version 0.0.0.0)
    TestClient.exe   TestClient.cs (references PeerShared.dll)
    TestServer.exe   TestServer.cs (references PeerShared.dll)

A stamp (SHA-256 of the sources, this file and ``mcs --version``) makes a
rebuild happen only when something changed. Builds are serialized with a
file lock and go to a fresh directory that replaces ``bin/`` only on success,
so concurrent test processes never see a half-written build.

Run ``python tests/interop/mono_build.py`` to build by hand and print the paths.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CSHARP_DIR = Path(__file__).resolve().parent / "csharp"
WORK_DIR = CSHARP_DIR / "bin"  # git-ignored: lock, staging and output all live here
BIN_DIR = WORK_DIR / "build"
SOURCES = ("Contract.cs", "TestClient.cs", "TestServer.cs")

MCS_FLAGS = ["-nologo", "-sdk:4.5", "-optimize+", "-debug:portable", "-warn:4"]


class MonoBuildError(RuntimeError):
    """``mcs`` failed; the message holds the compiler output."""


@dataclass(frozen=True)
class MonoBuild:
    bin_dir: Path
    shared_dll: Path
    client_exe: Path
    server_exe: Path


def _paths(bin_dir: Path) -> MonoBuild:
    return MonoBuild(bin_dir, bin_dir / "PeerShared.dll", bin_dir / "TestClient.exe", bin_dir / "TestServer.exe")


def _stamp() -> str:
    h = hashlib.sha256()
    for name in SOURCES:
        h.update(name.encode())
        h.update((CSHARP_DIR / name).read_bytes())
    h.update(Path(__file__).read_bytes())
    mcs = subprocess.run(["mcs", "--version"], capture_output=True, text=True, check=False)
    h.update(mcs.stdout.encode())
    return h.hexdigest()


@contextlib.contextmanager
def _lock() -> Iterator[None]:
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    with open(WORK_DIR / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _mcs(*args: str | Path) -> None:
    cmd = ["mcs", *MCS_FLAGS, *map(str, args)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise MonoBuildError(f"{' '.join(cmd)}\nexit {proc.returncode}\n{proc.stdout}{proc.stderr}")


def build(force: bool = False) -> MonoBuild:
    """Build (if needed) and return the paths of the compiled assemblies."""
    with _lock():
        stamp = _stamp()
        stamp_file = BIN_DIR / ".stamp"
        current = _paths(BIN_DIR)
        if (
            not force
            and stamp_file.is_file()
            and stamp_file.read_text() == stamp
            and all(p.is_file() for p in (current.shared_dll, current.client_exe, current.server_exe))
        ):
            return current
        staging = WORK_DIR / f"build.new.{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        try:
            new = _paths(staging)
            _mcs("-target:library", f"-out:{new.shared_dll}", CSHARP_DIR / "Contract.cs")
            _mcs(
                "-target:exe",
                f"-out:{new.client_exe}",
                "-r:System.Runtime.Remoting.dll",
                f"-r:{new.shared_dll}",
                CSHARP_DIR / "TestClient.cs",
            )
            _mcs(
                "-target:exe",
                f"-out:{new.server_exe}",
                "-r:System.Runtime.Remoting.dll",
                "-r:System.Xml.dll",
                f"-r:{new.shared_dll}",
                CSHARP_DIR / "TestServer.cs",
            )
            (staging / ".stamp").write_text(stamp)
            old = WORK_DIR / f"build.old.{os.getpid()}"
            if BIN_DIR.exists():
                BIN_DIR.rename(old)
            staging.rename(BIN_DIR)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return current


if __name__ == "__main__":
    try:
        b = build(force="--force" in sys.argv[1:])
    except MonoBuildError as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
    for p in (b.shared_dll, b.client_exe, b.server_exe):
        print(p)
