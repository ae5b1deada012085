"""gateway.server.sinks, routing and endpoint: the sink chain every request to an object URI goes through,
the router at its end, and the ASGI endpoint in front (body limits, HEAD), without a server.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import MutableMapping
from typing import Any, cast

import httpx
import pytest

from gateway import (
    MarshalByRefObject,
    RemotingApp,
    RequestLoggingSink,
    ServerRequest,
    ServerResponse,
    WellKnownObjectMode,
)
from gateway.server.endpoint import ObjectEndpoint, request_from_scope
from gateway.server.formatter_sink import FormatterSink
from gateway.server.pages import ServicePages
from gateway.server.routing import ALLOWED_METHODS, RequestRouter
from gateway.server.sinks import Handler, build_chain
from soap import Limits, clr_type

from .asgi import http

BASE = "http://testserver/"
HELLO_CALL = (
    b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
    b'<tns:Hello xmlns:tns="urn:sinks"><tns:name>Bob</tns:name></tns:Hello></soap:Body></soap:Envelope>'
)


@clr_type("SinkTests.Hello", "SinkTests")
class Hello(MarshalByRefObject):
    __soap_namespace__ = "urn:sinks"

    def Hello(self, name: str) -> str:
        return "Hi " + name


def request(method: str = "POST", uri: str = "Hello.rem", body: bytes = b"", **headers: str) -> ServerRequest:
    return ServerRequest(method, uri, "", headers, body, "127.0.0.1", {})


def call(handler: Handler, req: ServerRequest) -> ServerResponse:
    async def go() -> ServerResponse:
        return await handler(req)

    return asyncio.run(go())


def ok(text: str) -> ServerResponse:
    return ServerResponse(200, text.encode(), "text/plain")


class Recorder:
    """A sink that notes when it is entered and left."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log

    async def __call__(self, request: ServerRequest, call_next: Handler) -> ServerResponse:
        self.log.append(f"{self.name} in")
        response = await call_next(request)
        self.log.append(f"{self.name} out")
        return response


class Seen:
    """A sink that keeps every request it sees and the response that went back."""

    def __init__(self) -> None:
        self.requests: list[ServerRequest] = []
        self.responses: list[ServerResponse] = []

    async def __call__(self, request: ServerRequest, call_next: Handler) -> ServerResponse:
        self.requests.append(request)
        response = await call_next(request)
        self.responses.append(response)
        return response


class Refuse:
    """Refuses every request without a token."""

    async def __call__(self, request: ServerRequest, call_next: Handler) -> ServerResponse:
        if request.headers.get("authorization") != "Bearer good":
            return ServerResponse(401, b"no", "text/plain", [("www-authenticate", "Bearer")])
        return await call_next(request)


# ------------------------------------------------------------------ build_chain


def test_chain_runs_sinks_outermost_first_around_the_terminal() -> None:
    log: list[str] = []

    async def terminal(request: ServerRequest) -> ServerResponse:
        log.append("terminal")
        return ok("done")

    chain = build_chain([Recorder("a", log), Recorder("b", log)], terminal)
    response = call(chain, request())
    assert response.body == b"done"
    assert log == ["a in", "b in", "terminal", "b out", "a out"]


def test_chain_without_sinks_is_the_terminal() -> None:
    async def terminal(request: ServerRequest) -> ServerResponse:
        return ok(request.uri)

    assert build_chain([], terminal) is terminal


def test_a_sink_that_refuses_short_circuits_the_rest() -> None:
    log: list[str] = []

    async def terminal(request: ServerRequest) -> ServerResponse:
        log.append("terminal")
        return ok("secret")

    chain = build_chain([Recorder("outer", log), Refuse(), Recorder("inner", log)], terminal)
    refused = call(chain, request())
    assert (refused.status, refused.headers) == (401, [("www-authenticate", "Bearer")])
    assert log == ["outer in", "outer out"]  # neither the inner sink nor the terminal ran
    log.clear()
    allowed = call(chain, request(authorization="Bearer good"))
    assert allowed.body == b"secret"
    assert log == ["outer in", "inner in", "terminal", "inner out", "outer out"]


def test_sinks_can_pass_properties_inward() -> None:
    async def tag(request: ServerRequest, call_next: Handler) -> ServerResponse:
        request.properties["user"] = "alice"
        return await call_next(request)

    async def terminal(request: ServerRequest) -> ServerResponse:
        return ok(str(request.properties["user"]))

    assert call(build_chain([tag], terminal), request()).body == b"alice"


