"""Real Mono .NET Remoting clients (HttpChannel + SOAP formatter) against our server.

Two clients, both unmodified Mono programs:

* ``csharp/TestClient.cs`` (ours, built by ``mono_build``): one pytest case per
  check, so a failure names the check and carries the client's reason and
  exception trace.
* the reference 40-check client of the shared peers
  (``<repo>/../shared/peers/mono/run-client.sh``, lease-expiry part included):
  all 40 checks must pass, the client-activated-object ones (``cao_*``) too.

TestClient's ``cao`` group covers client activation with a constructor
argument, lease settings and ``ILease.Renew`` through ``GetLifetimeService``,
a MarshalByRefObject returned by ``FactoryService.CreateCounter`` (a
transparent proxy), that proxy passed back as an argument (the server gets its
own object), and a call after lease expiry (RemotingException); it waits ~8 s.

Both run against ``examples.remoting_samples:app`` under a real uvicorn, or,
when ``INTEROP_SERVER_URL`` is set (e.g. ``http://127.0.0.1:18085/``), against
that already running server instead (the Mono reference server, or our app
behind a proxy).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
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

SAMPLES_APP = "examples.remoting_samples:app"
HELLO_APP = "examples.hello:app"
REFERENCE_CLIENT = REPO_ROOT.parent / "shared" / "peers" / "mono" / "run-client.sh"
CLIENT_TIMEOUT = 240.0

# Every check of TestClient.cs, in run order (``mono TestClient.exe --list``;
# test_client_check_list_is_current keeps this list honest).
CLIENT_CHECKS = [
    "hello_soap",
    "hello_rem",
    "hello_unicode_markup",
    "hello_repeated_calls",
    "singlecall_type",
    "singlecall_state_not_kept",
    "singleton_type",
    "singleton_state_kept",
    "process_id",
    "echo_call",
    "echo_int",
    "echo_double",
    "echo_bool",
    "echo_string",
    "echo_datetime",
    "echo_int_min",
    "echo_int_max",
    "echo_double_nan",
    "echo_double_neg_infinity",
    "echo_double_pos_infinity",
    "echo_double_extremes",
    "echo_bool_false",
    "echo_empty_string",
    "echo_string_spaces",
    "echo_string_astral",
    "echo_datetime_1924",
    "echo_datetime_local",
    "echo_large_string_100k",
    "echo_more_call",
    "echo_long",
    "echo_float",
    "echo_decimal",
    "echo_char",
    "echo_byte",
    "echo_short",
    "echo_timespan",
    "echo_byte_array",
    "echo_null_string",
    "echo_enum",
    "echo_more_negative_values",
    "echo_more_zero_timespan_all_bytes",
    "reverse_array",
    "reverse_empty_array",
    "reverse_null_array",
    "reverse_large_array",
    "reverse_extreme_ints",
    "person_by_value",
    "person_roundtrip",
    "person_null_roundtrip",
    "person_null_name",
    "person_unicode_name",
    "custom_exception",
    "custom_exception_unicode_message",
    "singleton_state_after_exception",
    "calls_work_after_exception",
    "unknown_uri",
    "unknown_method",
    "concurrent_calls",
    "concurrent_singleton_increments",
    "async_delegate_call",
    "cao_create_with_ctor_arg",
    "cao_keeps_state",
    "cao_instances_independent",
    "cao_lease_settings",
    "cao_lease_renew",
    "cao_factory_returns_proxy",
    "cao_proxy_passed_back",
    "cao_call_after_lease_expiry_fails",
]
# Checks that fail because of a known server bug: strict xfail, so a fix turns them into failures to remove.
KNOWN_SERVER_BUGS: dict[str, str] = {}
HELLO_CHECKS = ["hello_soap", "hello_rem", "hello_unicode_markup", "hello_repeated_calls"]

# The reference client's checks, minus the client-activated ones.
REFERENCE_NON_CAO_CHECKS = [
    "hello",
    "hello_rem_uri",
    "hello_via_class_metadata",
    "singlecall_type",
    "singlecall_state_not_kept",
    "singleton_type",
    "singleton_state_kept",
    "process_id",
    "echo_call",
    "echo_int",
    "echo_double",
    "echo_bool",
    "echo_string",
    "echo_datetime",
    "echo_edge_values",
    "echo_infinity",
    "echo_more_call",
    "echo_long",
    "echo_float",
    "echo_decimal",
    "echo_char",
    "echo_byte",
    "echo_short",
    "echo_timespan",
    "echo_byte_array",
    "echo_null_string",
    "echo_enum",
    "reverse_array",
    "reverse_empty_array",
    "reverse_null_array",
    "person_by_value",
    "person_roundtrip",
    "custom_exception",
    "singleton_state_after_exception",
]
REFERENCE_CAO_CHECKS = [
    "cao_create_with_ctor_arg",
    "cao_keeps_state",
    "cao_instances_independent",
    "cao_lease_settings",
    "cao_renew_on_call_keeps_alive",
    "cao_call_after_lease_expiry_fails",
]
REFERENCE_CHECKS = REFERENCE_NON_CAO_CHECKS + REFERENCE_CAO_CHECKS  # all 40

_LINE = re.compile(r"^(PASS|FAIL|SKIP) (\S+)(?:: (.*))?$")
_SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed")


@dataclass
class PeerRun:
    """The parsed output of one PASS/FAIL peer run."""

    command: list[str]
    returncode: int
    stdout: str
    stderr: str
    results: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (PASS|FAIL|SKIP, reason)
    summary: tuple[int, int] | None = None

    def failures(self) -> dict[str, str]:
        return {n: reason for n, (status, reason) in self.results.items() if status == "FAIL"}

    def describe(self) -> str:
        return (
            f"$ {' '.join(self.command)}\nexit {self.returncode}\n--- stdout ---\n{self.stdout[-6000:]}"
            f"\n--- stderr ---\n{self.stderr[-6000:]}"
        )

    def require_pass(self, check: str, who: str) -> None:
        """Fail the current test unless ``check`` ran and passed, with the client's reason and trace."""
        if check not in self.results:
            pytest.fail(f"check {check} did not run\n{self.describe()}")
        status, reason = self.results[check]
        if status != "PASS":
            trace = self.trace_of(check)
            pytest.fail(f"{who}: {status} {check}: {reason}" + (f"\n{trace}" if trace else ""), pytrace=False)

    def trace_of(self, name: str) -> str:
        """The exception TestClient printed to stderr for check ``name`` (``--- name ---`` block)."""
        m = re.search(rf"^--- {re.escape(name)} ---\n(.*?)(?=^--- \S+ ---$|^info: |\Z)", self.stderr, re.S | re.M)
        return m.group(1).strip() if m else ""


