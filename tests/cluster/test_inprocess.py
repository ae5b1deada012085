"""Two workers of one deployment in one process (a shared embedded store, or a real Redis), real HTTP between
everything.

The client talks to each worker directly, as a load balancer without sticky sessions would send it: the
objects a worker owns are forwarded to it, Singletons are one instance, and a worker that disappears
leaves clean faults and a Singleton taken over.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from gateway import AsyncRemotingClient, LifetimeSettings, RemotingApp, RemotingError, proxy_objref
from gateway.store import EmbeddedStore, RedisStore

from ..support.redis import RedisServer
from .objects import Durable as Counter
from .workers import LIFETIME, Factory, Hello, Ledger, Tally, Worker, deployment

pytestmark = pytest.mark.anyio

PREFIXES = itertools.count()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def store_factory(kind: str, request: pytest.FixtureRequest) -> Callable[[], EmbeddedStore | RedisStore]:
    """The store of each worker: one shared embedded store, or a real redis-server (a Redis client each)."""
    if kind == "embedded":
        store = EmbeddedStore(shared=True)
        return lambda: store
    redis: RedisServer = request.getfixturevalue("redis")
    prefix = f"inprocess-{next(PREFIXES)}"
    return lambda: RedisStore(redis.url, prefix=prefix)


@pytest.fixture(params=["embedded", "redis"])
async def workers(request: pytest.FixtureRequest) -> AsyncIterator[list[Worker]]:
    """Two workers sharing the embedded store, or a real redis-server."""
    async with deployment(store_factory(request.param, request)) as found:
        yield found


@pytest.fixture
async def client() -> AsyncIterator[AsyncRemotingClient]:
    async with AsyncRemotingClient(timeout=10) as c:
        yield c


async def test_client_activated_object_reached_through_either_worker(
    workers: list[Worker], client: AsyncRemotingClient
) -> None:
    a, b = workers
    counter = await client.create_instance(Counter, a.url, "alpha")
    ref = proxy_objref(counter)
    assert ref is not None and ref.uri.startswith(a.app.identities.app_guid + "/")
    via_b = client.get_object(Counter, b.url + ref.uri)
    results = []
    for i in range(10):
        target = counter if i % 2 == 0 else via_b
        results.append(await target.Increment())
    assert results == list(range(1, 11))
    assert await via_b.GetName() == "alpha"
    assert b.app.identities.lookup(ref.uri) is None  # it never left worker a


async def test_singleton_is_one_instance(workers: list[Worker], client: AsyncRemotingClient) -> None:
    a, b = workers
    tallies = [client.get_object(Tally, w.url + "Tally.rem") for w in (a, b)]
    counts = [await tallies[i % 2].Next() for i in range(8)]
    assert counts == list(range(1, 9))
    owners = [w for w in workers if w.app.identities.lookup("Tally.rem").instance is not None]  # type: ignore[union-attr]
    assert len(owners) == 1


async def test_singlecall_never_forwarded(workers: list[Worker], client: AsyncRemotingClient) -> None:
    for w in workers:
        assert await client.get_object(Hello, w.url + "Hello.rem").Hi("x") == "Hi x"


@pytest.mark.parametrize("kind", ["embedded", "redis"])
async def test_large_bodies_forwarded_both_formatters(kind: str, request: pytest.FixtureRequest) -> None:
    # Both workers and the client share this test's event loop, and a 3 MB message holds it for a while: on a
    # loaded machine long enough to miss the 0.5 s registration TTL of the other tests, after which worker b
    # takes worker a for gone ("No receiver for uri"). A 30 s TTL keeps this test about bodies, not liveness.
    lifetime = LifetimeSettings(lease_manager_poll_time=dt.timedelta(seconds=30))
    async with deployment(store_factory(kind, request), lifetime=lifetime) as (a, b):
        for formatter in ("soap", "binary"):
            async with AsyncRemotingClient(timeout=60, formatter=formatter) as c:
                counter = await c.create_instance(Counter, a.url, "big")
                ref = proxy_objref(counter)
                assert ref is not None
                text = "x" * 3_000_000 + "é<&>"
                assert await c.get_object(Counter, b.url + ref.uri).Echo(text) == text


async def test_dead_owner_gives_no_receiver_at_once(workers: list[Worker], client: AsyncRemotingClient) -> None:
    a, b = workers
    counter = await client.create_instance(Counter, a.url, "doomed")
    ref = proxy_objref(counter)
    assert ref is not None
    await a.crash()
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(RemotingError, match="No receiver for uri"):
        await client.get_object(Counter, b.url + ref.uri).Increment()
    assert loop.time() - started < 1.0


async def test_singleton_taken_over_when_owner_dies(workers: list[Worker], client: AsyncRemotingClient) -> None:
    a, b = workers
    tally_a = client.get_object(Tally, a.url + "Tally.rem")
    assert await tally_a.Next() == 1  # a owns it now
    ledger = client.get_object(Ledger, a.url + "Ledger.rem")
    assert await ledger.Add("one") == 1
    assert await ledger.Add("two") == 2
    await a.crash()
    tally_b = client.get_object(Tally, b.url + "Tally.rem")
    assert await tally_b.Next() == 1  # taken over: its state was not persistent
    ledger_b = client.get_object(Ledger, b.url + "Ledger.rem")
    assert await ledger_b.Add("three") == 3  # persistent: restored
    assert await ledger_b.Items() == ["one", "two", "three"]


async def test_clean_stop_hands_singleton_over(workers: list[Worker], client: AsyncRemotingClient) -> None:
    a, b = workers
    assert await client.get_object(Ledger, a.url + "Ledger.rem").Add("x") == 1
    await a.stop()
    assert await client.get_object(Ledger, b.url + "Ledger.rem").Add("y") == 2


async def test_factory_objects_passed_back(workers: list[Worker], client: AsyncRemotingClient) -> None:
    a, b = workers
    factory_a = client.get_object(Factory, a.url + "Factory.rem")
    factory_b = client.get_object(Factory, b.url + "Factory.rem")
    counter = await factory_b.Create("made")
    assert await counter.Increment() == 1
    assert await factory_a.Describe(counter) == "made=2"


async def test_lease_through_another_worker(workers: list[Worker], client: AsyncRemotingClient) -> None:
    a, b = workers
    counter = await client.create_instance(Counter, a.url, "leased")
    ref = proxy_objref(counter)
    assert ref is not None
    via_b = client.get_object(Counter, b.url + ref.uri)
    lease = await client.get_lifetime_service(via_b)
    assert (await lease.InitialLeaseTime).total_seconds() == 60
    assert (await lease.Renew(dt.timedelta(seconds=30))).total_seconds() > 20
    # the owner's lease index in the store has the object (written before the next sweep, every 0.5 s;
    # polled for up to 30 s, a bound for a loaded machine)
    store, owner = a.app.store, a.app.identities.app_guid
    for _ in range(600):
        if await store.lease_count(owner) >= 1:
            break
        await asyncio.sleep(0.05)
    assert await store.lease_count(owner) >= 1
    assert await store.lease_count(b.app.identities.app_guid) == 0


async def test_internal_listener_refuses_strangers(workers: list[Worker]) -> None:
    node = workers[0].app.cluster
    assert node is not None and node.record is not None
    async with httpx.AsyncClient() as http:
        r = await http.post(node.record.address + "/Hello.rem", content=b"x")
    assert r.status_code == 403


async def test_object_of_one_worker_passed_to_an_object_of_another(
    workers: list[Worker], client: AsyncRemotingClient
) -> None:
    a, b = workers
    factory = client.get_object(Factory, b.url + "Factory.rem")
    assert await factory.Describe(None) == "<null>"  # b owns the factory now
    counter = await client.create_instance(Counter, a.url, "from-a")
    assert await counter.Increment() == 1
    # the reference arrives at b (type filter Low) as a proxy to a's object, not as a refusal
    assert await client.get_object(Factory, a.url + "Factory.rem").Describe(counter) == "from-a=2"
    assert await counter.Increment() == 3
    # an async method awaits the proxy's calls on the event loop
    assert await client.get_object(Factory, a.url + "Factory.rem").DescribeAsync(counter) == "from-a=4"
    assert await counter.Increment() == 5


async def owned_by_a(workers: list[Worker], client: AsyncRemotingClient) -> str:
    counter = await client.create_instance(Counter, workers[0].url, "owned")
    ref = proxy_objref(counter)
    assert ref is not None
    return ref.uri


async def test_every_method_is_forwarded_as_the_owner_answers(
    workers: list[Worker], client: AsyncRemotingClient
) -> None:
    a, b = workers
    uri = await owned_by_a(workers, client)
    async with httpx.AsyncClient(timeout=10) as http:
        for method, query in (("GET", "?wsdl"), ("HEAD", "?wsdl"), ("PUT", ""), ("GET", "?wsdl=remoting")):
            direct = await http.request(method, a.url + uri + query)
            forwarded = await http.request(method, b.url + uri + query)
            assert forwarded.status_code == direct.status_code, (method, query)
            assert forwarded.content == direct.content, (method, query)
            for header in ("content-type", "content-length", "allow"):
                assert forwarded.headers.get(header) == direct.headers.get(header), (method, header)


async def test_a_streamed_request_body_is_forwarded(workers: list[Worker], client: AsyncRemotingClient) -> None:
    a, b = workers
    uri = await owned_by_a(workers, client)
    async with AsyncRemotingClient(timeout=10) as capture:  # the bytes a real call sends
        sent: list[bytes] = []

        class Keep:
            def process_request(self, call: object) -> None:
                sent.append(call.body)  # type: ignore[attr-defined]

            def process_response(self, call: object, response: object) -> None:
                return None

        capture._core.sinks.append(Keep())  # type: ignore[attr-defined]
        await capture.get_object(Counter, a.url + uri).Echo("chunked " * 10_000)
    body = sent[0]

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(body), 1000):
            yield body[i:i + 1000]

    async with httpx.AsyncClient(timeout=10) as http:
        r = await http.post(b.url + uri, content=chunks(), headers={"content-type": "text/xml; charset=utf-8",
                                                                     "soapaction": '"x#Echo"'})
    assert r.status_code == 200 and r.content.count(b"chunked ") == 10_000
    assert "transfer-encoding" not in r.request.headers or r.request.headers["transfer-encoding"] == "chunked"


async def test_an_unknown_worker_is_no_receiver_at_once(workers: list[Worker], client: AsyncRemotingClient) -> None:
    ghost = "00000000-0000-4000-8000-000000000000/" + "ab" * 16 + ".rem"
    with pytest.raises(RemotingError, match="No receiver for uri /" + ghost):
        await client.get_object(Counter, workers[1].url + ghost).Increment()


async def test_internal_listener_refuses_a_malformed_route(workers: list[Worker]) -> None:
    node = workers[0].app.cluster
    assert node is not None and node.record is not None and node.deployment is not None
    async with httpx.AsyncClient() as http:
        r = await http.post(node.record.address + "/Hello.rem", content=b"x",
                            headers={"x-gateway-secret": node.deployment.secret, "x-gateway-forwarded": "{nope"})
        wrong = await http.post(node.record.address + "/Hello.rem", content=b"x",
                                headers={"x-gateway-secret": "guess", "x-gateway-forwarded": "{}"})
    assert r.status_code == 400 and wrong.status_code == 403


async def test_forwarding_headers_from_callers_mean_nothing(
    workers: list[Worker], client: AsyncRemotingClient
) -> None:
    """x-gateway-* headers a caller sends to the public port are neither trusted nor passed on."""
    uri = await owned_by_a(workers, client)

    class Forge:
        def process_request(self, call: object) -> None:
            forged = '{"client":null,"server":null,"scheme":"http","root_path":"","hops":9}'
            call.headers["x-gateway-forwarded"] = forged  # type: ignore[attr-defined]
            call.headers["x-gateway-secret"] = "forged"  # type: ignore[attr-defined]

        def process_response(self, call: object, response: object) -> None:
            return None

    async with AsyncRemotingClient(timeout=10, sinks=[Forge()]) as forging:
        counter = forging.get_object(Counter, workers[1].url + uri)
        assert await counter.Increment() == 1  # still forwarded to its owner (a forged hop count is ignored)
        assert await counter.Increment() == 2


async def test_a_clients_own_object_is_not_taken_for_a_workers(workers: list[Worker]) -> None:
    """A client's callback listener names its objects like a worker does (<id>/<token>.rem): they stay
    foreign objects (refused under type filter Low), not proxies routed into the deployment."""
    async with AsyncRemotingClient(timeout=10, listen=True) as listening:
        factory = listening.get_object(Factory, workers[1].url + "Factory.rem")
        with pytest.raises(RemotingError, match="type filter level is Low"):
            await factory.Describe(Counter("the client's"))


async def test_a_tcp_channel_in_a_deployment_is_said_to_stay_outside_it(caplog: pytest.LogCaptureFixture) -> None:
    app = RemotingApp(store=EmbeddedStore(shared=True), lifetime=LIFETIME, tcp_port=0)
    worker = await Worker("tcp", app).start()
    try:
        assert app.tcp is not None
        warned = [r.getMessage() for r in caplog.records if r.name == "gateway.cluster"]
        assert any(f"the TCP channel at {app.tcp.url} takes no part in the deployment" in m for m in warned), warned
    finally:
        await worker.stop()
