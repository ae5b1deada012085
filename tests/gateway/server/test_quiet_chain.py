"""gateway.server.routing.QuietChain: the default chain's shortcut (metrics sink straight to the formatter sink
while the request-logging sinks are off) answers exactly what the whole chain answers, counts every call in
the metrics, and steps aside whenever a sink could act: a user sink, a logger switched on, a page, a refused
body."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from pathlib import Path

import pytest

from examples.hello import HelloServer
from gateway import RemotingApp, RequestLoggingSink, ServerRequest, ServerResponse, WellKnownObjectMode
from gateway.server.endpoint import BodyRefused
from gateway.server.routing import QuietChain
from gateway.server.sinks import Handler

HELLO = (Path(__file__).resolve().parents[2] / "fixtures" / "mono_binary" / "001_HelloMethod.request.bin").read_bytes()
URI = "SayHello.rem"


def make_app(**options: object) -> RemotingApp:
    options.setdefault("metrics", True)
    app = RemotingApp(formatters=("binary", "soap"), **options)  # type: ignore[arg-type]
    app.register_well_known(HelloServer, URI, WellKnownObjectMode.SingleCall)
    return app


def call(body: bytes = HELLO, method: str = "POST", uri: str = URI) -> ServerRequest:
    headers = {"content-type": "application/octet-stream", "host": "testserver"}
    return ServerRequest(method, uri, "", headers, body, "127.0.0.1", {"type": "http"})


def run(handler: Handler, request: ServerRequest) -> ServerResponse:
    async def go() -> ServerResponse:
        return await handler(request)

    return asyncio.run(go())


def counted(app: RemotingApp) -> dict[tuple[str, ...], int]:
    assert app.metrics is not None
    return {key: series.count for key, series in app.metrics.calls.series.items()}


def test_the_default_chain_is_quiet_and_answers_what_the_whole_chain_answers() -> None:
    app = make_app()
    chain = app.chain()
    assert isinstance(chain, QuietChain)
    # the first call records the binary template, the later ones take it: each path, both ways
    for _ in range(3):
        quiet, full = run(chain, call()), run(chain.full, call())
        assert (quiet.status, quiet.body, quiet.content_type) == (full.status, full.body, full.content_type)
        assert b"Hi there Alice" in quiet.body
    assert counted(app) == {(URI, "HelloMethod", "binary", "ok", ""): 6}


def test_faults_are_answered_and_counted_alike() -> None:
    app = make_app()
    chain = app.chain()
    assert isinstance(chain, QuietChain)
    unknown = HELLO.replace(b"HelloMethod", b"HelloMethoX")
    quiet, full = run(chain, call(unknown)), run(chain.full, call(unknown))
    assert (quiet.status, quiet.body) == (full.status, full.body)
    assert b"HelloMethoX" in quiet.body  # the fault names the method it did not find
    broken = run(chain, call(HELLO[:40]))
    assert broken.status == 200 and broken.body  # a binary fault, not a traceback
    assert counted(app) == {("SayHello.rem", "(unknown)", "binary", "fault", "client"): 3}


def test_a_refused_body_and_pages_take_the_whole_chain() -> None:
    app = make_app()
    chain = app.chain()
    refused = call(b"")
    refused.body_error = BodyRefused("too large", 413)
    assert run(chain, refused).status == 413
    scrape = run(chain, call(b"", method="GET", uri="metrics"))
    assert scrape.status == 200 and b"gateway_calls_total" in scrape.body
    assert run(chain, call(b"", method="PUT")).status == 405


def test_an_enabled_logger_takes_the_whole_chain(caplog: pytest.LogCaptureFixture) -> None:
    app = make_app()
    chain = app.chain()
    with caplog.at_level(logging.INFO, logger="gateway.requests"):
        assert b"Hi there Alice" in run(chain, call()).body
    lines = [r.getMessage() for r in caplog.records if r.name == "gateway.requests"]
    assert len(lines) == 1 and "POST /SayHello.rem HelloMethod [binary] 200" in lines[0]
    assert counted(app) == {(URI, "HelloMethod", "binary", "ok", ""): 1}


class Refusing:
    """A user sink: refuses every call."""

    def __call__(self, request: ServerRequest, call_next: Handler) -> Awaitable[ServerResponse]:
        return _ready(ServerResponse(403, b"no", "text/plain"))


async def _ready(response: ServerResponse) -> ServerResponse:
    return response


class QuietLogging(RequestLoggingSink):
    """A subclass may change what the sink does: no shortcut around it."""

    def __call__(self, request: ServerRequest, call_next: Handler) -> Awaitable[ServerResponse]:
        return _ready(ServerResponse(418, b"subclass", "text/plain"))


@pytest.mark.parametrize("sink", [Refusing(), QuietLogging()], ids=["user sink", "logging subclass"])
def test_any_other_sink_is_always_run(sink: object) -> None:
    app = make_app(sinks=[RequestLoggingSink(), sink])
    chain = app.chain()
    assert not isinstance(chain, QuietChain)
    response = run(chain, call())
    assert response.status in (403, 418)
    assert counted(app) == {(URI, "(unknown)", "(unknown)", "refused", ""): 1}


def test_no_sinks_and_no_metrics_still_answer() -> None:
    app = make_app(sinks=[], metrics=False)
    chain = app.chain()
    assert isinstance(chain, QuietChain)
    assert b"Hi there Alice" in run(chain, call()).body
