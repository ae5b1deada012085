"""Client soak test (issue 13 item 7): the sync and async clients against a real uvicorn, in the situations a
deployment meets. Every call either succeeds or raises a clear ``ChannelError`` within its timeout, and the
connection pools do not leak.

* idle gaps just under, at and over the server's keep-alive timeout (uvicorn ``--timeout-keep-alive 1``),
  with 1 to 256 calls in flight (async; 32 threads for the sync client): every call succeeds (a pooled
  connection the server closed while idle is detected, or the request, reset unread, is sent again);
* a server restart: calls while it is down raise ``ServerUnreachableError`` (a ``ChannelError``); calls
  after it is back succeed, although every pooled connection went with the old process;
* a call timeout shorter than the call: ``ChannelError`` after about the timeout, and the next call works;
* a hung server (a socket that accepts and never answers): ``ChannelError`` after about the timeout, for
  every one of up to 64 calls in flight;
* a server closing connections at random (``tests/support/flaky_proxy.py`` in front of uvicorn, seeded): each
  call succeeds or raises ``ChannelError`` within its timeout; a request reset before the server read it is
  sent again (up to ``MAX_RESENDS`` times); one the server got is never sent again (the server counts the
  invocations: each ran at most once, and only the last attempt reached it);
* the client's sockets to the server never outnumber the calls in flight, and none stay after ``close``.

Time bounds are generous (the timeout plus 10 s): they catch a call that hangs, not a slow machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from examples.hello import IHello
from gateway import AsyncRemotingClient, ChannelError, RemotingClient, ServerUnreachableError
from gateway.client.stale import MAX_RESENDS

from ..support.flaky_proxy import Attempt, FlakyProxy, flaky_proxy
from ..support.listeners import SilentListener
from ..support.server import free_port, live_process, live_server
from .soak_app import ICounter, ISlow

APP = "tests.gateway.soak_app:app"
KEEP_ALIVE = ("--timeout-keep-alive", "1")
GAPS = (0.9, 1.0, 1.1)  # around the server's 1 s keep-alive timeout
SLACK = 10.0  # how much longer than its timeout a failing call may take (a loaded machine), before it counts as hung


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with live_server(APP, args=KEEP_ALIVE) as url:
        yield url.rstrip("/")


def client_sockets(port: int) -> int:
    """How many open client sockets of this machine are connected to ``port``: ESTABLISHED, or CLOSE_WAIT (the
    server closed its side and the client still holds its own: the leak to look for). Sockets the client
    closed (FIN_WAIT, TIME_WAIT) hold nothing of the client's."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                state = fields[3]
                if remote_port == port and state in ("01", "08"):  # ESTABLISHED, CLOSE_WAIT
                    count += 1
    return count


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/", 1)[0])


# ------------------------------------------------------------------ idle gaps around the keep-alive timeout


@pytest.mark.parametrize("in_flight", [1, 64, 128, 256])
def test_async_calls_after_idle_gaps_around_the_keep_alive_all_succeed(base: str, in_flight: int) -> None:
    async def scenario() -> None:
        async with AsyncRemotingClient(timeout=20.0, max_connections=in_flight) as client:
            hello = client.get_object(IHello, base + "/SayHello.soap")
            for gap in (0.0, *GAPS):
                await asyncio.sleep(gap)
                names = [f"g{gap}c{i}" for i in range(in_flight)]
                assert await asyncio.gather(*(hello.HelloMethod(n) for n in names)) == [f"Hi there {n}" for n in names]
                assert client_sockets(port_of(base)) <= in_flight
        assert client_sockets(port_of(base)) == 0

    asyncio.run(scenario())


@pytest.mark.parametrize("in_flight", [1, 32])
def test_sync_calls_after_idle_gaps_around_the_keep_alive_all_succeed(base: str, in_flight: int) -> None:
    with RemotingClient(timeout=20.0) as client, ThreadPoolExecutor(in_flight) as pool:
        hello = client.get_object(IHello, base + "/SayHello.soap")
        for gap in (0.0, *GAPS):
            time.sleep(gap)
            names = [f"g{gap}c{i}" for i in range(in_flight)]
            assert list(pool.map(hello.HelloMethod, names)) == [f"Hi there {n}" for n in names]
            assert client_sockets(port_of(base)) <= max(in_flight, 1)
    assert client_sockets(port_of(base)) == 0


# ------------------------------------------------------------------ a server restart


