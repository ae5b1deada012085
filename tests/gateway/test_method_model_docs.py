"""The method model's documentation runs as written: docs/guide.md's programs of sections 2a (``calculator.py``)
and 3a (``catalog.py``), and ``examples/call_model.py``'s client, each served by a real uvicorn and run as a
separate Python program whose output must be what the comments beside its ``print`` calls say.

The guide's programs name ``http://127.0.0.1:8000`` (and ``:8001``); the test swaps in its servers' ports.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..support.server import REPO_ROOT, live_server, live_servers

GUIDE = REPO_ROOT / "docs" / "guide.md"


def guide_program(first_line: str) -> str:
    """The guide's ```python block that starts with ``first_line``."""
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index("```python\n" + first_line + "\n") + len("```python\n")
    return text[start:text.index("```", start)]


def run_program(path: Path, *args: str, pythonpath: str = str(REPO_ROOT)) -> list[str]:
    env = {**os.environ, "PYTHONPATH": pythonpath}
    proc = subprocess.run([sys.executable, str(path), *args], cwd=path.parent, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.splitlines()


def expect_documented(program: str, lines: list[str]) -> None:
    """Each expected line is what the program's comments promise."""
    for line in lines:
        assert f"# {line}" in program, f"the program's comments no longer say {line!r}"


def serve_program(tmp_path: Path, name: str, source: str) -> Path:
    path = tmp_path / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    return path


def test_section_2a_calculator_runs_as_written(tmp_path: Path) -> None:
    program = guide_program("# calculator.py")
    expected = ["(True, 42)", "(None, 2, 1)", "5 23", "zed"]
    expect_documented(program, expected)
    path = serve_program(tmp_path, "calculator", program)
    with live_server("calculator:app", env={"PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO_ROOT}"}) as url:
        path.write_text(program.replace("http://127.0.0.1:8000/", url), encoding="utf-8")
        assert run_program(path) == expected


def test_section_3a_catalog_runs_as_written(tmp_path: Path) -> None:
    # one-way, the call context both ways, a delegate to the client's object, a balanced proxy over two servers
    program = guide_program("# catalog.py")
    expected = ["pen for t-1", "Trace(Id='catalog')", "[('pen', 9.5)]", "ink for t-1 cap for t-1", "pen"]
    expect_documented(program, expected)
    path = serve_program(tmp_path, "catalog", program)
    env = {"PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO_ROOT}"}
    with live_servers("catalog:app", "catalog:app", env=env) as (first, second):
        path.write_text(program.replace("http://127.0.0.1:8000/", first).replace("http://127.0.0.1:8001/", second),
                        encoding="utf-8")
        assert run_program(path) == expected


CALL_MODEL_DEMO = [
    "t|demo|1|trace",
    "TraceTag(Id='demo', Hops=2) TraceTag(Id='server-demo', Hops=0)",
    "(['a|demo', 'b|demo'], 2, TraceTag(Id='demo', Hops=2))",
    "1",
    "called",
    "news;ping",
    "sleep:1000 hello",
]


def run_call_model_demo(base_url: str, formatter: str) -> list[str]:
    """``python -m examples.call_model BASE_URL [--binary]``; its output, checked against its comments."""
    source = (REPO_ROOT / "examples" / "call_model.py").read_text(encoding="utf-8")
    expect_documented(source, CALL_MODEL_DEMO)
    proc = subprocess.run([sys.executable, "-m", "examples.call_model", base_url,
                           *(["--binary"] if formatter == "binary" else [])],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.splitlines()


@pytest.mark.parametrize("formatter", ["soap", "binary"])
def test_the_call_model_example_runs_against_its_own_app(formatter: str) -> None:
    with live_server("examples.call_model:app") as url:
        assert run_call_model_demo(url, formatter) == CALL_MODEL_DEMO
