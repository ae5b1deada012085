"""Deadlines with one timer per event loop (gateway/model/deadlines.py), driven by a clock the test moves;
``within`` as ``asyncio.timeout``; and through the endpoint's body timeout: what a caller sees (408, or an
outside cancellation left as it is)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from gateway.model.deadlines import Deadlines, DeadlineTables, within
from tests.gateway.test_slow_bodies import BODY, Seen, make_app, scope


class Timer:
    def __init__(self, clock: ManualClock, when: float, callback: Callable[[], None]) -> None:
        self.clock, self.when, self.callback, self.cancelled = clock, when, callback, False

    def cancel(self) -> None:
        self.cancelled = True


class ManualClock:
    """The two things Deadlines asks of its loop (``time``, ``call_at``), with time moved by the test."""

    def __init__(self) -> None:
        self.now = 0.0
        self.timers: list[Timer] = []

    def time(self) -> float:
        return self.now

    def call_at(self, when: float, callback: Callable[[], None]) -> Timer:
        timer = Timer(self, when, callback)
        self.timers.append(timer)
        return timer

    def pending(self) -> list[Timer]:
        return [t for t in self.timers if not t.cancelled and t.callback is not None]

    def advance(self, to: float) -> None:
        """Move to ``to``, firing the timers due by then in order (each once)."""
        self.now = to
        while True:
            due = sorted((t for t in self.pending() if t.when <= to), key=lambda t: t.when)
            if not due:
                return
            timer = due[0]
            callback, timer.callback = timer.callback, None  # type: ignore[assignment]
            callback()


def deadlines_with_tasks(count: int) -> tuple[asyncio.AbstractEventLoop, list[asyncio.Task[Any]]]:
    loop = asyncio.new_event_loop()
    tasks = [loop.create_task(asyncio.sleep(3600)) for _ in range(count)]
    return loop, tasks


def settle(loop: asyncio.AbstractEventLoop, tasks: list[asyncio.Task[Any]]) -> None:
    for task in tasks:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
    loop.close()


def test_only_the_requests_past_their_deadline_are_cancelled() -> None:
    clock = ManualClock()
    deadlines = Deadlines(clock)  # type: ignore[arg-type]
    loop, tasks = deadlines_with_tasks(3)
    try:
        for n, task in enumerate(tasks):
            clock.now = float(n)
            deadlines.add(task, task, 10.0)  # deadlines 10, 11, 12
        clock.advance(10.5)
        assert [deadlines.expired(t) for t in tasks] == [True, False, False]
        assert tasks[0].cancelling() == 1 and tasks[1].cancelling() == 0
        assert [t.when for t in clock.pending()] == [11.0]  # due again at the next deadline
        deadlines.remove(tasks[0])
        clock.advance(12.0)
        assert [deadlines.expired(t) for t in tasks[1:]] == [True, True]
        assert clock.pending() == []  # nothing waits past its deadline: no timer
    finally:
        settle(loop, tasks)


def test_a_body_in_time_is_never_cancelled_and_leaves_nothing_behind() -> None:
    clock = ManualClock()
    deadlines = Deadlines(clock)  # type: ignore[arg-type]
    loop, tasks = deadlines_with_tasks(2)
    try:
        deadlines.add(tasks[0], tasks[0], 5.0)
        deadlines.add(tasks[1], tasks[1], 5.0)
        deadlines.remove(tasks[0])
        deadlines.remove(tasks[1])
        clock.advance(100.0)
        assert not any(deadlines.expired(t) for t in tasks)
        assert all(t.cancelling() == 0 for t in tasks)
        assert deadlines.waiting() == 0 and clock.pending() == []
    finally:
        settle(loop, tasks)


def test_one_timer_serves_every_waiting_request() -> None:
    """The point of the table: a hundred requests waiting at once make one timer, not a hundred."""
    clock = ManualClock()
    deadlines = Deadlines(clock)  # type: ignore[arg-type]
    loop, tasks = deadlines_with_tasks(100)
    try:
        for n, task in enumerate(tasks):
            clock.now = n / 100
            deadlines.add(task, task, 30.0)
        assert len(clock.timers) == 1
        clock.advance(31.0)
        assert all(deadlines.expired(t) for t in tasks)
    finally:
        settle(loop, tasks)


def test_a_shorter_timeout_set_later_is_kept() -> None:
    """The endpoint's body_timeout may be lowered while requests wait: a later, earlier deadline moves the timer."""
    clock = ManualClock()
    deadlines = Deadlines(clock)  # type: ignore[arg-type]
    loop, tasks = deadlines_with_tasks(2)
    try:
        deadlines.add(tasks[0], tasks[0], 30.0)
        clock.now = 1.0
        deadlines.add(tasks[1], tasks[1], 2.0)  # due at 3, before the first one's 30
        clock.advance(3.0)
        assert [deadlines.expired(t) for t in tasks] == [False, True]
        clock.advance(30.0)
        assert deadlines.expired(tasks[0])
    finally:
        settle(loop, tasks)


