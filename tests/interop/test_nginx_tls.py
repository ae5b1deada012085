"""The nginx TLS-termination set-up of docs/security.md, run as written (its ``nginx`` block, with this test's
certificate, ports and paths substituted): WSDL addresses and client-activated objects' ObjRefs point at the
proxy's ``https://`` URL, and calls made through them go through nginx."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from examples.remoting_samples import ClientActivatedObject
from gateway import RemotingClient, proxy_objref
from gateway.client.tls import tls_context

from ..support.nginx import running_nginx
from ..support.peers import require_peer
from ..support.pki import have_openssl, make_pki
from ..support.server import REPO_ROOT, free_port, live_server
from .test_reverse_proxy import soap_address

pytestmark = pytest.mark.interop

DOC = REPO_ROOT / "docs" / "security.md"

def documented_server_block() -> str:
    """The ``nginx`` code block of docs/security.md."""
    match = re.search(r"```nginx\n(.*?)```", DOC.read_text(), re.S)
    assert match, "docs/security.md has no nginx block"
    return match.group(1)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_peer("openssl", have_openssl(), "the openssl command (apt-get install openssl)")
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def proxy(pki: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with live_server("examples.all:app", env={"GATEWAY_TRUST_FORWARDED": "1"}) as app_url:
        port = free_port()
        server = (
            documented_server_block()
            .replace("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;")
            .replace("server_name api.example.com;", "server_name 127.0.0.1;")
            .replace("/etc/ssl/remoting/server.pem", str(pki / "server.pem"))
            .replace("/etc/ssl/remoting/server.key", str(pki / "server.key"))
            .replace("http://127.0.0.1:8000/", app_url)
        )
        with running_nginx(tmp_path_factory.mktemp("nginx-tls"), port, server):
            yield f"https://127.0.0.1:{port}/remoting"


def test_wsdl_address_is_the_https_proxy(proxy: str, pki: Path) -> None:
    r = httpx.get(f"{proxy}/InteropService.soap?wsdl", verify=tls_context(str(pki / "ca.pem")), timeout=10)
    assert r.status_code == 200
    assert soap_address(r.content) == f"{proxy}/InteropService.soap"


def test_client_activated_object_over_https_through_nginx(proxy: str, pki: Path) -> None:
    with RemotingClient(verify=str(pki / "ca.pem"), timeout=10) as client:
        counter = client.create_instance(ClientActivatedObject, proxy + "/", "tls")
        ref = proxy_objref(counter)
        assert ref is not None and ref.channel_urls == [proxy]
        assert counter.Increment() == 1 and counter.GetName() == "tls"
