"""Client-activated objects, leases, sponsors and the lease manager, through the application.

Most tests run the app in-process (``httpx.ASGITransport``) with an :class:`gateway.AsyncRemotingClient`
and a :class:`~tests.support.clock.ManualClock`: time moves only when a test advances the clock, and the
test runs the lease manager's sweep itself (``app.leases.sweep()``, then ``await app.leases.drain()`` when
sponsors are asked), so nothing sleeps. Leases are 1 s initial, 0.5 s renew-on-call (clock time); the
SponsorshipTimeout is real time (``asyncio.wait_for``): 2 s, reached only by a sponsor that hangs, or 50 ms
for the tests about such sponsors.

Two tests run in real time so that the lease manager's own poll loop stays covered: one with the sync
client against a real uvicorn (``live_app``, served by ``live_server``), one in-process with 0.3 s leases.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import re
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from gateway import (
    AsyncRemotingClient,
    Lease,
    LeaseState,
    LifetimeSettings,
    MarshalByRefObject,
    RemotingApp,
    RemotingClient,
    RemotingError,
    WellKnownObjectMode,
)
from soap import clr_type

from ..support.clock import ManualClock
from ..support.server import live_server

BASE = "http://testserver/"
ASSEMBLY = "GatewayTests"
#: the poll of the real-time apps; a manual-clock app polls every hour (never, during a test): tests sweep
POLL = dt.timedelta(seconds=0.2)
NEVER = dt.timedelta(hours=1)
SECOND = dt.timedelta(seconds=1)
SPONSORSHIP = dt.timedelta(seconds=2)


def seconds(value: float) -> dt.timedelta:
    return dt.timedelta(seconds=value)


def short_lease(lease: Lease | None, initial: float = 1.0, renew: float = 0.5, sponsorship: float = 2.0) -> Lease:
    assert lease is not None
    lease.InitialLeaseTime = seconds(initial)
    lease.RenewOnCallTime = seconds(renew)
    lease.SponsorshipTimeout = seconds(sponsorship)
    return lease


@clr_type("GatewayTests.Lifetime.Counter", ASSEMBLY)
class Counter(MarshalByRefObject):
    """Client-activated, with a 1 s / 0.5 s / 2 s lease."""

    def __init__(self, name: str | None = None) -> None:
        self._name = name
        self._count = 0

    def InitializeLifetimeService(self) -> Lease | None:
        return short_lease(super().InitializeLifetimeService())

    def Increment(self) -> int:
        self._count += 1
        return self._count

    def GetName(self) -> str | None:
        return self._name


@clr_type("GatewayTests.Lifetime.LongCounter", ASSEMBLY)
class LongCounter(Counter):
    """Same, with a 30 s lease: for tests that are not about expiry."""

    def InitializeLifetimeService(self) -> Lease | None:
        return short_lease(MarshalByRefObject.InitializeLifetimeService(self), initial=30.0)


@clr_type("GatewayTests.Lifetime.HastyCounter", ASSEMBLY)
class HastyCounter(Counter):
    """Same, with a 50 ms SponsorshipTimeout: for the tests about sponsors that never answer in time."""

    def InitializeLifetimeService(self) -> Lease | None:
        return short_lease(MarshalByRefObject.InitializeLifetimeService(self), sponsorship=0.05)


@clr_type("GatewayTests.Lifetime.QuickCounter", ASSEMBLY)
class QuickCounter(Counter):
    """A 0.3 s / 0.2 s lease, for the real-time in-process test."""

    def InitializeLifetimeService(self) -> Lease | None:
        return short_lease(MarshalByRefObject.InitializeLifetimeService(self), initial=0.3, renew=0.2)


@clr_type("GatewayTests.Lifetime.ImmortalCounter", ASSEMBLY)
class ImmortalCounter(Counter):
    """No lease at all: never expires."""

    def InitializeLifetimeService(self) -> Lease | None:
        return None


@clr_type("GatewayTests.Lifetime.ZeroLeaseCounter", ASSEMBLY)
class ZeroLeaseCounter(Counter):
    """A lease whose InitialLeaseTime is zero: infinite."""

    def InitializeLifetimeService(self) -> Lease | None:
        return short_lease(MarshalByRefObject.InitializeLifetimeService(self), initial=0.0)


@clr_type("GatewayTests.Lifetime.SingletonCounter", ASSEMBLY)
class SingletonCounter(Counter):
    """Registered as a Singleton: one shared instance, with the short lease."""

    def __init__(self) -> None:
        super().__init__("singleton")


@clr_type("GatewayTests.Lifetime.NotActivatable", ASSEMBLY)
class NotActivatable(Counter):
    """A MarshalByRefObject never registered for client activation."""


@clr_type("GatewayTests.Lifetime.PlainDefaults", ASSEMBLY)
class PlainDefaults(MarshalByRefObject):
    """No InitializeLifetimeService override: its lease should come from the app's lifetime settings."""

    def Ping(self) -> str:
        return "pong"


