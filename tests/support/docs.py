"""Code blocks of a documentation page, for tests that run or check a page as written."""

from __future__ import annotations

import re
import subprocess
import textwrap
from pathlib import Path


def code_blocks(page: Path, language: str) -> list[str]:
    """The page's fenced ``language`` blocks, in order (dedented: a block inside a list item is indented);
    fails when there is none, so that a renamed fence does not turn a test into a no-op."""
    found = re.findall(rf"```{language}\n(.*?)```", page.read_text(encoding="utf-8"), re.S)
    assert found, f"{page.name} has no {language} block"
    return [textwrap.dedent(block) for block in found]


def assert_shell_parses(block: str) -> None:
    """``bash -n`` accepts ``block``."""
    proc = subprocess.run(["bash", "-n"], input=block, capture_output=True, text=True, timeout=30, check=False)
    assert proc.returncode == 0, f"{proc.stderr}\n{block}"
