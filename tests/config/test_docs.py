"""docs/configuration.md cannot drift: its reference is regenerated from the schema and compared, its
example files are the ones in examples/ (which load), and a new section is one declaration."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gateway.config import Section, load_config, section, setting
from gateway.config.docs import DOC_PATH, reference, render_page
from gateway.config.kinds import Integer
from gateway.config.load import CONFIG_FILE_VARIABLE, CONFIG_MODULES_VARIABLE
from gateway.config.schema import SECTIONS, settings_of

from ..support.server import REPO_ROOT


def test_the_reference_is_current() -> None:
    page = DOC_PATH.read_text(encoding="utf-8")
    assert render_page(page) == page, "docs/configuration.md is out of date: python -m gateway.config.docs --write"


def test_the_check_command_agrees() -> None:
    proc = subprocess.run([sys.executable, "-m", "gateway.config.docs", "--check"], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("example", ["gateway.toml", "secured.toml", "App.config"])
def test_the_pages_examples_are_the_example_files(example: str) -> None:
    text = (REPO_ROOT / "examples" / example).read_text(encoding="utf-8").rstrip()
    assert text in DOC_PATH.read_text(encoding="utf-8"), f"examples/{example} is not shown verbatim"


def test_every_key_and_variable_is_in_the_reference() -> None:
    text = reference()
    names: list[str] = []
    for spec in SECTIONS:
        assert (f"`[{spec.name}]`" if spec.name else "Top-level keys") in text
        for f, meta in settings_of(spec.cls):
            assert f"`{f.name}`" in text
            if meta.env:
                names.append(spec.env_name(f.name))
                assert f"`{names[-1]}`" in text
    assert len(names) == len(set(names)), "two keys share an environment variable"
    assert CONFIG_FILE_VARIABLE not in names and CONFIG_MODULES_VARIABLE not in names


@dataclass(frozen=True, kw_only=True)
class ExampleSettings(Section):
    """A section declared by a test."""

    answer: int = setting(42, Integer(0), "The answer.")


@pytest.fixture
def declared() -> Iterator[type[ExampleSettings]]:
    section("example_extension")(ExampleSettings)
    try:
        yield ExampleSettings
    finally:
        SECTIONS[:] = [s for s in SECTIONS if s.cls is not ExampleSettings]


def test_a_new_section_is_one_declaration(declared: type[ExampleSettings], tmp_path: Path) -> None:
    path = tmp_path / "gateway.toml"
    path.write_text("[example_extension]\nanswer = 7\n")
    assert load_config(path, environ={}).get(declared).answer == 7
    assert load_config(path, environ={"GATEWAY_EXAMPLE_EXTENSION_ANSWER": "8"}).get(declared).answer == 8
    assert load_config(None, environ={}).get(declared).answer == 42
    text = reference()
    assert "### `[example_extension]`" in text and "`GATEWAY_EXAMPLE_EXTENSION_ANSWER`" in text
    with pytest.raises(ValueError, match="already declared"):
        section("example_extension")(ExampleSettings)


def test_reserved_names_cannot_be_sections() -> None:
    with pytest.raises(ValueError, match="reserved"):
        section("config")(ExampleSettings)
