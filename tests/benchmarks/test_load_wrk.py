"""benchmarks/load_wrk.py in a 2-second smoke run: the real server and wrk, 256 connections, no errors.

The measured load test (60 s) is run by hand; its result is in benchmarks/README.md.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..support.peers import in_ci

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "load_wrk.py"


def test_load_wrk_smoke_run_has_no_errors() -> None:
    missing = [tool for tool in ("wrk", "taskset") if shutil.which(tool) is None]
    if missing:
        if in_ci():
            pytest.fail(f"{', '.join(missing)} missing under CI (scripts/setup.sh installs them)")
        pytest.skip(f"needs {', '.join(missing)}")
    out = subprocess.run([sys.executable, str(SCRIPT), "--duration", "2", "--warmup", "0", "--check",
                          "--rss-slack-mb", "256"], capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "errors: bad=0, err_connect=0, err_read=0, err_write=0, err_timeout=0, err_status=0" in out.stdout
