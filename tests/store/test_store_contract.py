"""The store contract, checked on both implementations: the embedded store and a real redis-server.

Workers register and expire, locks are taken once and renewed only by their holder, a dead holder's lock
can be taken over, persistent state round-trips, the lease index answers range queries; and against Redis
nothing is ever unpickled (the keys hold JSON and plain strings, read back here as such).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from gateway.store import Deployment, EmbeddedStore, ObjectStore, RedisStore, StoreUnavailable, WorkerRecord, store_for

from ..support.clock import ManualClock
from ..support.redis import RedisServer
from ..support.server import free_port

pytestmark = pytest.mark.anyio

#: The TTL of the expiry tests: long enough that a loaded machine never loses a key before the test reads it
#: back (Redis's clock is real time; the embedded store's is a manual one).
TTL = 2.0


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["embedded", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ObjectStore]:
    if request.param == "embedded":
        yield EmbeddedStore(shared=True, clock=ManualClock())
        return
    server: RedisServer = request.getfixturevalue("redis")
    store = RedisStore(server.url, prefix=f"t{id(tmp_path)}")
    await store.open()
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
def lapse(store: ObjectStore) -> Callable[[], Awaitable[None]]:
    """Let every key written with :data:`TTL` run out: the embedded store's clock moves past it; Redis's
    runs on its own, so the test waits it out (a key past its TTL is gone for every later command)."""
    async def run_out() -> None:
        if isinstance(store, EmbeddedStore):
            assert isinstance(store.clock, ManualClock)
            store.clock.advance(TTL + 0.01)
        else:
            await asyncio.sleep(TTL + 0.1)

    return run_out


SECRET = Deployment("s", 1)


def worker(worker_id: str, port: int = 1) -> WorkerRecord:
    return WorkerRecord(worker_id, f"http://127.0.0.1:{port}", 1234, "host", 1.0)


async def test_worker_registration_expires_unless_refreshed(
    store: ObjectStore, lapse: Callable[[], Awaitable[None]]
) -> None:
    first = await store.heartbeat(worker("w1"), TTL, (), SECRET)
    assert not first.was_registered
    assert await store.worker("w1") == worker("w1")
    assert (await store.heartbeat(worker("w1", 2), TTL, (), SECRET)).was_registered
    assert (await store.worker("w1")) == worker("w1", 2)
    await lapse()
    assert await store.worker("w1") is None
    beat = await store.heartbeat(worker("w2"), 5, (), SECRET)
    assert beat.workers == {"w2"}  # w1 expired
    await store.heartbeat(worker("w3"), 5, (), SECRET)
    await store.remove_worker("w2")
    assert await store.worker("w2") is None
    assert (await store.heartbeat(worker("w3"), 5, (), SECRET)).workers == {"w3"}


async def test_a_lock_has_one_owner_renewed_only_by_it(
    store: ObjectStore, lapse: Callable[[], Awaitable[None]]
) -> None:
    assert await store.acquire("Single.rem", "w1", TTL) == "w1"
    assert await store.acquire("Single.rem", "w2", 5) == "w1"
    assert await store.owner("Single.rem") == "w1"
    beat = await store.heartbeat(worker("w2"), 5, ["Single.rem"], SECRET)
    assert beat.held == frozenset()
    beat = await store.heartbeat(worker("w1"), TTL, ["Single.rem"], SECRET)
    assert beat.held == {"Single.rem"}
    await store.release("Single.rem", "w2")  # not its lock: nothing happens
    assert await store.owner("Single.rem") == "w1"
    await lapse()  # w1 stopped renewing
    assert await store.owner("Single.rem") is None
    assert await store.acquire("Single.rem", "w2", 5) == "w2"
    await store.release("Single.rem", "w2")
    assert await store.owner("Single.rem") is None


async def test_a_dead_owners_lock_is_taken_over_once(store: ObjectStore) -> None:
    assert await store.acquire("S.rem", "dead", 30) == "dead"
    winners = await asyncio.gather(*(store.acquire("S.rem", f"w{i}", 30, replacing="dead") for i in range(5)))
    assert len(set(winners)) == 1 and winners[0] != "dead"
    assert await store.owner("S.rem") == winners[0]


async def test_state_round_trips(store: ObjectStore) -> None:
    assert await store.load_state("S.rem") is None
    await store.save_state("S.rem", b'{"count":3}')
    assert await store.load_state("S.rem") == b'{"count":3}'
    await store.delete_state("S.rem")
    assert await store.load_state("S.rem") is None


async def test_lease_index_range_queries(store: ObjectStore) -> None:
    await store.update_leases("w1", {f"obj{i}.rem": float(i) for i in range(10)}, ())
    await store.update_leases("w2", {"other.rem": 0.0}, ())
    assert await store.lease_count("w1") == 10
    assert await store.due_leases("w1", 3.0, 100) == ["obj0.rem", "obj1.rem", "obj2.rem", "obj3.rem"]
    assert await store.due_leases("w1", 9.0, 2) == ["obj0.rem", "obj1.rem"]
    await store.update_leases("w1", {"obj0.rem": 50.0}, ["obj1.rem"])
    assert await store.due_leases("w1", 3.0, 100) == ["obj2.rem", "obj3.rem"]
    await store.remove_worker("w1")
    assert await store.lease_count("w1") == 0
    assert await store.due_leases("w2", 1.0, 10) == ["other.rem"]


async def test_the_deployment_record_is_set_once(store: ObjectStore) -> None:
    first = await store.heartbeat(worker("w1"), 5, (), Deployment("one", 11))
    second = await store.heartbeat(worker("w2"), 5, (), Deployment("two", 22))
    assert first.deployment == second.deployment == Deployment("one", 11)


async def test_redis_keys_hold_json_and_strings(redis: RedisServer) -> None:
    store = RedisStore(redis.url, prefix="plain")
    await store.open()
    try:
        await store.heartbeat(worker("w9"), 30, (), SECRET)
        await store.acquire("X.rem", "w9", 30)
        await store.save_state("X.rem", b'{"n":1}')
        raw = aioredis.Redis.from_url(redis.url)
        try:
            assert json.loads(await raw.get("plain:worker:w9"))["address"] == "http://127.0.0.1:1"
            assert await raw.get("plain:lock:X.rem") == b"w9"
            assert json.loads(await raw.get("plain:deployment")) == {"secret": "s", "pid": 1}
            assert json.loads(await raw.get("plain:state:X.rem")) == {"n": 1}
            assert 0 < await raw.pttl("plain:worker:w9") <= 30_000
        finally:
            await raw.aclose()
    finally:
        await store.close()


async def test_an_unreachable_redis_is_a_clear_error_at_once() -> None:
    store = RedisStore(f"redis://user:secret@127.0.0.1:{free_port()}/3", timeout=60.0)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(StoreUnavailable) as info:
        await store.open()
    assert loop.time() - started < 20.0  # refused at once, not after the (60 s) timeout
    message = str(info.value)
    assert message.startswith("the object store redis://127.0.0.1:")
    assert "/3 is unavailable" in message and "secret" not in message
    await store.close()


def test_store_urls() -> None:
    assert isinstance(store_for("embedded"), EmbeddedStore)
    assert not store_for("").shared
    assert isinstance(store_for("redis://localhost:6379/2"), RedisStore)
    assert store_for("redis://:pw@h:1/2").name == "redis://h:1/2"
    with pytest.raises(ValueError, match="expected 'embedded' or a Redis URL") as info:
        store_for("memcached://user:pw@host")
    assert "pw" not in str(info.value)
