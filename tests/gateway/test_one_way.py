"""One-way methods (``@one_way``, .NET's ``[OneWay]``): the server answers at once and runs the method after,
never reporting its failure; our clients return as soon as the request is written."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from typing import ClassVar

import httpx
import pytest

from gateway import (
    AsyncRemotingClient,
    MarshalByRefObject,
    RemotingApp,
    RemotingClient,
    ServerUnreachableError,
    WellKnownObjectMode,
    one_way,
)
from soap import BINARY_CONTENT_TYPE, VOID, BinaryFormatter, MethodCall, MethodReturn, RemotingSoapFormatter, clr_type
from tests.support.server import free_port, serve_in_thread
from wsdl import contract_of, literal_wsdl

NS = "http://schemas.microsoft.com/clr/nsassem/OneWayTests.IWorker/OneWayTests"


class Gate:
    """What the service's methods wait for and report to (shared with the test)."""

    release = threading.Event()
    done = threading.Event()
    seen: ClassVar[list[str]] = []


@clr_type("OneWayTests.IWorker", "OneWayTests")
class IWorker:
    @one_way
    def Work(self, job: str) -> None:
        raise NotImplementedError

    @one_way
    def Fail(self, job: str) -> None:
        raise NotImplementedError

    @one_way
    async def WorkAsync(self, job: str) -> None:
        raise NotImplementedError

    def Seen(self) -> list[str]:
        raise NotImplementedError


class Worker(MarshalByRefObject, IWorker):
    __remoting_contract__ = IWorker

    def Work(self, job: str) -> None:
        Gate.release.wait(10)  # the caller has long been answered
        Gate.seen.append(job)
        Gate.done.set()

    def Fail(self, job: str) -> None:
        raise RuntimeError(f"failed {job}")

    async def WorkAsync(self, job: str) -> None:
        await asyncio.to_thread(Gate.release.wait, 10)
        Gate.seen.append(job)
        Gate.done.set()

    def Seen(self) -> list[str]:
        return list(Gate.seen)


@pytest.fixture(autouse=True)
def gate() -> Iterator[None]:
    Gate.release.clear()
    Gate.done.clear()
    Gate.seen.clear()
    yield
    Gate.release.set()


def make_app() -> RemotingApp:
    app = RemotingApp(formatters=("soap", "binary"), sinks=[])
    app.register_well_known(Worker, "Worker.rem", WellKnownObjectMode.SingleCall)
    return app


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with serve_in_thread(make_app()) as url:
        yield url


@pytest.mark.parametrize("formatter", ["soap", "binary"])
def test_a_one_way_call_returns_while_the_method_still_runs(base: str, formatter: str) -> None:
    with RemotingClient(formatter=formatter, timeout=10) as client:
        worker = client.get_object(IWorker, base + "Worker.rem")
        assert worker.Work("job") is None  # returned: the method is still blocked on the gate
        assert not Gate.done.is_set()
        Gate.release.set()
        assert Gate.done.wait(10)
        assert worker.Seen() == ["job"]


def test_an_async_one_way_call_returns_while_the_method_still_runs(base: str) -> None:
    async def scenario() -> None:
        async with AsyncRemotingClient(formatter="binary", timeout=10) as client:
            worker = client.get_object(IWorker, base + "Worker.rem")
            assert await worker.WorkAsync("async job") is None
            assert not Gate.done.is_set()
            Gate.release.set()
            assert await asyncio.to_thread(Gate.done.wait, 10)
            assert await worker.Seen() == ["async job"]

    asyncio.run(scenario())


def test_a_one_way_failure_is_logged_and_never_reported(base: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="gateway.server")
    with RemotingClient(timeout=10) as client:
        worker = client.get_object(IWorker, base + "Worker.rem")
        assert worker.Fail("x") is None
        deadline = time.monotonic() + 10
        while not any("one-way call to /Worker.rem Fail failed" in r.getMessage() for r in caplog.records):
            assert time.monotonic() < deadline, "the failure was not logged"
            time.sleep(0.02)
        record = next(r for r in caplog.records if "Fail failed" in r.getMessage())
        assert record.exc_info is not None and "failed x" in str(record.exc_info[1])
        assert worker.Seen() == []  # and the server goes on serving


@pytest.mark.parametrize("formatter", ["soap", "binary"])
def test_the_server_answers_a_one_way_call_with_a_void_reply_at_once(formatter: str) -> None:
    app = make_app()

    async def scenario() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            if formatter == "binary":
                body = BinaryFormatter().write_call("Fail", "OneWayTests.IWorker, OneWayTests", ["x"],
                                                    [contract_of(IWorker).operations["Fail"].parameter_types[0]])
                headers = {"content-type": BINARY_CONTENT_TYPE}
            else:
                call = MethodCall("Fail", NS, ["x"], ["job"], contract_of(IWorker).operations["Fail"].parameter_types)
                request = RemotingSoapFormatter().write_request(call)
                body, headers = request.body, request.headers
            return await http.post("/Worker.rem", content=body, headers=headers)

    response = asyncio.run(scenario())
    assert response.status_code == 200  # the method failed: the caller hears nothing of it
    if formatter == "binary":
        reply = BinaryFormatter().read_response(response.content, "Fail", VOID)
    else:
        reply = RemotingSoapFormatter().read_reply(response.content, response.headers["content-type"], "Fail", VOID)
    assert isinstance(reply, MethodReturn) and reply.value is None


def test_a_one_way_call_that_cannot_be_decoded_still_gets_a_fault(base: str) -> None:
    string = contract_of(IWorker).operations["Work"].parameter_types[0]
    call = MethodCall("Work", NS, ["a", "b"], ["job", "extra"], [string, string])  # Work takes one argument
    request = RemotingSoapFormatter().write_request(call)
    response = httpx.post(base + "Worker.rem", content=request.body, headers=request.headers, timeout=10)
    assert response.status_code == 500 and b"bad arguments for Work" in response.content
    assert not Gate.done.is_set()


def test_a_one_way_call_to_an_unreachable_server_raises(base: str) -> None:
    with RemotingClient(timeout=5) as client:
        worker = client.get_object(IWorker, f"http://127.0.0.1:{free_port()}/Worker.rem")
        with pytest.raises(ServerUnreachableError, match="Work at"):
            worker.Work("nowhere")


def test_a_literal_one_way_call_gets_202_and_the_wsdl_has_no_output() -> None:
    app = make_app()
    request = (b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
               b'<Fail xmlns="urn:OneWayTests.IWorker"><job>x</job></Fail></s:Body></s:Envelope>')

    async def post() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            return await http.post("/Worker.rem", content=request, headers={"content-type": "text/xml"})

    response = asyncio.run(post())
    assert (response.status_code, response.content) == (202, b"")
    wsdl = literal_wsdl(contract_of(Worker), "http://t/Worker.rem").decode()
    assert '<wsdl:operation name="Fail">' in wsdl
    assert "FailSoapOut" not in wsdl and "FailResponse" not in wsdl
    assert "SeenSoapOut" in wsdl


def test_a_one_way_method_returns_nothing() -> None:
    class Bad(MarshalByRefObject):
        @one_way
        def Count(self) -> int:
            return 1

    with pytest.raises(TypeError, match="one-way method returns nothing"):
        contract_of(Bad)
