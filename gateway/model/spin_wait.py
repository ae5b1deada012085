"""Spin-waiting: after a reply, the event loop polls for the next request for a moment instead of sleeping.

Why: a client that calls in a loop on one connection (what .NET and Mono clients do with their pooled
connection) sends its next request a few tens of microseconds after it reads a reply. A server that sleeps
in ``epoll_wait`` meanwhile pays a wake-up for every call: on this project's reference machine (a VM whose
idle vCPUs halt) that is tens of microseconds, and the Python code that runs next runs on a cold core, so a
call at one connection cost the TCP channel three times its CPU at sixteen (benchmarks/README.md, "Session
12"). Polling instead, for a bounded window after each reply, keeps the core awake and the next request is
seen within one turn of the loop. It is what Linux's ``SO_BUSY_POLL``, Go's spinning scheduler threads and
.NET's thread-pool spin-wait do for the same reason.

What it costs, and its bounds: at most ``window`` seconds of one core after each reply (100 us by default:
1% of a core for a hundred isolated calls a second); nothing while calls keep the loop busy anyway (many
connections); never while a worker thread runs a plain ``def`` method (the polling loop would hold the GIL
that method needs, and on a shared core its CPU: measured, it halved the calls of a plain method); a window
of zero turns it off (``RemotingApp(spin_wait_us=0)``, ``spin_wait_us = 0`` at the top of the configuration
file, ``GATEWAY_SPIN_WAIT_US=0``), which is what a host running more worker processes than cores, or counting
every CPU-second, wants.

The loop is kept polling by keeping a callback ready: with a ready callback, asyncio's loop and uvloop poll
their selector with a zero timeout, so other connections, timers and callbacks run as usual meanwhile.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable

from .workers import WORKERS

#: The default window, in microseconds: longer than the time a client on this machine takes between reading
#: a reply and sending its next request (~30 us for a C# client), short enough to cost little when idle.
DEFAULT_SPIN_WAIT_US = 100
#: what an application built in code takes when its code does not say (``serve``'s configuration sets it too)
SPIN_WAIT_VARIABLE = "GATEWAY_SPIN_WAIT_US"
#: the longest window the configuration takes (a tenth of a second: far more than any client's turnaround)
MAX_SPIN_WAIT_US = 100_000


def spin_wait_from_env(default: int = DEFAULT_SPIN_WAIT_US) -> int:
    """``GATEWAY_SPIN_WAIT_US`` as microseconds (``default`` when unset or empty); a clear error otherwise."""
    raw = os.environ.get(SPIN_WAIT_VARIABLE, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_SPIN_WAIT_US:
        raise ValueError(f"environment variable {SPIN_WAIT_VARIABLE}: must be microseconds, 0-{MAX_SPIN_WAIT_US}"
                         f" (0: off), not {raw!r}")
    return int(raw)


class SpinWait:
    """Keeps an event loop polling for ``window`` seconds after the last :meth:`kick` (each reply), unless
    ``busy()`` says a worker thread needs the GIL. ``clock`` is injectable for tests. One loop polls at a
    time: a kick from another loop (a server restarted on a new loop, the old one closed while it polled)
    moves the polling there."""

    __slots__ = ("_busy", "_clock", "_loop", "_until", "steps", "window")

    def __init__(
        self,
        window: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        busy: Callable[[], bool] = WORKERS.running,
    ) -> None:
        self.window = window
        self._clock = clock
        self._busy = busy
        self._until = 0.0
        #: the loop polling now (a step is scheduled on it), or None
        self._loop: asyncio.AbstractEventLoop | None = None
        #: turns of the loop spent polling, in all (for tests and curiosity; an int add a turn)
        self.steps = 0

    def kick(self, loop: asyncio.AbstractEventLoop) -> None:
        """A reply went out on ``loop``: poll for the next request until ``window`` from now."""
        if self.window <= 0:
            return
        self._until = self._clock() + self.window
        if self._loop is not loop:
            self._loop = loop
            loop.call_soon(self._step, loop)

    @property
    def spinning(self) -> bool:
        """Whether a loop polls now (a step is scheduled on it)."""
        return self._loop is not None

    def _step(self, loop: asyncio.AbstractEventLoop) -> None:
        if loop is not self._loop:  # the polling moved to another loop
            return
        if self._clock() < self._until and not self._busy():
            self.steps += 1
            loop.call_soon(self._step, loop)
        else:
            self._loop = None
