"""docs/coming-from-dotnet.md as written: its Python server runs under a real uvicorn and its Python client
calls it; every link of it (and of docs/deployment.md and README.md) reaches a file and a heading that
exist, so the table's guide references cannot rot."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from .support.server import REPO_ROOT, live_server

DOCS = REPO_ROOT / "docs"
PAGE = DOCS / "coming-from-dotnet.md"


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def test_the_python_server_and_client_run_as_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server, client = python_blocks(PAGE)
    (tmp_path / "hello_service.py").write_text(server, encoding="utf-8")
    env = {"PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO_ROOT)])}
    with live_server("hello_service:app", env=env) as base:
        monkeypatch.syspath_prepend(str(tmp_path))
        try:
            exec(compile(client.replace("http://127.0.0.1:8000/", base), str(PAGE), "exec"), {})
        finally:
            sys.modules.pop("hello_service", None)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return {_slug(h) for h in re.findall(r"^#+ (.+)$", text, re.M)}


@pytest.mark.parametrize("page", ["docs/coming-from-dotnet.md", "docs/deployment.md", "README.md"])
def test_every_link_reaches_a_file_and_heading(page: str) -> None:
    source = REPO_ROOT / page
    text = re.sub(r"```.*?```", "", source.read_text(encoding="utf-8"), flags=re.S)
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    assert links
    for link in links:
        if link.startswith(("http://", "https://")):
            continue
        target, _, anchor = link.partition("#")
        path = (source.parent / target).resolve() if target else source
        assert path.exists(), f"{page}: {link}: no such file"
        if anchor:
            assert anchor in _anchors(path), f"{page}: {link}: no heading #{anchor} in {path.name}"


def test_the_readme_links_the_page() -> None:
    assert "(docs/coming-from-dotnet.md)" in (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/deployment.md)" in (REPO_ROOT / "README.md").read_text(encoding="utf-8")
