"""The benchmark runner without wrk or servers: the scripts stay independent, ratios decide ``--check``,
the generated wrk scripts carry the request, and the formatter benchmark's checks pass."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))  # the scripts import the runner as ``_harness``, as when run directly

import _harness  # noqa: E402
import bench_formatters  # noqa: E402


@dataclass
class Run:
    rate: float
    failure: str = ""


def test_no_bench_script_imports_another() -> None:
    for script in sorted(BENCHMARKS.glob("bench_*.py")):
        tree = ast.parse(script.read_text())
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not {name for name in imported if name.split(".")[-1].startswith("bench_")}, script.name


def test_ratios_decide_check() -> None:
    runs = {"a": [Run(70.0), Run(50.0)], "c": [Run(100.0), Run(100.0)]}
    assert _harness.check_ratios([_harness.Ratio("a", "c", 0.6)], runs)  # median of 0.7 and 0.5
    assert not _harness.check_ratios([_harness.Ratio("a", "c", 0.65)], runs)
    assert not _harness.check_ratios([_harness.Ratio("a", "c", 0.5)], {"a": [Run(70.0)], "c": [Run(0.0, "down")]})
    assert not _harness.check_ratios([_harness.Ratio("a", "mono", 0.5)], runs)  # a target without data is missed
    assert _harness.check_ratios([_harness.Ratio("a", "mono")], runs)  # information without data is skipped
    assert _harness.check_ratios([_harness.Ratio("b", "c", 0.9)], runs)  # b not selected: nothing to check


def test_lower_median_is_an_actual_round() -> None:
    runs = [Run(3.0), Run(1.0), Run(0.0, "failed"), Run(2.0), Run(4.0)]
    assert _harness.lower_median(runs).rate == 2.0
    assert _harness.lower_median([Run(0.0, "first"), Run(0.0, "last")]).failure == "last"


def test_generated_wrk_script_carries_the_request(tmp_path: Path) -> None:
    for request in (_harness.HELLO_SOAP, _harness.HELLO_LITERAL, _harness.HELLO_BINARY):
        lua = _harness.write_lua(request, tmp_path).read_text()
        assert (tmp_path / f"{request.name}.body").read_bytes() == request.body
        assert f"wrk.path = '{request.path}'" in lua
        for name in request.headers:
            assert f"wrk.headers['{name}']" in lua
        assert lua.count("local threads = {}") == 1  # hello.lua from that line on, not from its comment
        assert "function done(summary, latency, requests)" in lua  # hello.lua's RESULT line


def test_formatter_benchmark_checks_pass() -> None:
    """Every case of bench_formatters.py answers correctly (its speed floor is for a measured run, not here:
    a 10 ms round on a loaded machine can fall below any floor)."""
    failures = {case.label: case.check() for case in bench_formatters.cases()}
    assert failures and not any(failures.values()), failures


def test_tree_cpu_counts_the_workers() -> None:
    """``uvicorn --workers N`` spends its CPU in child processes: the tree's CPU includes theirs."""
    child = subprocess.Popen([sys.executable, "-c", "import time\nend = time.process_time() + 0.3\n"
                              "while time.process_time() < end: pass\ntime.sleep(30)"])
    try:
        deadline = time.monotonic() + 20
        while _harness.cpu_seconds(child.pid) < 0.25 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _harness.tree_cpu_seconds(os.getpid()) >= _harness.cpu_seconds(os.getpid()) + 0.25
    finally:
        child.kill()
        child.wait()


def test_inprocess_benchmark_answers_right_with_and_without_templates() -> None:
    """bench_call_path.py checks the first and the last answer (exit status 1 on a wrong one) of each app."""
    for options in (["--app", "b"], ["--app", "b", "--no-templates"], ["--app", "c"]):
        done = subprocess.run([sys.executable, str(BENCHMARKS / "bench_call_path.py"), "--calls", "3", *options],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]


def test_a_ceiling_under_the_target_warns_that_the_run_cannot_show_it() -> None:
    """bench_tcp's one-connection rows: when even the do-nothing server is not 2x Mono, the machine set the
    pace (this VM's idle vCPUs halt), and the report says so rather than leave a 'missed' to be misread."""
    slow = {"bare@1": [Run(12_000.0), Run(9_000.0)], "mono@1": [Run(8_000.0), Run(9_000.0)]}
    note = _harness.ceiling_note("bare@1", "mono@1", slow, 2.0, "TCP/Mono at 1 connection")
    assert note.startswith("NOTE: TCP/Mono at 1 connection") and "1.25x" in note  # median of 1.5 and 1.0
    fast = {"bare@1": [Run(48_000.0)], "mono@1": [Run(12_000.0)]}
    assert _harness.ceiling_note("bare@1", "mono@1", fast, 2.0, "TCP/Mono at 1 connection") == ""
    assert _harness.ceiling_note("bare@1", "mono@1", {"bare@1": [Run(1.0)]}, 2.0, "x") == ""  # no Mono row
    assert _harness.round_ratios("bare@1", "mono@1", {"bare@1": [Run(9.0, "down")], "mono@1": [Run(3.0)]}) == []
