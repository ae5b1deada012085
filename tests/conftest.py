"""Fixtures several test folders share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway.model.call_context import CURRENT_CONTEXT, EMPTY_CONTEXT

from .support.redis import RedisServer, redis_server


@pytest.fixture(autouse=True)
def fresh_call_context() -> Iterator[None]:
    """Each test starts with an empty logical call context: a value one test (or a server method it called
    in process) left in the test thread's context would otherwise ride along with a later test's calls."""
    CURRENT_CONTEXT.set(EMPTY_CONTEXT)
    yield
    CURRENT_CONTEXT.set(EMPTY_CONTEXT)


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A real redis-server on a free loopback port for the module's tests (skipped, or failed under CI,
    without one)."""
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server
