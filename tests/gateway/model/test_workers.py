"""The worker pool that runs plain methods off the event loop: every job runs and answers its own caller,
however many arrive at once, and none waits behind a method that blocks. No test depends on timing: they
wait on events with generous bounds."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable, Iterator

import pytest

from gateway.model.workers import PoolLoad, WorkerPool

SEEN: contextvars.ContextVar[str] = contextvars.ContextVar("SEEN", default="-")


@pytest.fixture
def pools() -> Iterator[Callable[[int], WorkerPool]]:
    """Worker pools of a test (``pools(max_workers)``), shut down after it."""
    made: list[WorkerPool] = []

    def make(max_workers: int) -> WorkerPool:
        made.append(WorkerPool(max_workers=max_workers, name=f"test-{len(made)}"))
        return made[-1]

    yield make
    for pool in made:
        pool.shutdown()


def test_a_burst_of_jobs_each_answers_its_own_caller(pools: Callable[[int], WorkerPool]) -> None:
    pool = pools(4)

    async def main() -> list[int]:
        futures = [pool.run(lambda n: n * n, n) for n in range(300)]  # all queued before any runs
        return list(await asyncio.wait_for(asyncio.gather(*futures), 30))

    assert asyncio.run(main()) == [n * n for n in range(300)]
    assert pool.load().busy == 0 and pool.load().queued == 0 and 1 <= pool.load().threads <= 4


def test_a_job_queued_behind_a_blocking_one_still_runs(pools: Callable[[int], WorkerPool]) -> None:
    pool = pools(4)
    gate = threading.Event()

    async def main() -> str:
        blocked = pool.run(gate.wait, 30)
        quick = pool.run(str.upper, "done")  # queued in the same loop turn, behind the blocked one
        try:
            return str(await asyncio.wait_for(quick, 30))
        finally:
            gate.set()
            await asyncio.wait_for(blocked, 30)

    assert asyncio.run(main()) == "DONE"


def test_with_every_thread_busy_jobs_wait_in_the_queue_and_then_run(pools: Callable[[int], WorkerPool]) -> None:
    pool = pools(1)
    gate = threading.Event()
    started = threading.Event()

    def hold() -> str:
        started.set()
        gate.wait(30)
        return "held"

    async def main() -> list[str]:
        first = pool.run(hold)
        rest = [pool.run(str, n) for n in range(5)]
        assert await asyncio.to_thread(started.wait, 30)
        assert pool.load() == PoolLoad(threads=1, busy=1, queued=5)
        gate.set()
        return [await asyncio.wait_for(f, 30) for f in (first, *rest)]

    assert asyncio.run(main()) == ["held", "0", "1", "2", "3", "4"]
    assert pool.load() == PoolLoad(threads=1, busy=0, queued=0)


def test_errors_reach_the_caller_and_context_variables_are_the_callers(pools: Callable[[int], WorkerPool]) -> None:
    pool = pools(2)

    def fail() -> None:
        raise KeyError("nope")

    async def main() -> str:
        SEEN.set("caller")
        with pytest.raises(KeyError, match="nope"):
            await asyncio.wait_for(pool.run(fail), 30)
        return str(await asyncio.wait_for(pool.run(SEEN.get), 30))

    assert asyncio.run(main()) == "caller"


def test_a_cancelled_caller_does_not_stop_the_others(pools: Callable[[int], WorkerPool]) -> None:
    pool = pools(1)
    gate = threading.Event()

    async def main() -> int:
        blocked = pool.run(gate.wait, 30)
        dropped = pool.run(int, "1")
        kept = pool.run(int, "2")
        dropped.cancel()
        gate.set()
        await asyncio.wait_for(blocked, 30)
        return int(await asyncio.wait_for(kept, 30))

    assert asyncio.run(main()) == 2


def test_results_reach_each_event_loop_that_asked(pools: Callable[[int], WorkerPool]) -> None:
    pool = pools(2)

    async def main(tag: str) -> list[str]:
        futures = [pool.run(str.__add__, tag, str(n)) for n in range(20)]
        return list(await asyncio.wait_for(asyncio.gather(*futures), 30))

    for tag in ("a", "b", "a"):  # a new loop each time, the pool the same
        assert asyncio.run(main(tag)) == [f"{tag}{n}" for n in range(20)]