def test_request_logging_sink_logs_one_line(caplog: pytest.LogCaptureFixture) -> None:
    async def terminal(request: ServerRequest) -> ServerResponse:
        request.properties["method_name"] = "Hello"
        return ok("12345")

    chain = build_chain([RequestLoggingSink()], terminal)
    with caplog.at_level(logging.INFO, logger="gateway.requests"):
        call(chain, request(uri="Hello.rem"))
    [record] = caplog.records
    # the access line: caller, method, URI, remote method, formatter, status, duration, size
    message = record.getMessage()
    assert message.startswith("127.0.0.1 POST /Hello.rem Hello [-] 200 "), message
    assert message.endswith(" ms 5 bytes"), message


# ------------------------------------------------------------------ the router


class FakePages:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, request: ServerRequest) -> ServerResponse:
        self.seen.append(request.method)
        return ok("page")


class FakeCalls:
    def __init__(self) -> None:
        self.seen: list[str] = []
        self.refused: list[tuple[BaseException, int]] = []

    async def __call__(self, request: ServerRequest) -> ServerResponse:
        self.seen.append(request.method)
        return ok("call")

    def refuse(self, request: ServerRequest, error: BaseException, status: int) -> ServerResponse:
        self.refused.append((error, status))
        return ServerResponse(status, b"refused", "text/xml")


def router() -> tuple[RequestRouter, FakePages, FakeCalls]:
    pages, calls = FakePages(), FakeCalls()
    return RequestRouter(cast(ServicePages, pages), cast(FormatterSink, calls)), pages, calls


@pytest.mark.parametrize(
    ("method", "body", "to_pages", "to_calls"),
    [("GET", b"page", ["GET"], []), ("HEAD", b"page", ["HEAD"], []), ("POST", b"call", [], ["POST"])],
)
def test_router_sends_reads_to_pages_and_posts_to_the_formatter_sink(
    method: str, body: bytes, to_pages: list[str], to_calls: list[str]
) -> None:
    route, pages, calls = router()
    response = call(route, request(method))
    assert (response.status, response.body) == (200, body)
    assert (pages.seen, calls.seen) == (to_pages, to_calls)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS"])
def test_router_refuses_other_methods_with_405_and_allow(method: str) -> None:
    route, pages, calls = router()
    response = call(route, request(method))
    assert response.status == 405
    assert ("allow", ALLOWED_METHODS) in response.headers
    assert ALLOWED_METHODS == "GET, HEAD, POST"
    assert method.encode() in response.body
    assert pages.seen == calls.seen == []


def test_router_answers_a_refused_body_with_413_without_decoding_it() -> None:
    route, _, calls = router()
    too_big = request()
    too_big.body_error = ValueError("too big")
    response = call(route, too_big)
    assert response.status == 413
    assert calls.seen == []
    assert calls.refused == [(too_big.body_error, 413)]


# ------------------------------------------------------------------ the ASGI endpoint, through an app


def app_with(*sinks: Any, **options: Any) -> RemotingApp:
    app = RemotingApp(sinks=list(sinks), **options)
    app.register_well_known(Hello, "Hello.rem", WellKnownObjectMode.SingleCall)
    return app


@pytest.mark.parametrize("path", ["Hello.rem?wsdl", "Hello.rem?wsdl=soap12", "", "Hello.rem", "Nothing.rem?wsdl",
                                  "Hello.rem?wsdl=bogus"])
def test_head_is_a_get_without_the_body(path: str) -> None:
    seen = Seen()
    app = app_with(seen)

    async def scenario(client: httpx.AsyncClient) -> None:
        get = await client.get(path)
        head = await client.head(path)
        assert head.status_code == get.status_code
        assert head.headers == get.headers  # content-length included: the GET's
        assert int(head.headers["content-length"]) == len(get.content) > 0
        assert head.content == b""

    http(app, scenario)
    assert [r.method for r in seen.requests] == ["GET", "HEAD"]  # both went through the chain
    assert seen.responses[0].body == seen.responses[1].body  # the sinks see the full response to HEAD


