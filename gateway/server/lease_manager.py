"""The lease manager: polls leases, asks sponsors of those that ran out, disconnects the rest.

One asyncio task per application. A sweep is a single pass over the live leases comparing monotonic
deadlines: cheap (100,000 idle leases take 10-25 ms on a 2-core machine, see benchmarks/bench_leases.py);
only expired leases cost more. Sponsors are asked one after another, each bounded by the lease's
SponsorshipTimeout; a sponsor that fails, times out or answers zero is dropped. Sponsorship of one lease
never delays the sweep of others.

What happened is counted in plain int attributes (expirations, sponsor answers) that the metrics collector
reads at scrape time, so counting costs nothing measurable here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import logging
import time
from collections.abc import Callable

from ..model.lease import Clock, LeaseBase, LeaseState
from ..model.workers import WORKERS

log = logging.getLogger("gateway.lifetime")


async def _ask(sponsor: object, lease: LeaseBase) -> dt.timedelta:
    renewal = getattr(sponsor, "Renewal", None)
    if renewal is None:
        return dt.timedelta(0)
    if inspect.iscoroutinefunction(renewal):
        result = await renewal(lease)
    else:
        result = await WORKERS.run(renewal, lease)
        if inspect.isawaitable(result):  # an async proxy method
            result = await result
    return result if isinstance(result, dt.timedelta) else dt.timedelta(0)


class LeaseManager:
    """Tracks leases and runs ``on_expired(lease)`` for each one that runs out unrenewed."""

    def __init__(
        self, poll_time: dt.timedelta, on_expired: Callable[[LeaseBase], None], clock: Clock = time.monotonic
    ) -> None:
        self.poll_time = poll_time
        self.clock = clock
        self._on_expired = on_expired
        self._leases: dict[int, LeaseBase] = {}
        self._renewing: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None
        self.last_sweep_seconds = 0.0
        #: leases that ran out and were not renewed (their objects were disconnected)
        self.expirations = 0
        #: sponsors asked for a renewal, by answer: renewed, declined (zero or no answer), failed (raised or timed out)
        self.sponsor_renewals = 0
        self.sponsor_declines = 0
        self.sponsor_failures = 0

    def __len__(self) -> int:
        return len(self._leases)

    def track(self, lease: LeaseBase) -> None:
        lease.activate()
        if not lease.is_infinite:
            self._leases[id(lease)] = lease

    def forget(self, lease: LeaseBase) -> None:
        self._leases.pop(id(lease), None)

    def ensure_running(self) -> None:
        """Start the polling task on the running loop (idempotent; called on startup and on each request).

        A task left on another loop (an app served again on a new event loop, the old one closed) never
        finishes there, so it is replaced by one on the running loop."""
        task = self._task
        loop = asyncio.get_running_loop()
        if task is None or task.done() or task.get_loop() is not loop:
            self._task = loop.create_task(self._run(), name="gateway-lease-manager")

    async def stop(self) -> None:
        for task in [self._task, *self._renewing]:
            if task is not None:
                task.cancel()
        self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.poll_time.total_seconds())
            try:
                self.sweep()
            except Exception:  # a bug in one sweep must not stop lifetime management
                log.exception("lease sweep failed")

    def sweep(self, now: float | None = None) -> int:
        """One pass: expire or start sponsorship for every lease past its deadline; returns how many."""
        started = time.perf_counter()
        now = self.clock() if now is None else now
        due = [
            lease for lease in self._leases.values()
            if lease.expires_at is not None and lease.expires_at <= now and lease.CurrentState is LeaseState.Active
        ]
        for lease in due:
            if lease.sponsors():
                lease.mark_renewing()
                task = asyncio.get_running_loop().create_task(self._sponsor(lease))
                self._renewing.add(task)
                task.add_done_callback(self._renewing.discard)
            else:
                self._expire(lease)
        self.last_sweep_seconds = time.perf_counter() - started
        return len(due)

    async def drain(self) -> None:
        """Wait until every sponsorship started so far has finished: each lease a sweep sent to its sponsors
        is renewed or expired by the time this returns (a sponsor that hangs costs its SponsorshipTimeout).

        For tests that drive the clock by hand: ``clock.advance(...)``, ``sweep()``, ``await drain()``.
        """
        pending = [task for task in self._renewing if not task.done()]
        while pending:
            await asyncio.wait(pending)
            pending = [task for task in self._renewing if not task.done()]

    async def _sponsor(self, lease: LeaseBase) -> None:
        timeout = lease.SponsorshipTimeout.total_seconds()
        for sponsor in lease.sponsors():
            try:
                renewal = await asyncio.wait_for(_ask(sponsor, lease), timeout)
            except Exception as exc:  # failed or timed out: this sponsor is gone
                self.sponsor_failures += 1
                log.info("lease sponsor %r dropped: %s", sponsor, exc or type(exc).__name__)
                lease.Unregister(sponsor)
                continue
            if renewal > dt.timedelta(0):
                self.sponsor_renewals += 1
                lease.Renew(renewal)
                return
            self.sponsor_declines += 1
            lease.Unregister(sponsor)
        deadline = lease.expires_at
        if lease.CurrentState is LeaseState.Active and deadline is not None and deadline > self.clock():
            return  # a call renewed the lease while the sponsors were being asked
        self._expire(lease)

    def _expire(self, lease: LeaseBase) -> None:
        self.expirations += 1
        self.forget(lease)
        lease.expire()
        self._on_expired(lease)
