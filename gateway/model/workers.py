"""The worker threads that run synchronous remote methods off the event loop.

A minimal hand-off, measured an order of magnitude cheaper per call than ``anyio.to_thread`` and
``loop.run_in_executor`` (benchmarks/README.md), and built so that a busy server does not pay a thread
wake-up per call: on a loaded server (one core, one GIL) a wake-up is two context switches and a GIL
hand-over, and it was a fifth of the server's time (py-spy under wrk). So a worker that is awake, or
already woken, drains the queue: a job wakes a sleeping thread only when no worker is awake to take it, and
a worker taking a job while others wait hands the queue on to a second one first (so no job waits behind a
method that blocks). Results go back to the event loop in batches, one wake-up of the loop for every
result that arrived before the loop got to them.

Threads start on demand up to ``max_workers``; each call runs in a copy of the caller's context, so context
variables behave as with ``asyncio.to_thread``. A cancelled caller does not interrupt a method already
running: its result is simply dropped. A forked child (a pre-fork server's worker) starts over: no thread of
the parent runs in it, so it starts its own.

Two details keep a hop cheap when the event loop and the workers share one core (measured pinned to one core,
``benchmarks/README.md``, "Session 9": ~20 µs and six context switches a hop before, ~12 µs and two after):

* a result wakes its loop through a pipe written by ``os.write``, which releases the GIL for the write, so the
  loop thread that wakes finds the GIL free (``call_soon_threadsafe`` writes its wake-up byte holding the
  GIL: the woken loop pre-empted the worker only to block on the GIL, and switched back);
* worker threads run under ``SCHED_BATCH`` (Linux), so a job waking one does not pre-empt the event loop that
  submitted it: the worker could only block on the GIL the loop holds; it runs when the loop waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
import queue
import threading
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any, NamedTuple

_Result = tuple["asyncio.Future[Any]", Any, BaseException | None]


class _Inbox:
    """The results waiting for one event loop, handed over in batches (one wake-up of the loop for all the
    results that arrive before it runs).

    The loop is woken through a pipe of its own (read by ``loop.add_reader``), written with the GIL released;
    a loop without ``add_reader`` (Windows' proactor), or a process without a file descriptor to spare for
    the pipe, is woken by ``call_soon_threadsafe``. The inbox holds its loop only weakly, so a loop nobody uses
    any more is collected; the pipe is closed with the inbox, once neither the loop's reader nor a running job
    refers to it (so a worker never writes to a closed pipe)."""

    __slots__ = ("__weakref__", "_loop", "_read_fd", "_write_fd", "results", "scheduled")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = weakref.ref(loop)
        self.results: deque[_Result] = deque()
        self.scheduled = False
        self._read_fd = self._write_fd = -1
        try:
            read_fd, write_fd = os.pipe()
        except OSError:  # no file descriptor to spare (a server at its limit): the loop's own wake-up
            return
        try:
            os.set_blocking(read_fd, False)
            os.set_blocking(write_fd, False)
            loop.add_reader(read_fd, self._wake_read)
        except NotImplementedError:
            _close(read_fd, write_fd)
            return
        self._read_fd, self._write_fd = read_fd, write_fd
        weakref.finalize(self, _close, read_fd, write_fd)

    def deliver(self, future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
        """(worker thread) Queue a result; wake the loop unless a drain is already on its way. The result is
        queued before the flag is read, and a drain consumes the wake-up bytes before it clears the flag and
        clears the flag before it reads the queue: whichever way the threads interleave, every result is
        drained and a set flag always has a wake-up on its way."""
        self.results.append((future, result, error))
        if not self.scheduled:
            self.scheduled = True
            if self._write_fd >= 0:
                try:  # noqa: SIM105  (try, not contextlib.suppress: ~3.7k instructions less on every hop)
                    os.write(self._write_fd, b"\0")
                except OSError:  # a full pipe already holds a wake-up
                    pass
                return
            loop = self._loop()
            if loop is not None:
                with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
                    loop.call_soon_threadsafe(self._drain)

    def _wake_read(self) -> None:
        """(event loop) The pipe is readable: take its bytes, then settle the results."""
        try:  # noqa: SIM105  (as in deliver)
            os.read(self._read_fd, 512)
        except OSError:  # (nothing there: another drain took it)
            pass
        self._drain()

    def _drain(self) -> None:
        """(event loop) Settle every result queued so far."""
        self.scheduled = False
        results = self.results
        while results:
            future, result, error = results.popleft()
            if future.cancelled():
                continue
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)


def _close(*fds: int) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def _batch_priority() -> None:
    """(worker thread) Run this thread under ``SCHED_BATCH`` where Linux offers it: woken by a job, it does
    not pre-empt the event loop (which holds the GIL the worker would wait for). Nothing changes elsewhere."""
    policy = getattr(os, "SCHED_BATCH", None)
    if policy is not None and hasattr(os, "sched_setscheduler"):
        with contextlib.suppress(OSError):  # not allowed here: the thread keeps the default policy
            os.sched_setscheduler(0, policy, os.sched_param(0))


def _call_if_alive(method: weakref.WeakMethod[Callable[[], None]]) -> None:
    bound = method()
    if bound is not None:
        bound()


_Job = tuple[_Inbox, "asyncio.Future[Any]", contextvars.Context, Callable[..., Any], tuple[Any, ...]]


class PoolLoad(NamedTuple):
    """A reading of the pool: threads started, threads running a job, jobs waiting for a thread."""

    threads: int
    busy: int
    queued: int


class WorkerPool:
    """Worker threads for plain methods. Every count is changed under ``_lock``; ``_spare`` counts the workers
    awake (or woken) and not running a job: each one will look at the queue before it sleeps, so while one
    exists a new job needs no wake-up. The invariant: a job in the queue always has a spare worker coming
    for it, unless every thread (``max_workers``) is running a job, and then the first one to finish takes it."""

    def __init__(self, max_workers: int | None = None, name: str = "remoting-worker") -> None:
        self.max_workers = max_workers or min(64, (os.cpu_count() or 1) + 32)
        self._name = name
        self._start_over()
        if hasattr(os, "register_at_fork"):  # (weakly: a pool nobody uses any more is not kept for it)
            reset = weakref.WeakMethod(self._start_over)
            os.register_at_fork(after_in_child=lambda: _call_if_alive(reset))

    def _start_over(self) -> None:
        """No thread, no job, no inbox: a new pool, and the child of a fork (none of the parent's threads runs
        there, nor its loops; a lock the parent held while forking is replaced; the inherited pipes close with
        the inboxes dropped here)."""
        self._jobs: deque[_Job] = deque()
        #: a token per wake-up (None: exit) for the sleeping workers
        self._wake: queue.SimpleQueue[bool | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._spare = 0
        self._sleeping = 0
        self._busy = 0
        self._inbox: tuple[asyncio.AbstractEventLoop | None, _Inbox | None] = (None, None)
        #: every loop's inbox (a loop's reader keeps its inbox; a loop that is collected leaves the table)
        self._inboxes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Inbox] = weakref.WeakKeyDictionary()

    def run(self, fn: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        """Run ``fn(*args)`` on a worker thread; await the returned future for its result."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        last_loop, inbox = self._inbox
        if last_loop is not loop or inbox is None:
            inbox = self._inbox_of(loop)
        self._jobs.append((inbox, future, contextvars.copy_context(), fn, args))  # before the counts are read
        with self._lock:
            if self._spare == 0:
                if self._sleeping:  # (_add_spare's usual case, inline: this runs on every call)
                    self._sleeping -= 1
                    self._spare += 1
                    self._wake.put(True)
                else:
                    self._add_spare()
        return future

    def _inbox_of(self, loop: asyncio.AbstractEventLoop) -> _Inbox:
        """(event loop) ``loop``'s inbox, made on its first job; remembered as the last one used."""
        with self._lock:  # two loops in two threads may ask at once
            inbox = self._inboxes.get(loop)
            if inbox is None:
                inbox = self._inboxes[loop] = _Inbox(loop)
            self._inbox = (loop, inbox)
        return inbox

    def _add_spare(self) -> None:
        """(under ``_lock``) Make one more worker spare: wake a sleeping one, or start one; with every thread
        running a job, nothing (the first to finish takes the queue)."""
        if self._sleeping:
            self._sleeping -= 1
            self._spare += 1
            self._wake.put(True)
        elif self._threads < self.max_workers:
            self._threads += 1
            self._spare += 1
            threading.Thread(target=self._work, name=f"{self._name}-{self._threads}", daemon=True).start()

    def _work(self) -> None:
        _batch_priority()
        jobs, lock = self._jobs, self._lock
        sleep = False
        while True:  # spare here, unless counted asleep (sleep)
            if sleep:
                if self._wake.get() is None:  # woken to exit (else the waker made this worker spare again)
                    with lock:
                        self._sleeping -= 1
                        self._threads -= 1
                    return
                sleep = False
            if jobs:
                try:
                    inbox, future, context, fn, args = jobs.popleft()
                except IndexError:  # another worker took it first
                    continue
            else:
                with lock:
                    if jobs:  # a job came after the look, counting on this worker: take it
                        continue
                    self._spare -= 1
                    self._sleeping += 1
                sleep = True
                continue
            with lock:
                self._spare -= 1
                self._busy += 1
                if jobs and self._spare == 0:  # others wait: another worker takes them if this job blocks
                    self._add_spare()
            result: Any = None
            error: BaseException | None = None
            try:
                result = context.run(fn, *args)
            except BaseException as exc:  # handed to the caller, whatever it is
                error = exc
            # The thread counts as idle before the caller hears the result, so a load() read after the
            # future settles never shows this finished job as busy: spare when more jobs wait, else asleep
            # at once (one look at the queue and one lock for both; a job queued from now on wakes it).
            with lock:
                self._busy -= 1
                sleep = not jobs
                if sleep:
                    self._sleeping += 1
                else:
                    self._spare += 1
            inbox.deliver(future, result, error)
            del inbox, future, context, fn, args, result, error  # nothing of the call outlives it here

    def load(self) -> PoolLoad:
        """How loaded the pool is now (read by the metrics at scrape time): ``queued`` counts jobs no worker
        has taken yet (a queue that stays above zero means every thread is busy)."""
        with self._lock:
            return PoolLoad(self._threads, self._busy, len(self._jobs))

    def running(self) -> bool:
        """Whether a job waits or runs now, or a worker is awake to take one (it has popped a job before it
        counts itself busy). Read without the lock, so a hint (the spin-wait's: an event loop must not keep
        the GIL and the core from a worker), but a cheap one: three reads a turn of the loop."""
        return bool(self._busy or self._jobs or self._spare)

    def shutdown(self) -> None:
        """Let every thread exit once the queue is empty (no job may be submitted afterwards)."""
        with self._lock:
            count = self._threads
        for _ in range(count):
            self._wake.put(None)


#: Shared by every application in the process (like the default thread pool of asyncio).
WORKERS = WorkerPool()