def make_app(clock: ManualClock | None = None) -> RemotingApp:
    """The app under test: on ``clock`` (its poll loop never fires: tests sweep), or in real time."""
    if clock is None:
        lifetime = LifetimeSettings(lease_manager_poll_time=POLL)
    else:
        lifetime = LifetimeSettings(lease_manager_poll_time=NEVER, clock=clock)
    app = RemotingApp(lifetime=lifetime, sinks=[])
    app.register_activated(Counter)
    app.register_activated(LongCounter)
    app.register_activated(ImmortalCounter)
    app.register_activated(ZeroLeaseCounter)
    app.register_well_known(SingletonCounter, "Singleton.rem", WellKnownObjectMode.Singleton)
    return app


#: served by a real uvicorn in test_sync_client_over_uvicorn (real time)
live_app = make_app()


def run(app: RemotingApp, scenario: Callable[[AsyncRemotingClient], Awaitable[None]]) -> None:
    """Run ``scenario`` with an async client wired to ``app`` in-process."""

    async def main() -> None:
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
        async with AsyncRemotingClient(http_client=http) as client:
            try:
                await scenario(client)
            finally:
                await app.leases.stop()

    asyncio.run(main())


def assert_no_receiver(exc: BaseException) -> None:
    assert isinstance(exc, RemotingError), repr(exc)
    assert "No receiver for uri" in str(exc), str(exc)


def instance_targets(app: RemotingApp, cls: type) -> list[Any]:
    """The live published instances of ``cls`` (instance entries carry ``obj``; well-known ones do not)."""
    return [o for o in (getattr(e, "obj", None) for e in app.identities.entries()) if isinstance(o, cls)]


async def expire_due(app: RemotingApp) -> int:
    """One sweep of the lease manager, and the sponsorships it started; returns how many leases were due."""
    due = app.leases.sweep()
    await app.leases.drain()
    return due


# ------------------------------------------------------------------ client-activated objects


def test_cao_state_kept_and_instances_independent() -> None:
    app = make_app(ManualClock())

    async def scenario(client: AsyncRemotingClient) -> None:
        a = await client.create_instance(LongCounter, BASE, "alpha")
        b = await client.create_instance(LongCounter, BASE, "beta")
        assert (await a.GetName(), await b.GetName()) == ("alpha", "beta")
        assert [await a.Increment(), await a.Increment()] == [1, 2]
        assert [await b.Increment(), await a.Increment(), await b.Increment()] == [1, 3, 2]
        servers = instance_targets(app, LongCounter)
        assert sorted((s.GetName(), s._count) for s in servers) == [("alpha", 3), ("beta", 2)]

    run(app, scenario)