@contextlib.contextmanager
def server_on(port: int) -> Iterator[str]:
    cmd = [sys.executable, "-m", "uvicorn", APP, "--host", "127.0.0.1", "--port", str(port), "--log-level",
           "warning", *KEEP_ALIVE]  # fmt: skip
    with live_process(cmd, port, name="soak server") as (url, _):
        yield url.rstrip("/")


def test_both_clients_across_a_server_restart() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/SayHello.soap"
    with RemotingClient(timeout=5.0) as sync_client:
        sync_hello = sync_client.get_object(IHello, url)

        async def async_round(client: AsyncRemotingClient, n: int) -> list[str]:
            hello = client.get_object(IHello, url)
            return list(await asyncio.gather(*(hello.HelloMethod(f"a{i}") for i in range(n))))

        async def scenario() -> None:
            async with AsyncRemotingClient(timeout=5.0) as async_client:
                with server_on(port):
                    assert sync_hello.HelloMethod("before") == "Hi there before"
                    assert await async_round(async_client, 16) == [f"Hi there a{i}" for i in range(16)]
                # down: refused connections, quickly
                started = time.monotonic()
                with pytest.raises(ServerUnreachableError):
                    sync_hello.HelloMethod("down")
                with pytest.raises(ServerUnreachableError):
                    await async_round(async_client, 4)
                assert time.monotonic() - started < 5.0 + SLACK
                with server_on(port):  # a new process: every pooled connection belonged to the old one
                    assert sync_hello.HelloMethod("after") == "Hi there after"
                    assert await async_round(async_client, 16) == [f"Hi there a{i}" for i in range(16)]

        asyncio.run(scenario())
    assert client_sockets(port) == 0


# ------------------------------------------------------------------ calls that outlast their timeout


def test_a_call_longer_than_its_timeout_raises_channel_error_and_the_next_call_works(base: str) -> None:
    with RemotingClient(timeout=0.5) as client:
        slow = client.get_object(ISlow, base + "/Slow.soap")
        started = time.monotonic()
        with pytest.raises(ChannelError, match="Timeout"):
            slow.Sleep(5.0)
        assert time.monotonic() - started < 0.5 + SLACK
        assert slow.Sleep(0.0) == 0.0
        assert client.get_object(IHello, base + "/SayHello.soap").HelloMethod("x") == "Hi there x"

    async def scenario() -> None:
        async with AsyncRemotingClient(timeout=0.5) as client:
            slow = client.get_object(ISlow, base + "/Slow.soap")
            started = time.monotonic()
            results = await asyncio.gather(*(slow.Sleep(5.0) for _ in range(16)), return_exceptions=True)
            assert time.monotonic() - started < 0.5 + SLACK
            assert all(isinstance(r, ChannelError) and "Timeout" in str(r) for r in results), results
            assert await slow.Sleep(0.0) == 0.0
            assert await client.get_object(IHello, base + "/SayHello.soap").HelloMethod("y") == "Hi there y"

    asyncio.run(scenario())


@pytest.fixture
def hung() -> Iterator[SilentListener]:
    """A hung server: accepts connections, holds them, never answers."""
    with SilentListener(hold=True) as server:
        yield server


@pytest.mark.parametrize("in_flight", [1, 64])
def test_a_hung_server_gives_channel_errors_within_the_timeout(hung: SilentListener, in_flight: int) -> None:
    url = f"http://127.0.0.1:{hung.port}/SayHello.soap"

    async def scenario() -> None:
        async with AsyncRemotingClient(timeout=0.5, max_connections=64) as client:
            hello = client.get_object(IHello, url)
            started = time.monotonic()
            results = await asyncio.gather(*(hello.HelloMethod(str(i)) for i in range(in_flight)),
                                           return_exceptions=True)  # fmt: skip
            assert time.monotonic() - started < 0.5 + SLACK
            assert all(isinstance(r, ChannelError) for r in results), results
        assert client_sockets(hung.port) == 0

    asyncio.run(scenario())
    with RemotingClient(timeout=0.5) as client, ThreadPoolExecutor(min(in_flight, 16)) as pool:
        hello = client.get_object(IHello, url)

        def call(i: int) -> BaseException | None:
            started = time.monotonic()
            try:
                hello.HelloMethod(str(i))
            except ChannelError as exc:
                assert time.monotonic() - started < 0.5 + SLACK
                return exc
            return None

        assert all(isinstance(r, ChannelError) for r in pool.map(call, range(min(in_flight, 16))))
    assert client_sockets(hung.port) == 0


# ------------------------------------------------------------------ a server closing connections at random

SEED = 13
#: the calls' timeout behind the proxy: no fate of the proxy hangs, so it only bounds a call on a loaded machine,
#: where 5 s let a call the server answered time out (and then count as a failure the proxy did not cause)
PROXY_TIMEOUT = 30.0


