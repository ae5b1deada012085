"""Serving calls on a thread that is not the event loop's: the TCP channel's connection threads (Mono's model).

With ``TcpChannel(threads=True)`` (the default) each connection has a thread of its own that runs the whole
call there, as Mono's and .NET's ``TcpChannel`` do: the sink chain, the formatter, the dispatcher and a plain
``def`` method run on that thread one after another, with no hand-off to a worker and back (two context
switches a call on the event loop's path, docs/tcp.md "Performance"). What belongs to the event loop still
runs there: an ``async def`` method, a call to a ContextBoundObject (serialized by an ``asyncio.Lock``) and
the body of a one-way call are handed to the loop and, except the one-way call, waited for.

The pieces:

* :func:`handoff_loop`: the event loop a connection thread hands such work to (None on the loop itself, on
  worker threads and anywhere else): the dispatcher asks it on every call to know where it runs.
* :func:`run_to_end`: drives the chain's coroutine to its end on this thread. The chain of a channel that
  runs off the loop never suspends (every sink in it finishes without awaiting the loop: see
  :func:`off_loop_obstacle`); one that does anyway is stopped and reported (:class:`ChainSuspended`), never
  left half-run on a thread that has no loop.
* :func:`on_loop`: runs an awaitable on the loop, in a copy of this thread's context (the call context and
  the principal go along), and waits for it; the call context it left comes back, as from a worker.
  :func:`loop_was_needed` tells the connection afterwards, which then hands itself to the loop, where such
  calls cost no hand-off.

The identity table, the leases and the call statistics take locks of their own, as they did already for
plain methods on worker threads (which marshal objects and renew leases from there).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from ..model.call_context import CURRENT_CONTEXT, run_capturing_async
from .metrics_sink import CallMetricsSink
from .sinks import RequestLoggingSink

T = TypeVar("T")

_THREAD = threading.local()


class ChainSuspended(RuntimeError):
    """The sink chain awaited something on a connection thread, where nothing can be awaited: a sink or an
    inspector that needs the event loop was not found beforehand (a bug to report, or a sink to mark)."""


def handoff_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop this thread hands loop-bound work to: set on a TCP connection thread, else None."""
    return getattr(_THREAD, "loop", None)


def serve_off_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Mark the calling thread (for its whole life) as a connection thread of ``loop``."""
    _THREAD.loop = loop


def run_to_end(awaitable: Awaitable[T]) -> T:
    """The result of ``awaitable``, driven on this thread; it must not suspend (:class:`ChainSuspended` when it
    does: it is closed first, so no ``finally`` of it is left pending)."""
    steps = awaitable.__await__()
    try:
        waited = steps.send(None)
    except StopIteration as done:
        value: T = done.value
        return value
    close = getattr(steps, "close", None)
    if close is not None:
        close()
    raise ChainSuspended(
        f"the call awaited {type(waited).__name__} on a TCP connection thread; a sink, inspector or method that "
        "awaits the event loop cannot run there (docs/tcp.md, 'Threads')"
    )


def on_loop(loop: asyncio.AbstractEventLoop, make: Callable[..., Awaitable[T]], *args: Any) -> T:
    """``await make(*args)`` on ``loop``, from a connection thread, waited for; the call context the awaitable
    left is installed here (an exception carries it, as :func:`~gateway.model.call_context.run_capturing`'s)."""
    # (the task starts in a copy of this thread's context: run_coroutine_threadsafe schedules it with
    # call_soon_threadsafe, which copies the calling thread's context, and the task copies that one)
    _THREAD.needed_loop = True
    value, state = asyncio.run_coroutine_threadsafe(run_capturing_async(make, *args), loop).result()
    CURRENT_CONTEXT.set(state)
    result: T = value
    return result


def loop_was_needed() -> bool:
    """Whether a call on this thread waited for the event loop (:func:`on_loop`) since the last time asked."""
    needed: bool = getattr(_THREAD, "needed_loop", False)
    _THREAD.needed_loop = False
    return needed


def off_loop_obstacle(sinks: Iterable[object], inspectors: Iterable[object], scaled_out: bool) -> str | None:
    """Why a channel's sink chain cannot run on connection threads, or None when it can.

    A sink may run there when it finishes without awaiting the event loop: the request-logging and
    call-measuring sinks, and any sink whose ``off_loop_safe`` attribute is true (the authentication sink
    with in-process verifiers says so). Call inspectors are awaited, and the scale-out runtime's store and
    forwarding are the loop's: with them, every connection is served by the event loop."""
    if scaled_out:
        return "the scale-out runtime runs (its shared store and forwarding are the event loop's)"
    if any(True for _ in inspectors):
        return "call inspectors are installed (they are awaited on the event loop)"
    for sink in sinks:
        if type(sink) in (RequestLoggingSink, CallMetricsSink) or getattr(sink, "off_loop_safe", False) is True:
            continue
        return f"the sink {type(sink).__name__} may await the event loop (off_loop_safe = True says it never does)"
    return None
