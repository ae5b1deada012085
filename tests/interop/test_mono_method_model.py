"""The method model against real Mono, both directions, SOAP and binary (issue 9 items 1, 2 and 10).

* An unchanged Mono client (``csharp/methodmodel/Client.cs``) calls ``examples.method_model`` served by
  uvicorn: ``out``/``ref`` values arrive in its variables, overloads reach the right Python method, a
  property setter runs, ToString/Equals reach the server when the class overrides them and answer as
  ``System.Object`` otherwise.
* Our Python client calls a Mono server of the same contract (``csharp/methodmodel/Server.cs``): it reads
  out/ref values into ``(return value, *outs)``, sends the method signature Mono needs to choose an
  overload, sets properties by assignment, and reaches Mono's overridden ToString/Equals.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from examples.method_model import ICalculator, ICalculatorObject, Item
from gateway import RemotingClient

from ..support.server import free_port, live_server, stop_process
from . import methodmodel_build
from .test_mono_client import require_mono

pytestmark = pytest.mark.interop


@pytest.fixture(scope="module")
def build() -> methodmodel_build.MethodModelBuild:
    require_mono()
    return methodmodel_build.build()


@pytest.fixture(scope="module")
def our_server() -> Iterator[str]:
    with live_server("examples.method_model:app") as url:
        yield url.rstrip("/")


@pytest.mark.parametrize("fmt", ["soap", "binary"])
def test_mono_client_against_our_server(build: methodmodel_build.MethodModelBuild, our_server: str, fmt: str) -> None:
    ext = "rem" if fmt == "binary" else "soap"
    cmd = ["mono", str(build.client_exe), f"{our_server}/Calculator.{ext}", f"{our_server}/Plain.{ext}",
           *(["--binary"] if fmt == "binary" else [])]
    proc = subprocess.run(cmd, cwd=build.client_exe.parent, capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0 and "15 passed, 0 failed" in proc.stdout, (
        f"$ {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr[-3000:]}"
    )


@pytest.fixture(scope="module")
def mono_server(build: methodmodel_build.MethodModelBuild) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(["mono", str(build.server_exe), str(port)], cwd=build.server_exe.parent,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("READY"), f"Mono server did not start: {line!r}"
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(proc)


@pytest.mark.parametrize("fmt", ["soap", "binary"])
def test_python_client_against_mono_server(mono_server: str, fmt: str) -> None:
    ext = "rem" if fmt == "binary" else "soap"
    with RemotingClient(formatter=fmt, timeout=30) as client:
        calc = client.get_object(ICalculatorObject, f"{mono_server}/Calculator.{ext}")
        assert calc.TryParse("42") == (True, 42)
        assert calc.TryParse("x") == (False, 0)
        assert calc.Divide(17, 5) == (3, 2)
        assert calc.Swap(1, 2) == (None, 2, 1)
        assert calc.Rename("abc", "-x") == ("abc", "abc-x", 5)
        assert calc.Restock(Item("apple", 3), 2) == (Item("apple!", 5), Item("apple", 5), Item("apple", 3))
        assert calc.Add(2, 3) == 5
        assert calc.AddStrings("2", "3") == "23"
        assert calc.AddThree(1.5, 2.5, 3.0) == 7.0
        calc.Name = "zed"
        try:
            assert calc.Name == "zed"
            assert str(calc) == "Calculator zed"  # Mono's overridden ToString
            assert calc == "zed" and calc != "calc"  # Mono's overridden Equals
            assert hash(calc) == 4242  # Mono's overridden GetHashCode (a .NET proxy would not ask)
        finally:
            calc.Name = "calc"
        plain = client.get_object(ICalculator, f"{mono_server}/Plain.{ext}")
        assert plain.ToString() == "MethodModel.PlainCalculator"  # type: ignore[attr-defined]
        assert plain.Equals("calc") is False  # type: ignore[attr-defined]


def test_sources_are_where_the_build_reads_them() -> None:
    assert all((methodmodel_build.SOURCE_DIR / name).is_file() for name in methodmodel_build.SOURCES)
    assert Path(methodmodel_build.__file__).parent.name == "interop"
