"""gateway.server.urls: the base URL a caller used to reach us, from the ASGI scope and (when a trusted
reverse proxy sets them) the X-Forwarded-* headers. Also how an app puts it into its WSDL addresses."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from gateway import MarshalByRefObject, RemotingApp, WellKnownObjectMode
from gateway.server.urls import external_base_url, trust_forwarded_from_env
from soap import clr_type

FORWARDED = {
    "host": "10.0.0.5:8000",
    "x-forwarded-host": "api.example.com, proxy.internal",
    "x-forwarded-proto": "https",
    "x-forwarded-prefix": "remoting/",
}


def scope(**entries: Any) -> dict[str, Any]:
    return {"type": "http", "scheme": "http", "server": ("10.0.0.5", 8000), **entries}


@pytest.mark.parametrize(
    ("entries", "headers", "expected"),
    [
        ({}, {"host": "example.org:8080"}, "http://example.org:8080"),
        ({"scheme": "https"}, {"host": "example.org"}, "https://example.org"),
        ({"root_path": "/api"}, {"host": "example.org"}, "http://example.org/api"),
        ({"root_path": "/api/"}, {"host": "example.org"}, "http://example.org/api"),  # no trailing slash
        ({}, {}, "http://10.0.0.5:8000"),  # no Host header: the server's own address
        ({"server": ("example.org", 80)}, {}, "http://example.org"),  # default port left out
        ({"scheme": "https", "server": ("example.org", 443)}, {}, "https://example.org"),
        ({"scheme": "https", "server": ("example.org", 80)}, {}, "https://example.org:80"),
        ({"server": ("example.org", 443)}, {}, "http://example.org:443"),
        ({"server": None}, {}, "http://localhost"),
        ({}, {"host": "[::1]:8000"}, "http://[::1]:8000"),
        ({}, {"host": "my_service.internal"}, "http://my_service.internal"),
        # a Host that is no host and port: as if absent (it would break the URL, or ride into a WSDL)
        ({}, {"host": "[::1"}, "http://10.0.0.5:8000"),
        ({}, {"host": 'evil"><x'}, "http://10.0.0.5:8000"),
        ({}, {"host": "h\xff:80"}, "http://10.0.0.5:8000"),
        ({}, {"host": "h:port"}, "http://10.0.0.5:8000"),
    ],
)
def test_base_url_from_the_scope(entries: dict[str, Any], headers: dict[str, str], expected: str) -> None:
    assert external_base_url(scope(**entries), headers) == expected


def test_forwarded_headers_are_ignored_unless_trusted() -> None:
    assert external_base_url(scope(), FORWARDED) == "http://10.0.0.5:8000"
    assert external_base_url(scope(), FORWARDED, trust_forwarded=False) == "http://10.0.0.5:8000"


def test_trusted_forwarded_headers_give_host_scheme_and_prefix() -> None:
    assert external_base_url(scope(), FORWARDED, trust_forwarded=True) == "https://api.example.com/remoting"
    with_root = external_base_url(scope(root_path="/v1"), FORWARDED, trust_forwarded=True)
    assert with_root == "https://api.example.com/remoting/v1"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"host": "h", "x-forwarded-proto": "ftp"}, "http://h"),  # only http and https
        ({"host": "h", "x-forwarded-proto": "HTTPS, http"}, "https://h"),  # the first, any case
        ({"host": "h", "x-forwarded-host": " "}, "http://h"),  # blank: the Host header stands
        ({"host": "h", "x-forwarded-host": "a b"}, "http://h"),  # no host: the Host header stands
        ({"host": "h", "x-forwarded-prefix": "/p/"}, "http://h/p"),
        ({"host": "h", "x-forwarded-prefix": "p"}, "http://h/p"),
        ({"x-forwarded-proto": "https"}, "https://10.0.0.5:8000"),  # no Host: the server, with the new scheme
    ],
)
def test_trusted_forwarded_header_details(headers: dict[str, str], expected: str) -> None:
    assert external_base_url(scope(), headers, trust_forwarded=True) == expected


@pytest.mark.parametrize(
    ("value", "trusted"),
    [("1", True), ("true", True), ("YES", True), (" on ", True), ("0", False), ("", False), ("no", False)],
)
def test_trust_forwarded_from_env(monkeypatch: pytest.MonkeyPatch, value: str, trusted: bool) -> None:
    monkeypatch.setenv("GATEWAY_TRUST_FORWARDED", value)
    assert trust_forwarded_from_env() is trusted
    assert RemotingApp(sinks=[]).trust_forwarded is trusted
    assert RemotingApp(sinks=[], trust_forwarded=not trusted).trust_forwarded is not trusted  # explicit wins


def test_trust_forwarded_is_off_without_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GATEWAY_TRUST_FORWARDED", raising=False)
    assert trust_forwarded_from_env() is False


# ------------------------------------------------------------------ in an app's WSDL addresses


@clr_type("UrlTests.Hello", "UrlTests")
class Hello(MarshalByRefObject):
    def Hello(self, name: str) -> str:
        return name


def wsdl_address(app: RemotingApp, url: str, headers: dict[str, str] | None = None, root_path: str = "") -> str:
    app.register_well_known(Hello, "Hello.rem", WellKnownObjectMode.SingleCall)

    async def get() -> str:
        transport = httpx.ASGITransport(app=app, root_path=root_path)
        async with httpx.AsyncClient(transport=transport) as client:
            try:
                reply = await client.get(url, headers=headers)
            finally:
                await app.leases.stop()
            assert reply.status_code == 200, reply.text
            start = reply.text.index('location="') + len('location="')
            return reply.text[start:reply.text.index('"', start)]

    return asyncio.run(get())


def test_wsdl_address_follows_the_request() -> None:
    assert wsdl_address(RemotingApp(sinks=[], trust_forwarded=False), "http://a.example:81/Hello.rem?wsdl") == (
        "http://a.example:81/Hello.rem"
    )


def test_wsdl_address_under_a_root_path() -> None:
    app = RemotingApp(sinks=[], trust_forwarded=False)
    assert wsdl_address(app, "http://a.example/api/Hello.rem?wsdl", root_path="/api") == "http://a.example/api/Hello.rem"


def test_wsdl_address_behind_a_trusted_proxy() -> None:
    app = RemotingApp(sinks=[], trust_forwarded=True)
    address = wsdl_address(app, "http://10.0.0.5:8000/Hello.rem?wsdl", FORWARDED)
    assert address == "https://api.example.com/remoting/Hello.rem"


def test_a_host_header_that_is_no_host_is_ignored_in_the_wsdl() -> None:
    """What a lenient ASGI server passes on (h11 and httptools do not check the Host's form) breaks neither
    the page nor the addresses in it (found by ``fuzz/targets.py``'s ``http_entry``)."""
    app = RemotingApp(sinks=[], trust_forwarded=False)
    address = wsdl_address(app, "http://10.0.0.5:8000/Hello.rem?wsdl", {"host": "[::1"})
    assert address == "http://10.0.0.5:8000/Hello.rem"  # the server's own address (the scope's "server")


def test_public_url_wins_over_the_request() -> None:
    app = RemotingApp(sinks=[], public_url="https://public.example/svc/", trust_forwarded=True)
    address = wsdl_address(app, "http://10.0.0.5:8000/Hello.rem?wsdl", FORWARDED)
    assert address == "https://public.example/svc/Hello.rem"
