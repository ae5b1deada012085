"""The pieces that let a TCP connection thread run calls (``gateway.server.off_loop``): driving a chain that
never suspends, handing work to the loop with the call context, and deciding which chains may run there."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from gateway import HttpAuthenticationSink, Principal, RequestLoggingSink, StaticTokens, StaticUsers
from gateway.model.call_context import CallContext, context_left_by
from gateway.server.off_loop import ChainSuspended, handoff_loop, off_loop_obstacle, on_loop, run_to_end


async def _answer(value: int) -> int:
    return value


def test_run_to_end_returns_what_a_coroutine_that_never_suspends_returns() -> None:
    assert run_to_end(_answer(42)) == 42


def test_a_coroutine_that_suspends_is_refused_and_closed() -> None:
    cleaned: list[str] = []

    async def suspends() -> int:
        try:
            await asyncio.sleep(0)
            return 1
        finally:
            cleaned.append("finally ran")

    with pytest.raises(ChainSuspended, match="awaited NoneType on a TCP connection thread"):
        run_to_end(suspends())
    assert cleaned == ["finally ran"]  # closed: nothing of it left pending


def test_on_loop_runs_on_the_loop_with_this_threads_call_context_and_brings_back_what_it_left() -> None:
    loop = asyncio.new_event_loop()
    runner = threading.Thread(target=loop.run_forever, name="the-loop", daemon=True)
    runner.start()
    seen: dict[str, Any] = {}

    async def method() -> str:
        seen["thread"] = threading.current_thread().name
        seen["trace"] = CallContext.get_data("trace")
        seen["handoff"] = handoff_loop()
        CallContext.logical_set_data("trace", "changed on the loop")
        return "done"

    async def failing() -> str:
        CallContext.logical_set_data("trace", "left before failing")
        raise ValueError("no")

    outcome: dict[str, Any] = {}

    def connection_thread() -> None:
        CallContext.logical_set_data("trace", "from the thread")
        outcome["value"] = on_loop(loop, method)
        outcome["after"] = CallContext.get_data("trace")
        try:
            on_loop(loop, failing)
        except ValueError as exc:
            left = context_left_by(exc)
            outcome["left"] = left.logical.get("trace") if left is not None else None

    try:
        thread = threading.Thread(target=connection_thread)
        thread.start()
        thread.join(10)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        runner.join(10)
        loop.close()
    assert seen == {"thread": "the-loop", "trace": "from the thread", "handoff": None}
    assert outcome == {"value": "done", "after": "changed on the loop", "left": "left before failing"}


class _Inspector:
    understood_headers = ()


async def _verify(username: str, password: str) -> Principal | None:
    return None


@pytest.mark.parametrize(("sinks", "inspectors", "scaled_out", "reason"), [
    ([], [], False, None),
    ([RequestLoggingSink()], [], False, None),
    ([HttpAuthenticationSink(basic=StaticUsers({"a": ("b", [])}), bearer=StaticTokens({}))], [], False, None),
    ([HttpAuthenticationSink(basic=_verify)], [], False, "the sink HttpAuthenticationSink may await the event loop"),
    ([RequestLoggingSink(), object()], [], False, "the sink object may await the event loop"),
    ([], [_Inspector()], False, "call inspectors are installed"),
    ([], [], True, "the scale-out runtime runs"),
])
def test_which_chains_may_run_off_the_loop(sinks: list[object], inspectors: list[object], scaled_out: bool,
                                           reason: str | None) -> None:  # fmt: skip
    found = off_loop_obstacle(sinks, inspectors, scaled_out)
    if reason is None:
        assert found is None
    else:
        assert found is not None and found.startswith(reason)