def test_cao_lease_through_the_lease_proxy() -> None:
    clock = ManualClock()
    app = make_app(clock)

    async def scenario(client: AsyncRemotingClient) -> None:
        cao = await client.create_instance(Counter, BASE, "leased")
        lease = await client.get_lifetime_service(cao)
        assert await lease.get_InitialLeaseTime() == SECOND
        assert await lease.get_RenewOnCallTime() == seconds(0.5)
        assert await lease.get_SponsorshipTimeout() == SPONSORSHIP
        assert await lease.get_CurrentState() is LeaseState.Active
        assert await lease.get_CurrentLeaseTime() == SECOND  # the clock has not moved
        clock.advance(0.25)
        assert await lease.get_CurrentLeaseTime() == seconds(0.75)
        assert await lease.Renew(seconds(5)) == seconds(5)
        assert await lease.get_CurrentLeaseTime() == seconds(5)
        clock.advance(1.75)  # well past the initial 1 s, idle: alive thanks to Renew
        assert app.leases.sweep() == 0
        assert await lease.get_CurrentLeaseTime() == seconds(3.25)
        assert await cao.Increment() == 1

    run(app, scenario)


def test_renew_on_call_keeps_object_alive_beyond_its_initial_lease() -> None:
    clock = ManualClock()
    app = make_app(clock)

    async def scenario(client: AsyncRemotingClient) -> None:
        kept = await client.create_instance(Counter, BASE, "kept")
        idle = await client.create_instance(Counter, BASE, "idle")
        expired = 0
        n = 0
        for _ in range(11):  # 2.2 s in 0.2 s steps: more than twice the initial lease
            n = await kept.Increment()
            clock.advance(0.2)
            expired += app.leases.sweep()
        assert expired == 1  # idle, once
        assert await kept.Increment() == n + 1
        with pytest.raises(RemotingError) as info:
            await idle.Increment()
        assert_no_receiver(info.value)

    run(app, scenario)


def test_expiry_disconnects_and_cleans_up() -> None:
    clock = ManualClock()
    app = make_app(clock)
    baseline = app.identities.instance_count()  # RemoteActivationService.rem

    async def scenario(client: AsyncRemotingClient) -> None:
        cao = await client.create_instance(Counter, BASE, "doomed")
        lease = await client.get_lifetime_service(cao)
        assert await cao.Increment() == 1
        assert app.identities.instance_count() == baseline + 2  # the object and its published lease
        assert len(app.leases) == 1
        server_obj = instance_targets(app, Counter)[0]
        server_lease = server_obj.GetLifetimeService()
        clock.advance(0.5)
        assert app.leases.sweep() == 0  # half-way: not due yet
        assert server_lease.CurrentState is LeaseState.Active
        clock.advance(0.5)
        assert app.leases.sweep() == 1  # its deadline: due, no sponsor, expired
        with pytest.raises(RemotingError) as info:
            await cao.Increment()
        assert_no_receiver(info.value)
        with pytest.raises(RemotingError) as info:
            await lease.get_CurrentLeaseTime()  # the lease went with its object
        assert_no_receiver(info.value)
        assert server_lease.CurrentState is LeaseState.Expired
        assert server_obj.GetLifetimeService() is None
        assert app.identities.instance_count() == baseline
        assert len(app.leases) == 0

    run(app, scenario)


def test_objects_without_lease_or_with_zero_lease_never_expire() -> None:
    clock = ManualClock()
    app = make_app(clock)

    async def scenario(client: AsyncRemotingClient) -> None:
        immortal = await client.create_instance(ImmortalCounter, BASE, "immortal")
        zero = await client.create_instance(ZeroLeaseCounter, BASE, "zero")
        assert len(app.leases) == 0  # neither is tracked by the lease manager
        with pytest.raises(RemotingError, match="no lease"):
            await client.get_lifetime_service(immortal)
        zero_lease = await client.get_lifetime_service(zero)
        assert await zero_lease.get_InitialLeaseTime() == dt.timedelta(0)
        clock.advance(10**6)
        assert app.leases.sweep() == 0
        assert await immortal.Increment() == 1
        assert await zero.Increment() == 1

    run(app, scenario)


