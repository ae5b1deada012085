"""Timeouts for waits that nearly always end in time, at the cost of a dict entry: ``with within(seconds):``
in place of ``async with asyncio.timeout(seconds):`` on the per-call paths.

``asyncio.timeout`` costs about 27,000 instructions a use on Python 3.11 (a ``Timeout`` object, a timer handle
made and cancelled, the task's cancellation counting; measured in benchmarks/README.md), more than a tenth of
a whole call, and calls pay it once or twice each: the server waits for a body that did not come with its
headers (most HTTP clients write them separately: .NET's ``HttpWebRequest`` under ``HttpChannel``, Java's
``HttpURLConnection``, Python's ``http.client`` under zeep), and the clients wait for every answer. Here a
waiting task is an entry (task and deadline) in its event loop's table, put in before the wait and taken out
after it; one timer handle per loop, due at the earliest deadline in the table, cancels each task whose
deadline has passed, and leaving the ``with`` turns that cancellation into a ``TimeoutError``, as
``asyncio.timeout`` does: only when no other cancellation of the task is pending (a server shutting down
still cancels the call).
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

#: a timer may fire this much before its due time (libuv counts in milliseconds): still expired
_SLACK = 0.002

_Task = asyncio.Task[Any]


class Deadlines:
    """The waits of one event loop under a deadline, and the one timer that expires them. A wait is known by a
    key of its own (the waiting task where it cannot wait twice at once, a ``within`` block where blocks of
    one task may nest)."""

    __slots__ = ("_expired", "_loop", "_timer", "_timer_at", "_waiting")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._waiting: dict[object, tuple[_Task, float]] = {}
        self._expired: set[object] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = math.inf

    def add(self, key: object, task: _Task, timeout: float) -> None:
        """``task`` waits from now on (the wait known as ``key``), for at most ``timeout`` seconds."""
        deadline = self._loop.time() + timeout
        self._waiting[key] = (task, deadline)
        if deadline < self._timer_at:  # (rare: the timer is usually due earlier, for a wait before this one)
            self._schedule(deadline)

    def expired(self, key: object) -> bool:
        """Whether the wait ``key`` had its task cancelled because its deadline passed."""
        return key in self._expired

    def remove(self, key: object) -> None:
        """The wait ``key`` is over (what it waited for came, or it ended otherwise)."""
        del self._waiting[key]
        if self._expired:
            self._expired.discard(key)

    def waiting(self) -> int:
        """How many waits there are now."""
        return len(self._waiting)

    def _schedule(self, when: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._loop.call_at(when, self._expire)
        self._timer_at = when

    def _expire(self) -> None:
        """(the timer) Cancel the task of every wait past its deadline; the timer is due again at the next."""
        self._timer, self._timer_at = None, math.inf
        now = self._loop.time() + _SLACK
        later = math.inf
        for key, (task, deadline) in list(self._waiting.items()):
            if deadline <= now:
                if key not in self._expired:
                    self._expired.add(key)
                    task.cancel()
            elif deadline < later:
                later = deadline
        if later < math.inf:
            self._schedule(later)


class DeadlineTables:
    """The :class:`Deadlines` of each event loop: usually one; tests run one loop after another, so the tables
    of closed loops are dropped when a new loop comes. Each loop's table is used from that loop's thread
    only; this map may be reached from several threads, so it is read and changed in single steps."""

    __slots__ = ("_last", "_tables")

    def __init__(self) -> None:
        self._tables: dict[asyncio.AbstractEventLoop, Deadlines] = {}
        self._last: tuple[asyncio.AbstractEventLoop | None, Deadlines | None] = (None, None)

    def for_loop(self, loop: asyncio.AbstractEventLoop) -> Deadlines:
        last_loop, table = self._last
        if last_loop is loop and table is not None:
            return table
        table = self._tables.get(loop)
        if table is None:
            for known in list(self._tables):
                if known.is_closed():
                    self._tables.pop(known, None)
            table = self._tables.setdefault(loop, Deadlines(loop))
        self._last = (loop, table)
        return table


TABLES = DeadlineTables()


class within:  # noqa: N801  (used like asyncio.timeout)
    """``with within(seconds):`` around an ``await`` in a task: ``TimeoutError`` once ``seconds`` have passed
    (``None``: no limit; outside a task, no limit either). A plain ``with``: entering and leaving cost no
    coroutine."""

    __slots__ = ("_cancelling", "_table", "_task", "_timeout")

    def __init__(self, timeout: float | None) -> None:
        self._timeout = timeout
        self._table: Deadlines | None = None

    def __enter__(self) -> None:
        timeout = self._timeout
        if timeout is None:
            return
        try:
            task = asyncio.current_task()
        except RuntimeError:  # no event loop running: nothing can wait here
            return
        if task is None:
            return
        table = TABLES.for_loop(task.get_loop())
        self._task, self._table, self._cancelling = task, table, task.cancelling()
        table.add(self, task, timeout)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        table = self._table
        if table is None:
            return
        expired = table.expired(self)
        table.remove(self)
        if expired and exc_type is asyncio.CancelledError and self._task.uncancel() <= self._cancelling:
            raise TimeoutError from None
