"""A scaled-out deployment, as deploy/ describes it, with real clients: Redis, two hosts (uvicorn, two
workers each) sharing it, and nginx in front running ``deploy/nginx/gateway.conf`` with upstream keep-alive
off, so that every request may land on any of the four workers.

* the reference Mono client's 40 checks pass through nginx, SOAP and ``--binary`` (client-activated objects,
  their leases and the ~10 s lease-expiry part included), and so do our own TestClient.cs checks;
* nginx's log shows the requests spread over both hosts;
* WSDL addresses and ObjRefs name nginx (X-Forwarded-Host), whichever worker answered;
* the Python client, sync and async: client-activated objects over fresh connections, their leases through
  ``GetLifetimeService``, objects returned by reference and passed back, a sponsor in the client called back
  by the owner, expiry (the owner's sweep), large bodies forwarded in both formatters.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter as Tally
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import etree

from examples.remoting_samples import ClientActivatedObject, ICounter, IFactory, IRemoteService
from gateway import (
    AsyncRemotingClient,
    ILease,
    LeaseState,
    MarshalByRefObject,
    RemotingClient,
    RemotingError,
    proxy_objref,
)
from tests.cluster.objects import Durable, Ephemeral, Sponsored

from ..support.deployment import Deployment, deployment, wait_until
from ..support.peers import require_peer
from ..support.redis import RedisServer
from . import mono_build
from .test_mono_client import (
    CLIENT_CHECKS,
    REFERENCE_CLIENT,
    PeerRun,
    assert_reference_run_passed,
    require_mono,
    run_peer,
)

pytestmark = pytest.mark.interop

WSDL_NS = {"wsdl": "http://schemas.xmlsoap.org/wsdl/", "soap": "http://schemas.xmlsoap.org/wsdl/soap/"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def deployed(redis: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    with deployment(redis, tmp_path_factory.mktemp("nginx"), "scale-out") as found:
        yield found


def upstreams_used(log: str, path: str) -> Tally[str]:
    return Tally(line.split()[-1] for line in log.splitlines() if f" {path} " in line or f" {path}?" in line)


# -------------------------------------------------------------------------------- Mono clients


@pytest.fixture(scope="module")
def reference_client() -> Path:
    require_mono()
    require_peer("mono reference client", REFERENCE_CLIENT.is_file(), f"{REFERENCE_CLIENT} not found")
    return REFERENCE_CLIENT


@pytest.mark.parametrize("formatter", ["soap", "binary"])
def test_reference_client_through_nginx(reference_client: Path, deployed: Deployment, formatter: str) -> None:
    before = deployed.access_log.count("\n")
    run = run_peer(["bash", str(reference_client), deployed.url, *(["--binary"] if formatter == "binary" else [])])
    assert "SETUP FAILED" not in run.stdout, run.describe()
    assert_reference_run_passed(run, f"reference Mono client ({formatter}) through nginx, 2 hosts x 2 workers")
    lines = deployed.access_log.splitlines()[before:]
    hosts = Tally(line.split()[-1] for line in lines)
    assert len(hosts) == 2 and min(hosts.values()) > 10, hosts  # both hosts served the run


@pytest.fixture(scope="module")
def test_client_run(deployed: Deployment) -> PeerRun:
    require_mono()
    binaries = mono_build.build()
    return run_peer(["mono", str(binaries.client_exe), deployed.url], cwd=binaries.bin_dir)


@pytest.mark.parametrize("check", CLIENT_CHECKS)
def test_our_mono_client_through_nginx(test_client_run: PeerRun, check: str) -> None:
    test_client_run.require_pass(check, "Mono TestClient through nginx")


# -------------------------------------------------------------------------------- addresses


def test_wsdl_and_objrefs_name_nginx(deployed: Deployment) -> None:
    base = deployed.url.rstrip("/")
    for _ in range(6):  # whichever worker answers
        wsdl = httpx.get(f"{base}/SayHello.soap?wsdl", timeout=10)
        assert wsdl.status_code == 200
        (address,) = etree.fromstring(wsdl.content).xpath("wsdl:service/wsdl:port/soap:address/@location",
                                                          namespaces=WSDL_NS)
        assert address == f"{base}/SayHello.soap"
    with RemotingClient(timeout=10) as client:
        counter = client.create_instance(ClientActivatedObject, deployed.url, "addressed")
        ref = proxy_objref(counter)
        assert ref is not None and ref.channel_urls == [base]
        lease_ref = proxy_objref(client.get_lifetime_service(counter))
        assert lease_ref is not None and lease_ref.channel_urls == [base]
        assert lease_ref.uri.split("/")[0] == ref.uri.split("/")[0]  # the lease lives with its object


# -------------------------------------------------------------------------------- Python clients


def fresh(timeout: float = 10) -> RemotingClient:
    http = httpx.Client(timeout=timeout, limits=httpx.Limits(max_keepalive_connections=0))
    return RemotingClient(timeout=timeout, http_client=http)


def test_sync_client_activated_objects_over_fresh_connections(deployed: Deployment) -> None:
    with fresh() as client:
        counters = [client.create_instance(ClientActivatedObject, deployed.url, f"c{i}") for i in range(6)]
        owners = {proxy_objref(c).uri.split("/")[0] for c in counters}  # type: ignore[union-attr]
        assert len(owners) >= 2, owners  # activation itself was spread over workers
        for _ in range(5):
            for c in counters:
                c.Increment()
        assert [c.Increment() for c in counters] == [6] * 6
        assert [c.GetName() for c in counters] == [f"c{i}" for i in range(6)]
        lease = client.get_lifetime_service(counters[0])
        assert lease.InitialLeaseTime == dt.timedelta(seconds=5)
        assert lease.Renew(dt.timedelta(seconds=60)) > dt.timedelta(seconds=50)
        singleton = client.get_object(IRemoteService, deployed.url + "SingletonService.rem")
        first = singleton.Increment()
        assert [singleton.Increment() for _ in range(10)] == list(range(first + 1, first + 11))


@pytest.mark.anyio
async def test_async_client_activated_objects(deployed: Deployment) -> None:
    async with AsyncRemotingClient(timeout=10) as client:
        counters = await asyncio.gather(*(client.create_instance(ClientActivatedObject, deployed.url, f"a{i}")
                                          for i in range(8)))
        for _ in range(4):
            await asyncio.gather(*(c.Increment() for c in counters))
        assert await asyncio.gather(*(c.Increment() for c in counters)) == [5] * 8
        lease = await client.get_lifetime_service(counters[3])
        assert await lease.RenewOnCallTime == dt.timedelta(seconds=2)


def test_objects_returned_by_reference_and_passed_back(deployed: Deployment) -> None:
    with fresh() as client:
        factory = client.get_object(IFactory, deployed.url + "FactoryService.rem")
        made = factory.CreateCounter("made")
        assert made.Increment() == 1 and made.Increment() == 2
        assert factory.Describe(made) == "made=2|local"
        assert made.Increment() == 3
        assert factory.Describe(made) == "made=3|local"
        for i in range(6):  # activated by any worker: the factory's owner gets its own object or a proxy to it
            counter = client.create_instance(ClientActivatedObject, deployed.url, f"act{i}")
            counter.Increment()
            assert factory.Describe(counter) in (f"act{i}=1|local", f"act{i}=?|remote")
            assert counter.Increment() == 2


def test_large_bodies_forwarded_in_both_formatters(deployed: Deployment) -> None:
    text = "0123456789<&>é" * 150_000  # 2.1 M characters
    for formatter in ("soap", "binary"):
        with RemotingClient(timeout=30, formatter=formatter) as client:
            owned = client.create_instance(Durable, deployed.url, "big")
            for _ in range(4):  # through whichever worker nginx picks: owner or not
                assert owned.Echo(text) == text


def expired(lease: ILease) -> bool:
    """Whether ``lease`` (a proxy) has run out, asked without calling its object (which would renew it)."""
    try:
        return lease.CurrentState is not LeaseState.Active
    except RemotingError:  # the lease went with its object
        return True


class ClientSponsor(MarshalByRefObject):
    """A sponsor in this process (served by the client's listener), renewing for 1 s each time."""

    def __init__(self) -> None:
        self.calls = 0

    def Renewal(self, lease: object) -> dt.timedelta:
        self.calls += 1
        return dt.timedelta(seconds=1)


def test_sponsor_in_the_client_is_called_back_by_the_owner(deployed: Deployment) -> None:
    sponsor = ClientSponsor()
    with RemotingClient(timeout=10, listen=True) as client:
        sponsored = client.create_instance(Sponsored, deployed.url, "kept")
        plain = client.create_instance(Ephemeral, deployed.url, "dropped")
        assert sponsored.Increment() == 1 and plain.Increment() == 1
        client.get_lifetime_service(sponsored).Register(sponsor)
        plain_lease = client.get_lifetime_service(plain)
        # idle: 1 s leases, the lease managers poll every second
        wait_until(lambda: sponsor.calls >= 2, "the owner asked the sponsor twice")
        wait_until(lambda: expired(plain_lease), "the plain object's lease ran out")
        assert sponsored.Increment() == 2  # kept alive by the sponsor alone
        with pytest.raises(RemotingError, match="No receiver for uri"):
            plain.Increment()  # expired once, in its owner


@pytest.mark.anyio
async def test_expiry_seen_from_every_worker(deployed: Deployment) -> None:
    async with AsyncRemotingClient(timeout=10) as client:
        doomed = await client.create_instance(Ephemeral, deployed.url, "doomed")
        assert await doomed.Increment() == 1
        lease = await client.get_lifetime_service(doomed)
        for _ in range(600):  # its lease is asked, not the object (a call would renew it); 60 s at most
            try:
                if await lease.CurrentState is not LeaseState.Active:
                    break
            except RemotingError:  # the lease went with its object
                break
            await asyncio.sleep(0.1)
        for _ in range(6):  # every worker answers the same: it is gone
            with pytest.raises(RemotingError, match="No receiver for uri"):
                await doomed.Increment()


def test_icounter_proxy_from_any_host(deployed: Deployment) -> None:
    """The same object through each host's own port (not through nginx): forwarded when needed."""
    with fresh() as client:
        counter = client.create_instance(ClientActivatedObject, deployed.url, "direct")
        ref = proxy_objref(counter)
        assert ref is not None
        results = [client.get_object(ICounter, host + ref.uri).Increment() for host in deployed.hosts * 3]
        assert results == list(range(1, 7))
