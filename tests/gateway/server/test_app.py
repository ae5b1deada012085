"""gateway.server.app: RemotingApp composes user routes (Starlette) with object URIs, in-process."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import MutableMapping
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from gateway import (
    MarshalByRefObject,
    RegistrationWarning,
    RemotingApp,
    ServerRequest,
    ServerResponse,
    WellKnownObjectMode,
)
from gateway.server.sinks import Handler
from soap import clr_type

from .asgi import http

BASE = "http://testserver"


@clr_type("AppTests.Hello", "AppTests")
class Hello(MarshalByRefObject):
    def Hello(self, name: str) -> str:
        return "Hi " + name


def hello_call(name: str) -> bytes:
    return (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        f'<tns:Hello xmlns:tns="urn:app"><tns:name>{name}</tns:name></tns:Hello></soap:Body></soap:Envelope>'
    ).encode()


async def health(request: Request) -> Response:
    return PlainTextResponse(f"ok {request.url.path} {type(request.app).__name__}")


async def metrics(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse(f"metrics {scope['path']} under {scope['root_path']}")(scope, receive, send)


class Seen:
    def __init__(self) -> None:
        self.uris: list[str] = []

    async def __call__(self, request: ServerRequest, call_next: Handler) -> ServerResponse:
        self.uris.append(request.uri)
        return await call_next(request)


def make_app(**options: Any) -> RemotingApp:
    app = RemotingApp(**{"sinks": [], **options})
    for uri in ("Hello.rem", "health.rem", "metrics.rem", "items/Hello.rem"):
        app.register_well_known(Hello, uri, WellKnownObjectMode.SingleCall)
    return app


async def call_hello(client: httpx.AsyncClient, uri: str, name: str = "Bob") -> str:
    reply = await client.post(uri, content=hello_call(name), headers={"content-type": "text/xml"})
    assert reply.status_code == 200, reply.text
    return reply.text


def test_routes_and_mounts_work_next_to_objects() -> None:
    app = make_app()
    app.add_route("/health", health)
    app.mount("/metrics", metrics)

    async def scenario(client: httpx.AsyncClient) -> None:
        reply = await client.get("/health")
        assert (reply.status_code, reply.text) == (200, "ok /health RemotingApp")  # request.app is the app
        assert (await client.get("/metrics/")).text == "metrics /metrics/ under /metrics"
        assert (await client.get("/metrics/requests")).text == "metrics /metrics/requests under /metrics"
        assert "<tns:HelloResult>Hi Bob</tns:HelloResult>" in await call_hello(client, "/Hello.rem")
        wsdl = await client.get("/Hello.rem?wsdl")
        assert wsdl.status_code == 200 and b'location="http://testserver/Hello.rem"' in wsdl.content
        index = await client.get("/")
        assert index.status_code == 200 and "/Hello.rem" in index.text

    http(app, scenario)


def test_user_routes_do_not_shadow_object_uris() -> None:
    app = make_app()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RegistrationWarning)  # near the object URIs, but matching none
        app.add_route("/health", health, methods=["GET"])
        app.mount("/metrics", metrics)
        app.add_route("/items/{id:int}", health)

    async def scenario(client: httpx.AsyncClient) -> None:
        assert (await client.get("/items/7")).text == "ok /items/7 RemotingApp"
        for uri in ("/health.rem", "/metrics.rem", "/items/Hello.rem"):  # near the routes, but not theirs
            assert "Hi Bob" in await call_hello(client, uri), uri
            assert (await client.get(uri + "?wsdl")).status_code == 200, uri
        missing = await client.get("/nothing.rem?wsdl")
        assert missing.status_code == 404  # an unknown object URI is still ours to answer
        assert "No service" in missing.text

    http(app, scenario)


def test_a_route_that_would_answer_an_object_uri_is_reported_whichever_came_first() -> None:
    """Routes come before object URIs, so one matching an object's URI silently takes its calls: each of
    add_route, mount and register_well_known says so, naming both, at the line that did it."""
    app = make_app()
    with pytest.warns(RegistrationWarning, match=r"add_route: the route '/Hello.rem' also matches the object URI "
                                                 r"/Hello.rem") as caught:
        app.add_route("/Hello.rem", health, methods=["GET"])  # a POST there is now a 405 from the router
    assert caught[0].filename == __file__
    with pytest.warns(RegistrationWarning, match="mount: the route '/items' also matches the object URI "
                                                 "/items/Hello.rem"):
        app.mount("/items", metrics)
    with pytest.warns(RegistrationWarning, match="register_well_known: the route '/items' also matches the "
                                                 "object URI /items/Other.rem") as caught:
        app.register_well_known(Hello, "items/Other.rem", WellKnownObjectMode.SingleCall)
    assert caught[0].filename == __file__

    async def scenario(client: httpx.AsyncClient) -> None:  # what the warnings warn of
        assert (await client.post("/Hello.rem", content=hello_call("Bob"))).status_code == 405
        assert (await client.post("/items/Other.rem", content=hello_call("Bob"))).text.startswith("metrics")

    http(app, scenario)


def test_routes_given_to_the_constructor() -> None:
    route = Route("/health", health)
    app = make_app(routes=[route])
    assert app.routes == [route]
    app.add_route("/ready", health, name="ready")
    assert [r.path for r in app.routes if isinstance(r, Route)] == ["/health", "/ready"]

    async def scenario(client: httpx.AsyncClient) -> None:
        assert (await client.get("/health")).text == "ok /health RemotingApp"
        assert (await client.get("/ready")).text == "ok /ready RemotingApp"
        assert "Hi Ann" in await call_hello(client, "/Hello.rem", "Ann")

    http(app, scenario)


def test_server_sinks_run_for_object_uris_only() -> None:
    seen = Seen()
    app = make_app(sinks=[seen])
    app.add_route("/health", health)

    async def scenario(client: httpx.AsyncClient) -> None:
        await client.get("/health")
        await call_hello(client, "/Hello.rem")
        await client.get("/")

    http(app, scenario)
    assert seen.uris == ["Hello.rem", ""]


def test_other_method_on_a_user_route_is_405() -> None:
    app = make_app()
    app.add_route("/health", health, methods=["GET"])

    async def scenario(client: httpx.AsyncClient) -> None:
        reply = await client.post("/health", content=b"x")
        assert reply.status_code == 405
        assert "GET" in reply.headers["allow"]

    http(app, scenario)


def test_sinks_cannot_be_added_once_serving() -> None:
    app = make_app()
    seen = Seen()
    app.add_sink(seen)

    async def scenario(client: httpx.AsyncClient) -> None:
        await call_hello(client, "/Hello.rem")

    http(app, scenario)
    assert seen.uris == ["Hello.rem"]
    with pytest.raises(RuntimeError, match="after the application has served"):
        app.add_sink(Seen())


def test_lifespan_starts_and_stops_the_lease_manager() -> None:
    app = make_app()
    sent: list[MutableMapping[str, Any]] = []

    async def main() -> None:
        inbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()

        async def receive() -> dict[str, str]:
            return await inbox.get()

        async def send(message: MutableMapping[str, Any]) -> None:
            sent.append(message)

        server = asyncio.create_task(app({"type": "lifespan"}, receive, send))
        await inbox.put({"type": "lifespan.startup"})
        while not sent:
            await asyncio.sleep(0)
        task = app.leases._task
        assert task is not None and not task.done()
        await inbox.put({"type": "lifespan.shutdown"})
        await asyncio.wait_for(server, 5)
        assert app.leases._task is None
        await asyncio.sleep(0)
        assert task.cancelled()

    asyncio.run(main())
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
