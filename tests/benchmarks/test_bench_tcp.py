"""bench_tcp's floor and lean rows and its budget line without a load run: the C floor server builds and
answers a real TCP-channel call with Mono's reply, the lean Python server answers one through the binary
formatter, and the budget line says how much time a call 2x Mono leaves over the floor."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from ..support.peers import have, require_peer

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))  # the scripts import the runner as ``_harness``, as when run directly

import bench_tcp  # noqa: E402
from _harness import Result, free_port  # noqa: E402


def first_answer(port: int, seconds: float) -> str:
    """What is wrong with the first call a server starting on ``port`` answers ('' if nothing), or why none came."""
    deadline = time.monotonic() + seconds
    answer = "not started"
    while answer and time.monotonic() < deadline:
        try:
            answer = bench_tcp.tcp_call_once(port)
        except OSError as exc:
            answer = str(exc)
            time.sleep(0.05)
    return answer


def test_the_floor_server_answers_a_tcp_channel_call_with_mono_s_reply(tmp_path: Path) -> None:
    require_peer("cc", have("cc") or have("gcc"), "no C compiler (scripts/setup.sh installs gcc)")
    exe = bench_tcp.build_floor(tmp_path)
    target = bench_tcp.floor_target(exe)
    port = free_port()
    command = target.command(port, 0)
    server = subprocess.Popen(command[command.index(str(exe)):])  # not pinned: the test may run anywhere
    try:
        assert first_answer(port, 10) == ""  # the reply frame holds "Hi there Alice"
        assert bench_tcp.tcp_call_once(port) == ""  # and again, on a new connection
    finally:
        server.kill()
        server.wait()


def test_the_lean_python_server_answers_a_tcp_channel_call() -> None:
    port = free_port()
    command = bench_tcp.script_target("lean", "lean_tcp_server.py").command(port, 0)
    server = subprocess.Popen(command[command.index(sys.executable):])  # not pinned: the test may run anywhere
    try:
        assert first_answer(port, 20) == ""  # its answer, written by the binary formatter, holds "Hi there Alice"
        assert bench_tcp.tcp_call_once(port) == ""
    finally:
        server.kill()
        server.wait()


def test_the_budget_is_what_2x_mono_leaves_over_the_faster_canned_server(capsys: pytest.CaptureFixture[str]) -> None:
    labels = {"tcp-async": "async", "tcp": "sync", "mono": "Mono"}
    results = {
        "floor@1": Result("floor@1", rate=10_000.0),  # 100 us a call
        "bare@1": Result("bare@1", rate=12_500.0),  # 80 us: the faster of the two is the floor
        "mono@1": Result("mono@1", rate=5_000.0),  # 200 us: 2x Mono is 100 us, 20 over the floor
        "tcp-async@1": Result("tcp-async@1", rate=8_000.0),  # 125 us: 45 over the floor
        "tcp@1": Result("tcp@1", failure="down"),  # left out
        "mono@16": Result("mono@16", rate=5_000.0),  # no canned server at 16: no line
    }
    bench_tcp.print_budgets([1, 16], labels, results)
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [
        "budget at 1 conn.: 2x Mono leaves a server 20.0 us a call over the floor's 80.0; "
        "taken over the floor (us a call): async 45.0; Mono 120.0"
    ]
