"""Leases: how long a remote object lives when nobody calls it, as in .NET Remoting's lifetime service.

Every client-activated object, every marshalled MarshalByRefObject and every Singleton gets a lease from
its ``InitializeLifetimeService``. A lease starts with ``InitialLeaseTime``; each call renews it to at
least ``RenewOnCallTime``; a client may ``Renew`` it; when it runs out the lease manager asks its sponsors
(each bounded by ``SponsorshipTimeout``) and, if none renews it, disconnects the object.
A zero InitialLeaseTime means the lease never expires.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from soap import clr_type, serializable


@serializable("System.Runtime.Remoting.Lifetime.LeaseState", "mscorlib")
class LeaseState(enum.Enum):
    Null = 0
    Initial = 1
    Active = 2
    Renewing = 3
    Expired = 4


#: A clock: seconds on a monotonic scale. Leases and the lease manager read time only through one, so tests
#: inject a manual clock instead of sleeping.
Clock = Callable[[], float]


@dataclass
class LifetimeSettings:
    """Defaults for new leases (.NET's ``LifetimeServices``): 5 min / 2 min / 2 min, polled every 10 s.

    ``clock`` is what leases and the lease manager read the time from (``time.monotonic``; a test passes a
    manual clock and advances it instead of sleeping).
    """

    lease_time: dt.timedelta = dt.timedelta(minutes=5)
    renew_on_call_time: dt.timedelta = dt.timedelta(minutes=2)
    sponsorship_timeout: dt.timedelta = dt.timedelta(minutes=2)
    lease_manager_poll_time: dt.timedelta = dt.timedelta(seconds=10)
    clock: Clock = time.monotonic


#: The process-wide defaults (.NET's static ``LifetimeServices``).
LIFETIME_DEFAULTS = LifetimeSettings()

#: The settings of the application publishing an object, while its ``InitializeLifetimeService`` runs:
#: a new ``Lease()`` takes its defaults from there (``RemotingApp(lifetime=...)``), else the process ones.
CURRENT_LIFETIME: contextvars.ContextVar[LifetimeSettings] = contextvars.ContextVar("remoting_lifetime")


class Sponsor(Protocol):
    """A lease sponsor: asked for a renewal when the lease runs out (``ISponsor.Renewal``).

    ``Renewal`` may be sync or ``async``; it returns the time to extend by (zero: no renewal). A remote
    object's proxy works too, when the client runs a listener for it.
    """

    def Renewal(self, lease: ILease) -> dt.timedelta: ...


@clr_type("System.Runtime.Remoting.Lifetime.ILease", "mscorlib")
class ILease:
    """The remote view of a lease, as a .NET client reads it through ``GetLifetimeService``."""

    @property
    def InitialLeaseTime(self) -> dt.timedelta:
        raise NotImplementedError

    @property
    def RenewOnCallTime(self) -> dt.timedelta:
        raise NotImplementedError

    @property
    def SponsorshipTimeout(self) -> dt.timedelta:
        raise NotImplementedError

    @property
    def CurrentLeaseTime(self) -> dt.timedelta:
        raise NotImplementedError

    @property
    def CurrentState(self) -> LeaseState:
        raise NotImplementedError

    def Renew(self, renewalTime: dt.timedelta) -> dt.timedelta:
        raise NotImplementedError

    def Register(self, obj: object) -> None:
        """Add a sponsor (a remote one needs the server's type filter Full)."""
        raise NotImplementedError

    def Unregister(self, obj: object) -> None:
        raise NotImplementedError


def _seconds(value: dt.timedelta) -> float:
    return value.total_seconds()


class LeaseBase(ILease):
    """The state of one lease: its times, deadline and sponsors. Times are ``timedelta``; the deadline is
    read from the settings' clock (monotonic). :class:`gateway.Lease` is this plus remotability.

    ``InitialLeaseTime``, ``RenewOnCallTime`` and ``SponsorshipTimeout`` can be set only while the lease is
    ``Initial`` (in ``InitializeLifetimeService``), as in .NET.
    """

    def __init__(self, settings: LifetimeSettings | None = None) -> None:
        s = settings or CURRENT_LIFETIME.get(LIFETIME_DEFAULTS)
        self._clock = s.clock
        self._initial = s.lease_time
        self._renew_on_call = s.renew_on_call_time
        self._sponsorship_timeout = s.sponsorship_timeout
        self._state = LeaseState.Initial
        self._expires_at: float | None = None
        self._sponsors: list[object] = []
        self._lock = threading.Lock()
        #: the URI this lease is published at once a client asked for it (disconnected with its object)
        self.published_uri: str | None = None

    # ------------------------------------------------------------ configuration (Initial only)

    def _check_initial(self, name: str) -> None:
        if self._state is not LeaseState.Initial:
            raise RuntimeError(f"{name} can only be set while the lease is Initial (it is {self._state.name})")

    @property
    def InitialLeaseTime(self) -> dt.timedelta:
        return self._initial

    @InitialLeaseTime.setter
    def InitialLeaseTime(self, value: dt.timedelta) -> None:
        self._check_initial("InitialLeaseTime")
        self._initial = value

    @property
    def RenewOnCallTime(self) -> dt.timedelta:
        return self._renew_on_call

    @RenewOnCallTime.setter
    def RenewOnCallTime(self, value: dt.timedelta) -> None:
        self._check_initial("RenewOnCallTime")
        self._renew_on_call = value

    @property
    def SponsorshipTimeout(self) -> dt.timedelta:
        return self._sponsorship_timeout

    @SponsorshipTimeout.setter
    def SponsorshipTimeout(self, value: dt.timedelta) -> None:
        self._check_initial("SponsorshipTimeout")
        self._sponsorship_timeout = value

    # ------------------------------------------------------------ state

    @property
    def CurrentState(self) -> LeaseState:
        return self._state

    @property
    def CurrentLeaseTime(self) -> dt.timedelta:
        if self._expires_at is None:
            return self._initial if self._state is LeaseState.Initial else dt.timedelta(0)
        return dt.timedelta(seconds=max(0.0, self._expires_at - self._clock()))

    @property
    def is_infinite(self) -> bool:
        return self._initial <= dt.timedelta(0)

    @property
    def expires_at(self) -> float | None:
        """Monotonic deadline, None for an infinite or not yet activated lease."""
        return self._expires_at

    def activate(self) -> None:
        """Start the clock (called when the object is published)."""
        with self._lock:
            if self._state is LeaseState.Initial:
                self._state = LeaseState.Active
                if not self.is_infinite:
                    self._expires_at = self._clock() + _seconds(self._initial)

    def Renew(self, renewalTime: dt.timedelta) -> dt.timedelta:
        """Extend the lease to at least ``renewalTime`` from now; returns the new CurrentLeaseTime."""
        with self._lock:
            if self._expires_at is not None and self._state in (LeaseState.Active, LeaseState.Renewing):
                self._expires_at = max(self._expires_at, self._clock() + _seconds(renewalTime))
                self._state = LeaseState.Active
        return self.CurrentLeaseTime

    def renew_on_call(self) -> None:
        """A call arrived: if less than RenewOnCallTime remains, extend to RenewOnCallTime."""
        deadline = self._expires_at
        if deadline is None:
            return
        target = self._clock() + _seconds(self._renew_on_call)
        if deadline < target or self._state is LeaseState.Renewing:
            with self._lock:
                if self._state in (LeaseState.Active, LeaseState.Renewing) and self._expires_at is not None:
                    self._expires_at = max(self._expires_at, target)
                    self._state = LeaseState.Active  # a call while sponsors are asked renews the lease

    def Register(self, obj: object) -> None:
        """Add a sponsor (an object with ``Renewal(lease)``, sync or async)."""
        with self._lock:
            self._sponsors.append(obj)

    def Unregister(self, obj: object) -> None:
        with self._lock:
            self._sponsors = [s for s in self._sponsors if s is not obj]

    def sponsors(self) -> list[object]:
        with self._lock:
            return list(self._sponsors)

    def mark_renewing(self) -> None:
        with self._lock:
            self._state = LeaseState.Renewing

    def expire(self) -> None:
        with self._lock:
            self._state = LeaseState.Expired
            self._expires_at = None
            self._sponsors.clear()
