"""``@run_inline``: a plain ``def`` marked quick and non-blocking runs on the server's event loop, without
the worker-thread hand-off; unmarked ones still run on worker threads. Either way the caller sees the same
results, faults and call context."""

from __future__ import annotations

import threading

import pytest

from gateway import (
    CallContext,
    MarshalByRefObject,
    RemotingApp,
    RemotingClient,
    RemotingError,
    WellKnownObjectMode,
    run_inline,
)
from soap import clr_type
from tests.support.server import serve_in_thread
from wsdl import contract_of


@clr_type("InlineTests.IThreads", "InlineTests")
class IThreads:
    def Where(self) -> str:
        raise NotImplementedError

    def WhereInline(self) -> str:
        raise NotImplementedError

    def FailInline(self, message: str) -> str:
        raise NotImplementedError

    def MarkInline(self) -> None:
        raise NotImplementedError


class Threads(MarshalByRefObject, IThreads):
    def Where(self) -> str:
        return threading.current_thread().name

    @run_inline
    def WhereInline(self) -> str:
        return threading.current_thread().name

    @run_inline
    def FailInline(self, message: str) -> str:
        raise ValueError(message)

    @run_inline
    def MarkInline(self) -> None:
        CallContext.logical_set_data("inline", threading.current_thread().name)


def test_the_contract_marks_inline_operations() -> None:
    contract = contract_of(Threads)
    assert sorted(op.name for op in contract.operations.values() if op.inline) == [
        "FailInline", "MarkInline", "WhereInline"]


@pytest.mark.parametrize("mode", [WellKnownObjectMode.SingleCall, WellKnownObjectMode.Singleton])
def test_inline_methods_run_on_the_server_loop_and_others_on_workers(mode: WellKnownObjectMode) -> None:
    # (the TCP channel with every connection on the loop: with a thread per connection, the default, every
    # plain method runs on that thread, inline or not: tests/tcp/test_threads.py)
    app = RemotingApp(formatters=("soap", "binary"), tcp_port=0, tcp_options={"threads": False})
    app.register_well_known(Threads, "Threads.rem", mode)
    with serve_in_thread(app) as url:  # uvicorn's loop runs on the thread named test-server
        assert app.tcp is not None
        for base, formatter in ((url, "soap"), (url, "binary"), (f"tcp://127.0.0.1:{app.tcp.port}/", None)):
            with RemotingClient(formatter=formatter, timeout=10) as client:
                proxy = client.get_object(IThreads, base + "Threads.rem")
                assert proxy.WhereInline() == "test-server"
                assert proxy.Where().startswith("remoting-worker")
                with pytest.raises(RemotingError, match="Server encountered an internal error") as info:
                    proxy.FailInline("boom")  # a fault as from any method (customErrors On: no details)
                assert "boom" not in str(info.value)


def test_the_call_context_an_inline_method_sets_comes_back() -> None:
    app = RemotingApp(formatters=("soap", "binary"))
    app.register_well_known(Threads, "Threads.rem", WellKnownObjectMode.SingleCall)
    try:
        with serve_in_thread(app) as url, RemotingClient(formatter="binary", timeout=10) as client:
            client.get_object(IThreads, url + "Threads.rem").MarkInline()
            assert CallContext.get_data("inline") == "test-server"  # set on the loop, as by a worker thread
    finally:
        CallContext.free_named_data_slot("inline")  # the logical context flows back into this thread