# ------------------------------------------------------------------ sponsors (local, on the server)


class Sponsor:
    """Renews by ``renewal`` (sync); counts its calls."""

    def __init__(self, renewal: dt.timedelta = SECOND) -> None:
        self.renewal = renewal
        self.calls = 0
        self.answered = False

    def Renewal(self, lease: Lease) -> dt.timedelta:
        assert isinstance(lease, Lease)
        self.calls += 1
        self.answered = True
        return self.renewal


class AsyncSponsor(Sponsor):
    async def Renewal(self, lease: Lease) -> dt.timedelta:  # type: ignore[override]
        self.calls += 1
        await asyncio.sleep(0)
        self.answered = True
        return self.renewal


class FailingSponsor(Sponsor):
    def Renewal(self, lease: Lease) -> dt.timedelta:
        self.calls += 1
        raise RuntimeError("sponsor is broken")


class HangingSponsor(Sponsor):
    """Would renew generously, but answers only when the test releases it: long after the SponsorshipTimeout."""

    def __init__(self) -> None:
        super().__init__(seconds(30))
        self.release = threading.Event()

    def Renewal(self, lease: Lease) -> dt.timedelta:
        self.calls += 1
        self.release.wait(timeout=30)  # a worker thread, held until the test ends
        self.answered = True
        return self.renewal


class HangingAsyncSponsor(HangingSponsor):
    async def Renewal(self, lease: Lease) -> dt.timedelta:  # type: ignore[override]
        self.calls += 1
        await asyncio.sleep(3600)  # cancelled at the SponsorshipTimeout
        self.answered = True
        return self.renewal


def publish_with_sponsors(
    app: RemotingApp, *sponsors: object, cls: type[Counter] = Counter
) -> tuple[Counter, Lease, str]:
    obj = cls("sponsored")
    uri = app.marshal(obj)
    lease = obj.GetLifetimeService()
    assert lease is not None and lease.CurrentState is LeaseState.Active
    for sponsor in sponsors:
        lease.Register(sponsor)
    return obj, lease, uri


@pytest.mark.parametrize("sponsor_cls", [Sponsor, AsyncSponsor])
def test_local_sponsor_keeps_an_idle_object_alive(sponsor_cls: type[Sponsor]) -> None:
    clock = ManualClock()
    app = make_app(clock)
    sponsor = sponsor_cls(SECOND)

    async def scenario(client: AsyncRemotingClient) -> None:
        _obj, lease, uri = publish_with_sponsors(app, sponsor)
        proxy = client.get_object(Counter, BASE + uri)
        assert await proxy.GetName() == "sponsored"
        for asked in (1, 2, 3):  # idle: each time the lease runs out, only the sponsor renews it
            clock.advance(1.0)
            assert await expire_due(app) == 1
            assert sponsor.calls == asked
            assert lease.CurrentState is LeaseState.Active
            assert lease.CurrentLeaseTime == SECOND  # the sponsor's renewal, from now
        assert await proxy.Increment() == 1
        assert lease.sponsors() == [sponsor]

    run(app, scenario)


