"""bench_call_path.py drives bench_server's four apps in process: each must answer the call it counts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_call_path.py"


def test_every_app_answers_the_counted_call() -> None:
    args = ["--app", "a", "--app", "b", "--app", "c", "--app", "d", "--calls", "3"]
    done = subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
