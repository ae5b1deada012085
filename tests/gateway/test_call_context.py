"""The call context between our client and our server: what flows, what comes back, from sync methods on
worker threads and from async methods, and what a bad context gets."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from examples.call_model import TraceTag
from gateway import (
    AsyncRemotingClient,
    CallContext,
    InvalidOperationException,
    MarshalByRefObject,
    RemotingApp,
    RemotingClient,
    RemotingError,
    WellKnownObjectMode,
)
from soap import DEFAULT_REGISTRY, TypeRegistry, clr_type
from tests.support.server import serve_in_thread

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mono_callmodel"


@clr_type("ContextTests.IContextual", "ContextTests")
class IContextual:
    def Bump(self) -> str:
        raise NotImplementedError

    async def BumpAsync(self) -> str:
        raise NotImplementedError

    def Names(self) -> str:
        raise NotImplementedError

    def Traced(self, text: str) -> str:
        raise NotImplementedError

    def BumpFail(self) -> str:
        raise NotImplementedError

    async def BumpFailAsync(self) -> str:
        raise NotImplementedError


def _bump(where: str) -> str:
    tag = CallContext.get_data("trace")
    if isinstance(tag, TraceTag):
        CallContext.set_data("trace", TraceTag(tag.Id, tag.Hops + 1))
    CallContext.logical_set_data("where", where)  # a plain value, logical because set so
    CallContext.free_named_data_slot("drop")
    CallContext.set_data("server_only", "never sent")  # not ILogicalThreadAffinative
    return repr(tag)


class Contextual(MarshalByRefObject, IContextual):
    def Bump(self) -> str:  # runs on a worker thread
        return _bump("worker")

    async def BumpAsync(self) -> str:  # runs on the event loop
        await asyncio.sleep(0)
        return _bump("loop")

    def Names(self) -> str:
        return ",".join(n for n in ("trace", "drop", "local", "where") if CallContext.get_data(n) is not None)

    def Traced(self, text: str) -> str:  # what Mono's captured request calls
        return text

    def BumpFail(self) -> str:
        _bump("worker")
        raise InvalidOperationException("no")

    async def BumpFailAsync(self) -> str:
        _bump("loop")
        raise InvalidOperationException("no")


def make_app(registry: TypeRegistry = DEFAULT_REGISTRY) -> RemotingApp:
    app = RemotingApp(formatters=("soap", "binary"), sinks=[], registry=registry)
    app.register_well_known(Contextual, "Contextual.rem", WellKnownObjectMode.SingleCall)
    app.register_well_known(Contextual, "CallModel.soap", WellKnownObjectMode.SingleCall)  # for Mono's capture
    return app


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with serve_in_thread(make_app()) as url:
        yield url


@pytest.fixture(autouse=True)
def clean() -> Iterator[None]:
    yield
    for name in ("trace", "drop", "local", "where", "server_only"):
        CallContext.free_named_data_slot(name)


@contextlib.contextmanager
def contextual(base: str, formatter: str) -> Iterator[Any]:
    """A proxy of the Contextual service, through a client of ``formatter``."""
    with RemotingClient(formatter=formatter, timeout=10) as client:
        yield client.get_object(IContextual, base + "Contextual.rem")


@pytest.mark.parametrize("formatter", ["soap", "binary"])
@pytest.mark.parametrize("method", ["Bump", "BumpAsync"])
def test_what_a_method_changes_comes_back(base: str, formatter: str, method: str) -> None:
    with contextual(base, formatter) as service:
        CallContext.set_data("trace", TraceTag("t1", 1))
        CallContext.set_data("drop", TraceTag("gone", 0))
        CallContext.set_data("local", "mine")
        assert getattr(service, method)() == repr(TraceTag("t1", 1))
        assert CallContext.get_data("trace") == TraceTag("t1", 2)  # changed on the server, worker thread or loop
        assert CallContext.get_data("where") == ("worker" if method == "Bump" else "loop")  # added there
        assert CallContext.get_data("drop") is None  # freed there
        assert CallContext.get_data("server_only") is None  # the server's non-logical data stays there
        assert CallContext.get_data("local") == "mine"  # ours stays here, and was never sent:
        assert service.Names() == "trace,where"


@pytest.mark.parametrize("formatter", ["soap", "binary"])
@pytest.mark.parametrize("method", ["BumpFail", "BumpFailAsync"])
def test_a_binary_fault_brings_back_what_the_method_changed(base: str, formatter: str, method: str) -> None:
    # as .NET: a binary fault carries the call context (ContextInArray), a SOAP fault none
    with contextual(base, formatter) as service:
        CallContext.set_data("trace", TraceTag("f", 1))
        with pytest.raises(InvalidOperationException, match="no"):
            getattr(service, method)()
        if formatter == "binary":
            assert CallContext.get_data("trace") == TraceTag("f", 2)
            assert CallContext.get_data("where") == ("worker" if method == "BumpFail" else "loop")
        else:
            assert CallContext.get_data("trace") == TraceTag("f", 1) and CallContext.get_data("where") is None
        assert service.Names() == ("trace,where" if formatter == "binary" else "trace")


def test_calls_without_a_context_send_and_get_none(base: str) -> None:
    with RemotingClient(timeout=10) as client:
        service = client.get_object(IContextual, base + "Contextual.rem")
        assert service.Names() == ""
        assert service.Bump() == "None"
        assert CallContext.get_data("where") == "worker"  # the server's logical data comes back all the same


def test_concurrent_async_calls_keep_their_own_contexts(base: str) -> None:
    async def one(client: AsyncRemotingClient, n: int) -> tuple[object, object]:
        CallContext.set_data("trace", TraceTag(f"task{n}", n))
        service = client.get_object(IContextual, base + "Contextual.rem")
        await service.BumpAsync()
        return CallContext.get_data("trace"), TraceTag(f"task{n}", n + 1)

    async def scenario() -> list[tuple[object, object]]:
        async with AsyncRemotingClient(timeout=10) as client:
            return list(await asyncio.gather(*(one(client, n) for n in range(8))))

    for got, expected in asyncio.run(scenario()):
        assert got == expected
    assert CallContext.get_data("trace") is None  # the tasks' contexts never leaked into ours


def test_a_call_context_naming_an_unregistered_type_gets_a_clean_fault() -> None:
    app = make_app(TypeRegistry())  # TraceTag is not registered here
    with serve_in_thread(app) as url:
        response = httpx.post(url + "CallModel.soap", content=(FIXTURES / "context.request.xml").read_bytes(),
                              headers={"content-type": 'text/xml; charset="utf-8"'}, timeout=10)
        assert response.status_code == 500
        assert b"bad call context" in response.content and b"CallModel.TraceTag is not a registered" in response.content
        assert b"Traceback" not in response.content
        with RemotingClient(timeout=10) as client:  # and the server keeps serving
            assert client.get_object(IContextual, url + "Contextual.rem").Names() == ""


def test_a_value_that_cannot_travel_is_refused_before_sending(base: str) -> None:
    class Unregistered:
        pass

    with RemotingClient(timeout=10) as client:
        service = client.get_object(IContextual, base + "Contextual.rem")
        CallContext.logical_set_data("trace", Unregistered())
        with pytest.raises(RemotingError, match="cannot be sent"):
            service.Names()


def test_the_api_keeps_logical_and_local_data_apart() -> None:
    CallContext.set_data("local", "x")
    CallContext.set_data("trace", TraceTag("t", 0))
    assert CallContext.logical_get_data("local") is None and CallContext.get_data("local") == "x"
    assert CallContext.logical_get_data("trace") == TraceTag("t", 0)
    CallContext.logical_set_data("local", "now logical")
    assert CallContext.logical_get_data("local") == "now logical"
    CallContext.free_named_data_slot("local")
    assert CallContext.get_data("local") is None