@pytest.mark.parametrize(
    "make_sponsor",
    [FailingSponsor, lambda: Sponsor(dt.timedelta(0)), HangingSponsor, HangingAsyncSponsor],
    ids=["raises", "zero", "too-slow-sync", "too-slow-async"],
)
def test_sponsor_that_fails_answers_zero_or_times_out_does_not_keep_object_alive(
    make_sponsor: Callable[[], Sponsor],
) -> None:
    clock = ManualClock()
    app = make_app(clock)
    sponsor = make_sponsor()

    async def scenario(client: AsyncRemotingClient) -> None:
        _obj, lease, uri = publish_with_sponsors(app, sponsor, cls=HastyCounter)  # 50 ms SponsorshipTimeout
        proxy = client.get_object(HastyCounter, BASE + uri)
        assert await proxy.Increment() == 1
        clock.advance(1.0)
        assert app.leases.sweep() == 1
        assert lease.CurrentState is LeaseState.Renewing
        started = time.monotonic()
        await app.leases.drain()
        assert time.monotonic() - started < 5, "expiry waited for the slow sponsor"
        assert lease.CurrentState is LeaseState.Expired
        assert sponsor.calls == 1
        if isinstance(sponsor, HangingSponsor):
            assert not sponsor.answered  # expired without waiting for its (generous) answer
        with pytest.raises(RemotingError) as info:
            await proxy.Increment()
        assert_no_receiver(info.value)

    try:
        run(app, scenario)
    finally:
        if isinstance(sponsor, HangingSponsor):
            sponsor.release.set()


def test_failing_sponsor_is_dropped_and_the_next_one_renews() -> None:
    clock = ManualClock()
    app = make_app(clock)
    bad, good = FailingSponsor(), Sponsor(SECOND)

    async def scenario(client: AsyncRemotingClient) -> None:
        _obj, lease, uri = publish_with_sponsors(app, bad, good)
        proxy = client.get_object(Counter, BASE + uri)
        assert await proxy.Increment() == 1
        clock.advance(1.0)
        assert await expire_due(app) == 1
        assert (bad.calls, good.calls) == (1, 1)
        assert lease.sponsors() == [good]
        assert lease.CurrentState is LeaseState.Active
        clock.advance(1.0)
        assert await expire_due(app) == 1
        assert (bad.calls, good.calls) == (1, 2)  # the failed one is not asked again
        assert await proxy.Increment() == 2

    run(app, scenario)


class GatedRefusingSponsor(Sponsor):
    """Declines, but only once the test lets it answer: the lease stays Renewing meanwhile."""

    def __init__(self) -> None:
        super().__init__(dt.timedelta(0))
        self.asked = asyncio.Event()
        self.release = asyncio.Event()

    async def Renewal(self, lease: Lease) -> dt.timedelta:  # type: ignore[override]
        self.calls += 1
        self.asked.set()
        await self.release.wait()
        self.answered = True
        return self.renewal


def test_call_while_sponsors_are_asked_renews_the_lease() -> None:
    clock = ManualClock()
    app = make_app(clock)

    async def scenario(client: AsyncRemotingClient) -> None:
        sponsor = GatedRefusingSponsor()
        _obj, lease, uri = publish_with_sponsors(app, sponsor)
        proxy = client.get_object(Counter, BASE + uri)
        assert await proxy.Increment() == 1
        clock.advance(1.0)
        assert app.leases.sweep() == 1
        assert lease.CurrentState is LeaseState.Renewing
        await asyncio.wait_for(sponsor.asked.wait(), 10)
        assert await proxy.Increment() == 2  # renews to RenewOnCallTime (0.5 s) from now
        assert lease.CurrentState is LeaseState.Active
        assert lease.CurrentLeaseTime == seconds(0.5)
        sponsor.release.set()
        await app.leases.drain()
        assert sponsor.calls == 1 and sponsor.answered  # it declined (no timeout) ...
        assert lease.sponsors() == []  # ... and was dropped
        assert lease.CurrentState is LeaseState.Active  # but the call's renewal stands
        assert await proxy.Increment() == 3
        clock.advance(0.5)
        assert app.leases.sweep() == 1  # no sponsor left: the next deadline expires it
        assert lease.CurrentState is LeaseState.Expired

    run(app, scenario)


# ------------------------------------------------------------------ Singleton, Marshal, Disconnect