def test_head_sends_no_body_over_asgi() -> None:
    """What goes on the wire (httpx drops a HEAD response's body itself, so look at the ASGI messages)."""
    app = app_with()

    def exchange(method: str) -> list[MutableMapping[str, Any]]:
        sent: list[MutableMapping[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: MutableMapping[str, Any]) -> None:
            sent.append(message)

        scope = {"type": "http", "method": method, "path": "/Hello.rem", "query_string": b"wsdl",
                 "headers": [(b"host", b"testserver")]}
        asyncio.run(app(scope, receive, send))
        return sent

    get, head = exchange("GET"), exchange("HEAD")
    assert head[0] == get[0]  # same status and headers, content-length included
    assert len(get[1]["body"]) > 0
    assert head[1]["body"] == b""


def test_post_reaches_the_object_put_gets_405() -> None:
    app = app_with()

    async def scenario(client: httpx.AsyncClient) -> None:
        reply = await client.post("Hello.rem", content=HELLO_CALL, headers={"content-type": "text/xml"})
        assert reply.status_code == 200, reply.text
        assert "<tns:HelloResult>Hi Bob</tns:HelloResult>" in reply.text
        put = await client.put("Hello.rem", content=HELLO_CALL)
        assert put.status_code == 405
        assert put.headers["allow"] == "GET, HEAD, POST"

    http(app, scenario)


def test_a_sink_refuses_any_request_to_an_object_uri() -> None:
    app = app_with(Refuse())

    async def scenario(client: httpx.AsyncClient) -> None:
        for method in ("GET", "HEAD", "POST", "PUT"):
            reply = await client.request(method, "Hello.rem?wsdl", content=HELLO_CALL)
            assert reply.status_code == 401, method
        reply = await client.get("Hello.rem?wsdl", headers={"authorization": "Bearer good"})
        assert reply.status_code == 200 and b"definitions" in reply.content

    http(app, scenario)


def test_oversized_body_is_413_and_a_sink_still_sees_the_request() -> None:
    seen = Seen()
    app = app_with(seen, limits=Limits(max_bytes=len(HELLO_CALL) - 1))

    async def scenario(client: httpx.AsyncClient) -> None:
        reply = await client.post("Hello.rem", content=HELLO_CALL, headers={"content-type": "text/xml"})
        assert reply.status_code == 413
        assert reply.headers["connection"] == "close"  # the rest of the body was never read
        assert "exceeds the limit" in reply.text and "Client" in reply.text  # a fault the caller can read

    http(app, scenario)
    [refused] = seen.requests
    assert refused.method == "POST" and refused.uri == "Hello.rem"
    assert refused.body == b"" and refused.body_error is not None
    assert seen.responses[0].status == 413


def test_declared_content_length_over_the_limit_is_refused_before_reading() -> None:
    async def terminal(request: ServerRequest) -> ServerResponse:
        assert request.body_error is not None and request.body == b""
        return ServerResponse(413, b"too big", "text/plain")

    async def receive() -> dict[str, Any]:
        raise AssertionError("the body was read")

    sent: list[MutableMapping[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    endpoint = ObjectEndpoint(lambda: terminal, lambda: 100)
    scope = {"type": "http", "method": "POST", "path": "/Hello.rem", "headers": [(b"content-length", b"101")]}
    asyncio.run(endpoint(scope, receive, send))
    assert sent[0]["status"] == 413
    assert (b"connection", b"close") in sent[0]["headers"]
    assert sent[1]["body"] == b"too big"


def test_body_streamed_in_chunks_is_joined_and_the_request_hook_runs() -> None:
    bodies: list[bytes] = []
    hooks: list[int] = []

    async def terminal(request: ServerRequest) -> ServerResponse:
        bodies.append(request.body)
        return ok("fine")

    chunks = iter([
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.request", "body": b"cd", "more_body": False},
    ])

    async def receive() -> dict[str, Any]:
        return next(chunks)

    sent: list[MutableMapping[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    endpoint = ObjectEndpoint(lambda: terminal, lambda: 4, lambda: hooks.append(1))
    scope = {"type": "http", "method": "POST", "path": "/Hello.rem", "headers": []}
    asyncio.run(endpoint(scope, receive, send))
    assert bodies == [b"abcd"]  # exactly at the limit: accepted
    assert hooks == [1]
    assert sent[0]["status"] == 200


def test_client_gone_while_sending_the_body_gets_no_answer() -> None:
    async def terminal(request: ServerRequest) -> ServerResponse:
        raise AssertionError("the chain ran for a request that never arrived")

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    sent: list[MutableMapping[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    endpoint = ObjectEndpoint(lambda: terminal, lambda: 100)
    asyncio.run(endpoint({"type": "http", "method": "POST", "path": "/x.rem", "headers": []}, receive, send))
    assert sent == []


def test_request_from_scope_is_relative_to_root_path() -> None:
    scope = {
        "type": "http", "method": "GET", "path": "/api/v1/Things/Hello.rem", "root_path": "/api/v1",
        "query_string": b"wsdl", "headers": [(b"host", b"example.org")], "client": ("10.0.0.1", 5000),
    }
    req = request_from_scope(scope)
    assert (req.method, req.uri, req.query, req.client_host) == ("GET", "Things/Hello.rem", "wsdl", "10.0.0.1")
    assert req.headers["host"] == "example.org"
    assert req.body == b"" and req.body_error is None
    bare = request_from_scope({"type": "http", "method": "GET", "path": "/", "headers": []})
    assert (bare.uri, bare.query, bare.client_host) == ("", "", None)
