"""Compile the call model interop programs in ``tests/interop/csharp/callmodel/`` with Mono's ``mcs``.

Output goes to ``tests/interop/csharp/bin/callmodel/`` (git-ignored)::

    CallModelShared.dll   CallModel.cs        (assembly "CallModelShared", version 0.0.0.0)
    CallModelServer.exe   CallModelServer.cs + MonoFix.cs  (references CallModelShared.dll)
    CallModelClient.exe   CallModelClient.cs + MonoFix.cs  (references CallModelShared.dll)

Rebuilt only when a source, this file or ``mcs --version`` changed (a stamp), under ``mono_build``'s file
lock and with its ``mcs``, into a fresh directory that replaces the old one only on success; apart from
``mono_build``'s own programs, so the two never rebuild each other.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import mono_build

SOURCE_DIR = Path(__file__).resolve().parent / "csharp" / "callmodel"
WORK_DIR = Path(__file__).resolve().parent / "csharp" / "bin"
OUT_DIR = WORK_DIR / "callmodel"
SOURCES = ("CallModel.cs", "MonoFix.cs", "CallModelServer.cs", "CallModelClient.cs")


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


def build() -> CallModelBuild:
    """Build (if needed) and return the paths of the compiled assemblies."""
    with mono_build._lock():  # one mcs build at a time in bin/
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
            mono_build._mcs("-target:library", f"-out:{new.shared_dll}", SOURCE_DIR / "CallModel.cs")
            for exe, source in ((new.server_exe, "CallModelServer.cs"), (new.client_exe, "CallModelClient.cs")):
                mono_build._mcs("-target:exe", f"-out:{exe}", "-r:System.Runtime.Remoting.dll",
                                f"-r:{new.shared_dll}", SOURCE_DIR / source, SOURCE_DIR / "MonoFix.cs")
            (staging / ".stamp").write_text(stamp)
            old = WORK_DIR / f"callmodel.old.{os.getpid()}"
            if OUT_DIR.exists():
                OUT_DIR.rename(old)
            staging.rename(OUT_DIR)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return current
