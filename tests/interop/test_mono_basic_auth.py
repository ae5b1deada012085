"""A real Mono .NET Remoting client with the HttpChannel's ``username``/``password`` properties against a
Basic-protected service (``examples.secured``), SOAP and binary: good credentials are served, missing and
wrong ones get 401 (which .NET's HttpWebRequest answers by resending with its credentials)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.server import live_server

from . import mono_build
from .test_mono_client import require_mono

pytestmark = pytest.mark.interop

SOURCE = Path(__file__).resolve().parent / "csharp" / "auth" / "AuthClient.cs"


@pytest.fixture(scope="module")
def auth_client() -> Path:
    require_mono()
    build = mono_build.build()
    exe = build.bin_dir / "AuthClient.exe"
    if not exe.is_file() or exe.stat().st_mtime < SOURCE.stat().st_mtime:
        out = build.bin_dir / f"AuthClient.{id(build)}.exe"
        subprocess.run(
            ["mcs", *mono_build.MCS_FLAGS, "-target:exe", f"-out:{out}", "-r:System.Runtime.Remoting.dll",
             f"-r:{build.shared_dll}", str(SOURCE)],
            check=True, capture_output=True, text=True, timeout=120,
        )
        out.replace(exe)
    return exe


@pytest.fixture(scope="module")
def secured_url() -> Iterator[str]:
    with live_server("examples.secured:app", env={"GATEWAY_FORMATTERS": "soap,binary"}) as url:
        yield url.rstrip("/")


@pytest.mark.parametrize("binary", [False, True], ids=["soap", "binary"])
@pytest.mark.parametrize(
    ("expect", "credentials"),
    [("ok", ["alice", "wonderland"]), ("401", []), ("401", ["alice", "not-her-password"])],
    ids=["good", "none", "wrong"],
)
def test_mono_client_with_http_credentials(
    auth_client: Path, secured_url: str, expect: str, credentials: list[str], binary: bool
) -> None:
    uri = "SecureHello.rem" if binary else "SecureHello.soap"
    cmd = ["mono", str(auth_client), f"{secured_url}/{uri}", expect, *credentials, *(["--binary"] if binary else [])]
    proc = subprocess.run(cmd, cwd=auth_client.parent, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0 and "1 passed, 0 failed" in proc.stdout, (
        f"$ {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr[-3000:]}"
    )
