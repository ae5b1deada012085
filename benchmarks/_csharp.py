"""Building the benchmarks' C# programs (``csharp/*.cs``) with Mono's ``mcs``, once per change.

Each program goes to ``csharp/bin/<name>/`` (git-ignored). A stamp (SHA-256 of the source, the flags and
``mcs --version``) rebuilds it only when one of them changed; builds are serialized with a file lock and go to
a fresh directory that replaces the old one only on success, so two benchmark processes never see a
half-written program.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

CSHARP = Path(__file__).resolve().parent / "csharp"
MONO_BIN = CSHARP / "bin"
MCS_FLAGS = ["-nologo", "-sdk:4.5", "-optimize+", "-warn:4"]


def build_exe(source: str, exe_name: str, references: Sequence[str] = ()) -> Path:
    """``csharp/<source>`` compiled to ``csharp/bin/<stem of exe_name>/<exe_name>``; its path. RuntimeError
    when ``mcs`` fails (OSError when it is not installed)."""
    source_path = CSHARP / source
    MONO_BIN.mkdir(parents=True, exist_ok=True)
    stem = Path(exe_name).stem
    exe = MONO_BIN / stem / exe_name
    mcs = subprocess.run(["mcs", "--version"], capture_output=True, text=True, check=False).stdout
    flags = [*MCS_FLAGS, *(f"-r:{ref}" for ref in references)]
    stamp = hashlib.sha256(source_path.read_bytes() + mcs.encode() + " ".join(flags).encode()).hexdigest()
    with open(MONO_BIN / f".{stem}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp_file = exe.parent / ".stamp"
        if exe.is_file() and stamp_file.is_file() and stamp_file.read_text() == stamp:
            return exe
        staging = MONO_BIN / f"{stem}.new.{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        cmd = ["mcs", *flags, "-target:exe", f"-out:{staging / exe_name}", str(source_path)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            raise RuntimeError(f"mcs failed: {out.stdout}{out.stderr}")
        (staging / ".stamp").write_text(stamp)
        shutil.rmtree(exe.parent, ignore_errors=True)
        staging.rename(exe.parent)
    return exe
