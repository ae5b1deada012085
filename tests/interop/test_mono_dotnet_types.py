""".NET's own shapes against real Mono, both directions, SOAP and binary: typed arrays, raw CR, mscorlib's
exceptions.

* A Mono client (``csharp/dotnet/DotnetClient.cs``) calls ``examples.dotnet_types`` under a real uvicorn:
  ``Person[]``/``string[]``/``int[]``/``Color[]``/``DateTime[]`` as return values, arguments and members
  (a ``list[Person]`` must arrive as a ``Person[]``, not an ``object[]``); CR and CRLF in strings both ways;
  each of mscorlib's exceptions caught as its real type with ``ParamName``, ``ActualValue`` and ``HResult``;
  Python's own exceptions seen as .NET's under customErrors Off and hidden under On.
* Our Python client (sync, both formatters) calls a Mono server (``DotnetServer.cs``) implementing the same
  contract: the arrays Mono writes, the CRs Mono writes raw, the exceptions Mono throws raised as ours.

Mono quirks met here (client-side bugs; the wire is fine): Mono's SOAP reader cannot read a ``DateTime[]``
(not even one Mono wrote), and drops typed value-type members of an exception's SerializationInfo (an
``ActualValue`` of ``xsi:type="xsd:int"`` arrives as 0), so those two are checked in binary only.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from examples.dotnet_types import Color, IDotnetService, Person, sample_team
from gateway import (
    ArgumentException,
    ArgumentOutOfRangeException,
    RemotingClient,
    RemotingError,
    SystemException,
)
from gateway.model.dotnet_exceptions import DOTNET_EXCEPTIONS
from tests.support.peers import have, require_peer
from tests.support.server import free_port, live_server, stop_process, wait_for_ready

from . import dotnet_build

pytestmark = pytest.mark.interop

FORMATTERS = ["soap", "binary"]
#: .NET's exceptions by the name DotnetContract.cs throws them by (each also a Python built-in exception:
#: tests/gateway/test_dotnet_exceptions.py).
DOTNET: dict[str, type[BaseException]] = {cls.__name__: cls for cls in DOTNET_EXCEPTIONS}
ARRAY_CHECKS = [
    "people_return", "people_argument", "people_empty", "people_null", "strings_return", "strings_argument",
    "ints_return", "ints_argument", "doubles_argument", "enums_argument", "members_return", "members_argument",
]  # fmt: skip
TEXT_CHECKS = ["cr_to_server", "crlf_to_server", "trailing_cr_to_server", "cr_round_trip"]
EXCEPTION_CHECKS = [f"throws_{kind}" for kind in DOTNET] + ["throws_RemotingException"]
PYTHON_CHECKS = [f"python_{kind}" for kind in ("ValueError", "KeyError", "IndexError", "NotImplementedError",
                                               "TimeoutError", "PermissionError", "ZeroDivisionError",
                                               "OverflowError", "OSError")]  # fmt: skip


def require_mono() -> dotnet_build.DotnetBuild:
    require_peer("mono", have("mono"), "the `mono` runtime is not on PATH (Debian: apt-get install mono-devel)")
    require_peer("mcs", have("mcs"), "the `mcs` C# compiler is not on PATH (Debian: apt-get install mono-devel)")
    return dotnet_build.build()


@pytest.fixture(scope="module")
def build() -> dotnet_build.DotnetBuild:
    return require_mono()


@pytest.fixture(scope="module")
def gateway_urls(build: dotnet_build.DotnetBuild) -> Iterator[dict[str, str]]:
    """Our server twice: customErrors On (the default) and Off."""
    with live_server("examples.dotnet_types:app") as hidden, live_server("examples.dotnet_types:app_details") as shown:
        yield {"hidden": hidden, "details": shown}


def run_client(build: dotnet_build.DotnetBuild, url: str, binary: bool, *args: str) -> dict[str, str]:
    """Runs DotnetClient.exe; returns check name -> "" (passed) or the failure reason."""
    cmd = ["mono", str(build.client_exe), url, *(["--binary"] if binary else []), *args]
    proc = subprocess.run(cmd, cwd=build.bin_dir, capture_output=True, text=True, timeout=300, check=False)
    results: dict[str, str] = {}
    for line in proc.stdout.splitlines():
        if line.startswith("PASS "):
            results[line[5:]] = ""
        elif line.startswith("FAIL "):
            name, _, reason = line[5:].partition(": ")
            results[name] = reason or "failed"
    assert results, f"$ {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr[-3000:]}"
    return results


def assert_all_passed(results: dict[str, str], expected: list[str]) -> None:
    failed = {name: reason for name, reason in results.items() if reason}
    assert not failed, failed
    assert sorted(results) == sorted(expected)


# ------------------------------------------------------------------ a Mono client against our server


@pytest.mark.parametrize("formatter", FORMATTERS)
def test_mono_client_typed_arrays_and_cr(build: dotnet_build.DotnetBuild, gateway_urls: dict[str, str],
                                         formatter: str) -> None:  # fmt: skip
    binary = formatter == "binary"
    url = gateway_urls["hidden"] + ("DotnetService.rem" if binary else "DotnetService.soap")
    results = run_client(build, url, binary, "--group", "arrays", "--group", "text")
    assert_all_passed(results, ARRAY_CHECKS + TEXT_CHECKS + (["dates_argument"] if binary else []))


@pytest.mark.parametrize("formatter", FORMATTERS)
def test_mono_client_catches_each_real_exception_type(build: dotnet_build.DotnetBuild,
                                                     gateway_urls: dict[str, str], formatter: str) -> None:  # fmt: skip
    """Declared .NET exceptions reach the caller whatever customErrors says: run against the default (On)."""
    binary = formatter == "binary"
    url = gateway_urls["hidden"] + ("DotnetService.rem" if binary else "DotnetService.soap")
    assert_all_passed(run_client(build, url, binary, "--group", "exceptions"), EXCEPTION_CHECKS)


@pytest.mark.parametrize("mode", ["details", "hidden"])
@pytest.mark.parametrize("formatter", FORMATTERS)
def test_mono_client_and_pythons_own_exceptions(build: dotnet_build.DotnetBuild, gateway_urls: dict[str, str],
                                                formatter: str, mode: str) -> None:  # fmt: skip
    """customErrors Off: a ValueError arrives as System.ArgumentException (and so on) with its message;
    On: every one of them is the generic RemotingException, its message never sent."""
    binary = formatter == "binary"
    url = gateway_urls[mode] + ("DotnetService.rem" if binary else "DotnetService.soap")
    assert_all_passed(run_client(build, url, binary, "--group", "python", f"--python-{mode}"), PYTHON_CHECKS)


# ------------------------------------------------------------------ our client against a Mono server


@pytest.fixture(scope="module")
def mono_server(build: dotnet_build.DotnetBuild) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(["mono", str(build.server_exe), str(port)], cwd=build.bin_dir,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_ready(proc, "DotnetServer.exe", 30.0)
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop_process(proc)


@pytest.fixture(params=FORMATTERS)
def service(request: pytest.FixtureRequest, mono_server: str) -> Iterator[tuple[Any, str]]:
    formatter = request.param
    uri = "DotnetService.rem" if formatter == "binary" else "DotnetService.soap"
    with RemotingClient(timeout=30.0, formatter=formatter) as client:
        yield client.get_object(IDotnetService, mono_server + uri), formatter


def test_our_client_reads_monos_typed_arrays(service: tuple[Any, str]) -> None:
    svc, formatter = service
    assert svc.GetPeople() == [Person("Ann", 30), None, Person("Bob", 40)]
    assert svc.GetStrings() == ["a", None, "b"]
    assert svc.GetInts() == [1, -2, 2**31 - 1]
    people = [Person("Cy", 1), None, Person("Di", 2)] + [None] * 300 + [Person("Ed", 3)]  # a long run of nulls
    assert svc.EchoPeople(people) == people
    assert svc.EchoPeople([]) == [] and svc.EchoPeople(None) is None
    assert svc.EchoStrings(["x", "", None, "Zoë <&>"]) == ["x", "", None, "Zoë <&>"]
    assert svc.EchoInts([-(2**31), 0, 7]) == [-(2**31), 0, 7]
    assert svc.EchoDoubles([0.1, -2.5e300, float("inf")]) == [0.1, -2.5e300, float("inf")]
    assert svc.EchoColors([Color.Green, Color.Blue, Color.Green]) == [Color.Green, Color.Blue, Color.Green]
    assert svc.GetTeam() == sample_team()
    assert svc.EchoTeam(sample_team()) == sample_team()
    if formatter == "binary":  # Mono's SOAP reader fails on DateTime[]
        dates = [dt.datetime(2024, 2, 29, 12, tzinfo=dt.UTC), dt.datetime(1999, 12, 31)]
        assert svc.EchoDates(dates) == dates


def test_our_client_and_mono_keep_cr(service: tuple[Any, str]) -> None:
    svc, _ = service
    assert svc.CodeUnits("a\rb") == "61 0D 62"  # what we write reaches Mono as CR
    assert svc.CodeUnits("a\r\nb") == "61 0D 0A 62"
    text = "one\rtwo\r\nthree\n\r"
    assert svc.EchoText(text) == text  # and what Mono writes raw reaches us as CR


@pytest.mark.parametrize("kind", sorted(DOTNET))
def test_our_client_raises_monos_exceptions_as_ours(service: tuple[Any, str], kind: str) -> None:
    svc, formatter = service
    cls = DOTNET[kind]
    with pytest.raises(cls) as caught:
        svc.Throw(kind, f"bad {kind}")
    exc = caught.value
    assert type(exc) is cls and isinstance(exc, SystemException) and str(exc) == f"bad {kind}"
    if isinstance(exc, ArgumentException):
        assert exc.param_name == "name" and isinstance(exc, ValueError)
    if isinstance(exc, ArgumentOutOfRangeException):
        # binary: a boxed Int32; SOAP: Mono writes the object-typed member untyped, so it is the text
        assert exc.actual_value == (42 if formatter == "binary" else "42")


def test_our_client_and_monos_remoting_exception(service: tuple[Any, str]) -> None:
    """Infrastructure faults stay RemotingError on our client (remote_type names .NET's class)."""
    svc, _ = service
    with pytest.raises(RemotingError) as caught:
        svc.Throw("RemotingException", "bad remoting")
    assert caught.value.remote_type == "System.Runtime.Remoting.RemotingException"
    assert caught.value.message == "bad remoting"


def test_the_csharp_sources_are_where_the_build_looks() -> None:
    for name in dotnet_build.SOURCES:
        assert (Path(dotnet_build.SOURCE_DIR) / name).is_file()
