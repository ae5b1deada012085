"""bench_scale.py's lease-sweep part runs and meets its target on a small index (a real redis-server)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ..support.peers import require_peer
from ..support.redis import redis_binary

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench_scale  # noqa: E402

pytestmark = pytest.mark.interop


def test_sweep_part_runs_and_checks(capsys: pytest.CaptureFixture[str]) -> None:
    require_peer("redis-server", redis_binary() is not None, "redis-server (apt-get install redis-server)")
    assert bench_scale.main(["--only", "sweep", "--leases", "3000", "--sweeps", "3", "--check"]) == 0
    out = capsys.readouterr().out
    assert "steady sweep (none due)" in out and "target <= 10.000 %: met" in out


def test_unknown_parts_are_refused() -> None:
    with pytest.raises(SystemExit):
        bench_scale.main(["--only", "everything"])