def test_a_timer_a_little_early_still_expires_its_request() -> None:
    """libuv counts timers in milliseconds: one may fire a hair before its due time and must not miss."""
    clock = ManualClock()
    deadlines = Deadlines(clock)  # type: ignore[arg-type]
    loop, tasks = deadlines_with_tasks(1)
    try:
        deadlines.add(tasks[0], tasks[0], 1.0)
        timer = clock.pending()[0]
        clock.now = 0.9995
        timer.callback()
        assert deadlines.expired(tasks[0])
    finally:
        settle(loop, tasks)


def test_the_tables_of_closed_loops_are_dropped() -> None:
    timer = DeadlineTables()
    old = asyncio.new_event_loop()
    first = timer.for_loop(old)
    assert timer.for_loop(old) is first
    old.close()
    new = asyncio.new_event_loop()
    try:
        assert timer.for_loop(new) is not first
        assert list(timer._tables) == [new]
    finally:
        new.close()


# ------------------------------------------------------------------ within, as asyncio.timeout


def test_within_times_out_a_wait_that_does_not_end() -> None:
    async def main() -> float:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(TimeoutError), within(0.05):
            await asyncio.sleep(3600)
        return loop.time() - started

    assert 0.04 <= asyncio.run(main()) < 5


def test_within_leaves_a_wait_that_ends_in_time_alone() -> None:
    async def main() -> tuple[str, int]:
        with within(5):
            await asyncio.sleep(0.01)
            value = "done"
        task = asyncio.current_task()
        assert task is not None
        return value, task.cancelling()

    assert asyncio.run(main()) == ("done", 0)


def test_within_none_or_outside_a_task_sets_no_limit() -> None:
    with within(0.001):  # no task here: nothing to cancel, nothing raised
        pass

    async def main() -> None:
        with within(None):
            await asyncio.sleep(0.05)

    asyncio.run(main())


def test_nested_withins_each_time_out_their_own_block() -> None:
    """As asyncio.timeout: an inner block's timeout is the inner block's; an outer one's ends the outer block."""

    async def main() -> list[str]:
        seen = []
        with within(30):
            try:
                with within(0.05):
                    await asyncio.sleep(3600)
            except TimeoutError:
                seen.append("inner timed out")
            await asyncio.sleep(0.01)  # the outer block goes on, untouched
            seen.append("outer went on")
        try:
            with within(0.05), within(30):
                await asyncio.sleep(3600)
        except TimeoutError:
            seen.append("outer timed out")
        task = asyncio.current_task()
        assert task is not None and task.cancelling() == 0
        return seen

    assert asyncio.run(main()) == ["inner timed out", "outer went on", "outer timed out"]


def test_within_keeps_an_outside_cancellation() -> None:
    """A task cancelled from outside while it waits is cancelled, not timed out."""

    async def waiter() -> None:
        with within(30):
            await asyncio.sleep(3600)

    async def main() -> None:
        task = asyncio.create_task(waiter())
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())


# ------------------------------------------------------------------ through the endpoint


async def call(app: Any, receive: Callable[[], Any]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope(), receive, send)
    return sent


def later(body: bytes | None, delay: float) -> Callable[[], Any]:
    """A receive whose body comes after ``delay`` (None: never)."""

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(delay if body is not None else 3600)
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def test_slow_and_quick_bodies_at_once_each_get_their_own_answer() -> None:
    """Requests waiting together on one loop: those whose body never comes get 408 at the deadline, those
    whose body comes in time are served, whatever the order they came in."""
    app = make_app(Seen(), 0.5)

    async def main() -> list[list[dict[str, Any]]]:
        receives = [later(None, 0), later(BODY, 0.02), later(None, 0), later(BODY, 0.05)]
        return await asyncio.wait_for(asyncio.gather(*(call(app, r) for r in receives)), 10)

    answers = asyncio.run(main())
    assert [a[0]["status"] for a in answers] == [408, 200, 408, 200]
    assert b"did not arrive within 0.5 s" in answers[0][1]["body"]
    assert b"Hi there Slow" in answers[1][1]["body"]


def test_a_request_cancelled_from_outside_while_its_body_comes_stays_cancelled() -> None:
    """A server shutting down cancels the requests still reading: that is not a 408 of the body timeout."""
    app = make_app(Seen(), 30.0)

    async def main() -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = []

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        task = asyncio.create_task(app(scope(), later(None, 0), send))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return sent

    assert asyncio.run(main()) == []
