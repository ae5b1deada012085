"""The worker pool that runs plain methods off the event loop: every job runs and answers its own caller,
however many arrive at once, and none waits behind a method that blocks. No test depends on timing: they
wait on events with generous bounds."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

from gateway.model.workers import PoolLoad, WorkerPool

SEEN: contextvars.ContextVar[str] = contextvars.ContextVar("SEEN", default="-")


def test_a_burst_of_jobs_each_answers_its_own_caller() -> None:
    pool = WorkerPool(max_workers=4, name="burst")

    async def main() -> list[int]:
        futures = [pool.run(lambda n: n * n, n) for n in range(300)]  # all queued before any runs
        return list(await asyncio.wait_for(asyncio.gather(*futures), 30))

    try:
        assert asyncio.run(main()) == [n * n for n in range(300)]
        assert pool.load().busy == 0 and pool.load().queued == 0 and 1 <= pool.load().threads <= 4
    finally:
        pool.shutdown()


def test_a_job_queued_behind_a_blocking_one_still_runs() -> None:
    pool = WorkerPool(max_workers=4, name="blocking")
    gate = threading.Event()

    async def main() -> str:
        blocked = pool.run(gate.wait, 30)
        quick = pool.run(str.upper, "done")  # queued in the same loop turn, behind the blocked one
        try:
            return str(await asyncio.wait_for(quick, 30))
        finally:
            gate.set()
            await asyncio.wait_for(blocked, 30)

    try:
        assert asyncio.run(main()) == "DONE"
    finally:
        pool.shutdown()


def test_with_every_thread_busy_jobs_wait_in_the_queue_and_then_run() -> None:
    pool = WorkerPool(max_workers=1, name="one")
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

    try:
        assert asyncio.run(main()) == ["held", "0", "1", "2", "3", "4"]
        assert pool.load() == PoolLoad(threads=1, busy=0, queued=0)
    finally:
        pool.shutdown()


def test_errors_reach_the_caller_and_context_variables_are_the_callers() -> None:
    pool = WorkerPool(max_workers=2, name="errors")

    def fail() -> None:
        raise KeyError("nope")

    async def main() -> str:
        SEEN.set("caller")
        with pytest.raises(KeyError, match="nope"):
            await asyncio.wait_for(pool.run(fail), 30)
        return str(await asyncio.wait_for(pool.run(SEEN.get), 30))

    try:
        assert asyncio.run(main()) == "caller"
    finally:
        pool.shutdown()


def test_a_cancelled_caller_does_not_stop_the_others() -> None:
    pool = WorkerPool(max_workers=1, name="cancel")
    gate = threading.Event()

    async def main() -> int:
        blocked = pool.run(gate.wait, 30)
        dropped = pool.run(int, "1")
        kept = pool.run(int, "2")
        dropped.cancel()
        gate.set()
        await asyncio.wait_for(blocked, 30)
        return int(await asyncio.wait_for(kept, 30))

    try:
        assert asyncio.run(main()) == 2
    finally:
        pool.shutdown()


def test_results_reach_each_event_loop_that_asked() -> None:
    pool = WorkerPool(max_workers=2, name="loops")

    async def main(tag: str) -> list[str]:
        futures = [pool.run(str.__add__, tag, str(n)) for n in range(20)]
        return list(await asyncio.wait_for(asyncio.gather(*futures), 30))

    try:
        for tag in ("a", "b", "a"):  # a new loop each time, the pool the same
            assert asyncio.run(main(tag)) == [f"{tag}{n}" for n in range(20)]
    finally:
        pool.shutdown()
