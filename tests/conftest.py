"""Fixtures several test folders share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .support.redis import RedisServer, redis_server


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A real redis-server on a free loopback port for the module's tests (skipped, or failed under CI,
    without one)."""
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server
