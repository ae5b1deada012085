"""The call model against real Mono, both directions, both formatters: one-way methods, the logical call
context, delegates and callbacks in the caller's formatter.

* ``csharp/callmodel/CallModelClient.cs`` (an unchanged .NET Remoting client written against
  ``CallModelShared.dll``) against ``examples.call_model:app`` under uvicorn, SOAP and binary: one pytest case
  per check.
* Our Python client (sync and async) against ``csharp/callmodel/CallModelServer.cs`` (Mono's own
  implementation of the same contract), SOAP and binary.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

from examples.call_model import EventSink, ICallModel, TraceTag
from gateway import AsyncRemotingClient, CallContext, RemotingClient
from tests.support.server import free_port, live_server, stop_process, wait_for_ready

from . import callmodel_build
from .test_mono_client import PeerRun, require_mono, run_peer

pytestmark = pytest.mark.interop

CHECKS = [
    "oneway_runs", "oneway_failure_not_reported", "oneway_does_not_wait", "callcontext_roundtrip",
    "callcontext_only_logical_data", "callcontext_freed_slot", "delegate_subscribe_publish",
    "callback_object", "callback_formatter",
]
FORMATTERS = {"soap": "CallModel.soap", "binary": "CallModel.rem"}


@pytest.fixture(scope="module")
def binaries() -> callmodel_build.CallModelBuild:
    require_mono()
    return callmodel_build.build()


# ------------------------------------------------------------------ a Mono client against our server


@pytest.fixture(scope="module")
def our_server() -> Iterator[str]:
    with live_server("examples.call_model:app", env={"GATEWAY_FORMATTERS": "soap,binary"}) as url:
        yield url


@pytest.fixture(scope="module")
def client_runs(binaries: callmodel_build.CallModelBuild, our_server: str) -> dict[str, PeerRun]:
    runs = {}
    for formatter in FORMATTERS:
        command = ["mono", str(binaries.client_exe), our_server, *(["--binary"] if formatter == "binary" else [])]
        runs[formatter] = run_peer(command, cwd=binaries.bin_dir)
    return runs


def test_client_check_list_is_current(binaries: callmodel_build.CallModelBuild) -> None:
    proc = subprocess.run(["mono", str(binaries.client_exe), "--list"], capture_output=True, text=True,
                          timeout=60, check=True)
    assert proc.stdout.split() == CHECKS


@pytest.mark.parametrize("formatter", list(FORMATTERS))
@pytest.mark.parametrize("check", CHECKS)
def test_mono_client_against_our_server(client_runs: dict[str, PeerRun], formatter: str, check: str) -> None:
    run = client_runs[formatter]
    status, reason = run.results.get(check, ("MISSING", "the check did not run"))
    assert status == "PASS", f"{formatter} {check}: {status} {reason}\n{run.describe()}"


# ------------------------------------------------------------------ our client against a Mono server


@pytest.fixture(scope="module")
def mono_server(binaries: callmodel_build.CallModelBuild) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(["mono", str(binaries.server_exe), str(port)], cwd=binaries.bin_dir,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_ready(proc, "CallModelServer.exe", 30.0)
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop_process(proc)


@pytest.fixture
def clean_context() -> Iterator[None]:
    yield
    for name in ("trace", "server", "drop", "local"):
        CallContext.free_named_data_slot(name)


def wait_for_notice(service: Any, expected: str) -> None:
    deadline = time.monotonic() + 10
    while service.LastNotice() != expected:
        assert time.monotonic() < deadline, f"the one-way call never ran: {service.LastNotice()!r}"
        time.sleep(0.05)


@pytest.mark.parametrize("formatter", list(FORMATTERS))
def test_one_way_calls_to_mono_return_at_once(mono_server: str, formatter: str) -> None:
    # Mono's server runs a one-way method before it answers: our client does not wait for that answer
    with RemotingClient(formatter=formatter, timeout=20) as client:
        service = client.get_object(ICallModel, mono_server + FORMATTERS[formatter])
        started = time.perf_counter()
        service.Notify(f"sleep:1500 {formatter}")
        assert time.perf_counter() - started < 1.0
        service.NotifyFail("boom")  # Mono answers with the fault: never read, never raised
        wait_for_notice(service, f"sleep:1500 {formatter}")


@pytest.mark.parametrize("formatter", list(FORMATTERS))
def test_call_context_round_trip_with_mono(mono_server: str, formatter: str, clean_context: None) -> None:
    with RemotingClient(formatter=formatter, timeout=20) as client:
        service = client.get_object(ICallModel, mono_server + FORMATTERS[formatter])
        CallContext.set_data("trace", TraceTag("abc", 1))
        CallContext.set_data("drop", TraceTag("gone", 0))
        CallContext.set_data("local", "stays here")  # not ILogicalThreadAffinative: never sent
        assert service.Traced("t") == "t|abc|1|trace,drop"
        assert CallContext.get_data("trace") == TraceTag("abc", 2)  # changed by the .NET method
        assert CallContext.get_data("server") == TraceTag("server-abc", 0)  # added by it
        assert CallContext.get_data("drop") is None  # freed by it
        assert CallContext.get_data("local") == "stays here"


@pytest.mark.parametrize("formatter", list(FORMATTERS))
def test_delegate_and_callback_object_to_mono(mono_server: str, formatter: str) -> None:
    with RemotingClient(formatter=formatter, timeout=20, listen=True) as client:
        service = client.get_object(ICallModel, mono_server + FORMATTERS[formatter])
        sink = EventSink()
        service.ClearSubscribers()
        service.Subscribe(sink.OnMessage)  # a .NET server rebuilds MessageHandler(sink.OnMessage)
        assert service.Publish("news") == 1
        service.ClearSubscribers()
        assert service.CallBack(sink, "ping") == "called"
        assert sink.Received() == "news;ping"


@pytest.mark.parametrize("formatter", list(FORMATTERS))
def test_async_client_against_mono(mono_server: str, formatter: str) -> None:
    async def scenario() -> tuple[str, object, float]:
        async with AsyncRemotingClient(formatter=formatter, timeout=20) as client:
            service = client.get_object(ICallModel, mono_server + FORMATTERS[formatter])
            started = time.perf_counter()
            await service.Notify("sleep:1500 async")
            took = time.perf_counter() - started
            CallContext.set_data("trace", TraceTag("async", 7))
            answer = await service.Traced("a")
            return answer, CallContext.get_data("trace"), took

    answer, trace, took = asyncio.run(scenario())
    assert took < 1.0
    assert answer == "a|async|7|trace"
    assert trace == TraceTag("async", 8)