def check_random_close_outcomes(proxy: FlakyProxy, outcomes: dict[str, int | BaseException],
                                invoked: dict[str, int], resends: int) -> None:  # fmt: skip
    """What the client must have done with each call, given what the proxy did to each of its attempts."""
    retried = failed_after_the_server_ran_it = 0
    for key, outcome in outcomes.items():
        attempts = proxy.attempts[key]
        assert attempts, f"{key} never reached the proxy: {outcome!r}"
        # a call the server got is never sent again: it ran at most once, and only the last attempt reached it
        assert invoked[key] == proxy.forwarded[key] <= 1, (key, attempts, invoked[key], proxy.forwarded[key], outcome)
        # only a reset before any answer, on a reused connection, is resent (docs/guide.md "What the clients retry")
        assert all(a == Attempt("reset_before", reused=True) for a in attempts[:-1]), (key, attempts)
        retried += len(attempts) > 1
        last = attempts[-1]
        if isinstance(outcome, BaseException):
            assert isinstance(outcome, ChannelError), (key, attempts, outcome)
            assert last.fate != "pass", (key, attempts, outcome)
            if last == Attempt("reset_before", reused=True):  # resendable: only when the resends are used up
                assert len(attempts) > resends, (key, attempts, outcome)
            failed_after_the_server_ran_it += proxy.forwarded[key]
        else:
            assert outcome == 1 and last.fate == "pass", (key, attempts, outcome)
    # the scenario did what it is for (the seed makes this reproducible, not luck)
    assert retried and failed_after_the_server_ran_it, (retried, failed_after_the_server_ran_it)


def test_async_client_behind_a_server_that_closes_connections_at_random(base: str) -> None:
    in_flight, rounds = 256, 3

    async def call(counter: Any, key: str) -> int | BaseException:
        started = time.monotonic()
        try:
            return int(await counter.Record(key))
        except ChannelError as exc:
            return exc
        finally:
            assert time.monotonic() - started < PROXY_TIMEOUT + SLACK, key

    async def scenario(proxy: FlakyProxy) -> None:
        outcomes: dict[str, int | BaseException] = {}
        async with AsyncRemotingClient(timeout=PROXY_TIMEOUT, max_connections=in_flight) as client:
            counter = client.get_object(ICounter, proxy.url + "/Counter.soap")
            for r in range(rounds):
                keys = [f"soakkey-{proxy.seed * 100 + r}-{i}" for i in range(in_flight)]
                outcomes.update(zip(keys, await asyncio.gather(*(call(counter, k) for k in keys)), strict=True))
                assert client_sockets(port_of(proxy.url)) <= in_flight
        assert client_sockets(port_of(proxy.url)) == 0
        async with AsyncRemotingClient(timeout=20.0) as direct:
            server = direct.get_object(ICounter, base + "/Counter.soap")
            counts = await asyncio.gather(*(server.Count(k) for k in outcomes))
        check_random_close_outcomes(proxy, outcomes, dict(zip(outcomes, counts, strict=True)), MAX_RESENDS)

    with flaky_proxy(port_of(base), seed=SEED) as proxy:
        asyncio.run(scenario(proxy))


def test_sync_client_behind_a_server_that_closes_connections_at_random(base: str) -> None:
    threads, calls, rounds = 32, 64, 2
    outcomes: dict[str, int | BaseException] = {}
    with flaky_proxy(port_of(base), seed=SEED + 1) as proxy:
        with RemotingClient(timeout=PROXY_TIMEOUT) as client, ThreadPoolExecutor(threads) as pool:
            counter = client.get_object(ICounter, proxy.url + "/Counter.soap")

            def call(key: str) -> int | BaseException:
                started = time.monotonic()
                try:
                    return int(counter.Record(key))
                except ChannelError as exc:
                    return exc
                finally:
                    assert time.monotonic() - started < PROXY_TIMEOUT + SLACK, key

            for r in range(rounds):
                keys = [f"soakkey-{proxy.seed * 100 + r}-{i}" for i in range(calls)]
                outcomes.update(zip(keys, pool.map(call, keys), strict=True))
                assert client_sockets(port_of(proxy.url)) <= threads
        assert client_sockets(port_of(proxy.url)) == 0
    with RemotingClient(timeout=20.0) as direct:
        server = direct.get_object(ICounter, base + "/Counter.soap")
        invoked = {key: int(server.Count(key)) for key in outcomes}
    check_random_close_outcomes(proxy, outcomes, invoked, MAX_RESENDS)