def test_singleton_lease_expiry_recreates_the_instance() -> None:
    clock = ManualClock()
    app = make_app(clock)

    async def scenario(client: AsyncRemotingClient) -> None:
        single = client.get_object(SingletonCounter, BASE + "Singleton.rem")
        assert [await single.Increment(), await single.Increment()] == [1, 2]
        assert len(app.leases) == 1
        clock.advance(1.5)
        assert app.leases.sweep() == 1
        assert len(app.leases) == 0
        assert await single.Increment() == 1  # a new instance, its state reset
        assert await single.Increment() == 2
        assert len(app.leases) == 1

    run(app, scenario)


def test_marshal_then_disconnect() -> None:
    app = make_app(ManualClock())
    obj = LongCounter("published")
    assert app.marshal(obj, "/Published.rem") == "Published.rem"
    assert app.marshal(obj) == "Published.rem"  # already published: same URI
    with pytest.raises(ValueError):
        app.marshal(LongCounter("other"), "Published.rem")
    with pytest.raises(ValueError):
        app.marshal(obj, "Elsewhere.rem")

    async def scenario(client: AsyncRemotingClient) -> None:
        proxy = client.get_object(LongCounter, BASE + "Published.rem")
        assert await proxy.GetName() == "published"
        assert await proxy.Increment() == 1
        assert obj.Increment() == 2  # the very object the server published
        assert await proxy.Increment() == 3
        lease = obj.GetLifetimeService()
        assert lease is not None
        assert app.disconnect(obj) is True
        assert app.disconnect(obj) is False
        assert lease.CurrentState is LeaseState.Expired
        assert obj.GetLifetimeService() is None
        with pytest.raises(RemotingError) as info:
            await proxy.Increment()
        assert_no_receiver(info.value)
        assert len(app.leases) == 0
        # published again (a new lease), it answers again
        assert app.marshal(obj, "Published.rem") == "Published.rem"
        assert await proxy.Increment() == 4

    run(app, scenario)


def test_marshal_without_uri_gives_an_unguessable_one() -> None:
    app = make_app(ManualClock())
    uri = app.marshal(LongCounter("x"))
    assert re.fullmatch(rf"{re.escape(app.identities.app_guid)}/[0-9a-f]{{32}}\.rem", uri), uri


# ------------------------------------------------------------------ activation security


def test_cao_uris_are_unguessable() -> None:
    app = make_app(ManualClock())

    async def scenario(client: AsyncRemotingClient) -> None:
        for i in range(20):
            await client.create_instance(LongCounter, BASE, f"n{i}")

    run(app, scenario)
    uris = [e.uri for e in app.identities.entries() if isinstance(getattr(e, "obj", None), LongCounter)]
    assert len(uris) == 20
    randoms = []
    for uri in uris:
        m = re.fullmatch(r"([0-9a-f-]{36})/([0-9a-f]{32})\.rem", uri)
        assert m is not None, uri
        assert m.group(1) == app.identities.app_guid
        randoms.append(int(m.group(2), 16))
    assert len(set(randoms)) == 20
    ordered = sorted(randoms)
    # 128 random bits: neighbours are nowhere near each other (not a counter, not a timestamp)
    assert min(b - a for a, b in itertools.pairwise(ordered)) > 2**64
    assert max(randoms).bit_length() > 120


@pytest.mark.parametrize(
    ("cls", "type_name"),
    [
        (NotActivatable, None),
        (SingletonCounter, None),  # well-known, but not registered for client activation
        (Counter, "System.IO.FileInfo, mscorlib"),
        (Counter, "gateway.server.app.RemotingApp"),
    ],
    ids=["unregistered", "well-known-only", "clr-type", "python-type"],
)
def test_activation_of_unregistered_type_is_refused(cls: type, type_name: str | None) -> None:
    app = make_app(ManualClock())

    async def scenario(client: AsyncRemotingClient) -> None:
        with pytest.raises(RemotingError) as info:
            await client.create_instance(cls, BASE, type_name=type_name)
        message = str(info.value)
        assert "not registered for client activation" in message, message
        expected = (type_name or f"GatewayTests.Lifetime.{cls.__name__}").split(",")[0]
        assert expected in message, message

    run(app, scenario)
    assert instance_targets(app, Counter) == []


