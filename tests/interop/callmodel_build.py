"""Compile the call model interop programs in ``tests/interop/csharp/callmodel/`` with Mono's ``mcs``.

Output goes to ``tests/interop/csharp/bin/callmodel/`` (git-ignored)::

    CallModelShared.dll   CallModel.cs        (assembly "CallModelShared", version 0.0.0.0)
    CallModelServer.exe   CallModelServer.cs  (references CallModelShared.dll)
    CallModelClient.exe   CallModelClient.cs  (references CallModelShared.dll)

Built as :mod:`tests.interop.mono_build` builds its programs (a stamp of the sources, this file and
``mcs --version``; a file lock; a staging directory that replaces the output only on success), but on its
own, so the two never rebuild each other.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .mono_build import MCS_FLAGS, MonoBuildError

SOURCE_DIR = Path(__file__).resolve().parent / "csharp" / "callmodel"
WORK_DIR = Path(__file__).resolve().parent / "csharp" / "bin"
OUT_DIR = WORK_DIR / "callmodel"
SOURCES = ("CallModel.cs", "CallModelServer.cs", "CallModelClient.cs")


@dataclass(frozen=True)
class CallModelBuild:
    bin_dir: Path
    shared_dll: Path
    server_exe: Path
    client_exe: Path


def _paths(bin_dir: Path) -> CallModelBuild:
    return CallModelBuild(bin_dir, bin_dir / "CallModelShared.dll", bin_dir / "CallModelServer.exe",
                          bin_dir / "CallModelClient.exe")


def _stamp() -> str:
    h = hashlib.sha256()
    for name in SOURCES:
        h.update(name.encode())
        h.update((SOURCE_DIR / name).read_bytes())
    h.update(Path(__file__).read_bytes())
    h.update(subprocess.run(["mcs", "--version"], capture_output=True, text=True, check=False).stdout.encode())
    return h.hexdigest()


@contextlib.contextmanager
def _lock() -> Iterator[None]:
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    with open(WORK_DIR / ".callmodel.lock", "w") as fh:
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


def build() -> CallModelBuild:
    """Build (if needed) and return the paths of the compiled assemblies."""
    with _lock():
        stamp = _stamp()
        current = _paths(OUT_DIR)
        stamp_file = OUT_DIR / ".stamp"
        if stamp_file.is_file() and stamp_file.read_text() == stamp and current.client_exe.is_file():
            return current
        staging = WORK_DIR / f"callmodel.new.{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        try:
            new = _paths(staging)
            _mcs("-target:library", f"-out:{new.shared_dll}", SOURCE_DIR / "CallModel.cs")
            for exe, source in ((new.server_exe, "CallModelServer.cs"), (new.client_exe, "CallModelClient.cs")):
                _mcs("-target:exe", f"-out:{exe}", "-r:System.Runtime.Remoting.dll", f"-r:{new.shared_dll}",
                     SOURCE_DIR / source)
            (staging / ".stamp").write_text(stamp)
            old = WORK_DIR / f"callmodel.old.{os.getpid()}"
            if OUT_DIR.exists():
                OUT_DIR.rename(old)
            staging.rename(OUT_DIR)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return current
