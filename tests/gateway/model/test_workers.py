"""The worker pool that runs plain methods off the event loop: every job runs and answers its own caller,
however many arrive at once, and none waits behind a method that blocks. No test depends on timing: they
wait on events with generous bounds."""

from __future__ import annotations

import asyncio
import contextvars
import errno
import gc
import os
import subprocess
import sys
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


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts open files through /proc (Linux)")
def test_event_loops_that_are_gone_leave_no_wake_up_pipe_open(pools: Callable[[int], WorkerPool]) -> None:
    """Each loop is woken through a pipe of its own: a server or test making loop after loop (asyncio.run)
    must not leak them, and a loop asking again reuses its own."""
    pool = pools(2)

    async def main() -> list[int]:
        return [int(await asyncio.wait_for(pool.run(abs, -n), 30)) for n in range(5)]

    asyncio.run(main())
    gc.collect()
    before = _open_fds()
    for _ in range(30):
        assert asyncio.run(main()) == [0, 1, 2, 3, 4]
    gc.collect()
    assert _open_fds() <= before  # the last loop's pipe replaces the first one's


def test_two_loops_in_two_threads_share_the_pool_each_with_its_own_wake_up(
    pools: Callable[[int], WorkerPool],
) -> None:
    """A client loop in one thread and a server loop in another (as the tests and the in-process client
    run): calls alternate between them, each result reaches its own loop, and no call makes a new pipe."""
    pool = pools(4)
    turns = [threading.Semaphore(1), threading.Semaphore(0)]
    results: dict[str, list[str]] = {"a": [], "b": []}
    fds: list[int] = []

    def run(index: int, tag: str) -> None:
        async def main() -> None:
            for n in range(50):
                assert turns[index].acquire(timeout=30)
                results[tag].append(str(await asyncio.wait_for(pool.run(str.__add__, tag, str(n)), 30)))
                if n == 1 and index == 1:
                    fds.append(_open_fds())
                turns[1 - index].release()

        asyncio.run(main())

    threads = [threading.Thread(target=run, args=(i, tag)) for i, tag in enumerate("ab")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert results == {tag: [f"{tag}{n}" for n in range(50)] for tag in "ab"}
    if os.path.isdir("/proc/self/fd"):
        assert fds and _open_fds() <= fds[0]  # (both loops' pipes were open at that point)


def test_a_loop_without_readers_is_woken_from_the_worker_thread(pools: Callable[[int], WorkerPool]) -> None:
    """An event loop without ``add_reader`` (Windows' proactor) gets its results through
    ``call_soon_threadsafe``."""
    pool = pools(2)

    class NoReaders(asyncio.SelectorEventLoop):
        def add_reader(self, fd: object, callback: Callable[..., object], *args: object) -> None:
            raise NotImplementedError

    async def main() -> list[int]:
        return list(await asyncio.wait_for(asyncio.gather(*[pool.run(abs, -n) for n in range(20)]), 30))

    loop = NoReaders()
    try:
        assert loop.run_until_complete(main()) == list(range(20))
    finally:
        loop.close()


def test_with_no_file_descriptor_to_spare_results_still_arrive(
    pools: Callable[[int], WorkerPool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server at its open-files limit cannot make a loop's wake-up pipe: its calls still get answers."""
    pool = pools(2)

    def no_pipe() -> tuple[int, int]:
        raise OSError(errno.EMFILE, "Too many open files")

    monkeypatch.setattr(os, "pipe", no_pipe)

    async def main() -> list[int]:
        return list(await asyncio.wait_for(asyncio.gather(*[pool.run(abs, -n) for n in range(20)]), 30))

    assert asyncio.run(main()) == list(range(20))


@pytest.mark.skipif(not hasattr(os, "SCHED_BATCH"), reason="SCHED_BATCH is Linux's")
def test_worker_threads_run_under_sched_batch(pools: Callable[[int], WorkerPool]) -> None:
    """Woken by a job, a worker does not pre-empt the event loop that holds the GIL it would wait for."""
    pool = pools(2)

    async def main() -> int:
        return int(await asyncio.wait_for(pool.run(os.sched_getscheduler, 0), 30))

    assert asyncio.run(main()) == os.SCHED_BATCH
    assert os.sched_getscheduler(0) == os.SCHED_OTHER  # the loop's thread keeps its policy


_HOPS_ON_ONE_CORE = """
import asyncio, os, sys
from gateway.model.workers import WorkerPool

def preempted() -> int:
    total = 0
    for task in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{task}/status") as status:
            total += sum(int(line.split()[1]) for line in status if line.startswith("nonvoluntary_ctxt"))
    return total

os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
pool = WorkerPool(max_workers=4)

async def main() -> float:
    for _ in range(200):
        await pool.run(abs, -1)
    before = preempted()
    for _ in range(2000):
        await pool.run(abs, -1)
    return (preempted() - before) / 2000

import uvloop  # the server's loop (uvicorn's): it writes its own wake-up byte holding the GIL
print(uvloop.run(main()))
"""


@pytest.mark.skipif(
    not os.path.isdir("/proc/self/task") or not hasattr(os, "sched_setaffinity"),
    reason="reads each thread's context switches in /proc (Linux)",
)
def test_a_hop_on_one_core_does_not_wake_a_thread_only_to_wait_for_the_gil() -> None:
    """The server's loop (uvloop) and its workers pinned to one core, as a one-core container runs them: a hop
    pre-empts a thread well under once a call: about 0.4 (three times before: the woken worker pre-empted the
    loop only to block on its GIL, and the woken loop the worker, likewise; 0.8 with SCHED_BATCH but uvloop's
    own wake-up, written holding the GIL). Counted, not timed."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    done = subprocess.run(
        [sys.executable, "-c", _HOPS_ON_ONE_CORE], capture_output=True, text=True, timeout=120, cwd=root, check=True
    )
    assert float(done.stdout) < 0.6, done.stdout


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX's")
def test_a_forked_child_runs_jobs_on_threads_of_its_own(pools: Callable[[int], WorkerPool]) -> None:
    """A server forked after the pool had threads (gunicorn's pre-fork workers, a test runner): the child
    inherits the pool but none of its threads, and must start its own rather than wait for the parent's."""
    pool = pools(2)

    async def main(value: int) -> int:
        return int(await asyncio.wait_for(pool.run(abs, value), 10))

    assert asyncio.run(main(-1)) == 1  # the parent's threads exist now, asleep
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only if its job ran
        code = 1
        try:
            code = 0 if asyncio.run(main(-7)) == 7 else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert asyncio.run(main(-3)) == 3  # and the parent's pool goes on
