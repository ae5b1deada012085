"""The clients' cookie jar reads only responses that set a cookie (gateway/client/cookies.py): cookies a server
sets are still kept and sent back (a balancer's sticky-session cookie), sync and async, while responses
without one skip httpx's urllib wrapping."""

from __future__ import annotations

import asyncio
import http.cookiejar

import httpx
import pytest

from gateway import AsyncRemotingClient, RemotingClient
from gateway.client.cookies import ResponseCookies, with_response_cookies


def sticky(seen: list[str | None]) -> httpx.MockTransport:
    """Sets ``node=b`` on the first response; records the Cookie header of every request."""

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie"))
        headers = {"set-cookie": "node=b; Path=/"} if len(seen) == 1 else {}
        return httpx.Response(200, headers=headers, content=b"ok")

    return httpx.MockTransport(handle)


def test_a_cookie_set_by_the_server_is_sent_back_sync_and_async() -> None:
    seen: list[str | None] = []
    with httpx.Client(transport=sticky(seen)) as client:
        with_response_cookies(client)
        for _ in range(3):
            client.get("http://127.0.0.1:1/x.rem")
    assert seen == [None, "node=b", "node=b"]

    seen_async: list[str | None] = []

    async def main() -> None:
        async with httpx.AsyncClient(transport=sticky(seen_async)) as client:
            with_response_cookies(client)
            for _ in range(3):
                await client.get("http://127.0.0.1:1/x.rem")

    asyncio.run(main())
    assert seen_async == [None, "node=b", "node=b"]


def test_responses_without_a_cookie_are_not_handed_to_the_jar(monkeypatch: pytest.MonkeyPatch) -> None:
    handed: list[object] = []
    original = http.cookiejar.CookieJar.extract_cookies

    def counting(self: http.cookiejar.CookieJar, response: object, request: object) -> None:
        handed.append(response)
        original(self, response, request)  # type: ignore[arg-type]

    monkeypatch.setattr(http.cookiejar.CookieJar, "extract_cookies", counting)
    seen: list[str | None] = []
    with httpx.Client(transport=sticky(seen)) as client:
        with_response_cookies(client)
        for _ in range(4):
            client.get("http://127.0.0.1:1/x.rem")
    assert len(handed) == 1  # the one response with Set-Cookie
    assert seen[1:] == ["node=b"] * 3


def test_the_clients_own_http_clients_use_it() -> None:
    """If httpx stops having the attribute this sets, the clients keep httpx's jar (slower): this says so."""
    with RemotingClient() as client:
        assert type(client._http.cookies) is ResponseCookies

    async def main() -> None:
        async with AsyncRemotingClient() as client:
            assert type(client._http.cookies) is ResponseCookies

    asyncio.run(main())
