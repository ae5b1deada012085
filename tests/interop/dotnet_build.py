"""Compile the .NET-types interop programs (``tests/interop/csharp/dotnet/``) with Mono's ``mcs``.

Output goes to ``tests/interop/csharp/bin/dotnet/`` (git-ignored)::

    DotnetShared.dll   DotnetContract.cs  (assembly "DotnetShared", version 0.0.0.0)
    DotnetServer.exe   DotnetServer.cs
    DotnetClient.exe   DotnetClient.cs

Rebuilt only when a source, this file or ``mcs --version`` changed (a stamp), under ``mono_build``'s file
lock and with its ``mcs`` flags, into a fresh directory that replaces the old one only on success.
``python tests/interop/dotnet_build.py`` builds by hand and prints the paths.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

try:
    from . import mono_build
except ImportError:  # run as a script
    import mono_build  # type: ignore[no-redef]

SOURCE_DIR = Path(__file__).resolve().parent / "csharp" / "dotnet"
WORK_DIR = Path(__file__).resolve().parent / "csharp" / "bin"
BIN_DIR = WORK_DIR / "dotnet"
SOURCES = ("DotnetContract.cs", "DotnetServer.cs", "DotnetClient.cs")


@dataclass(frozen=True)
class DotnetBuild:
    bin_dir: Path
    shared_dll: Path
    server_exe: Path
    client_exe: Path


def _paths(bin_dir: Path) -> DotnetBuild:
    return DotnetBuild(
        bin_dir, bin_dir / "DotnetShared.dll", bin_dir / "DotnetServer.exe", bin_dir / "DotnetClient.exe"
    )


def _stamp() -> str:
    h = hashlib.sha256()
    for name in SOURCES:
        h.update(name.encode() + (SOURCE_DIR / name).read_bytes())
    h.update(Path(__file__).read_bytes() + " ".join(mono_build.MCS_FLAGS).encode())
    h.update(subprocess.run(["mcs", "--version"], capture_output=True, text=True, check=False).stdout.encode())
    return h.hexdigest()


def build() -> DotnetBuild:
    """Build (if needed) and return the paths of the compiled assemblies."""
    with mono_build._lock():  # the same lock as mono_build's: one mcs build at a time in bin/
        stamp = _stamp()
        current = _paths(BIN_DIR)
        stamp_file = BIN_DIR / ".stamp"
        if stamp_file.is_file() and stamp_file.read_text() == stamp and all(
            p.is_file() for p in (current.shared_dll, current.server_exe, current.client_exe)
        ):
            return current
        staging = WORK_DIR / f"dotnet.new.{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        try:
            new = _paths(staging)
            mono_build._mcs("-target:library", f"-out:{new.shared_dll}", SOURCE_DIR / "DotnetContract.cs")
            for exe, source in ((new.server_exe, "DotnetServer.cs"), (new.client_exe, "DotnetClient.cs")):
                mono_build._mcs("-target:exe", f"-out:{exe}", "-r:System.Runtime.Remoting.dll",
                                f"-r:{new.shared_dll}", SOURCE_DIR / source)
            (staging / ".stamp").write_text(stamp)
            old = WORK_DIR / f"dotnet.old.{os.getpid()}"
            if BIN_DIR.exists():
                BIN_DIR.rename(old)
            staging.rename(BIN_DIR)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return current


if __name__ == "__main__":
    built = build()
    for path in (built.shared_dll, built.server_exe, built.client_exe):
        print(path)
    sys.exit(0)
