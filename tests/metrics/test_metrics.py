"""What ``/metrics`` shows after known calls, in-process (``httpx.ASGITransport``) with the async client.

Every value is checked against what the test did: calls by URI, method, formatter and outcome; faults by
kind; duration and size histograms (sizes to the byte, as the client sent and received them); live objects
by kind; lease expirations and sponsor answers (with a manual clock, no sleeping); the worker pool's load.
Hostile callers inventing URIs, methods and content types create no new series.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client import REGISTRY, Counter

from examples.secured import make_app as make_secured_app
from gateway import (
    AsyncRemotingClient,
    ClientCall,
    ClientResponse,
    HttpAuthenticationSink,
    LifetimeSettings,
    RemotingApp,
    RemotingError,
    StaticUsers,
    WellKnownObjectMode,
)
from gateway.config import ConfigError, build_app, load_config
from gateway.model.workers import PoolLoad, WorkerPool
from gateway.server.identity import InstanceEntry

from ..support.probe import IProbe, Probe, ProbeCounter, ProbeRefused, make_app
from .scrape import Scrape

BASE = "http://testserver"
PROBE_NS = "http://schemas.microsoft.com/clr/nsassem/MetricsProbe.IProbe/MetricsProbe"
SOAP = {"content-type": "text/xml; charset=utf-8", "soapaction": f'"{PROBE_NS}#Hello"'}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class SizeRecorder:
    """A client sink noting the size of every request body sent and response body received."""

    def __init__(self) -> None:
        self.sent: list[int] = []
        self.received: list[int] = []

    def process_request(self, call: ClientCall) -> None:
        self.sent.append(len(call.body))

    def process_response(self, call: ClientCall, response: ClientResponse) -> None:
        self.received.append(len(response.body))


def call_body(method: str, params: str = "", uri_ns: str = PROBE_NS) -> bytes:
    return (
        '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" '
        'SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><SOAP-ENV:Body>'
        f'<i2:{method} id="ref-1" xmlns:i2="{uri_ns}">{params}</i2:{method}></SOAP-ENV:Body></SOAP-ENV:Envelope>'
    ).encode()


async def scrape(http: httpx.AsyncClient, path: str = "/metrics") -> Scrape:
    r = await http.get(path)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=")
    return Scrape(r.text)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=make_app()), base_url=BASE) as c:
        yield c


def asgi_app(http: httpx.AsyncClient) -> RemotingApp:
    transport = http._transport
    assert isinstance(transport, httpx.ASGITransport) and isinstance(transport.app, RemotingApp)
    return transport.app


def remote_client(app: RemotingApp, sizes: SizeRecorder | None = None) -> AsyncRemotingClient:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
    return AsyncRemotingClient(http_client=http, sinks=[sizes] if sizes else [])


# ------------------------------------------------------------------ calls


@pytest.mark.anyio
async def test_calls_faults_durations_and_sizes_after_known_calls(http: httpx.AsyncClient) -> None:
    app = asgi_app(http)
    sizes = SizeRecorder()
    async with remote_client(app, sizes) as client:
        probe = client.get_object(IProbe, f"{BASE}/Probe.soap")
        for name in ("a", "bb", "ccc"):
            assert await probe.Hello(name) == "Hi there " + name
        hello_sent, hello_received = sum(sizes.sent), sum(sizes.received)
        with pytest.raises(RemotingError, match="error id"):
            await probe.Boom("x")
        with pytest.raises(ProbeRefused, match="not today"):
            await probe.Refuse()
        with pytest.raises(RemotingError, match="No method 'Nope'"):
            await client.get_object(None, f"{BASE}/Probe.soap").Nope()
    s = await scrape(http)

    def calls(method: str, outcome: str) -> float | None:
        return s.value("gateway_calls_total", uri="Probe.soap", method=method, formatter="soap", outcome=outcome)

    assert calls("Hello", "ok") == 3
    assert calls("Boom", "fault") == 1
    assert calls("Refuse", "fault") == 1
    assert calls("(unknown)", "fault") == 1  # the method name a caller sent is not a label
    assert s.value("gateway_faults_total", uri="Probe.soap", method="Boom", kind="internal") == 1
    assert s.value("gateway_faults_total", uri="Probe.soap", method="Refuse", kind="declared") == 1
    assert s.value("gateway_faults_total", uri="Probe.soap", method="(unknown)", kind="client") == 1
    assert s.value("gateway_faults_total", uri="Probe.soap", method="Hello", kind="client") is None
    hello = {"uri": "Probe.soap", "method": "Hello", "formatter": "soap"}
    assert s.value("gateway_call_duration_seconds_count", **hello) == 3
    assert 0 < (s.value("gateway_call_duration_seconds_sum", **hello) or 0) < 5
    assert s.value("gateway_call_duration_seconds_bucket", **hello, le="+Inf") == 3
    assert s.value("gateway_request_size_bytes_count", **hello) == 3
    assert s.value("gateway_request_size_bytes_sum", **hello) == hello_sent
    assert s.value("gateway_response_size_bytes_sum", **hello) == hello_received
    # cumulative buckets: 3 requests of a few hundred bytes are all under 4 KiB, none under 256 bytes
    assert s.value("gateway_request_size_bytes_bucket", **hello, le="256.0") == 0
    assert s.value("gateway_request_size_bytes_bucket", **hello, le="4096.0") == 3


@pytest.mark.anyio
async def test_pages_and_scrapes_are_not_calls(http: httpx.AsyncClient) -> None:
    for path in ("/", "/Probe.soap?wsdl", "/metrics"):
        assert (await http.get(path)).status_code == 200
    assert (await http.head("/metrics")).status_code == 200
    s = await scrape(http)
    assert s.series("gateway_calls_total") == []


@pytest.mark.anyio
async def test_hostile_names_create_no_new_series(http: httpx.AsyncClient) -> None:
    app = asgi_app(http)
    rounds = 40
    for i in range(rounds):
        await http.post(f"/Made{i}Up.rem", content=call_body("Hello"), headers=SOAP)
        await http.post(f"/{app.identities.app_guid}/{i:032x}.rem", content=call_body("Hello"), headers=SOAP)
        await http.post("/Probe.soap", content=call_body(f"Invented{i}"), headers=SOAP)
        await http.post("/Probe.soap", content=b"<x/>", headers={"content-type": f"application/x-evil-{i}"})
        await http.post(f"/no/such/{i}", content=b"\x00\x01garbage", headers=SOAP)
    s = await scrape(http)
    series = s.series("gateway_calls_total")
    assert s.total("gateway_calls_total") == 5 * rounds
    assert {(x["uri"], x["method"]) for x in series} == {("(unknown)", "(unknown)"), ("Probe.soap", "(unknown)")}
    assert len(series) <= 4
    assert len(s.series("gateway_call_duration_seconds_count")) <= 2
    assert all(f"Made{i}Up" not in s.text and f"Invented{i}" not in s.text for i in range(rounds))


@pytest.mark.anyio
async def test_client_activated_objects_go_by_type_and_are_counted_live() -> None:
    app = make_app()
    app.register_well_known(Probe, "Single.soap", WellKnownObjectMode.Singleton)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        async with remote_client(app) as client:
            counters = [await client.create_instance(ProbeCounter, BASE) for _ in range(5)]
            for counter in counters:
                assert await counter.Increment() == 1
            assert await client.get_object(IProbe, f"{BASE}/Single.soap").Hello("s") == "Hi there s"
            await client.get_lifetime_service(counters[0])  # publishes the lease object
            s = await scrape(http)
            instance = "(instance) MetricsProbe.ProbeCounter"
            assert s.value("gateway_calls_total", uri=instance, method="Increment", formatter="soap",
                           outcome="ok") == 5
            assert s.value("gateway_calls_total", uri="RemoteActivationService.rem", method="Activate",
                           formatter="soap", outcome="ok") == 5
            assert all(x["uri"] in (instance, "RemoteActivationService.rem", "Single.soap")
                       for x in s.series("gateway_calls_total"))
            live = {kind: s.value("gateway_live_objects", kind=kind)
                    for kind in ("client_activated", "singleton", "marshalled", "lease")}
            assert live == {"client_activated": 5, "singleton": 1, "marshalled": 0, "lease": 1}
            app.marshal(ProbeCounter())
            released = app.identities.lookup(counters[1].__remoting_objref__.uri)
            assert isinstance(released, InstanceEntry) and isinstance(released.obj, ProbeCounter)
            assert app.disconnect(released.obj)
            s = await scrape(http)
            assert s.value("gateway_live_objects", kind="client_activated") == 4
            assert s.value("gateway_live_objects", kind="marshalled") == 1
            assert s.value("gateway_leases_active") == 4 + 1 + 1  # CAOs, the marshalled one, the Singleton
        await app.leases.stop()


# ------------------------------------------------------------------ leases and workers


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class AnswerSponsor:
    def __init__(self, renewal: dt.timedelta | None) -> None:
        self.renewal = renewal

    async def Renewal(self, lease: object) -> dt.timedelta:
        if self.renewal is None:
            raise RuntimeError("sponsor is broken")
        return self.renewal


@pytest.mark.anyio
async def test_lease_expirations_and_sponsor_answers_are_counted() -> None:
    clock = ManualClock()
    app = make_app(lifetime=LifetimeSettings(clock=clock))
    sponsors = [AnswerSponsor(dt.timedelta(minutes=5)), AnswerSponsor(dt.timedelta(0)), AnswerSponsor(None), None]
    for sponsor in sponsors:
        obj = ProbeCounter()
        app.marshal(obj)
        lease = obj.GetLifetimeService()
        assert lease is not None
        if sponsor is not None:
            lease.Register(sponsor)
    assert app.leases.sweep() == 0
    clock.now += 600  # every lease is past its 5-minute deadline
    assert app.leases.sweep() == 4
    for _ in range(100):  # the sponsors answer on the loop
        if app.leases.expirations == 3:
            break
        await asyncio.sleep(0.01)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        s = await scrape(http)
    assert s.value("gateway_lease_expirations_total") == 3  # declined, failed, and the one without sponsor
    assert s.value("gateway_lease_sponsor_calls_total", result="renewed") == 1
    assert s.value("gateway_lease_sponsor_calls_total", result="declined") == 1
    assert s.value("gateway_lease_sponsor_calls_total", result="failed") == 1
    assert s.value("gateway_leases_active") == 1
    assert s.value("gateway_live_objects", kind="marshalled") == 1
    assert (s.value("gateway_lease_sweep_seconds") or 0) >= 0
    await app.leases.stop()


@pytest.mark.anyio
async def test_worker_pool_load_is_read_when_scraped(http: httpx.AsyncClient) -> None:
    pool = WorkerPool(max_workers=1, name="metrics-test")
    app = asgi_app(http)
    assert app.metrics is not None
    app.metrics.collector.workers = pool
    gate = threading.Event()
    first, second = pool.run(gate.wait, 5), pool.run(gate.wait, 5)
    try:
        for _ in range(200):
            if pool.load().busy == 1:
                break
            await asyncio.sleep(0.01)
        assert pool.load() == PoolLoad(threads=1, busy=1, queued=1)
        s = await scrape(http)
        assert (s.value("gateway_worker_threads"), s.value("gateway_worker_busy_threads"),
                s.value("gateway_worker_queue_depth")) == (1, 1, 1)
    finally:
        gate.set()
        await first
        await second
    assert pool.load() == PoolLoad(threads=1, busy=0, queued=0)
    pool.shutdown()


# ------------------------------------------------------------------ the scrape: where, who, how


@pytest.mark.anyio
async def test_metrics_are_behind_the_authentication_sink() -> None:
    app = make_secured_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        r = await http.get("/metrics")
        assert r.status_code == 401
        assert 'Basic realm="examples", charset="UTF-8"' in r.headers.get_list("www-authenticate")
        assert "gateway_" not in r.text
        assert (await http.get("/metrics", headers={"authorization": "Bearer wrong"})).status_code == 401
        r = await http.get("/metrics", headers={"authorization": "Bearer s3cr3t-token"})
        assert r.status_code == 200 and "gateway_live_objects" in r.text
        # the refused scrapes were not calls; a refused call is counted as refused
        await http.post("/SecureHello.soap", content=b"<x/>", headers={"content-type": "text/xml"})
        s = Scrape((await http.get("/metrics", headers={"authorization": "Bearer s3cr3t-token"})).text)
        assert s.value("gateway_calls_total", uri="SecureHello.soap", method="(unknown)", formatter="(unknown)",
                       outcome="refused") == 1


@pytest.mark.anyio
async def test_public_metadata_does_not_make_metrics_public() -> None:
    app = make_secured_app()
    app.sinks[1] = HttpAuthenticationSink(basic=StaticUsers({"ops": ("pw", [])}), public_metadata=True)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        assert (await http.get("/")).status_code == 200
        assert (await http.get("/SecureHello.soap?wsdl")).status_code == 200
        assert (await http.get("/metrics")).status_code == 401
        assert (await http.get("/metrics", auth=("ops", "pw"))).status_code == 200


@pytest.mark.anyio
async def test_metrics_can_be_turned_off_or_moved(monkeypatch: pytest.MonkeyPatch) -> None:
    off = make_app(metrics=False)
    assert off.metrics is None
    moved = make_app(metrics_path="/ops/metrics")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=off), base_url=BASE) as http:
        assert (await http.get("/metrics")).status_code == 404
        r = await http.post("/Probe.soap", content=call_body("Hello", "<name>x</name>"), headers=SOAP)
        assert r.status_code == 200 and "Hi there x" in r.text
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=moved), base_url=BASE) as http:
        assert (await http.get("/metrics")).status_code == 404
        await http.post("/Probe.soap", content=call_body("Hello", "<name>x</name>"), headers=SOAP)
        s = await scrape(http, "/ops/metrics")
        assert s.value("gateway_calls_total", uri="Probe.soap", method="Hello", formatter="soap", outcome="ok") == 1
        r = await http.post("/ops/metrics", content=b"")
        assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD"
    monkeypatch.setenv("GATEWAY_METRICS", "off")
    assert make_app().metrics is None
    assert make_app(metrics=True).metrics is not None
    monkeypatch.setenv("GATEWAY_METRICS", "maybe")
    with pytest.raises(ValueError, match="GATEWAY_METRICS"):
        make_app()


@pytest.mark.parametrize("path", ["metrics", "/", "/x.rem", "/ops/metrics.soap", "/m?x=1", "/healthz"])
def test_a_metrics_path_that_could_clash_is_refused(path: str) -> None:
    with pytest.raises(ValueError, match="metrics_path"):
        make_app(metrics_path=path)


@pytest.mark.anyio
async def test_openmetrics_when_asked(http: httpx.AsyncClient) -> None:
    r = await http.get("/metrics", headers={"accept": "application/openmetrics-text; version=1.0.0"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/openmetrics-text")
    assert r.text.rstrip().endswith("# EOF")


@pytest.mark.anyio
async def test_process_metrics_and_your_own_are_in_the_scrape(http: httpx.AsyncClient) -> None:
    mine = Counter("metrics_test_own_total", "a metric of the application's own", registry=None)
    REGISTRY.register(mine)
    try:
        mine.inc(7)
        s = await scrape(http)
        assert s.value("metrics_test_own_total") == 7
        assert s.value("process_cpu_seconds_total") is not None
    finally:
        REGISTRY.unregister(mine)


# ------------------------------------------------------------------ from a configuration file


@pytest.mark.anyio
async def test_metrics_settings_from_a_configuration_file(tmp_path: Path) -> None:
    path = tmp_path / "gateway.toml"
    path.write_text('metrics_path = "/ops/metrics"\n[[wellknown]]\ntype = "tests.support.probe:Probe"\n'
                    'uri = "Probe.soap"\nmode = "SingleCall"\n', encoding="utf-8")
    app = build_app(load_config(path, environ={}))
    assert app.metrics is not None
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        await http.post("/Probe.soap", content=call_body("Hello", "<name>x</name>"), headers=SOAP)
        s = await scrape(http, "/ops/metrics")
    assert s.value("gateway_calls_total", uri="Probe.soap", method="Hello", formatter="soap", outcome="ok") == 1
    config = load_config(path, environ={"GATEWAY_METRICS": "off"})
    assert not config.notes  # the variable is a configuration key, not a stray
    assert build_app(config).metrics is None
    path.write_text('metrics_path = "/Probe.soap"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        build_app(load_config(path, environ={}))
    assert any("metrics_path '/Probe.soap'" in error for error in info.value.errors), info.value.errors
