"""The gateway behind a real nginx reverse proxy that sets ``X-Forwarded-Host/Proto/Prefix``.

Two apps run under uvicorn with ``GATEWAY_TRUST_FORWARDED=1`` (the deployer's statement that a trusted proxy
sets those headers): ``examples.interop:app`` behind ``location /api/`` and ``examples.remoting_samples:app``
behind ``location /remoting/``, on one nginx listening on a free loopback port (config, pid, logs and temp
paths in a temporary directory, ``daemon off``; stopped at the end).

* The WSDL fetched through nginx has ``soap:address`` ``http://127.0.0.1:NGINX_PORT/api/InteropService.soap``;
  fetched directly from uvicorn, the same WSDL has the direct address (addresses are computed per request).
* zeep, given the WSDL URL behind the proxy, calls through the proxy (nginx's access log shows the POSTs).
* A client-activated object created through the proxy with our own client
  (``RemotingClient().create_instance``) comes back as an ObjRef whose channel URL is the proxy's, and calls
  on it go through nginx.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import zeep
import zeep.transports
from lxml import etree

try:
    from support.nginx import running_nginx
    from support.server import free_port, live_server
except ImportError:  # tests/ imported as a package
    from tests.support.nginx import running_nginx
    from tests.support.server import free_port, live_server

from examples.remoting_samples import ClientActivatedObject, ICounter
from gateway import RemotingClient, proxy_objref

pytestmark = pytest.mark.interop

TRUSTED = {"GATEWAY_TRUST_FORWARDED": "1"}
WSDL_NS = {"wsdl": "http://schemas.xmlsoap.org/wsdl/", "soap": "http://schemas.xmlsoap.org/wsdl/soap/",
           "soap12": "http://schemas.xmlsoap.org/wsdl/soap12/"}

SERVER = """\
    server {{
        listen 127.0.0.1:{port};
{locations}
    }}
"""

LOCATION = """\
        location {prefix}/ {{
            proxy_pass http://127.0.0.1:{app_port}/;
            proxy_set_header Host $host:$server_port;
            proxy_set_header X-Forwarded-Host $host:$server_port;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Prefix {prefix};
            proxy_http_version 1.1;
        }}
"""


class Nginx:
    def __init__(self, tmp: Path, port: int) -> None:
        self.tmp = tmp
        self.port = port
        self.base = f"http://127.0.0.1:{port}"

    @property
    def access_log(self) -> str:
        path = self.tmp / "access.log"
        return path.read_text() if path.exists() else ""

    def wait_for_log(self, needle: str, count: int = 1, timeout: float = 15.0) -> str:
        """nginx writes each access log line after its response: poll until ``needle`` appears ``count``
        times (the last request's line may still be on its way when the client has its answer)."""
        deadline = time.monotonic() + timeout
        while self.access_log.count(needle) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.access_log


@pytest.fixture(scope="module")
def apps() -> Iterator[dict[str, str]]:
    with live_server("examples.interop:app", env=TRUSTED) as interop, \
            live_server("examples.remoting_samples:app", env=TRUSTED) as samples:
        yield {"/api": interop, "/remoting": samples}


@pytest.fixture(scope="module")
def nginx(apps: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nginx]:
    port = free_port()
    locations = "".join(
        LOCATION.format(prefix=prefix, app_port=httpx.URL(base).port) for prefix, base in apps.items()
    )
    site = SERVER.format(port=port, locations=locations)
    with running_nginx(tmp_path_factory.mktemp("nginx"), port, site) as tmp:
        yield Nginx(tmp, port)


def soap_address(wsdl: bytes, soap12: bool = False) -> str:
    root = etree.fromstring(wsdl)
    path = "wsdl:service/wsdl:port/soap12:address" if soap12 else "wsdl:service/wsdl:port/soap:address"
    (location,) = root.xpath(f"{path}/@location", namespaces=WSDL_NS)
    return str(location)


@pytest.mark.parametrize("query", ["wsdl", "wsdl=soap12", "wsdl=remoting"])
def test_wsdl_address_through_the_proxy_and_directly(nginx: Nginx, apps: dict[str, str], query: str) -> None:
    proxied = httpx.get(f"{nginx.base}/api/InteropService.soap?{query}", timeout=10)
    assert proxied.status_code == 200, proxied.text
    assert proxied.headers["content-type"] == "text/xml; charset=utf-8"
    assert soap_address(proxied.content, query == "wsdl=soap12") == f"{nginx.base}/api/InteropService.soap"
    direct = httpx.get(f"{apps['/api']}InteropService.soap?{query}", timeout=10)
    assert direct.status_code == 200
    assert soap_address(direct.content, query == "wsdl=soap12") == f"{apps['/api']}InteropService.soap"
    # and through the proxy again: nothing was cached from the direct request
    again = httpx.get(f"{nginx.base}/api/InteropService.soap?{query}", timeout=10)
    assert again.content == proxied.content


def test_service_index_through_the_proxy(nginx: Nginx) -> None:
    index = httpx.get(f"{nginx.base}/api/", timeout=10)
    assert index.status_code == 200
    assert f'href="{nginx.base}/api/InteropService.soap?wsdl"' in index.text


def test_zeep_calls_through_the_proxy(nginx: Nginx) -> None:
    client = zeep.Client(f"{nginx.base}/api/InteropService.soap?wsdl",
                         transport=zeep.transports.Transport(timeout=10, operation_timeout=10))
    before = nginx.access_log.count("POST /api/InteropService.soap")
    assert client.service.hello("through nginx") == "Hi there through nginx"
    assert client.service.add(40, 2) == 42
    with pytest.raises(zeep.exceptions.Fault) as info:
        client.service.fail("proxied <&> fault")
    assert info.value.message == "proxied <&> fault"
    log = nginx.wait_for_log("POST /api/InteropService.soap", before + 3)
    assert log.count("POST /api/InteropService.soap") >= before + 3


def test_zeep_soap12_through_the_proxy(nginx: Nginx) -> None:
    client = zeep.Client(f"{nginx.base}/api/InteropService.soap?wsdl=soap12",
                         transport=zeep.transports.Transport(timeout=10, operation_timeout=10))
    assert client.service.hello("v1.2") == "Hi there v1.2"


def test_client_activated_object_through_the_proxy(nginx: Nginx, apps: dict[str, str]) -> None:
    proxy_base = f"{nginx.base}/remoting"
    with RemotingClient(timeout=10) as client:
        counter = client.create_instance(ClientActivatedObject, proxy_base + "/", "via-nginx")
        ref = proxy_objref(counter)
        assert ref is not None
        assert ref.channel_urls == [proxy_base], ref.channel_urls
        url = ref.url()
        assert url is not None and url.startswith(proxy_base + "/")
        object_path = url.removeprefix(nginx.base)
        before = nginx.access_log.count(f"POST {object_path} ")
        assert counter.Increment() == 1
        assert counter.Increment() == 2
        assert counter.GetName() == "via-nginx"
        log = nginx.wait_for_log(f"POST {object_path} ", before + 3)
        assert log.count(f"POST {object_path} ") >= before + 3
        assert "POST /remoting/RemoteActivationService.rem " in log
        # the same object is reachable directly too (its URI is the same behind the proxy)
        direct = client.get_object(ICounter, apps["/remoting"] + ref.uri.lstrip("/"))
        assert direct.Increment() == 3
