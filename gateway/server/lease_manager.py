"""The lease manager: polls leases, asks sponsors of those that ran out, disconnects the rest.

One asyncio task per application. A sweep is a single pass over the live leases comparing monotonic
deadlines: cheap (100,000 idle leases take 10-25 ms on a 2-core machine, see benchmarks/bench_leases.py);
only expired leases cost more. Sponsors are asked one after another, each bounded by the lease's
SponsorshipTimeout; a sponsor that fails, times out or answers zero is dropped. Sponsorship of one lease
never delays the sweep of others.

With a :class:`LeaseIndex` (a deployment of several workers keeps each worker's lease deadlines in the
shared store) a sweep asks the index for the leases whose recorded deadline passed instead of scanning all
of them. The lease objects here stay authoritative: a lease renewed since its deadline was recorded is
simply recorded again, so renewals never touch the index. When the index cannot answer, the sweep scans.

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
from typing import Protocol

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


class LeaseIndex(Protocol):
    """Lease deadlines kept elsewhere (the shared store): recorded without waiting, read by the sweep."""

    def record(self, key: str, deadline: float) -> None:
        """Note ``key``'s deadline (on the lease clock); written before the next sweep reads."""

    def discard(self, key: str) -> None: ...

    async def due(self, now: float) -> list[str]:
        """The keys whose recorded deadline is ``<= now`` (may raise: the sweep then scans instead)."""
        ...


class LeaseManager:
    """Tracks leases and runs ``on_expired(lease)`` for each one that runs out unrenewed."""

    def __init__(
        self, poll_time: dt.timedelta, on_expired: Callable[[LeaseBase], None], clock: Clock = time.monotonic
    ) -> None:
        self.poll_time = poll_time
        self.clock = clock
        self._on_expired = on_expired
        self._leases: dict[int, LeaseBase] = {}
        #: where deadlines are also recorded (None: this process alone; set by the scale-out runtime)
        self.index: LeaseIndex | None = None
        self._keys: dict[int, str] = {}
        self._by_key: dict[str, LeaseBase] = {}
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

    def track(self, lease: LeaseBase, key: str | None = None) -> None:
        """Start ``lease`` and watch it; ``key`` (the object's URI) names it in the index."""
        lease.activate()
        if not lease.is_infinite:
            self._leases[id(lease)] = lease
            if self.index is not None and lease.expires_at is not None:
                name = key or f"lease@{id(lease):x}"
                self._keys[id(lease)] = name
                self._by_key[name] = lease
                self.index.record(name, lease.expires_at)

    def forget(self, lease: LeaseBase) -> None:
        self._leases.pop(id(lease), None)
        name = self._keys.pop(id(lease), None)
        if name is not None and self.index is not None:
            self._by_key.pop(name, None)
            self.index.discard(name)

    def indexed(self) -> dict[str, float]:
        """Every indexed lease's current deadline (to record them all again in an index that lost them)."""
        indexed = list(self._by_key.items())  # leases may be tracked from worker threads meanwhile
        return {name: lease.expires_at for name, lease in indexed if lease.expires_at is not None}

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
                if self.index is None:
                    self.sweep()
                else:
                    await self.sweep_indexed()
            except Exception:  # a bug in one sweep must not stop lifetime management
                log.exception("lease sweep failed")

    def sweep(self, now: float | None = None) -> int:
        """One pass: expire or start sponsorship for every lease past its deadline; returns how many."""
        started = time.perf_counter()
        now = self.clock() if now is None else now
        due = [lease for lease in self._leases.values() if _is_due(lease, now)]
        self._handle(due)
        self.last_sweep_seconds = time.perf_counter() - started
        return len(due)

    async def sweep_indexed(self, now: float | None = None) -> int:
        """:meth:`sweep` reading the index: only leases whose recorded deadline passed are looked at."""
        index = self.index
        if index is None:
            return self.sweep(now)
        started = time.perf_counter()
        now = self.clock() if now is None else now
        try:
            names = await index.due(now)
        except Exception as exc:  # the store is away: this process's own leases still expire on time
            log.warning("lease index unavailable, sweeping locally: %s", exc)
            return self.sweep(now)
        due: list[LeaseBase] = []
        for name in names:
            lease = self._by_key.get(name)
            if lease is None:
                index.discard(name)  # recorded by an earlier life of this worker, or already gone
            elif _is_due(lease, now):
                due.append(lease)
            elif lease.expires_at is not None and lease.CurrentState is LeaseState.Active:
                index.record(name, lease.expires_at)  # renewed since it was recorded
        self._handle(due)
        self.last_sweep_seconds = time.perf_counter() - started
        return len(due)

    def _handle(self, due: list[LeaseBase]) -> None:
        for lease in due:
            if lease.sponsors():
                lease.mark_renewing()
                task = asyncio.get_running_loop().create_task(self._sponsor(lease))
                self._renewing.add(task)
                task.add_done_callback(self._renewing.discard)
            else:
                self._expire(lease)

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


def _is_due(lease: LeaseBase, now: float) -> bool:
    deadline = lease.expires_at
    return deadline is not None and deadline <= now and lease.CurrentState is LeaseState.Active
