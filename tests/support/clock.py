"""A manual clock for lease tests: time moves only when a test says so.

Pass one as ``LifetimeSettings(clock=...)`` (or ``LeaseManager(..., clock=...)``); leases and the lease
manager then read it instead of ``time.monotonic``, and a test ``advance``s it and calls
``app.leases.sweep()`` instead of sleeping.
"""

from __future__ import annotations


class ManualClock:
    """A monotonic clock that stands still until :meth:`advance` moves it. Calling it returns :attr:`now`."""

    def __init__(self, start: float = 1000.0) -> None:
        #: the current time, in seconds
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` (never backwards: it is monotonic); returns the new time."""
        if seconds < 0:
            raise ValueError(f"a monotonic clock cannot go back ({seconds} s)")
        self.now += seconds
        return self.now

    def __repr__(self) -> str:
        return f"ManualClock(now={self.now})"
