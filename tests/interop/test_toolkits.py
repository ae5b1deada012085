"""Real SOAP toolkits against the gateway's WSDLs (``../shared/peers/clients``, eight toolkits).

* ``run_all.sh`` (all eight: zeep, PHP SoapClient, Perl SOAP::WSDL and SOAP::Lite, node-soap, gSOAP, JAX-WS
  wsimport, Mono wsdl) against ``examples.interop:app``'s ``/InteropService.soap?wsdl``: every check passes,
  every toolkit's summary row says ``ok``. It runs ``install.sh`` first (a no-op when all is installed).
* The same for ``--only php,java``: a faster subset with two non-Python toolkits.
* The interop contract has no nested types, so PHP's SoapClient (WSDL mode) is also driven by our own script
  (``php/nested_client.php``) against the nested-types service of ``tests/wsdl/test_literal_calls.py``
  (nested dataclasses, an enum, Optional values, a list of dataclasses, a declared fault), through the
  SOAP 1.1 and the SOAP 1.2 WSDL.
* Mono's ``wsdl`` tool generates ASMX-style proxies (``SoapHttpClientProtocol``, rpc/encoded) from the .NET
  Remoting WSDL (``?wsdl=remoting``) of ``examples.remoting_samples``' ``SingleCallService.rem`` and
  ``SayHello.soap``; ``csharp/wsdlclient/WsdlClient.cs`` calls them unpatched (the Url comes from
  ``soap:address``). It is built under ``csharp/bin/`` (git-ignored), like ``mono_build``'s assemblies.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

try:
    from support.peers import have, require_peer
    from support.server import REPO_ROOT, live_server
except ImportError:  # tests/ imported as a package
    from tests.support.peers import have, require_peer
    from tests.support.server import REPO_ROOT, live_server

from . import mono_build

pytestmark = pytest.mark.interop

CLIENTS = REPO_ROOT.parent / "shared" / "peers" / "clients"
RUN_ALL = CLIENTS / "run_all.sh"
INSTALL = CLIENTS / "install.sh"
HERE = Path(__file__).resolve().parent
PHP_NESTED = HERE / "php" / "nested_client.php"
WSDL_CLIENT = HERE / "csharp" / "wsdlclient" / "WsdlClient.cs"
INTEROP_APP = "examples.interop:app"
NESTED_APP = "tests.wsdl.test_literal_calls:nested_app"
SAMPLES_APP = "examples.remoting_samples:app"
ALL_TOOLKITS = ["zeep", "php", "perl-soapwsdl", "perl-soaplite", "node", "gsoap", "java", "mono"]
TOTAL_RE = re.compile(r"^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$")


def _require_harness() -> None:
    require_peer("peers/clients", RUN_ALL.is_file() and have("bash") and have("curl"),
                 f"the SOAP toolkit harness {RUN_ALL} (and bash, curl)")


def _ensure(toolkits: str, available: object) -> None:
    """Run ``install.sh --only toolkits`` (idempotent) when ``available()`` says something is missing."""
    check = available if callable(available) else (lambda: bool(available))
    if not check() and INSTALL.is_file():
        subprocess.run(["bash", str(INSTALL), "--only", toolkits], capture_output=True, timeout=900, check=False)


def run_all(base: str, tmp_path: Path, *options: str, timeout: float) -> tuple[str, dict[str, list[str]]]:
    """Run the harness against ``<base>InteropService.soap?wsdl``; returns (output, summary rows)."""
    url = f"{base}InteropService.soap?wsdl"
    env = {**os.environ, "RESULTS_DIR": str(tmp_path / "results")}
    proc = subprocess.run(["bash", str(RUN_ALL), url, *options], capture_output=True, text=True, timeout=timeout,
                          env=env, check=False, stdin=subprocess.DEVNULL)
    out = proc.stdout
    lines = out.strip().splitlines()
    assert lines, f"run_all.sh printed nothing; stderr:\n{proc.stderr[-3000:]}"
    header = next((i for i, line in enumerate(lines) if line.startswith("===== summary for ")), None)
    assert header is not None, f"no summary table in:\n{out[-5000:]}"
    rows = {}
    for line in lines[header + 2:-1]:
        fields = line.split(None, 5)
        rows[fields[0]] = fields[1:]
    assert proc.returncode == 0, f"run_all.sh exit {proc.returncode}:\n{out[-5000:]}\n{proc.stderr[-2000:]}"
    return out, rows


def _assert_all_ok(out: str, rows: dict[str, list[str]], toolkits: list[str], minimum: int) -> None:
    last = out.strip().splitlines()[-1]
    match = TOTAL_RE.match(last)
    assert match, f"last line {last!r}"
    assert int(match.group(2)) == 0, out[-5000:]
    assert int(match.group(1)) >= minimum, last
    assert list(rows) == toolkits
    for toolkit, (passed, failed, _skipped, _time, status) in rows.items():
        assert status == "ok", f"{toolkit}: {status}\n{out[-5000:]}"
        assert int(failed) == 0 and int(passed) >= 9, (toolkit, passed, failed)


@pytest.fixture(scope="module")
def interop_base() -> Iterator[str]:
    with live_server(INTEROP_APP) as base:
        yield base


def test_all_toolkits(interop_base: str, tmp_path: Path) -> None:
    _require_harness()
    out, rows = run_all(interop_base, tmp_path, timeout=900)
    _assert_all_ok(out, rows, ALL_TOOLKITS, minimum=70)


def test_php_and_java_toolkits(interop_base: str, tmp_path: Path) -> None:
    _require_harness()
    out, rows = run_all(interop_base, tmp_path, "--only", "php,java", timeout=600)
    _assert_all_ok(out, rows, ["php", "java"], minimum=18)


# ------------------------------------------------------------------ PHP SoapClient: nested types


def _php_soap() -> bool:
    if not have("php"):
        return False
    probe = subprocess.run(["php", "-r", 'exit(class_exists("SoapClient") ? 0 : 1);'], capture_output=True,
                           check=False)
    return probe.returncode == 0


NESTED_CHECKS = ["echo_order", "echo_order_nil_optionals", "total", "by_color", "find_contact", "colors",
                 "describe_async", "check_ok", "check_declared_fault"]


@pytest.mark.parametrize(("query", "version"), [("wsdl", "1.1"), ("wsdl=soap12", "1.2")], ids=["soap11", "soap12"])
def test_php_soapclient_nested_types(query: str, version: str) -> None:
    _ensure("php", _php_soap)
    require_peer("php-soap", _php_soap(), "PHP with ext/soap (install.sh --only php, or apt-get install php-soap)")
    with live_server(NESTED_APP) as base:
        proc = subprocess.run(
            ["php", "-d", "soap.wsdl_cache_enabled=0", str(PHP_NESTED), f"{base}Orders.soap?{query}", version, "-v"],
            capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL,
        )
    out = proc.stdout
    assert proc.returncode == 0, f"{out}\n{proc.stderr[-4000:]}"
    assert [line[5:] for line in out.splitlines() if line.startswith("PASS ")] == NESTED_CHECKS, out
    assert out.strip().splitlines()[-1] == f"{len(NESTED_CHECKS)} passed, 0 failed"


# ------------------------------------------------------------------ Mono wsdl tool: the Remoting WSDL


def _mono_tools() -> bool:
    return all(have(tool) for tool in ("wsdl", "mcs", "mono"))


WSDL_CLIENT_CHECKS = ["hello", "hello_unicode_markup", "increment", "get_person", "birthday", "reverse",
                      "echo_more_null_string", "echo_more_string", "fail", "type_and_process"]


def _run(cmd: list[str], cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False,
                          stdin=subprocess.DEVNULL)
    output = f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert proc.returncode == 0, f"{' '.join(cmd)}: exit {proc.returncode}\n{output}"
    return proc


def test_mono_wsdl_tool_client_from_the_remoting_wsdl() -> None:
    _ensure("mono", _mono_tools)
    require_peer("mono-wsdl", _mono_tools(), "Mono's wsdl, mcs and mono (install.sh --only mono, or apt-get "
                 "install mono-devel)")
    mono_build.WORK_DIR.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix="wsdlclient-", dir=mono_build.WORK_DIR))
    try:
        with live_server(SAMPLES_APP) as base:
            _run(["wsdl", "-nologo", "-out:SingleCall.cs", f"{base}SingleCallService.rem?wsdl=remoting"], build)
            _run(["wsdl", "-nologo", "-out:Hello.cs", f"{base}SayHello.soap?wsdl=remoting"], build)
            generated = (build / "SingleCall.cs").read_text()
            assert "SoapRpcMethodAttribute" in generated and "public int[] Reverse(int[] a)" in generated
            assert f'this.Url = "{base}SingleCallService.rem";' in generated
            _run(["mcs", "-nologo", "-r:System.Web.Services.dll", "-r:System.Xml.dll", "-out:WsdlClient.exe",
                  str(WSDL_CLIENT), "SingleCall.cs", "Hello.cs"], build)
            proc = subprocess.run(["mono", "WsdlClient.exe"], cwd=build, capture_output=True, text=True, timeout=120,
                                  check=False, stdin=subprocess.DEVNULL)
        out = proc.stdout
        assert proc.returncode == 0, f"{out}\n{proc.stderr[-4000:]}"
        assert [line[5:] for line in out.splitlines() if line.startswith("PASS ")] == WSDL_CLIENT_CHECKS, out
        assert out.strip().splitlines()[-1] == f"{len(WSDL_CLIENT_CHECKS)} passed, 0 failed"
    finally:
        shutil.rmtree(build, ignore_errors=True)
