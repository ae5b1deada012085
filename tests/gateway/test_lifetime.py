"""Client-activated objects, leases, sponsors and the lease manager.

Most tests run the app in-process (``httpx.ASGITransport``; it runs no lifespan, but the lease manager starts
on the first POST) with an :class:`gateway.AsyncRemotingClient`; one runs the sync client against a real
uvicorn (``live_app`` below, served by ``live_server``). Leases are short so that expiry is observable:
1 s initial, 0.5 s renew-on-call, 0.3 s sponsorship timeout, the lease manager polling every 0.2 s.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import re
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
from gateway.server.lease_manager import LeaseManager
from soap import clr_type

from ..support.server import live_server

BASE = "http://testserver/"
ASSEMBLY = "GatewayTests"
POLL = dt.timedelta(seconds=0.2)
SECOND = dt.timedelta(seconds=1)


def seconds(value: float) -> dt.timedelta:
    return dt.timedelta(seconds=value)


def short_lease(lease: Lease | None, initial: float = 1.0, renew: float = 0.5, sponsorship: float = 0.3) -> Lease:
    assert lease is not None
    lease.InitialLeaseTime = seconds(initial)
    lease.RenewOnCallTime = seconds(renew)
    lease.SponsorshipTimeout = seconds(sponsorship)
    return lease


@clr_type("GatewayTests.Lifetime.Counter", ASSEMBLY)
class Counter(MarshalByRefObject):
    """Client-activated, with a 1 s / 0.5 s / 0.3 s lease."""

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


def make_app() -> RemotingApp:
    app = RemotingApp(lifetime=LifetimeSettings(lease_manager_poll_time=POLL), sinks=[])
    app.register_activated(Counter)
    app.register_activated(LongCounter)
    app.register_activated(ImmortalCounter)
    app.register_activated(ZeroLeaseCounter)
    app.register_well_known(SingletonCounter, "Singleton.rem", WellKnownObjectMode.Singleton)
    return app


#: served by a real uvicorn in test_sync_client_over_uvicorn
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


# ------------------------------------------------------------------ client-activated objects


def test_cao_state_kept_and_instances_independent() -> None:
    app = make_app()

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
    app = make_app()

    async def scenario(client: AsyncRemotingClient) -> None:
        cao = await client.create_instance(Counter, BASE, "leased")
        lease = await client.get_lifetime_service(cao)
        assert await lease.get_InitialLeaseTime() == SECOND
        assert await lease.get_RenewOnCallTime() == seconds(0.5)
        assert await lease.get_SponsorshipTimeout() == seconds(0.3)
        assert await lease.get_CurrentState() is LeaseState.Active
        assert seconds(0) < await lease.get_CurrentLeaseTime() <= SECOND
        assert await lease.Renew(seconds(5)) > seconds(4)
        assert await lease.get_CurrentLeaseTime() > seconds(4)
        await asyncio.sleep(1.8)  # well past the initial 1 s, idle: alive thanks to Renew
        assert await cao.Increment() == 1

    run(app, scenario)


def test_renew_on_call_keeps_object_alive_beyond_its_initial_lease() -> None:
    app = make_app()

    async def scenario(client: AsyncRemotingClient) -> None:
        kept = await client.create_instance(Counter, BASE, "kept")
        idle = await client.create_instance(Counter, BASE, "idle")
        started = time.monotonic()
        n = 0
        while time.monotonic() - started < 2.2:  # more than twice the initial lease
            n = await kept.Increment()
            await asyncio.sleep(0.2)
        assert await kept.Increment() == n + 1
        with pytest.raises(RemotingError) as info:
            await idle.Increment()
        assert_no_receiver(info.value)

    run(app, scenario)


def test_expiry_disconnects_and_cleans_up() -> None:
    app = make_app()
    baseline = app.identities.instance_count()  # RemoteActivationService.rem

    async def scenario(client: AsyncRemotingClient) -> None:
        cao = await client.create_instance(Counter, BASE, "doomed")
        lease = await client.get_lifetime_service(cao)
        assert await cao.Increment() == 1
        assert app.identities.instance_count() == baseline + 2  # the object and its published lease
        assert len(app.leases) == 1
        server_obj = instance_targets(app, Counter)[0]
        server_lease = server_obj.GetLifetimeService()
        await asyncio.sleep(1.8)
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
    app = make_app()

    async def scenario(client: AsyncRemotingClient) -> None:
        immortal = await client.create_instance(ImmortalCounter, BASE, "immortal")
        zero = await client.create_instance(ZeroLeaseCounter, BASE, "zero")
        assert len(app.leases) == 0  # neither is tracked by the lease manager
        with pytest.raises(RemotingError, match="no lease"):
            await client.get_lifetime_service(immortal)
        zero_lease = await client.get_lifetime_service(zero)
        assert await zero_lease.get_InitialLeaseTime() == dt.timedelta(0)
        await asyncio.sleep(1.5)
        assert await immortal.Increment() == 1
        assert await zero.Increment() == 1

    run(app, scenario)


def test_sync_client_over_uvicorn() -> None:
    """The same object model through a real uvicorn (lifespan on: the lease manager starts at startup)."""
    with live_server("tests.gateway.test_lifetime:live_app") as base, RemotingClient(timeout=10.0) as client:
        a = client.create_instance(Counter, base, "a")
        b = client.create_instance(Counter, base, "b")
        assert (a.GetName(), b.GetName()) == ("a", "b")
        assert [a.Increment(), a.Increment(), b.Increment()] == [1, 2, 1]
        lease = client.get_lifetime_service(a)
        assert (lease.InitialLeaseTime, lease.RenewOnCallTime, lease.SponsorshipTimeout) == (
            SECOND,
            seconds(0.5),
            seconds(0.3),
        )
        assert lease.CurrentState is LeaseState.Active
        started = time.monotonic()
        while time.monotonic() - started < 2.0:  # a is called, b is idle
            a.Increment()
            time.sleep(0.2)
        with pytest.raises(RemotingError) as info:
            b.Increment()
        assert_no_receiver(info.value)
        assert lease.Renew(seconds(5)) > seconds(4)
        time.sleep(1.5)
        assert a.GetName() == "a"


# ------------------------------------------------------------------ sponsors (local, on the server)


class Sponsor:
    """Renews by ``renewal`` (sync); counts its calls."""

    def __init__(self, renewal: dt.timedelta = SECOND) -> None:
        self.renewal = renewal
        self.calls = 0

    def Renewal(self, lease: Lease) -> dt.timedelta:
        assert isinstance(lease, Lease)
        self.calls += 1
        return self.renewal


class AsyncSponsor(Sponsor):
    async def Renewal(self, lease: Lease) -> dt.timedelta:  # type: ignore[override]
        self.calls += 1
        await asyncio.sleep(0)
        return self.renewal


class FailingSponsor(Sponsor):
    def Renewal(self, lease: Lease) -> dt.timedelta:
        self.calls += 1
        raise RuntimeError("sponsor is broken")


class SlowSponsor(Sponsor):
    """Answers a generous renewal, but only after the 0.3 s SponsorshipTimeout."""

    def Renewal(self, lease: Lease) -> dt.timedelta:
        self.calls += 1
        time.sleep(1.0)
        return seconds(30)


class SlowAsyncSponsor(Sponsor):
    async def Renewal(self, lease: Lease) -> dt.timedelta:  # type: ignore[override]
        self.calls += 1
        await asyncio.sleep(1.0)
        return seconds(30)


def publish_with_sponsors(app: RemotingApp, *sponsors: object) -> tuple[Counter, Lease, str]:
    obj = Counter("sponsored")
    uri = app.marshal(obj)
    lease = obj.GetLifetimeService()
    assert lease is not None and lease.CurrentState is LeaseState.Active
    for sponsor in sponsors:
        lease.Register(sponsor)
    return obj, lease, uri


@pytest.mark.parametrize("sponsor_cls", [Sponsor, AsyncSponsor])
def test_local_sponsor_keeps_an_idle_object_alive(sponsor_cls: type[Sponsor]) -> None:
    app = make_app()
    sponsor = sponsor_cls(SECOND)

    async def scenario(client: AsyncRemotingClient) -> None:
        _obj, lease, uri = publish_with_sponsors(app, sponsor)
        proxy = client.get_object(Counter, BASE + uri)  # the first POST starts the lease manager
        assert await proxy.GetName() == "sponsored"
        await asyncio.sleep(3.0)  # idle: only the sponsor renews
        assert sponsor.calls >= 2
        assert lease.CurrentState is LeaseState.Active
        assert await proxy.Increment() == 1
        assert lease.sponsors() == [sponsor]

    run(app, scenario)


@pytest.mark.parametrize(
    "sponsor",
    [FailingSponsor(), Sponsor(dt.timedelta(0)), SlowSponsor(), SlowAsyncSponsor()],
    ids=["raises", "zero", "too-slow-sync", "too-slow-async"],
)
def test_sponsor_that_fails_answers_zero_or_times_out_does_not_keep_object_alive(sponsor: Sponsor) -> None:
    app = make_app()

    async def scenario(client: AsyncRemotingClient) -> None:
        _obj, lease, uri = publish_with_sponsors(app, sponsor)
        proxy = client.get_object(Counter, BASE + uri)
        assert await proxy.Increment() == 1
        started = time.monotonic()
        # 1 s lease (renewed by the call to ~1 s) + 0.2 s poll + 0.3 s sponsorship timeout, with margin
        while lease.CurrentState is not LeaseState.Expired and time.monotonic() - started < 4.0:
            await asyncio.sleep(0.05)
        assert lease.CurrentState is LeaseState.Expired
        assert time.monotonic() - started < 2.5, "expiry waited for the slow sponsor"
        assert sponsor.calls == 1
        with pytest.raises(RemotingError) as info:
            await proxy.Increment()
        assert_no_receiver(info.value)

    run(app, scenario)


def test_failing_sponsor_is_dropped_and_the_next_one_renews() -> None:
    app = make_app()
    bad, good = FailingSponsor(), Sponsor(SECOND)

    async def scenario(client: AsyncRemotingClient) -> None:
        _obj, lease, uri = publish_with_sponsors(app, bad, good)
        proxy = client.get_object(Counter, BASE + uri)
        assert await proxy.Increment() == 1
        await asyncio.sleep(2.5)
        assert bad.calls == 1 and good.calls >= 1
        assert lease.sponsors() == [good]
        assert await proxy.Increment() == 2

    run(app, scenario)


class SlowRefusingSponsor(Sponsor):
    """Takes 0.25 s (within the 0.3 s SponsorshipTimeout), then declines."""

    async def Renewal(self, lease: Lease) -> dt.timedelta:  # type: ignore[override]
        self.calls += 1
        await asyncio.sleep(0.25)
        return dt.timedelta(0)


def test_call_while_sponsors_are_asked_renews_the_lease() -> None:
    app = make_app()
    sponsor = SlowRefusingSponsor()

    async def scenario(client: AsyncRemotingClient) -> None:
        _obj, lease, uri = publish_with_sponsors(app, sponsor)
        proxy = client.get_object(Counter, BASE + uri)
        assert await proxy.Increment() == 1
        deadline = time.monotonic() + 3
        while lease.CurrentState is not LeaseState.Renewing and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert lease.CurrentState is LeaseState.Renewing
        assert await proxy.Increment() == 2  # renews to RenewOnCallTime (0.5 s) from now
        await asyncio.sleep(0.35)  # the sponsor has declined by now
        assert sponsor.calls == 1
        assert await proxy.Increment() == 3

    run(app, scenario)


# ------------------------------------------------------------------ Singleton, Marshal, Disconnect


def test_singleton_lease_expiry_recreates_the_instance() -> None:
    app = make_app()

    async def scenario(client: AsyncRemotingClient) -> None:
        single = client.get_object(SingletonCounter, BASE + "Singleton.rem")
        assert [await single.Increment(), await single.Increment()] == [1, 2]
        assert len(app.leases) == 1
        await asyncio.sleep(1.8)
        assert len(app.leases) == 0
        assert await single.Increment() == 1  # a new instance, its state reset
        assert await single.Increment() == 2
        assert len(app.leases) == 1

    run(app, scenario)


def test_marshal_then_disconnect() -> None:
    app = make_app()
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
    app = make_app()
    uri = app.marshal(LongCounter("x"))
    assert re.fullmatch(rf"{re.escape(app.identities.app_guid)}/[0-9a-f]{{32}}\.rem", uri), uri


# ------------------------------------------------------------------ activation security


def test_cao_uris_are_unguessable() -> None:
    app = make_app()

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
    app = make_app()

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
    app = RemotingApp(lifetime=LifetimeSettings(seconds(1), seconds(0.5), seconds(0.3), POLL), sinks=[])
    obj = PlainDefaults()
    app.marshal(obj)
    lease = obj.GetLifetimeService()
    assert lease is not None
    assert (lease.InitialLeaseTime, lease.RenewOnCallTime, lease.SponsorshipTimeout) == (
        SECOND,
        seconds(0.5),
        seconds(0.3),
    )


# ------------------------------------------------------------------ Lease itself


def activated(initial: float, renew: float = 0.5, sponsorship: float = 0.3) -> Lease:
    lease = Lease(LifetimeSettings(seconds(initial), seconds(renew), seconds(sponsorship)))
    lease.activate()
    return lease


def test_lease_defaults_and_initial_state() -> None:
    lease = Lease()
    assert (lease.InitialLeaseTime, lease.RenewOnCallTime, lease.SponsorshipTimeout) == (
        dt.timedelta(minutes=5),
        dt.timedelta(minutes=2),
        dt.timedelta(minutes=2),
    )
    assert lease.CurrentState is LeaseState.Initial
    assert lease.CurrentLeaseTime == dt.timedelta(minutes=5)
    assert lease.expires_at is None


@pytest.mark.parametrize("prop", ["InitialLeaseTime", "RenewOnCallTime", "SponsorshipTimeout"])
def test_lease_properties_are_settable_only_while_initial(prop: str) -> None:
    lease = Lease()
    setattr(lease, prop, seconds(7))
    assert getattr(lease, prop) == seconds(7)
    lease.activate()
    assert lease.CurrentState is LeaseState.Active
    with pytest.raises(RuntimeError, match=prop):
        setattr(lease, prop, seconds(9))
    assert getattr(lease, prop) == seconds(7)
    lease.expire()
    with pytest.raises(RuntimeError):
        setattr(lease, prop, seconds(9))


def test_zero_initial_lease_time_is_infinite() -> None:
    lease = Lease(LifetimeSettings(dt.timedelta(0)))
    assert lease.is_infinite
    expired: list[Lease] = []
    manager = LeaseManager(POLL, expired.append)
    manager.track(lease)
    assert lease.CurrentState is LeaseState.Active
    assert lease.expires_at is None
    assert len(manager) == 0
    assert manager.sweep(now=time.monotonic() + 10**9) == 0
    assert expired == []
    lease.renew_on_call()  # nothing to extend
    assert lease.expires_at is None


def test_renew_extends_and_never_shortens() -> None:
    lease = activated(1.0)
    assert lease.Renew(seconds(10)) > seconds(9.5)
    assert lease.CurrentLeaseTime > seconds(9.5)
    assert lease.Renew(seconds(1)) > seconds(9.5)  # asks for less than remains: unchanged
    assert lease.CurrentState is LeaseState.Active


def test_renew_does_nothing_before_activation_or_after_expiry() -> None:
    lease = Lease(LifetimeSettings(seconds(1)))
    assert lease.Renew(seconds(10)) == seconds(1)  # Initial: the clock has not started
    assert lease.expires_at is None
    lease.activate()
    lease.expire()
    assert lease.Renew(seconds(10)) == dt.timedelta(0)
    assert lease.CurrentState is LeaseState.Expired


def test_renew_on_call_extends_only_when_less_than_renew_on_call_time_remains() -> None:
    plenty = activated(10.0, renew=2.0)
    before = plenty.expires_at
    plenty.renew_on_call()
    assert plenty.expires_at == before  # 10 s left > 2 s: untouched

    short = activated(1.0, renew=5.0)
    short.renew_on_call()
    assert seconds(4.5) < short.CurrentLeaseTime <= seconds(5)

    initial = Lease(LifetimeSettings(seconds(1), seconds(5)))
    initial.renew_on_call()  # not activated: no deadline to extend
    assert initial.expires_at is None and initial.CurrentState is LeaseState.Initial


def test_register_unregister_and_expire() -> None:
    lease = activated(1.0)
    a, b = Sponsor(), Sponsor()
    lease.Register(a)
    lease.Register(b)
    assert lease.sponsors() == [a, b]
    lease.Unregister(a)
    assert lease.sponsors() == [b]
    lease.expire()
    assert lease.CurrentState is LeaseState.Expired
    assert lease.CurrentLeaseTime == dt.timedelta(0)
    assert lease.sponsors() == []


# ------------------------------------------------------------------ LeaseManager.sweep with a fake clock


def test_sweep_with_a_fake_clock() -> None:
    expired: list[Lease] = []
    manager = LeaseManager(dt.timedelta(seconds=10), expired.append)
    one, five = Lease(LifetimeSettings(seconds(1))), Lease(LifetimeSettings(seconds(5)))
    infinite = Lease(LifetimeSettings(dt.timedelta(0)))
    for lease in (one, five, infinite):
        manager.track(lease)  # activates: the clocks start now
        assert lease.CurrentState is LeaseState.Active
    assert len(manager) == 2
    now = time.monotonic()
    assert manager.sweep(now=now + 0.5) == 0
    assert expired == []
    assert manager.sweep(now=now + 2) == 1
    assert expired == [one]
    assert one.CurrentState is LeaseState.Expired
    assert len(manager) == 1
    assert manager.sweep(now=now + 2) == 0  # an expired lease is never expired twice
    assert manager.sweep(now=now + 3600) == 1
    assert expired == [one, five]
    assert len(manager) == 0
    assert infinite.CurrentState is LeaseState.Active
    assert manager.last_sweep_seconds >= 0


def test_sweep_asks_sponsors_of_due_leases() -> None:
    expired: list[Lease] = []

    async def main() -> None:
        manager = LeaseManager(dt.timedelta(seconds=10), expired.append)
        renewing, dying = Lease(LifetimeSettings(seconds(1))), Lease(LifetimeSettings(seconds(1)))
        good, zero = Sponsor(seconds(60)), Sponsor(dt.timedelta(0))
        renewing.Register(good)
        dying.Register(zero)
        manager.track(renewing)
        manager.track(dying)
        assert manager.sweep(now=time.monotonic() + 2) == 2
        assert renewing.CurrentState is LeaseState.Renewing
        assert manager.sweep(now=time.monotonic() + 2) == 0  # already being renewed: not asked twice
        for _ in range(100):
            await asyncio.sleep(0.01)
            if dying.CurrentState is LeaseState.Expired and renewing.CurrentState is LeaseState.Active:
                break
        assert renewing.CurrentState is LeaseState.Active
        assert renewing.CurrentLeaseTime > seconds(50)
        assert good.calls == 1 and zero.calls == 1
        assert expired == [dying]
        assert len(manager) == 1
        await manager.stop()

    asyncio.run(main())
