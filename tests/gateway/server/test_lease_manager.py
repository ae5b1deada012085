"""gateway.server.lease_manager: sweeps, sponsorship and the poll loop, on a manual clock."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest

from gateway import Lease, LeaseState, LifetimeSettings
from gateway.model.lease import LeaseBase
from gateway.server.lease_manager import LeaseManager

from ...support.clock import ManualClock

HOUR = dt.timedelta(hours=1)


def seconds(value: float) -> dt.timedelta:
    return dt.timedelta(seconds=value)


def lease_of(clock: ManualClock, initial: float, sponsorship: float = 0.3) -> Lease:
    return Lease(LifetimeSettings(seconds(initial), seconds(0.5), seconds(sponsorship), clock=clock))


class Sponsor:
    """Renews by ``renewal``; counts its calls."""

    def __init__(self, renewal: dt.timedelta) -> None:
        self.renewal = renewal
        self.calls = 0

    def Renewal(self, lease: Lease) -> dt.timedelta:
        self.calls += 1
        return self.renewal


class GatedSponsor(Sponsor):
    """Answers only once ``release`` is set."""

    def __init__(self, renewal: dt.timedelta) -> None:
        super().__init__(renewal)
        self.release = asyncio.Event()

    async def Renewal(self, lease: Lease) -> dt.timedelta:  # type: ignore[override]
        self.calls += 1
        await self.release.wait()
        return self.renewal


class HangingSponsor(Sponsor):
    async def Renewal(self, lease: Lease) -> dt.timedelta:  # type: ignore[override]
        self.calls += 1
        await asyncio.sleep(3600)
        return self.renewal


def test_zero_initial_lease_time_is_infinite() -> None:
    clock = ManualClock()
    lease = Lease(LifetimeSettings(dt.timedelta(0), clock=clock))
    assert lease.is_infinite
    expired: list[LeaseBase] = []
    manager = LeaseManager(HOUR, expired.append, clock)
    manager.track(lease)
    assert lease.CurrentState is LeaseState.Active
    assert lease.expires_at is None
    assert len(manager) == 0
    clock.advance(10**9)
    assert manager.sweep() == 0
    assert expired == []
    lease.renew_on_call()  # nothing to extend
    assert lease.expires_at is None


def test_sweep_with_a_manual_clock() -> None:
    clock = ManualClock()
    expired: list[LeaseBase] = []
    manager = LeaseManager(dt.timedelta(seconds=10), expired.append, clock)
    assert manager.clock is clock
    one, five = lease_of(clock, 1), lease_of(clock, 5)
    infinite = lease_of(clock, 0)
    for lease in (one, five, infinite):
        manager.track(lease)  # activates: the clocks start now
        assert lease.CurrentState is LeaseState.Active
    assert len(manager) == 2
    clock.advance(0.5)
    assert manager.sweep() == 0
    assert expired == []
    clock.advance(0.5)
    assert manager.sweep() == 1  # exactly at its deadline
    assert expired == [one]
    assert one.CurrentState is LeaseState.Expired
    assert len(manager) == 1
    assert manager.sweep() == 0  # an expired lease is never expired twice
    assert manager.sweep(now=clock.now + 3600) == 1  # an explicit time wins over the clock
    assert expired == [one, five]
    assert len(manager) == 0
    assert infinite.CurrentState is LeaseState.Active
    assert manager.last_sweep_seconds >= 0


def test_forget_stops_tracking_a_lease() -> None:
    clock = ManualClock()
    expired: list[LeaseBase] = []
    manager = LeaseManager(HOUR, expired.append, clock)
    lease = lease_of(clock, 1)
    manager.track(lease)
    manager.forget(lease)
    assert len(manager) == 0
    clock.advance(2)
    assert manager.sweep() == 0
    assert expired == [] and lease.CurrentState is LeaseState.Active


def test_sweep_asks_sponsors_of_due_leases() -> None:
    clock = ManualClock()
    expired: list[LeaseBase] = []

    async def main() -> None:
        manager = LeaseManager(dt.timedelta(seconds=10), expired.append, clock)
        renewing, dying = lease_of(clock, 1), lease_of(clock, 1)
        good, zero = Sponsor(seconds(60)), Sponsor(dt.timedelta(0))
        renewing.Register(good)
        dying.Register(zero)
        manager.track(renewing)
        manager.track(dying)
        clock.advance(2)
        assert manager.sweep() == 2
        assert renewing.CurrentState is LeaseState.Renewing
        assert manager.sweep() == 0  # already being renewed: not asked twice
        await manager.drain()
        assert renewing.CurrentState is LeaseState.Active
        assert renewing.CurrentLeaseTime == seconds(60)
        assert good.calls == 1 and zero.calls == 1
        assert expired == [dying]
        assert dying.sponsors() == []
        assert len(manager) == 1
        await manager.stop()

    asyncio.run(main())


def test_drain_waits_for_sponsors_still_answering() -> None:
    clock = ManualClock()
    expired: list[LeaseBase] = []

    async def main() -> None:
        manager = LeaseManager(HOUR, expired.append, clock)
        await manager.drain()  # nothing pending: returns at once
        lease = lease_of(clock, 1, sponsorship=10)
        sponsor = GatedSponsor(seconds(5))
        lease.Register(sponsor)
        manager.track(lease)
        clock.advance(1)
        assert manager.sweep() == 1
        asyncio.get_running_loop().call_later(0.05, sponsor.release.set)
        await asyncio.wait_for(manager.drain(), 5)
        assert sponsor.calls == 1
        assert lease.CurrentState is LeaseState.Active  # drain returned only after the sponsor's renewal
        assert lease.CurrentLeaseTime == seconds(5)
        await manager.stop()

    asyncio.run(main())
    assert expired == []


def test_a_sponsor_that_times_out_is_dropped_and_the_next_one_asked() -> None:
    clock = ManualClock()
    expired: list[LeaseBase] = []

    async def main() -> None:
        manager = LeaseManager(HOUR, expired.append, clock)
        lease = lease_of(clock, 1, sponsorship=0.05)
        hanging, good = HangingSponsor(seconds(60)), Sponsor(seconds(2))
        lease.Register(hanging)
        lease.Register(good)
        manager.track(lease)
        clock.advance(1)
        assert manager.sweep() == 1
        await asyncio.wait_for(manager.drain(), 5)
        assert (hanging.calls, good.calls) == (1, 1)
        assert lease.sponsors() == [good]
        assert lease.CurrentLeaseTime == seconds(2)
        await manager.stop()

    asyncio.run(main())
    assert expired == []


def test_poll_loop_sweeps_on_its_own_and_stops() -> None:
    clock = ManualClock()
    expired: list[LeaseBase] = []

    async def main() -> None:
        manager = LeaseManager(seconds(0.01), expired.append, clock)
        manager.ensure_running()
        task = manager._task
        manager.ensure_running()
        assert manager._task is task  # idempotent: one loop per manager
        lease = lease_of(clock, 1)
        manager.track(lease)
        clock.advance(1)
        deadline = time.monotonic() + 5
        while not expired:
            assert time.monotonic() < deadline, "the poll loop never swept"
            await asyncio.sleep(0.01)
        assert expired == [lease]
        await manager.stop()
        assert task is not None
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())


def test_a_failing_sweep_does_not_stop_the_poll_loop(caplog: pytest.LogCaptureFixture) -> None:
    clock = ManualClock()
    expired: list[LeaseBase] = []

    def on_expired(lease: LeaseBase) -> None:
        expired.append(lease)
        if len(expired) == 1:
            raise RuntimeError("bug in an expiry callback")

    async def main() -> None:
        manager = LeaseManager(seconds(0.01), on_expired, clock)
        manager.ensure_running()
        first, second = lease_of(clock, 1), lease_of(clock, 2)
        manager.track(first)
        manager.track(second)
        clock.advance(1)
        deadline = time.monotonic() + 5
        while len(expired) < 1:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
        clock.advance(1)
        while len(expired) < 2:
            assert time.monotonic() < deadline, "the poll loop died after a failing sweep"
            await asyncio.sleep(0.01)
        await manager.stop()

    asyncio.run(main())
    assert len(expired) == 2
    assert "lease sweep failed" in caplog.text


def test_the_poll_task_follows_the_app_to_a_new_event_loop() -> None:
    """An app served on one loop, then on another (the first closed): the lease manager polls on the second."""
    manager = LeaseManager(dt.timedelta(seconds=60), lambda lease: None)

    async def start() -> asyncio.Task[None] | None:
        manager.ensure_running()
        return manager._task

    first = asyncio.run(start())
    second = asyncio.run(start())
    assert first is not None and second is not None and second is not first