def run_peer(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> PeerRun:
    try:
        proc = subprocess.run(
            command, cwd=cwd, env=env, capture_output=True, text=True, timeout=CLIENT_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        pytest.fail(f"$ {' '.join(command)} did not finish in {CLIENT_TIMEOUT:.0f} s\n{out[-4000:]}\n{err[-4000:]}")
    run = PeerRun(command, proc.returncode, proc.stdout, proc.stderr)
    for line in proc.stdout.splitlines():
        if m := _LINE.match(line):
            run.results[m.group(2)] = (m.group(1), m.group(3) or "")
        elif m := _SUMMARY.match(line):
            run.summary = (int(m.group(1)), int(m.group(2)))
    return run


def assert_reference_run_passed(run: PeerRun, label: str) -> None:
    """Every one of the reference client's 40 checks ran and passed (the failures and the output otherwise)."""
    failures = run.failures()
    not_run = [n for n in REFERENCE_CHECKS if n not in run.results]
    assert not failures and not not_run, (
        f"{label}: checks failed or did not run\n"
        + "".join(f"  FAIL {n}: {r}\n" for n, r in failures.items())
        + "".join(f"  NOT RUN {n}\n" for n in not_run)
        + run.describe()
    )
    assert run.summary == (len(REFERENCE_CHECKS), 0) and run.returncode == 0, run.describe()


def require_mono() -> None:
    require_peer("mono", have("mono"), "the `mono` runtime is not on PATH (Debian: apt-get install mono-devel)")
    require_peer("mcs", have("mcs"), "the `mcs` C# compiler is not on PATH (Debian: apt-get install mono-devel)")


# ----------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def mono_binaries() -> mono_build.MonoBuild:
    require_mono()
    return mono_build.build()


@pytest.fixture(scope="module")
def samples_url() -> Iterator[str]:
    external = os.environ.get("INTEROP_SERVER_URL")
    if external:
        yield external if external.endswith("/") else external + "/"
        return
    with live_server(SAMPLES_APP) as url:
        yield url


@pytest.fixture(scope="module")
def client_run(mono_binaries: mono_build.MonoBuild, samples_url: str) -> PeerRun:
    return run_peer(["mono", str(mono_binaries.client_exe), samples_url], cwd=mono_binaries.bin_dir)


# -------------------------------------------------------- our TestClient.cs


def test_client_check_list_is_current(mono_binaries: mono_build.MonoBuild) -> None:
    proc = subprocess.run(
        ["mono", str(mono_binaries.client_exe), "--list"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    listed = [line.split()[1] for line in proc.stdout.splitlines() if line.strip()]
    assert listed == CLIENT_CHECKS, "CLIENT_CHECKS is out of date with TestClient.cs --list"


def test_client_ran_every_check(client_run: PeerRun) -> None:
    run = client_run
    assert run.summary is not None, f"no 'N passed, M failed' line\n{run.describe()}"
    missing = [n for n in CLIENT_CHECKS if n not in run.results]
    unexpected = [n for n in run.results if n not in CLIENT_CHECKS]
    assert not missing and not unexpected, f"missing {missing}, unexpected {unexpected}\n{run.describe()}"
    passed = sum(1 for s, _ in run.results.values() if s == "PASS")
    assert run.summary == (passed, len(run.results) - passed), run.describe()
    assert (run.returncode == 0) == (run.summary[1] == 0), run.describe()


@pytest.mark.parametrize(
    "check",
    [
        pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=KNOWN_SERVER_BUGS[c]))
        if c in KNOWN_SERVER_BUGS and not os.environ.get("INTEROP_SERVER_URL")
        else c
        for c in CLIENT_CHECKS
    ],
)
def test_mono_client_check(client_run: PeerRun, check: str) -> None:
    client_run.require_pass(check, "Mono TestClient")


def test_mono_client_hello_sample(mono_binaries: mono_build.MonoBuild) -> None:
    """The plain HelloServer sample answers a real Mono client at SayHello.soap / SayHello.rem."""
    with live_server(HELLO_APP) as url:
        run = run_peer(["mono", str(mono_binaries.client_exe), url, "--only", "hello"], cwd=mono_binaries.bin_dir)
    assert sorted(run.results) == sorted(HELLO_CHECKS), run.describe()
    assert not run.failures(), f"failed: {run.failures()}\n{run.describe()}"


# ------------------------------------------------- the reference peer client


@pytest.fixture(scope="module")
def reference_client() -> Path:
    require_mono()
    require_peer(
        "mono reference client",
        REFERENCE_CLIENT.is_file(),
        f"{REFERENCE_CLIENT} not found (the shared peers checkout is expected next to the repository)",
    )
    return REFERENCE_CLIENT


def test_reference_client_all_pass(reference_client: Path, samples_url: str) -> None:
    """All 40 checks, the client-activated objects and the ~10 s lease-expiry part included."""
    # run-client.sh builds into $PEERS_WORK/mono (default ~/.cache/peers), never into the peers folder.
    run = run_peer(["bash", str(reference_client), samples_url])
    assert "SETUP FAILED" not in run.stdout, run.describe()
    assert run.summary is not None, f"no summary line\n{run.describe()}"

    assert_reference_run_passed(run, "reference Mono client")
