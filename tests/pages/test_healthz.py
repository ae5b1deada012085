"""``GET /healthz``: the liveness probe, answered before the server sinks (no credentials needed)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse

from examples.secured import make_app as secured_app
from gateway import RemotingApp, ServerRequest, ServerResponse
from gateway.server.sinks import Handler

from .test_help_page import request


def test_healthz_needs_no_credentials_behind_an_authentication_sink() -> None:
    app = secured_app()
    assert request(app, "GET", "/").status_code == 401
    probe = request(app, "GET", "/healthz")
    assert probe.status_code == 200 and probe.text == "ok"


class Recorder:
    """A server sink remembering the URIs it saw."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def __call__(self, request: ServerRequest, call_next: Handler) -> ServerResponse:
        self.seen.append(f"{request.method} /{request.uri}")
        return await call_next(request)


def test_healthz_answers_ok_to_get_and_head_outside_the_sinks() -> None:
    recorder = Recorder()
    app = RemotingApp(sinks=[recorder])
    get = request(app, "GET", "/healthz")
    assert get.status_code == 200 and get.text == "ok"
    assert get.headers["content-type"] == "text/plain; charset=utf-8"
    assert get.headers["cache-control"] == "no-store"
    head = request(app, "HEAD", "/healthz")
    assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == "2"
    post = request(app, "POST", "/healthz", content=b"x")
    assert post.status_code == 405 and post.headers["allow"] == "GET, HEAD"
    assert recorder.seen == []
    request(app, "GET", "/")
    assert recorder.seen == ["GET /"]


def test_healthz_under_a_root_path_off_and_overridden() -> None:
    app = RemotingApp()
    assert request(app, "GET", "/api/healthz", root_path="/api").text == "ok"
    off = RemotingApp(health_path=None)
    assert request(off, "GET", "/healthz").status_code == 404
    own = RemotingApp()

    async def ready(_: Request) -> PlainTextResponse:
        return PlainTextResponse("database ok")

    own.add_route("/healthz", ready)
    assert request(own, "GET", "/healthz").text == "database ok"
