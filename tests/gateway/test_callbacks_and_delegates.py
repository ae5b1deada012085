"""Callbacks done like the caller, from sync and async server methods; delegates both ways between our
client and our server; the callback listener's address; and what is refused."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any, ClassVar

import httpx
import pytest

from examples.call_model import EventSink, MessageHandler
from gateway import (
    AsyncRemotingClient,
    CallArgumentError,
    CallOrigin,
    MarshalByRefObject,
    RemoteDelegate,
    RemotingApp,
    RemotingClient,
    RemotingError,
    TypeFilterLevel,
    WellKnownObjectMode,
)
from soap import ClrName, DelegateEntry, DelegateRef, MethodCall, ObjRef, RemotingSoapFormatter, clr_type, wire_type
from tests.support.relay import relay_to
from tests.support.server import free_port, serve_in_thread


@clr_type("CallbackTests.IHub", "CallbackTests")
class IHub:
    def Call(self, sink: EventSink, message: str) -> str:
        raise NotImplementedError

    async def CallAsync(self, sink: EventSink, message: str) -> str:
        raise NotImplementedError

    def Subscribe(self, handler: MessageHandler) -> int:
        raise NotImplementedError

    def Publish(self, message: str) -> int:
        raise NotImplementedError

    async def PublishAsync(self, message: str) -> int:
        raise NotImplementedError

    def Clear(self) -> None:
        raise NotImplementedError


class Hub(MarshalByRefObject, IHub):
    handlers: ClassVar[list[Any]] = []
    lock = threading.Lock()

    def Call(self, sink: EventSink, message: str) -> str:  # a worker thread: the proxy blocks
        sink.OnMessage(message)
        return "called"

    async def CallAsync(self, sink: EventSink, message: str) -> str:  # the event loop: the proxy is awaitable
        await sink.OnMessage(message)
        return "called async"

    def Subscribe(self, handler: MessageHandler) -> int:
        with Hub.lock:
            if handler not in Hub.handlers:  # a delegate to the same method is equal: subscribed once
                Hub.handlers.append(handler)
            return len(Hub.handlers)

    def Publish(self, message: str) -> int:
        for handler in list(Hub.handlers):
            handler(message)
        return len(Hub.handlers)

    async def PublishAsync(self, message: str) -> int:
        for handler in list(Hub.handlers):
            await handler(message)
        return len(Hub.handlers)

    def Clear(self) -> None:
        Hub.handlers.clear()

    recorded: ClassVar[list[str]] = []

    def Record(self, message: str) -> None:  # a delegate may name this one: it is published
        Hub.recorded.append(message)


def make_app(type_filter: TypeFilterLevel = TypeFilterLevel.Full) -> RemotingApp:
    app = RemotingApp(type_filter=type_filter, formatters=("soap", "binary"), sinks=[])
    app.register_well_known(Hub, "Hub.rem", WellKnownObjectMode.SingleCall)
    return app


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with serve_in_thread(make_app()) as url:
        yield url


@pytest.fixture(autouse=True)
def clear() -> None:
    Hub.handlers.clear()


# ------------------------------------------------------------------ callbacks like the caller


@pytest.mark.parametrize(("formatter", "content_type"), [("soap", "text/xml"), ("binary", "application/octet-stream")])
def test_a_callback_uses_the_callers_formatter_and_advertised_url(base: str, formatter: str,
                                                                   content_type: str) -> None:
    port = free_port()
    with relay_to(port) as relay, RemotingClient(formatter=formatter, timeout=10, listen=True, listen_port=port,
                                                 listen_url=relay.url) as client:
        hub = client.get_object(IHub, base + "Hub.rem")
        sink = EventSink()
        assert hub.Call(sink, "hello") == "called"
        assert sink.Received() == "hello"
    headers = relay.request_headers()
    assert headers, "the server did not call back through the advertised URL"
    assert headers[0]["content-type"].startswith(content_type)


def test_the_proxy_factory_is_told_the_callers_formatter() -> None:
    origins: list[CallOrigin] = []

    def factory(ref: ObjRef, declared: Any, origin: CallOrigin) -> object:
        origins.append(origin)
        return EventSink()  # a local stand-in: the call goes nowhere

    app = RemotingApp(type_filter=TypeFilterLevel.Full, formatters=("soap", "binary"), proxy_factory=factory,
                      sinks=[])
    app.register_well_known(Hub, "Hub.rem", WellKnownObjectMode.SingleCall)
    with serve_in_thread(app) as url:
        for formatter in ("binary", "soap"):
            with RemotingClient(formatter=formatter, timeout=10, listen=True) as client:
                assert client.get_object(IHub, url + "Hub.rem").Call(EventSink(), "x") == "called"
    assert [o.formatter for o in origins] == ["binary", "soap"]
    assert all(o.base_url == url.rstrip("/") for o in origins)


@pytest.mark.parametrize("formatter", ["soap", "binary"])
def test_an_async_server_method_awaits_its_callback(base: str, formatter: str) -> None:
    with RemotingClient(formatter=formatter, timeout=10, listen=True) as client:
        sink = EventSink()
        assert client.get_object(IHub, base + "Hub.rem").CallAsync(sink, "awaited") == "called async"
        assert sink.Received() == "awaited"


# ------------------------------------------------------------------ delegates


@pytest.mark.parametrize("formatter", ["soap", "binary"])
def test_a_bound_method_travels_as_a_delegate_and_is_called_back(base: str, formatter: str) -> None:
    with RemotingClient(formatter=formatter, timeout=10, listen=True) as client:
        hub = client.get_object(IHub, base + "Hub.rem")
        first, second = EventSink(), EventSink()
        assert hub.Subscribe(first.OnMessage) == 1
        assert hub.Subscribe(first.OnMessage) == 1  # the same method again: an equal delegate
        assert hub.Subscribe(second.OnMessage) == 2
        assert hub.Publish("news") == 2
        assert hub.PublishAsync("more") == 2  # from an async method: awaited
        assert (first.Received(), second.Received()) == ("news;more", "news;more")


def test_the_async_client_passes_delegates_too(base: str) -> None:
    sink = EventSink()

    async def scenario() -> int:
        async with AsyncRemotingClient(timeout=10, listen=True) as client:
            hub = client.get_object(IHub, base + "Hub.rem")
            await hub.Subscribe(sink.OnMessage)
            count: int = await hub.Publish("from async")
            return count

    assert asyncio.run(scenario()) == 1
    assert sink.Received() == "from async"


class NotRemotable:
    def OnMessage(self, message: str) -> None:
        pass


@pytest.mark.parametrize("bad", [lambda m: None, print, NotRemotable().OnMessage], ids=["lambda", "builtin", "plain"])
def test_what_is_not_a_remotable_objects_method_is_refused(base: str, bad: Any) -> None:
    with RemotingClient(timeout=10, listen=True) as client:
        hub = client.get_object(IHub, base + "Hub.rem")
        with pytest.raises(CallArgumentError, match="must be a bound method of a MarshalByRefObject"):
            hub.Subscribe(bad)
        with pytest.raises(CallArgumentError, match="_hidden is not a remote method"):
            hub.Subscribe(EventSink()._hidden)  # type: ignore[attr-defined]


def test_a_server_with_type_filter_low_refuses_delegates() -> None:
    with serve_in_thread(make_app(TypeFilterLevel.Low)) as url, RemotingClient(timeout=10, listen=True) as client:
        hub = client.get_object(IHub, url + "Hub.rem")
        with pytest.raises(RemotingError, match="type filter level is Low"):
            hub.Subscribe(EventSink().OnMessage)
        assert hub.Publish("still serving") == 0


def test_a_delegate_to_a_servers_own_object_may_name_only_published_methods(base: str) -> None:
    own = ObjRef("Hub.rem", "CallbackTests.Hub, CallbackTests", [base.rstrip("/")])

    def subscribe(method: str) -> httpx.Response:
        entry = DelegateEntry(ClrName("CallModel.MessageHandler", "CallModelShared"),
                              ClrName("CallbackTests.Hub", "CallbackTests"), method, own)
        call = MethodCall("Subscribe", "http://schemas.microsoft.com/clr/nsassem/CallbackTests.IHub/CallbackTests",
                          [DelegateRef((entry,))], ["handler"], [wire_type(MessageHandler)])
        request = RemotingSoapFormatter().write_request(call)
        return httpx.post(base + "Hub.rem", content=request.body, headers=request.headers, timeout=10)

    refused = subscribe("__class__")
    assert refused.status_code == 500 and b"not a published method" in refused.content
    assert subscribe("Record").status_code == 200
    assert isinstance(Hub.handlers[0], RemoteDelegate)
    with RemotingClient(timeout=10) as client:
        assert client.get_object(IHub, base + "Hub.rem").Publish("x") == 1  # calls Hub.Record, locally
    assert Hub.recorded == ["x"]
