"""What a client owns: the HTTP client it made (closed with it), not one the caller passed in; and the
shared TLS context, so making a client does not load the CA store again."""

from __future__ import annotations

import asyncio

import httpx

from gateway import AsyncRemotingClient, RemotingClient
from gateway.client.tls import tls_context


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
