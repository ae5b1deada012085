"""Bodies that arrive too slowly (408, the connection closed) or never (a client gone mid-body: no call,
no answer), driven through the ASGI interface directly so the timing is the test's own."""

from __future__ import annotations

import asyncio
from typing import Any

from examples.hello import HelloServer
from gateway import RemotingApp, ServerRequest, ServerResponse, WellKnownObjectMode
from gateway.server.sinks import Handler

BODY = (
    b'<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body>'
    b'<i2:HelloMethod xmlns:i2="http://schemas.microsoft.com/clr/nsassem/RemotingPeer.IHello/PeerShared">'
    b"<name>Slow</name></i2:HelloMethod></SOAP-ENV:Body></SOAP-ENV:Envelope>"
)


class Seen:
    """A sink that records what passed through the chain."""

    def __init__(self) -> None:
        self.requests: list[ServerRequest] = []

    async def __call__(self, request: ServerRequest, call_next: Handler) -> ServerResponse:
        self.requests.append(request)
        return await call_next(request)


def make_app(seen: Seen, timeout: float) -> RemotingApp:
    app = RemotingApp(sinks=[seen], body_timeout=timeout)
    app.register_well_known(HelloServer, "SayHello.soap", WellKnownObjectMode.SingleCall)
    return app


def scope() -> dict[str, Any]:
    headers = [(b"content-type", b"text/xml"), (b"content-length", str(len(BODY)).encode())]
    return {"type": "http", "method": "POST", "path": "/SayHello.soap", "root_path": "", "query_string": b"",
            "headers": headers, "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80), "scheme": "http"}


async def drive(app: RemotingApp, chunks: list[bytes | None], gap: float) -> list[dict[str, Any]]:
    """Send ``chunks`` (None: the client disconnects) with ``gap`` seconds between them; collect the answer."""
    sent: list[dict[str, Any]] = []
    queue = list(chunks)

    async def receive() -> dict[str, Any]:
        if not queue:
            await asyncio.sleep(3600)  # the client sends nothing more
        chunk = queue.pop(0)
        await asyncio.sleep(gap)
        if chunk is None:
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": chunk, "more_body": bool(queue)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await asyncio.wait_for(app(scope(), receive, send), 5)
    return sent


def test_a_body_in_time_is_served() -> None:
    seen = Seen()
    sent = asyncio.run(drive(make_app(seen, 1.0), [BODY[:50], BODY[50:]], 0.01))
    assert sent[0]["status"] == 200 and b"Hi there Slow" in sent[1]["body"]


def test_a_trickling_body_gets_408_and_the_connection_closed() -> None:
    seen = Seen()
    # a byte every 0.1 s would take minutes; the limit is 0.3 s
    chunks: list[bytes | None] = [BODY[i:i + 1] for i in range(len(BODY))]
    sent = asyncio.run(drive(make_app(seen, 0.3), chunks, 0.1))
    assert sent[0]["status"] == 408
    assert (b"connection", b"close") in sent[0]["headers"]
    assert b"did not arrive within 0.3 s" in sent[1]["body"]
    assert len(seen.requests) == 1 and seen.requests[0].body == b""  # the sink saw the refused request


def test_a_client_gone_mid_body_gets_no_call_and_no_answer() -> None:
    seen = Seen()
    sent = asyncio.run(drive(make_app(seen, 1.0), [BODY[:20], None], 0.01))
    assert sent == [] and seen.requests == []


def test_a_body_whose_first_part_was_at_hand_is_still_timed() -> None:
    """The first message taken without waiting (no timer needed for it) does not leave the rest untimed."""
    seen = Seen()
    sent: list[dict[str, Any]] = []
    first = True

    async def receive() -> dict[str, Any]:
        nonlocal first
        if first:  # at hand: returned without suspending
            first = False
            return {"type": "http.request", "body": BODY[:30], "more_body": True}
        await asyncio.sleep(3600)  # the rest never comes
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(asyncio.wait_for(make_app(seen, 0.2)(scope(), receive, send), 5))
    assert sent[0]["status"] == 408 and b"did not arrive within 0.2 s" in sent[1]["body"]


def test_a_whole_body_at_hand_is_served_without_waiting() -> None:
    seen = Seen()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": BODY, "more_body": False}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(asyncio.wait_for(make_app(seen, 0.2)(scope(), receive, send), 5))
    assert sent[0]["status"] == 200 and b"Hi there Slow" in sent[1]["body"]
    assert seen.requests[0].body == BODY