def test_app_lifetime_settings_are_the_lease_defaults() -> None:
    clock = ManualClock()
    lifetime = LifetimeSettings(seconds(1), seconds(0.5), seconds(0.3), POLL, clock)
    app = RemotingApp(lifetime=lifetime, sinks=[])
    obj = PlainDefaults()
    app.marshal(obj)
    lease = obj.GetLifetimeService()
    assert lease is not None
    assert (lease.InitialLeaseTime, lease.RenewOnCallTime, lease.SponsorshipTimeout) == (
        SECOND,
        seconds(0.5),
        seconds(0.3),
    )
    assert app.leases.clock is clock
    clock.advance(0.25)  # the lease reads the app's clock
    assert lease.CurrentLeaseTime == seconds(0.75)


# ------------------------------------------------------------------ real time: the lease manager's own poll loop


def test_sync_client_over_uvicorn() -> None:
    """The same object model through a real uvicorn (lifespan on: the lease manager starts at startup) and the
    real clock: the poll loop (0.2 s) expires the idle object and keeps the called and the renewed one."""
    with live_server("tests.gateway.test_lifetime:live_app") as base, RemotingClient(timeout=10.0) as client:
        a = client.create_instance(Counter, base, "a")
        b = client.create_instance(Counter, base, "b")
        assert (a.GetName(), b.GetName()) == ("a", "b")
        assert [a.Increment(), a.Increment(), b.Increment()] == [1, 2, 1]
        lease = client.get_lifetime_service(a)
        assert (lease.InitialLeaseTime, lease.RenewOnCallTime, lease.SponsorshipTimeout) == (
            SECOND,
            seconds(0.5),
            SPONSORSHIP,
        )
        assert lease.CurrentState is LeaseState.Active
        started = time.monotonic()
        while time.monotonic() - started < 1.6:  # a is called, b is idle past its 1 s lease and a poll
            a.Increment()
            time.sleep(0.2)
        with pytest.raises(RemotingError) as info:
            b.Increment()
        assert_no_receiver(info.value)
        assert lease.Renew(seconds(5)) > seconds(4)
        time.sleep(1.0)  # past a's 0.5 s renew-on-call lease and a poll: alive thanks to Renew
        assert a.GetName() == "a"


def test_real_poll_loop_expires_idle_objects_and_asks_sponsors() -> None:
    """In-process, real clock, 50 ms poll: the loop itself expires an idle object and asks a sponsor."""
    app = RemotingApp(lifetime=LifetimeSettings(lease_manager_poll_time=seconds(0.05)), sinks=[])
    app.register_activated(QuickCounter)
    sponsor = Sponsor(seconds(0.3))

    async def scenario(client: AsyncRemotingClient) -> None:
        idle = await client.create_instance(QuickCounter, BASE, "idle")
        [idle_obj] = instance_targets(app, QuickCounter)
        idle_lease = idle_obj.GetLifetimeService()
        assert idle_lease is not None
        _obj, lease, uri = publish_with_sponsors(app, sponsor, cls=QuickCounter)
        sponsored = client.get_object(QuickCounter, BASE + uri)
        assert await sponsored.Increment() == 1
        deadline = time.monotonic() + 10
        while idle_lease.CurrentState is not LeaseState.Expired or sponsor.calls < 2:
            assert time.monotonic() < deadline, (idle_lease.CurrentState, sponsor.calls)
            await asyncio.sleep(0.02)
        with pytest.raises(RemotingError) as info:
            await idle.Increment()
        assert_no_receiver(info.value)
        assert lease.CurrentState in (LeaseState.Active, LeaseState.Renewing)
        assert await sponsored.Increment() == 2
        assert lease.CurrentState is LeaseState.Active

    run(app, scenario)
