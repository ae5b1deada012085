"""The spin-wait after a reply: the loop polls for ``window`` after the last reply and then sleeps again; it
never polls while a worker thread runs a plain method, and a window of zero turns it off. The clock is
injected and the loop's turns are run by hand, so nothing depends on timing."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from gateway.model.spin_wait import SpinWait
from gateway.model.workers import WorkerPool


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class TurnByTurnLoop:
    """The part of an event loop the spin-wait uses: ``call_soon``, with each turn of the loop run by hand."""

    def __init__(self) -> None:
        self.ready: list[tuple[Callable[..., None], tuple[Any, ...]]] = []

    def call_soon(self, callback: Callable[..., None], *args: Any) -> None:
        self.ready.append((callback, args))

    def turn(self) -> None:
        ready, self.ready = self.ready, []
        for callback, args in ready:
            callback(*args)


def spinner(window: float, busy: Callable[[], bool] = lambda: False) -> tuple[SpinWait, Clock, TurnByTurnLoop]:
    clock = Clock()
    return SpinWait(window, clock=clock, busy=busy), clock, TurnByTurnLoop()


def test_the_loop_polls_for_the_window_after_a_reply_and_then_sleeps() -> None:
    spin, clock, loop = spinner(100e-6)
    spin.kick(loop)  # type: ignore[arg-type]
    for _ in range(5):  # within the window: each turn leaves a callback ready, so the loop does not sleep
        clock.now += 10e-6
        loop.turn()
        assert spin.spinning and len(loop.ready) == 1
    clock.now += 60e-6  # 110 us after the reply
    loop.turn()
    assert not spin.spinning and loop.ready == []  # nothing ready: the loop sleeps in its selector
    assert spin.steps == 5


def test_each_reply_starts_the_window_again_with_one_poller() -> None:
    spin, clock, loop = spinner(100e-6)
    spin.kick(loop)  # type: ignore[arg-type]
    clock.now += 90e-6
    spin.kick(loop)  # type: ignore[arg-type]  # a second reply while polling: the same poller, a new deadline
    assert len(loop.ready) == 1
    clock.now += 90e-6  # 180 us after the first reply, 90 after the second
    loop.turn()
    assert spin.spinning
    clock.now += 20e-6
    loop.turn()
    assert not spin.spinning
    spin.kick(loop)  # type: ignore[arg-type]  # and a reply after it stopped starts it again
    assert spin.spinning and len(loop.ready) == 1


def test_no_polling_while_a_worker_thread_runs_a_method() -> None:
    running = [False]
    spin, _, loop = spinner(100e-6, busy=lambda: running[0])
    spin.kick(loop)  # type: ignore[arg-type]
    loop.turn()
    assert spin.spinning
    running[0] = True  # a plain method started on a worker: it needs the GIL and the core
    loop.turn()
    assert not spin.spinning and loop.ready == []


def test_polling_moves_to_the_loop_that_kicks_it() -> None:
    """A server restarted on a new loop polls there, though its old loop closed while it polled."""
    spin, clock, old = spinner(100e-6)
    spin.kick(old)  # type: ignore[arg-type]
    old.turn()  # ... and the old loop is never run again
    new = TurnByTurnLoop()
    spin.kick(new)  # type: ignore[arg-type]
    assert spin.spinning and len(new.ready) == 1
    old.turn()  # a step left on the old loop, should it ever run: it stops there
    assert old.ready == [] and spin.spinning
    clock.now += 200e-6
    new.turn()
    assert not spin.spinning and new.ready == []


def test_a_window_of_zero_is_off() -> None:
    spin, _, loop = spinner(0.0)
    spin.kick(loop)  # type: ignore[arg-type]
    assert not spin.spinning and loop.ready == []


def test_the_worker_pool_says_when_a_job_waits_or_runs() -> None:
    pool = WorkerPool(max_workers=1, name="test-spin")
    started, gate = threading.Event(), threading.Event()

    def job() -> str:
        started.set()
        gate.wait(30)
        return "done"

    async def main() -> tuple[bool, bool, str, bool]:
        before = pool.running()
        future = pool.run(job)
        queued = pool.running()  # waiting for its thread, or running already
        assert await asyncio.get_running_loop().run_in_executor(None, started.wait, 30)
        assert pool.running()
        gate.set()
        result = str(await asyncio.wait_for(future, 30))
        return before, queued, result, pool.running()

    try:
        assert asyncio.run(main()) == (False, True, "done", False)
    finally:
        pool.shutdown()


def test_on_a_real_loop_the_poller_keeps_other_callbacks_running_and_stops_by_itself() -> None:
    async def main() -> tuple[int, bool, list[int]]:
        spin = SpinWait(0.002)  # 2 ms
        loop = asyncio.get_running_loop()
        seen: list[int] = []
        spin.kick(loop)
        for n in range(3):  # other work on the loop goes on while it polls
            loop.call_soon(seen.append, n)
            await asyncio.sleep(0)
        deadline = loop.time() + 10
        while spin.spinning and loop.time() < deadline:
            await asyncio.sleep(0.01)  # a timer: it fires while the loop polls, and after it sleeps again
        return spin.steps, spin.spinning, seen

    steps, spinning, seen = asyncio.run(main())
    assert steps > 0 and not spinning and seen == [0, 1, 2]
