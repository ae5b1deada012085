"""A non-editable install (the Dockerfile's ``pip install .``) ships every package and subpackage of the
source tree and the help page's assets: the wheel is built and its file list compared with the tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_holds_every_package_and_asset(tmp_path: Path) -> None:
    # built from a clean copy: setuptools reuses a ./build directory, which would hide a missing package
    source = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("gateway", "soap", "wsdl"):
        shutil.copytree(ROOT / package, source / package, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
                    str(source)], check=True, capture_output=True, timeout=300)
    [wheel] = (tmp_path / "dist").glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in ("gateway", "soap", "wsdl"):
        for init in (ROOT / package).rglob("__init__.py"):
            assert init.relative_to(ROOT).as_posix() in names, f"{init.relative_to(ROOT)} is not in the wheel"
    assets = [p.relative_to(ROOT).as_posix() for p in (ROOT / "gateway" / "server" / "assets").iterdir()]
    assert assets and all(a in names for a in assets), assets
