"""Client-activated counters with short leases, for the scale-out tests (in process and deployed)."""

from __future__ import annotations

import datetime as dt
import os

from gateway import Lease, MarshalByRefObject
from soap import clr_type


class ShortLived(MarshalByRefObject):
    """A counter with a 1 s lease (renewed to 1 s by each call)."""

    LEASE = 1.0
    SPONSORSHIP = 0.5

    def __init__(self, name: str | None = None) -> None:
        self._name = name
        self._count = 0

    def InitializeLifetimeService(self) -> Lease | None:
        lease = super().InitializeLifetimeService()
        assert lease is not None
        lease.InitialLeaseTime = dt.timedelta(seconds=self.LEASE)
        lease.RenewOnCallTime = dt.timedelta(seconds=self.LEASE)
        lease.SponsorshipTimeout = dt.timedelta(seconds=self.SPONSORSHIP)
        return lease

    def Increment(self) -> int:
        self._count += 1
        return self._count

    def GetName(self) -> str | None:
        return self._name

    def WorkerPid(self) -> int:
        """The process that owns this object (not the deployment's: this worker's)."""
        return os.getpid()

    def Echo(self, text: str | None) -> str | None:
        return text


@clr_type("GatewayTests.Scale.Ephemeral", "GatewayTests")
class Ephemeral(ShortLived):
    """Expires about a second after its last call."""


@clr_type("GatewayTests.Scale.Sponsored", "GatewayTests")
class Sponsored(ShortLived):
    """The same lease, with 3 s for a sponsor (in the client, through its listener) to answer."""

    SPONSORSHIP = 3.0


@clr_type("GatewayTests.Scale.Durable", "GatewayTests")
class Durable(ShortLived):
    """A 60 s lease: for checks that are not about expiry."""

    LEASE = 60.0
