"""Compile the method-model C# programs (``tests/interop/csharp/methodmodel/``) with Mono's ``mcs``.

Output goes to ``tests/interop/csharp/bin/methodmodel/`` (git-ignored)::

    MethodModel.dll           Contract.cs (assembly "MethodModel", version 0.0.0.0)
    MethodModelClient.exe     Client.cs   (references MethodModel.dll)
    MethodModelServer.exe     Server.cs   (references MethodModel.dll)

Separate from ``mono_build.py`` (its own sources, stamp and lock) so the two builds never wait for or
invalidate each other. A stamp (SHA-256 of the sources, this file and ``mcs --version``) rebuilds only
when something changed; the build goes to a staging directory that replaces the output only on success.

Run ``python tests/interop/methodmodel_build.py`` to build by hand and print the paths.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.interop.mono_build import MonoBuildError, _mcs

SOURCE_DIR = Path(__file__).resolve().parent / "csharp" / "methodmodel"
WORK_DIR = Path(__file__).resolve().parent / "csharp" / "bin"
OUT_DIR = WORK_DIR / "methodmodel"
SOURCES = ("Contract.cs", "Client.cs", "Server.cs")


@dataclass(frozen=True)
class MethodModelBuild:
    contract_dll: Path
    client_exe: Path
    server_exe: Path


def _paths(out: Path) -> MethodModelBuild:
    return MethodModelBuild(out / "MethodModel.dll", out / "MethodModelClient.exe", out / "MethodModelServer.exe")


def _stamp() -> str:
    h = hashlib.sha256()
    for name in SOURCES:
        h.update(name.encode() + (SOURCE_DIR / name).read_bytes())
    h.update(Path(__file__).read_bytes())
    h.update(subprocess.run(["mcs", "--version"], capture_output=True, text=True, check=False).stdout.encode())
    return h.hexdigest()


def build() -> MethodModelBuild:
    """Build (if needed) and return the paths of the compiled assemblies."""
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    with open(WORK_DIR / ".methodmodel.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = _stamp()
        current = _paths(OUT_DIR)
        stamp_file = OUT_DIR / ".stamp"
        if stamp_file.is_file() and stamp_file.read_text() == stamp and all(
            p.is_file() for p in (current.contract_dll, current.client_exe, current.server_exe)
        ):
            return current
        staging = WORK_DIR / f"methodmodel.new.{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        try:
            new = _paths(staging)
            _mcs("-target:library", f"-out:{new.contract_dll}", SOURCE_DIR / "Contract.cs")
            for exe, source in ((new.client_exe, "Client.cs"), (new.server_exe, "Server.cs")):
                _mcs("-target:exe", f"-out:{exe}", "-r:System.Runtime.Remoting.dll", f"-r:{new.contract_dll}",
                     SOURCE_DIR / source)
            (staging / ".stamp").write_text(stamp)
            shutil.rmtree(OUT_DIR, ignore_errors=True)
            staging.rename(OUT_DIR)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return current


if __name__ == "__main__":
    try:
        paths = build()
    except MonoBuildError as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
    print(paths.contract_dll, paths.client_exe, paths.server_exe, sep="\n")
