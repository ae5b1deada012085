"""What a client owns: the HTTP client it made (closed with it), not one the caller passed in; and the
shared TLS context, so making a client does not load the CA store again. With a passed client, settings
only the client's own HTTP client could carry are refused rather than silently ignored, and ``tcp://``
URLs (which the caller's httpx client cannot speak) still work."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from examples.hello import IHello
from gateway import AsyncRemotingClient, RemotingClient
from gateway.client.tls import tls_context

try:
    from tcp.test_client import ScriptedServer
except ImportError:  # tests/ imported as a package
    from tests.tcp.test_client import ScriptedServer


def test_sync_client_leaves_a_passed_http_client_open() -> None:
    http = httpx.Client()
    with RemotingClient(http_client=http):
        pass
    assert not http.is_closed
    http.close()


def test_sync_client_closes_its_own_http_client() -> None:
    client = RemotingClient()
    client.close()
    assert client._http.is_closed


def test_async_client_leaves_a_passed_http_client_open() -> None:
    async def go() -> None:
        http = httpx.AsyncClient()
        async with AsyncRemotingClient(http_client=http):
            pass
        assert not http.is_closed
        await http.aclose()

        own = AsyncRemotingClient()
        await own.aclose()
        assert own._http.is_closed

    asyncio.run(go())


def test_the_default_tls_context_is_shared_and_verifies() -> None:
    first, second = tls_context(), tls_context()
    assert first is second
    assert first.check_hostname and first.verify_mode.name == "CERT_REQUIRED"
    unverified = tls_context(verify=False)
    assert unverified is not first and not unverified.check_hostname


@pytest.mark.parametrize("setting", [{"basic_auth": ("ann", "pw")}, {"bearer_token": "t0ken"}, {"verify": False},
                                     {"verify": "ca.pem"}, {"cert": "client.pem"}])
def test_settings_a_passed_http_client_would_ignore_are_refused(setting: dict[str, object]) -> None:
    name = next(iter(setting))
    with httpx.Client() as http, pytest.raises(ValueError, match=f"{name}.*set them on that client"):
        RemotingClient(http_client=http, **setting)  # type: ignore[arg-type]

    async def go() -> None:
        async with httpx.AsyncClient() as http:
            with pytest.raises(ValueError, match=f"{name}.*set them on that client"):
                AsyncRemotingClient(http_client=http, **setting)  # type: ignore[arg-type]

    asyncio.run(go())


def test_tcp_urls_work_beside_a_passed_http_client() -> None:
    with ScriptedServer() as server, httpx.Client() as http:
        with RemotingClient(http_client=http, timeout=10) as client:
            assert client.get_object(IHello, server.url).HelloMethod("Alice") == "Hi there Alice"
        assert not http.is_closed

        async def go() -> str:
            async with httpx.AsyncClient() as http_async, AsyncRemotingClient(http_client=http_async,
                                                                                timeout=10) as client:
                return str(await client.get_object(IHello, server.url).HelloMethod("Alice"))

        assert asyncio.run(go()) == "Hi there Alice"
