"""The call model against real Mono, both directions, both formatters: one-way methods, the logical call
context, delegates and callbacks in the caller's formatter.

* ``csharp/callmodel/CallModelClient.cs`` (an unchanged .NET Remoting client written against
  ``CallModelShared.dll``) against ``examples.call_model:app`` under uvicorn, SOAP and binary: one pytest case
  per check.
* Our Python client (sync and async) against ``csharp/callmodel/CallModelServer.cs`` (Mono's own
  implementation of the same contract), SOAP and binary; and our ``LoadBalancingProxy`` (a ``RealProxy``)
  over two such Mono servers, round robin, failing over when one is gone; our callback listener served
  by a Mono server calling back in binary (``--binary-callbacks``) as well as in SOAP; and
  ``examples/call_model.py``'s client.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

from examples.call_model import EventSink, ICallModel, TraceTag
from gateway import (
    AsyncRemotingClient,
    CallContext,
    InvalidOperationException,
    LoadBalancingProxy,
    RemotingClient,
)
from tests.support.relay import relay_to
from tests.support.server import free_port, live_server, stop_process, wait_for_ready

from ..gateway.test_method_model_docs import CALL_MODEL_DEMO, run_call_model_demo
from . import callmodel_build
from .test_mono_client import PeerRun, require_mono, run_peer

pytestmark = pytest.mark.interop

CHECKS = [
    "oneway_runs", "oneway_failure_not_reported", "oneway_does_not_wait", "callcontext_roundtrip",
    "callcontext_only_logical_data", "callcontext_freed_slot", "callcontext_with_ref_out_array",
    "callcontext_after_a_fault", "delegate_subscribe_publish",
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


@contextlib.contextmanager
def mono_call_model_server(binaries: callmodel_build.CallModelBuild,
                           *args: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """A CallModelServer.exe on a free port (``args``: its options): (its base URL, the process)."""
    port = free_port()
    proc = subprocess.Popen(["mono", str(binaries.server_exe), str(port), *args], cwd=binaries.bin_dir,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_ready(proc, "CallModelServer.exe", 30.0)
        yield f"http://127.0.0.1:{port}/", proc
    finally:
        stop_process(proc)


@pytest.fixture(scope="module")
def mono_server(binaries: callmodel_build.CallModelBuild) -> Iterator[str]:
    with mono_call_model_server(binaries) as (url, _):
        yield url


@pytest.fixture
def clean_context() -> Iterator[None]:
    yield
    for name in ("trace", "server", "drop", "local"):
        CallContext.free_named_data_slot(name)


def wait_for_notice(service: Any, expected: str) -> None:
    deadline = time.monotonic() + 20
    while service.LastNotice() != expected:
        assert time.monotonic() < deadline, f"the one-way call never ran: {service.LastNotice()!r}"
        time.sleep(0.05)


@pytest.mark.parametrize("formatter", list(FORMATTERS))
def test_one_way_calls_to_mono_return_at_once(mono_server: str, formatter: str) -> None:
    # Mono's server runs a one-way method before it answers: our client does not wait for that answer
    with RemotingClient(formatter=formatter, timeout=20) as client:
        service = client.get_object(ICallModel, mono_server + FORMATTERS[formatter])
        started = time.perf_counter()
        service.Notify(f"sleep:4000 {formatter}")
        assert time.perf_counter() - started < 3.0  # the server sleeps 4 s before answering
        service.NotifyFail("boom")  # Mono answers with the fault: never read, never raised
        wait_for_notice(service, f"sleep:4000 {formatter}")


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
def test_call_context_with_an_overload_ref_out_and_array_with_mono(mono_server: str, formatter: str,
                                                                    clean_context: None) -> None:
    # one call carries the signature, a string[], a ref and an out slot and the context (binary: one array)
    with RemotingClient(formatter=formatter, timeout=20) as client:
        service = client.get_object(ICallModel, mono_server + FORMATTERS[formatter])
        CallContext.set_data("trace", TraceTag("arr", 3))
        assert service.TracedAll(["a", "b\r\nc"], 1) == (["a|arr", "b\r\nc|arr"], 2, TraceTag("arr", 3))
        assert CallContext.get_data("trace") == TraceTag("arr", 4)
        assert CallContext.get_data("server") == TraceTag("server-arr", 0)
        CallContext.free_named_data_slot("trace")
        CallContext.free_named_data_slot("server")
        assert service.TracedAll(["x"], 5) == (["x|-"], 6, None)
        assert CallContext.get_data("trace") is None and CallContext.get_data("server") is None
        assert service.Traced("t") == "t|-|"  # the other overload, now called with its signature


@pytest.mark.parametrize("formatter", list(FORMATTERS))
def test_call_context_after_a_fault_from_mono(mono_server: str, formatter: str, clean_context: None) -> None:
    # Mono's binary fault brings the context the method changed before it threw; its SOAP fault brings none
    with RemotingClient(formatter=formatter, timeout=20) as client:
        service = client.get_object(ICallModel, mono_server + FORMATTERS[formatter])
        CallContext.set_data("trace", TraceTag("bad", 1))
        with pytest.raises(InvalidOperationException, match="no"):
            service.TracedFail("no")
        binary = formatter == "binary"
        assert CallContext.get_data("trace") == TraceTag("bad", 2 if binary else 1)
        assert CallContext.get_data("server") == (TraceTag("server-bad", 0) if binary else None)


@pytest.mark.parametrize("formatter", list(FORMATTERS))
def test_delegate_and_callback_object_to_mono(mono_server: str, formatter: str, clean_context: None) -> None:
    with RemotingClient(formatter=formatter, timeout=20, listen=True) as client:
        service = client.get_object(ICallModel, mono_server + FORMATTERS[formatter])
        sink = EventSink()
        service.ClearSubscribers()
        CallContext.set_data("trace", TraceTag("dlg", 7))  # in the same message as the delegate
        service.Subscribe(sink.OnMessage)  # a .NET server rebuilds MessageHandler(sink.OnMessage)
        assert service.Publish("news") == 1
        assert CallContext.get_data("trace") == TraceTag("dlg", 7)  # Mono sent it back as it came
        CallContext.free_named_data_slot("trace")
        service.ClearSubscribers()
        assert service.CallBack(sink, "ping") == "called"
        assert sink.Received() == "news;ping"


@pytest.mark.parametrize("formatter", list(FORMATTERS))
def test_our_listener_takes_a_mono_servers_binary_callbacks(binaries: callmodel_build.CallModelBuild,
                                                            formatter: str) -> None:
    # a .NET server whose channel calls back in binary, whatever formatter our client called it with
    port = free_port()
    with mono_call_model_server(binaries, "--binary-callbacks") as (url, _), relay_to(port) as relay, \
            RemotingClient(formatter=formatter, timeout=20, listen=True, listen_port=port,
                           listen_url=relay.url) as client:
        service = client.get_object(ICallModel, url + FORMATTERS[formatter])
        sink = EventSink()
        service.Subscribe(sink.OnMessage)
        assert [service.Publish("a"), service.Publish("b")] == [1, 1]
        assert service.CallBack(sink, "c") == "called"
        assert sink.Received() == "a;b;c"
        assert relay.requests and {h.get("content-type") for h in relay.request_headers()} == {
            "application/octet-stream"}


@pytest.mark.parametrize("formatter", list(FORMATTERS))
def test_async_client_against_mono(mono_server: str, formatter: str) -> None:
    async def scenario() -> tuple[str, object, float]:
        async with AsyncRemotingClient(formatter=formatter, timeout=20) as client:
            service = client.get_object(ICallModel, mono_server + FORMATTERS[formatter])
            started = time.perf_counter()
            await service.Notify("sleep:4000 async")
            took = time.perf_counter() - started
            CallContext.set_data("trace", TraceTag("async", 7))
            answer = await service.Traced("a")
            return answer, CallContext.get_data("trace"), took

    answer, trace, took = asyncio.run(scenario())
    assert took < 3.0  # the server sleeps 4 s before answering
    assert answer == "a|async|7|trace"
    assert trace == TraceTag("async", 8)


@pytest.mark.parametrize("formatter", list(FORMATTERS))
def test_load_balancing_over_two_mono_servers(binaries: callmodel_build.CallModelBuild, formatter: str,
                                              clean_context: None) -> None:
    uri = FORMATTERS[formatter]
    with mono_call_model_server(binaries) as (first, _), mono_call_model_server(binaries) as (second, second_proc), \
            RemotingClient(formatter=formatter, timeout=20) as client:
        urls = [first + uri, second + uri]
        for url, mark in zip(urls, ("A", "B"), strict=True):  # each server's LastNotice tells it apart
            direct = client.get_object(ICallModel, url)
            direct.Notify(mark)
            wait_for_notice(direct, mark)
        balanced = LoadBalancingProxy(ICallModel, urls, client).get_transparent_proxy()
        assert [balanced.LastNotice() for _ in range(4)] == ["A", "B", "A", "B"]
        # a whole call model message through invoke(): signature, ref, out, a string[] and the call context
        CallContext.set_data("trace", TraceTag("lb", 1))
        assert balanced.TracedAll(["x"], 1) == (["x|lb"], 2, TraceTag("lb", 1))
        assert CallContext.get_data("trace") == TraceTag("lb", 2)
        stop_process(second_proc)  # B is gone: its turns fail over to A (the requests were never sent)
        assert [balanced.LastNotice() for _ in range(3)] == ["A", "A", "A"]


@pytest.mark.parametrize("formatter", list(FORMATTERS))
def test_the_call_model_example_runs_against_mono(binaries: callmodel_build.CallModelBuild, formatter: str) -> None:
    # examples/call_model.py's client prints the same against Mono's server as against its own app
    with mono_call_model_server(binaries) as (url, _):  # its own: no other test's one-way call lands late
        assert run_call_model_demo(url, formatter) == CALL_MODEL_DEMO
