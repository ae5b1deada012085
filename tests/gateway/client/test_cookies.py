"""The clients' cookie jar reads only responses that set a cookie (gateway/client/cookies.py): cookies a server
sets are still kept and sent back (a balancer's sticky-session cookie), sync and async, while responses
without one skip httpx's urllib wrapping."""

from __future__ import annotations

import asyncio
import http.cookiejar

import httpx
import pytest

from gateway import AsyncRemotingClient, RemotingClient
from gateway.client.cookies import MAX_COOKIES, ResponseCookies, with_response_cookies


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


def test_the_jar_keeps_at_most_64_cookies_of_4096_bytes_the_oldest_going_first() -> None:
    """A server setting a new cookie on every answer (or a huge one) grows neither the client's memory nor its
    requests without end: cookies beyond ``MAX_COOKIES`` go, those kept longest first, and one larger than
    ``MAX_COOKIE_BYTES`` is not kept. The sticky cookie set last is still sent back."""
    sent: list[str | None] = []

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers.get("cookie"))
        n = len(sent)
        cookies = [f"c{n}_{i}=v; Path=/" for i in range(10)] + [f"huge{n}={'x' * 5000}; Path=/"]
        return httpx.Response(200, headers=[("set-cookie", c) for c in cookies], content=b"ok")

    with httpx.Client(transport=httpx.MockTransport(handle)) as client:
        with_response_cookies(client)
        for _ in range(20):  # 200 small cookies and 20 huge ones offered
            client.get("http://127.0.0.1:1/x.rem")
        names = {cookie.name for cookie in client.cookies.jar}
    assert len(names) == MAX_COOKIES
    assert not any(name.startswith("huge") for name in names)
    assert {f"c20_{i}" for i in range(10)} <= names and "c1_0" not in names  # the newest kept, the oldest gone
    last = sent[-1] or ""
    assert last.count("=") == MAX_COOKIES and len(last) < MAX_COOKIES * 16
