"""The real Mono .NET Remoting client against a server configured by a .NET App.config, unchanged.

``remoting-gateway serve --config examples/App.config --module examples.remoting_samples`` publishes what
``examples.remoting_samples`` registers in code (the same URIs, modes and lease poll time, and the binary
formatter) from the file a .NET server would ship; the reference client of the shared peers
(``../shared/peers/mono/run-client.sh``) then runs its full scenario, the lease-expiry part included, in
both formatters: all 40 checks must pass. Skipped locally when Mono is missing, a failure under CI=true.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from ..interop.test_mono_client import REFERENCE_CLIENT, assert_reference_run_passed, require_mono, run_peer
from ..support.peers import require_peer
from ..support.server import free_port, live_process

pytestmark = pytest.mark.interop


@pytest.fixture(scope="module")
def configured_url() -> Iterator[str]:
    require_mono()
    require_peer("mono reference client", REFERENCE_CLIENT.is_file(),
                 f"{REFERENCE_CLIENT} not found (the shared peers checkout is expected next to the repository)")
    port = free_port()
    command = [sys.executable, "-m", "gateway", "serve", "--config", "examples/App.config", "--module",
               "examples.remoting_samples", "--port", str(port), "--log-level", "warning"]
    with live_process(command, port, name="remoting-gateway serve --config examples/App.config") as (url, _):
        yield url


@pytest.mark.parametrize("formatter", [(), ("--binary",)], ids=["soap", "binary"])
def test_reference_client_full_scenario_against_app_config(configured_url: str, formatter: tuple[str, ...]) -> None:
    run = run_peer(["bash", str(REFERENCE_CLIENT), configured_url, *formatter])
    assert "SETUP FAILED" not in run.stdout, run.describe()
    assert_reference_run_passed(run, f"reference Mono client {' '.join(formatter)} against the App.config server")
