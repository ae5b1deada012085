"""gateway.model.lease: one lease's times, state and sponsors, on a manual clock."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway import Lease, LeaseState, LifetimeSettings

from ...support.clock import ManualClock


def seconds(value: float) -> dt.timedelta:
    return dt.timedelta(seconds=value)


def activated(
    initial: float, renew: float = 0.5, sponsorship: float = 0.3, clock: ManualClock | None = None
) -> Lease:
    settings = LifetimeSettings(seconds(initial), seconds(renew), seconds(sponsorship), clock=clock or ManualClock())
    lease = Lease(settings)
    lease.activate()
    return lease


class Sponsor:
    def Renewal(self, lease: Lease) -> dt.timedelta:
        return seconds(1)


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


def test_current_lease_time_follows_the_clock_down_to_zero() -> None:
    clock = ManualClock()
    lease = activated(1.0, clock=clock)
    assert lease.expires_at == clock.now + 1.0
    assert lease.CurrentLeaseTime == seconds(1)
    clock.advance(0.25)
    assert lease.CurrentLeaseTime == seconds(0.75)
    clock.advance(5)
    assert lease.CurrentLeaseTime == dt.timedelta(0)  # never negative
    assert lease.CurrentState is LeaseState.Active  # only the lease manager expires a lease


def test_zero_initial_lease_time_never_gets_a_deadline() -> None:
    lease = activated(0.0)
    assert lease.is_infinite
    assert lease.CurrentState is LeaseState.Active
    assert lease.expires_at is None
    lease.renew_on_call()  # nothing to extend
    assert lease.expires_at is None


def test_renew_extends_and_never_shortens() -> None:
    clock = ManualClock()
    lease = activated(1.0, clock=clock)
    assert lease.Renew(seconds(10)) == seconds(10)
    assert lease.CurrentLeaseTime == seconds(10)
    clock.advance(1)
    assert lease.Renew(seconds(1)) == seconds(9)  # asks for less than remains: unchanged
    assert lease.CurrentState is LeaseState.Active


def test_renew_does_nothing_before_activation_or_after_expiry() -> None:
    lease = Lease(LifetimeSettings(seconds(1), clock=ManualClock()))
    assert lease.Renew(seconds(10)) == seconds(1)  # Initial: the clock has not started
    assert lease.expires_at is None
    lease.activate()
    lease.expire()
    assert lease.Renew(seconds(10)) == dt.timedelta(0)
    assert lease.CurrentState is LeaseState.Expired


def test_renew_on_call_extends_only_when_less_than_renew_on_call_time_remains() -> None:
    clock = ManualClock()
    plenty = activated(10.0, renew=2.0, clock=clock)
    before = plenty.expires_at
    plenty.renew_on_call()
    assert plenty.expires_at == before  # 10 s left > 2 s: untouched

    short = activated(1.0, renew=5.0, clock=clock)
    short.renew_on_call()
    assert short.CurrentLeaseTime == seconds(5)

    initial = Lease(LifetimeSettings(seconds(1), seconds(5), clock=clock))
    initial.renew_on_call()  # not activated: no deadline to extend
    assert initial.expires_at is None and initial.CurrentState is LeaseState.Initial


def test_a_call_or_a_renewal_while_sponsors_are_asked_makes_the_lease_active_again() -> None:
    clock = ManualClock()
    by_call = activated(1.0, renew=0.5, clock=clock)
    by_renew = activated(1.0, renew=0.5, clock=clock)
    clock.advance(1)
    for lease in (by_call, by_renew):
        lease.mark_renewing()
        assert lease.CurrentState is LeaseState.Renewing
    by_call.renew_on_call()
    assert by_call.CurrentState is LeaseState.Active
    assert by_call.CurrentLeaseTime == seconds(0.5)
    assert by_renew.Renew(seconds(3)) == seconds(3)
    assert by_renew.CurrentState is LeaseState.Active


def test_a_call_while_renewing_counts_even_when_it_extends_nothing() -> None:
    clock = ManualClock()
    lease = activated(1.0, renew=0.0, clock=clock)  # a call never extends this lease
    clock.advance(1)
    lease.mark_renewing()
    deadline = lease.expires_at
    lease.renew_on_call()
    assert lease.expires_at == deadline
    assert lease.CurrentState is LeaseState.Active


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
