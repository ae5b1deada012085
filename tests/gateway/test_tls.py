"""HTTPS with uvicorn's TLS options, certificates made by the test (openssl): the clients verify the server
by default, accept a private CA, present a client certificate for mutual TLS, and ObjRefs handed out over
HTTPS carry ``https`` addresses."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from examples.hello import IHello
from examples.remoting_samples import IFactory
from gateway import AsyncRemotingClient, ChannelError, RemotingClient, proxy_objref

from ..support.peers import require_peer
from ..support.pki import have_openssl, make_pki
from ..support.server import live_server


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA."""
    require_peer("openssl", have_openssl(), "the openssl command (apt-get install openssl)")
    return make_pki(tmp_path_factory.mktemp("pki"))


def _https(url: str) -> str:
    return url.replace("http://", "https://", 1).rstrip("/")


@pytest.fixture(scope="module")
def https_url(pki: Path) -> Iterator[str]:
    args = ("--ssl-keyfile", str(pki / "server.key"), "--ssl-certfile", str(pki / "server.pem"))
    with live_server("examples.all:app", args=args) as url:
        yield _https(url)


@pytest.fixture(scope="module")
def mtls_url(pki: Path) -> Iterator[str]:
    args = ("--ssl-keyfile", str(pki / "server.key"), "--ssl-certfile", str(pki / "server.pem"),
            "--ssl-ca-certs", str(pki / "ca.pem"), "--ssl-cert-reqs", "2")
    with live_server("examples.hello:app", args=args) as url:
        yield _https(url)


def test_private_ca_and_https_objrefs(https_url: str, pki: Path) -> None:
    with RemotingClient(verify=str(pki / "ca.pem")) as client:
        assert client.get_object(IHello, f"{https_url}/SayHello.soap").HelloMethod("TLS") == "Hi there TLS"
        counter = client.get_object(IFactory, f"{https_url}/FactoryService.rem").CreateCounter("c")
        ref = proxy_objref(counter)
        assert ref is not None and (ref.url() or "").startswith(https_url + "/")


def test_server_certificate_is_verified_by_default(https_url: str) -> None:
    with RemotingClient() as client, pytest.raises(ChannelError, match=r"CERTIFICATE_VERIFY_FAILED|certificate"):
        client.get_object(IHello, f"{https_url}/SayHello.soap").HelloMethod("x")

    async def scenario() -> None:
        async with AsyncRemotingClient() as client:
            with pytest.raises(ChannelError, match=r"CERTIFICATE_VERIFY_FAILED|certificate"):
                await client.get_object(IHello, f"{https_url}/SayHello.soap").HelloMethod("x")

    asyncio.run(scenario())


def test_mutual_tls(mtls_url: str, pki: Path) -> None:
    ca = str(pki / "ca.pem")
    cert = (str(pki / "client.pem"), str(pki / "client.key"))
    with RemotingClient(verify=ca, cert=cert) as client:
        assert client.get_object(IHello, f"{mtls_url}/SayHello.soap").HelloMethod("m") == "Hi there m"
    with RemotingClient(verify=ca) as client, pytest.raises(ChannelError):
        client.get_object(IHello, f"{mtls_url}/SayHello.soap").HelloMethod("no cert")

    async def scenario() -> None:
        async with AsyncRemotingClient(verify=ca, cert=cert) as client:
            assert await client.get_object(IHello, f"{mtls_url}/SayHello.rem").HelloMethod("a") == "Hi there a"

    asyncio.run(scenario())
