"""The worker threads that run synchronous remote methods off the event loop.

A minimal hand-off, measured an order of magnitude cheaper per call than ``anyio.to_thread`` and
``loop.run_in_executor`` (benchmarks/README.md): a ``SimpleQueue`` in, ``call_soon_threadsafe`` out.
Threads start on demand up to ``max_workers`` (an idle one is reused first); each call runs in a copy of
the caller's context, so context variables behave as with ``asyncio.to_thread``. A cancelled caller does
not interrupt a method already running: its result is simply dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
import queue
import threading
from collections.abc import Callable
from typing import Any, NamedTuple

_Job = tuple[asyncio.AbstractEventLoop, asyncio.Future[Any], contextvars.Context, Callable[..., Any], tuple[Any, ...]]


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class PoolLoad(NamedTuple):
    """A reading of the pool: threads started, threads running a job, jobs waiting for a thread."""

    threads: int
    busy: int
    queued: int


class WorkerPool:
    def __init__(self, max_workers: int | None = None, name: str = "remoting-worker") -> None:
        self.max_workers = max_workers or min(64, (os.cpu_count() or 1) + 32)
        self._name = name
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0
        self._busy = 0

    def run(self, fn: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        """Run ``fn(*args)`` on a worker thread; await the returned future for its result."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        with self._lock:
            if self._idle == 0 and self._threads < self.max_workers:
                self._threads += 1
                threading.Thread(target=self._work, name=f"{self._name}-{self._threads}", daemon=True).start()
            else:
                self._idle -= 1 if self._idle else 0
        self._jobs.put((loop, future, contextvars.copy_context(), fn, args))
        return future

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            with self._lock:
                self._busy += 1
            loop, future, context, fn, args = job
            result: Any = None
            error: BaseException | None = None
            try:
                result = context.run(fn, *args)
            except BaseException as exc:  # handed to the caller, whatever it is
                error = exc
            # The thread counts as idle before the caller hears the result, so a load() read after the
            # future settles never shows this finished job as busy.
            with self._lock:
                self._idle += 1
                self._busy -= 1
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
                loop.call_soon_threadsafe(_settle, future, result, error)

    def load(self) -> PoolLoad:
        """How loaded the pool is now (read by the metrics at scrape time).

        ``queued`` counts jobs not yet taken by a thread, so it includes a job handed to an idle thread
        that has not woken up yet; a queue that stays above zero means every thread is busy.
        """
        with self._lock:
            threads, busy = self._threads, self._busy
        return PoolLoad(threads, busy, self._jobs.qsize())

    def shutdown(self) -> None:
        with self._lock:
            count, self._threads, self._idle = self._threads, 0, 0
        for _ in range(count):
            self._jobs.put(None)


#: Shared by every application in the process (like the default thread pool of asyncio).
WORKERS = WorkerPool()
